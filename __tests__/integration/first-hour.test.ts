// What a new user meets first, through the bundled action as the runner runs it: a dry run on a
// fork's pull request (no secrets), attaching with only api-key, api-url and job-id, errors that
// say why the API cannot be reached, and a GitHub Enterprise Server runner (no artifact service
// that @actions/artifact supports, no cache service) on which the training still goes on.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'
import { readFile } from 'node:fs/promises'
import type { TiyaroServer } from '../../server/tiyaro-server.js'
import { SEED_API_URL } from '../../src/shared/connection-errors.js'
import {
  DEMO_CLASS,
  DEMO_INSTANCE,
  TEST_API_KEY,
  operationsSeen,
  runWith,
  useServers
} from '../../test-support/action-fixture.js'
import { REPO_ROOT, runAction, type ActionRun } from '../../test-support/run-action.js'

const startServer = useServers()
let plainHttp: Server
let silent: ReturnType<typeof createTcpServer>
const silentSockets: Socket[] = []
let closedPort: number
/** stands for the runner's results service: on GHES nothing may reach it */
let resultsService: Server
let resultsRequests = 0

const portOf = (server: { address(): unknown }): number => (server.address() as AddressInfo).port
const listen = (server: Server | ReturnType<typeof createTcpServer>): Promise<void> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve()))

beforeAll(async () => {
  plainHttp = createHttpServer((_req, res) => res.end('{}'))
  silent = createTcpServer((socket) => silentSockets.push(socket))
  resultsService = createHttpServer((_req, res) => {
    resultsRequests++
    res.statusCode = 500
    res.end()
  })
  const probe = createTcpServer()
  await Promise.all([listen(plainHttp), listen(silent), listen(resultsService), listen(probe)])
  closedPort = portOf(probe)
  await new Promise((resolve) => probe.close(resolve))
})

afterAll(async () => {
  for (const socket of silentSockets) socket.destroy()
  await Promise.all([
    new Promise((resolve) => plainHttp.close(resolve)),
    new Promise((resolve) => silent.close(resolve)),
    new Promise((resolve) => resultsService.close(resolve))
  ])
})

function serverWith(options: Parameters<typeof startServer>[0] = {}): Promise<TiyaroServer> {
  return startServer(options)
}

const DATASET = {
  'instance-images': DEMO_INSTANCE,
  'class-images': DEMO_CLASS,
  name: 'toy-robot',
  'instance-prompt': 'a photo of sks toy robot',
  'class-prompt': 'a photo of a toy robot'
}

const annotations = (run: ActionRun, kind: 'warning' | 'error'): string[] =>
  run.stdout.split('\n').filter((line) => line.startsWith(`::${kind}::`))

describe('forks and attach mode', () => {
  it('runs a dry run with no api-key and no api-url, as on a pull request from a fork', async () => {
    const run = await runAction({ inputs: { ...DATASET, 'dry-run': 'true' } })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('dry-run')
    expect(run.outputs['zip-sha256']).toMatch(/^[0-9a-f]{64}$/)
    expect(annotations(run, 'error')).toEqual([])
  })

  it('attaches with only api-key, api-url and job-id', async () => {
    const server = await serverWith({ trainingMs: 500 })
    const started = await runWith(server, { wait: 'false' })
    expect(started.outputs.status).toBe('running')
    const before = server.requests.length
    const run = await runAction({
      inputs: { 'api-key': TEST_API_KEY, 'api-url': server.graphqlUrl, 'job-id': started.outputs['job-id'] }
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    expect(run.outputs['model-url']).toBeTruthy()
    expect(operationsSeen(server, before)).not.toContain('newJobID')
  })

  it('still reports what a mode needs, naming the mode, before any request', async () => {
    const server = await serverWith()
    const run = await runWith(server, { name: '', 'api-url': undefined })
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toContain(
      'name: is required to start a training and was not given (or only whitespace); only attaching to a job with job-id can do without it'
    )
    expect(run.outputs['error-message']).toMatch(/api-url: is required to start a training .*no default/)
    const attach = await runAction({ inputs: { 'api-url': server.graphqlUrl, 'job-id': 'job-1' } })
    expect(attach.exitCode).toBe(1)
    expect(attach.outputs['error-message']).toMatch(/^api-key: is required to attach to a job \(job-id\)/)
    expect(server.requests).toHaveLength(0)
  })
})

describe('an API that cannot be reached', () => {
  // a short deadline ends the retries within a few seconds
  const unreachable = (apiUrl: string, nodeArgs: string[] = []): Promise<ActionRun> =>
    runAction({
      inputs: {
        ...DATASET,
        'api-key': TEST_API_KEY,
        'api-url': apiUrl,
        'timeout-minutes': '0.05',
        'request-timeout-seconds': '0.5',
        'cache-class-images': 'false'
      },
      nodeArgs
    })

  it("the seed's default endpoint: the host, that the name does not resolve, and what to do", async () => {
    const run = await unreachable(SEED_API_URL, ['--import', `${REPO_ROOT}/test-support/no-dns.mjs`])
    expect(run.exitCode).toBe(1)
    const message = run.outputs['error-message']
    expect(message).toBe(
      `newJobID: connection failed: cannot reach ${new URL(SEED_API_URL).host}: the name does not resolve (ENOTFOUND). ` +
        "This is the seed's hosted Tiyaro endpoint, which no longer answers: set api-url to the GraphQL endpoint of a compatible service."
    )
    expect(annotations(run, 'error')).toEqual([`::error::${message}`])
    expect(run.stdout).not.toContain('fetch failed')
  })

  it('a closed port: connection refused, naming host and port', async () => {
    const run = await unreachable(`http://127.0.0.1:${closedPort}/graphql`)
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toBe(
      `newJobID: connection failed: cannot reach 127.0.0.1:${closedPort}: connection refused, nothing listens on that port (ECONNREFUSED).`
    )
  })

  it('https to a port that speaks plain http: a TLS error', async () => {
    const run = await unreachable(`https://127.0.0.1:${portOf(plainHttp)}/graphql`)
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toMatch(
      new RegExp(
        `^newJobID: connection failed: cannot reach 127\\.0\\.0\\.1:${portOf(plainHttp)}: TLS error: .*\\(ERR_SSL_\\w+\\)\\.$`
      )
    )
  })

  it('a server that never answers: timed out', async () => {
    const run = await unreachable(`http://127.0.0.1:${portOf(silent)}/graphql`)
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toBe(
      `newJobID: connection failed: cannot reach 127.0.0.1:${portOf(silent)}: timed out: no answer within the request timeout.`
    )
  })
})

describe('a GitHub Enterprise Server runner', () => {
  it('warns once that no artifact and no cache can be made there, and the training goes on', async () => {
    const server = await serverWith()
    const run = await runWith(
      server,
      { 'artifact-name': 'toy-robot-result', 'sample-prompts': 'a photo of sks toy robot on the moon' },
      {
        env: {
          // what a GHES runner gives a JavaScript action: its own server, a runtime token, and
          // here no ACTIONS_CACHE_URL (its cache is not set up); a re-run, so the re-run record is asked too
          GITHUB_SERVER_URL: 'https://ghes.example.com',
          GITHUB_API_URL: 'https://ghes.example.com/api/v3',
          ACTIONS_RUNTIME_TOKEN: 'runtime-token-of-the-ghes-runner',
          ACTIONS_RESULTS_URL: `http://127.0.0.1:${portOf(resultsService)}/`,
          ACTIONS_CACHE_SERVICE_V2: 'True',
          GITHUB_RUN_ID: '77',
          GITHUB_RUN_ATTEMPT: '2'
        }
      }
    )
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    expect(run.outputs['artifact-id']).toBeUndefined()
    const warnings = annotations(run, 'warning')
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toBe(
      '::warning::This runner offers no Actions cache service (https://ghes.example.com is not github.com, and ACTIONS_CACHE_URL, the cache service used there, is not set): ' +
        'the class images are not cached for later runs (cache-class-images: false turns the cache off). The run goes on without it.'
    )
    expect(warnings[1]).toBe(
      '::warning::artifact-name: the artifact service of https://ghes.example.com is not supported by @actions/artifact (GitHub Enterprise Server, Gitea), ' +
        'so no artifact "toy-robot-result" was uploaded; the training goes on. ' +
        'The zip (the zip-path output) and the sample images (the sample-images output) stay on the runner: actions/upload-artifact@v3 can upload them there.'
    )
    // the re-run record said it again, as information only
    expect(run.stdout).toMatch(/^No Actions cache service: a re-run cannot find the job an earlier attempt started/m)
    const [sample] = JSON.parse(run.outputs['sample-images']) as string[]
    expect((await readFile(sample!)).subarray(1, 4).toString()).toBe('PNG')
    expect(resultsRequests).toBe(0)
  })
})
