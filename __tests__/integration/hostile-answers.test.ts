// A broken or hostile server, and AppSync's real answers, through the bundled action: values of
// the wrong shape are refused as they arrive (a clear error naming the operation and the field,
// never a JavaScript crash, never in the finally that writes the outputs); the API key and the
// dataset go only where a secret may go; resolver errors and partial data are read as AppSync
// means them.
import { describe, expect, it } from '@jest/globals'
import type { Fault } from '../../server/faults.js'
import { operationsSeen, runWith, useServers } from '../../test-support/action-fixture.js'
import { useRequestRecorder } from '../../test-support/fixtures.js'
import type { ActionRun } from '../../test-support/run-action.js'

const serverWith = useServers()
const elsewhere = useRequestRecorder()

// a generous request timeout: nothing here hangs, and a loaded machine must not lose an answer
const FAST = { 'request-timeout-seconds': '10', 'poll-interval-seconds': '0.1', 'timeout-minutes': '1' }

/** Failed the step with `message`, wrote outputs and summary, and printed no crash of our own. */
function expectCleanFailure(run: ActionRun, message: RegExp): void {
  expect(run.exitCode).toBe(1)
  expect(run.outputs['error-message']).toMatch(message)
  expect(run.stdout).toMatch(/^::error::/m)
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(
    /TypeError|ReferenceError|RangeError|is not a function|Cannot read/
  )
  expect(run.summary).not.toBe('')
}

/** Lines that a runner would take as a workflow command other than our own masks and annotations. */
function injectedCommands(run: ActionRun): string[] {
  return run.stdout
    .split('\n')
    .filter((line) => /^::/.test(line) && !/^::(add-mask|error|warning|debug|group|endgroup)::/.test(line))
}

describe('values of the wrong shape are refused as they arrive', () => {
  it.concurrent.each([
    ['a job ID with a line break and a command', 'job-1\n::set-env name=X::y'],
    ['a job ID that starts with ::', '::error::forged'],
    ['a number', 42],
    ['an object', { id: 'job-1' }],
    ['an empty string', ''],
    ['a job ID of 500 characters', 'j'.repeat(500)]
  ])('newJobID answering %s: a clear error naming newJobID, nothing started', async (_label, newJobID) => {
    const server = await serverWith()
    server.injectFault('newJobID', { kind: 'answer', body: { data: { newJobID } } })
    const run = await runWith(server, FAST)
    expectCleanFailure(run, /^newJobID: the service answered a job ID that is not one: ".*" \(a job ID is 1 to 128/)
    expect(run.outputs['job-id']).toBeUndefined()
    expect(injectedCommands(run)).toEqual([])
    expect(run.stdout).not.toMatch(/^::error::forged/m)
    expect(server.trainingsStarted()).toBe(0)
  })

  it.concurrent.each([
    [
      'a value outside the enum',
      { statusEnum: 'pwned\n::error::forged', errMsg: null },
      /statusEnum that is not one of running, done, failed, notfound: "pwned\\n::error::forged"/
    ],
    ['a status that is a string', 'done', /status that is not an object: "done"/]
  ])('getJobStatus answering %s: a clear error naming getJobStatus', async (_label, getJobStatus, message) => {
    const server = await serverWith()
    server.injectFault('getJobStatus', { kind: 'answer', body: { data: { getJobStatus } } })
    const run = await runWith(server, FAST)
    expectCleanFailure(run, new RegExp(`^getJobStatus: the service answered a ${message.source}`))
    expect(run.outputs['job-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(injectedCommands(run)).toEqual([])
    expect(server.trainingsStarted()).toBe(1)
  })

  it.concurrent.each([
    [
      'a model URL on plain http to another machine',
      { url: 'http://models.example/v1/ent/x' },
      /model's url that is refused \("http:\/\/models\.example\/v1\/ent\/x"\): it is plain http to another machine/
    ],
    [
      'a javascript: model card',
      { modelCard: 'javascript:alert(1)' },
      /model's modelCard that is refused .*: it uses javascript: where https is required/
    ],
    [
      'a model URL at the metadata service',
      { url: 'https://169.254.169.254/latest/meta-data/' },
      /model's url that is refused .*: it points at a cloud metadata address/
    ],
    ['a model without a name', { name: null }, /model's name that is not a non-empty string: "null"/]
  ])('getRetrainedModels answering %s: a clear error naming the field', async (_label, change, message) => {
    const server = await serverWith()
    const model = {
      vendor: 'local',
      version: 'v1',
      name: 'toy-robot',
      url: `${server.url}/v1/ent/local/1/toy-robot?version=v1`,
      modelCard: `${server.url}/models/local/toy-robot/v1`,
      ...change
    }
    server.injectFault('getRetrainedModels', { kind: 'answer', body: { data: { getRetrainedModels: [model] } } })
    const run = await runWith(server, { ...FAST, 'sample-prompts': 'a photo of sks toy robot' })
    expectCleanFailure(run, new RegExp(`^getRetrainedModels: the service answered a ${message.source}`))
    expect(run.outputs['model-url']).toBeUndefined()
    // the key never went to the model's URL: no inference call was made
    expect(server.requests.filter((entry) => entry.kind === 'inference')).toEqual([])
  })
})

describe('secrets go only where a secret may go', () => {
  it.concurrent.each([
    [
      'plain http to the metadata service',
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      /points at a cloud metadata address/
    ],
    [
      'https to the AWS IPv6 metadata address',
      'https://[fd00:ec2::254]/upload?X-Amz-Signature=abc',
      /points at a cloud metadata address/
    ],
    [
      'https to a link-local address',
      'https://169.254.10.20/upload',
      /points at a link-local address \(169\.254\.0\.0\/16\)/
    ],
    [
      'plain http to another machine',
      'http://storage.example/upload?sig=0123456789abcdef0123',
      /is plain http to another machine/
    ]
  ])('an upload URL of %s is refused before a byte is sent', async (_label, url, reason) => {
    const server = await serverWith()
    server.injectFault('getJobInputURL', { kind: 'answer', body: { data: { getJobInputURL: url } } })
    const run = await runWith(server, FAST)
    expectCleanFailure(
      run,
      new RegExp(`^getJobInputURL: the service answered an upload URL that is refused: it ${reason.source}`)
    )
    // the URL is a credential: the message does not quote it
    expect(run.outputs['error-message']).not.toContain(url)
    expect(run.durationMs).toBeLessThan(30_000)
    expect(operationsSeen(server)).not.toContain('upload')
    expect(server.trainingsStarted()).toBe(0)
  })

  it.concurrent.each([
    ['the AWS metadata address', 'https://169.254.169.254/graphql', /a cloud metadata address/],
    ["GCP's metadata host", 'https://metadata.google.internal/computeMetadata/v1/', /a cloud metadata address/],
    ['an IPv6 link-local address', 'https://[fe80::1]/graphql', /a link-local address \(fe80::\/10\)/],
    ['the metadata address in IPv4-mapped IPv6', 'https://[::ffff:169.254.169.254]/graphql', /a cloud metadata address/]
  ])('api-url at %s: the key is never sent, the run fails at once', async (_label, apiUrl, reason) => {
    const server = await serverWith()
    // a minute to retry in: failing well inside it shows there was no retry (room for a loaded machine)
    const run = await runWith(server, { ...FAST, 'api-url': apiUrl, 'timeout-minutes': '1' })
    expectCleanFailure(run, new RegExp(`^api-url points at ${reason.source}; the API key is not sent there`))
    expect(run.durationMs).toBeLessThan(30_000)
  })

  it.concurrent('a GraphQL answer that redirects elsewhere is not followed: the key stays with api-url', async () => {
    const server = await serverWith()
    const before = elsewhere.requests.length
    server.injectFault('newJobID', { kind: 'redirect', status: 307, location: `${elsewhere.url}/graphql` })
    const run = await runWith(server, FAST)
    expectCleanFailure(
      run,
      /^newJobID: answered with a redirect \(HTTP 307 to http:\/\/127\.0\.0\.1:\d+\), which is not followed; the API key goes only to api-url/
    )
    expect(elsewhere.requests.slice(before)).toEqual([])
  })
})

describe("AppSync's real answers", () => {
  it.concurrent('falls back to the later revision on graphql-java validation wording, introspection off', async () => {
    const server = await serverWith({ revision: 'later', introspection: false, validationWording: 'graphql-java' })
    const run = await runWith(server, FAST)
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    expect(run.stdout).toContain('API revision: later')
    expect(server.trainingsStarted()).toBe(1)
    // the refusal the fallback read was graphql-java's
    const refusals = server.requests.flatMap((entry) => entry.errors ?? [])
    expect(refusals).toContain(
      "Validation error of type FieldUndefined: Field 'startRetrainingJob' in type 'Mutation' is undefined @ 'startRetrainingJob'"
    )
  })

  const RESOLVER_FAULTS: [string, Fault, number][] = [
    [
      'Lambda:Unhandled "Task timed out after 30.03 seconds"',
      { kind: 'resolver-error', errorType: 'Lambda:Unhandled' },
      2
    ],
    ['ExecutionTimeout "Execution timed out."', { kind: 'resolver-error', errorType: 'ExecutionTimeout' }, 2]
  ]

  it.concurrent.each(RESOLVER_FAULTS)(
    'a resolver error while waiting (%s) is transient: the wait goes on',
    async (_label, fault, times) => {
      const server = await serverWith()
      server.injectFault('getJobStatus', fault, times)
      const run = await runWith(server, FAST)
      expect(run.exitCode).toBe(0)
      expect(run.outputs.status).toBe('done')
      expect(server.pendingFaults('getJobStatus')).toBe(0)
      expect(run.stdout).toMatch(
        /check \d+: no answer \(getJobStatus failed: (Task timed out after 30\.03 seconds \(Lambda:Unhandled\)|Execution timed out\. \(ExecutionTimeout\))\)/
      )
    }
  )

  it.concurrent('a resolver that keeps failing ends the wait at the deadline, as a 503 would (timed-out)', async () => {
    const server = await serverWith({ outcome: 'never' })
    server.injectFault('getJobStatus', { kind: 'resolver-error', errorType: 'Lambda:Unhandled' }, 10_000)
    const run = await runWith(server, { ...FAST, 'timeout-minutes': '0.05' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.status).toBe('timed-out')
    expect(run.outputs['job-id']).toBeTruthy()
  })

  it.concurrent(
    'a models list with one null entry and an error about it gives the good model and a warning',
    async () => {
      const server = await serverWith()
      server.injectFault('getRetrainedModels', {
        kind: 'partial',
        path: ['getRetrainedModels', 1],
        errorType: 'Lambda:Unhandled',
        message: 'model 2 could not be read'
      })
      const run = await runWith(server, FAST)
      expect(run.exitCode).toBe(0)
      expect(run.outputs.status).toBe('done')
      expect(JSON.parse(run.outputs.models ?? '[]')).toHaveLength(1)
      expect(run.outputs['model-name']).toBe('toy-robot')
      expect(run.stdout).toMatch(
        /^::warning::getRetrainedModels: 1 of 2 models could not be read \(model 2 could not be read \(Lambda:Unhandled\)\); using the others$/m
      )
    }
  )

  it.concurrent('a status with statusEnum done and an error on finished is done', async () => {
    const server = await serverWith()
    const partialFinished: Fault = {
      kind: 'partial',
      path: ['getJobStatus', 'finished'],
      message: 'finished: resolver failed'
    }
    server.injectFault('getJobStatus', partialFinished, 10_000)
    const run = await runWith(server, FAST)
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    expect(run.outputs.finished).toBeUndefined()
    expect(run.outputs['model-url']).toBeTruthy()
  })
})
