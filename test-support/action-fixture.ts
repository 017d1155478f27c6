// What the integration tests share: local Tiyaro servers (useServer, useServers), inputs that
// train on the demo images, and the secret scan over every run of the test file.
import { afterAll, expect } from '@jest/globals'
import { join } from 'node:path'
import { startTiyaroServer, type ServerOptions, type TiyaroServer } from '../server/tiyaro-server.js'
import { useStarted } from './fixtures.js'
import {
  REPO_ROOT,
  findLeaks,
  recordedRuns,
  removeRunTemps,
  runAction,
  type ActionRun,
  type RunActionOptions
} from './run-action.js'

export const TEST_API_KEY = 'tk-test-9f8e7d6c5b4a39281706'
export const DEMO_INSTANCE = join(REPO_ROOT, 'fixtures/demo/instance')
export const DEMO_CLASS = join(REPO_ROOT, 'fixtures/demo/class')

function startServer(options: ServerOptions = {}): Promise<TiyaroServer> {
  return startTiyaroServer({ apiKey: TEST_API_KEY, trainingMs: 200, ...options })
}

export interface SecretScan {
  /** secrets besides the API key and the servers' upload URLs that no run may print */
  readonly secrets?: readonly string[]
}

/**
 * Local Tiyaro servers for the block (see fixtures.ts). Returns a function that starts one, in a
 * test or a hook. In afterAll every run of the action so far in this file is scanned for the API
 * key, each upload URL these servers issued and `scan.secrets` (outside `::add-mask::`); then the
 * servers are closed and the RUNNER_TEMP folders runAction made are removed.
 */
export function useServers(scan: SecretScan = {}): (options?: ServerOptions) => Promise<TiyaroServer> {
  const servers: TiyaroServer[] = []
  afterAll(async () => {
    try {
      expectNoSecretsInRuns(servers, scan.secrets)
    } finally {
      await Promise.all(servers.splice(0).map((server) => server.close()))
      await removeRunTemps()
    }
  })
  return async (options) => {
    const server = await startServer(options)
    servers.push(server)
    return server
  }
}

/** One local Tiyaro server for the block, started in beforeAll; scanned and closed as useServers() does. */
export function useServer(options: ServerOptions = {}, scan: SecretScan = {}): TiyaroServer {
  const start = useServers(scan)
  // useServers closes it; the stand-in has nothing more to stop
  return useStarted(
    'useServer()',
    () => start(options),
    () => undefined
  )
}

/** The required inputs, a fast poll and the server's URL; `inputs` add to or replace them. */
export function trainingInputs(
  server: TiyaroServer,
  inputs: Record<string, string | undefined> = {}
): Record<string, string | undefined> {
  return {
    'api-key': TEST_API_KEY,
    'api-url': server.graphqlUrl,
    'instance-images': DEMO_INSTANCE,
    'class-images': DEMO_CLASS,
    name: 'toy-robot',
    version: 'v1',
    'instance-prompt': 'a photo of sks toy robot',
    'class-prompt': 'a photo of a toy robot',
    'poll-interval-seconds': '0.1',
    'timeout-minutes': '1',
    ...inputs
  }
}

export function runWith(
  server: TiyaroServer,
  inputs: Record<string, string | undefined> = {},
  options: Partial<RunActionOptions> = {}
): Promise<ActionRun> {
  return runAction({ ...options, inputs: trainingInputs(server, inputs) })
}

/** The calls of a training run (the original API revision), in the order the action makes them. */
export const WORKFLOW_CALLS = [
  'newJobID',
  'getJobInputURL',
  'upload',
  'startRetrainingJob',
  'getJobStatus',
  'getRetrainedModels'
] as const

/** Names of the GraphQL operations the server saw, in order, and 'upload' for PUTs. */
export function operationsSeen(server: TiyaroServer, since = 0): string[] {
  return server.requests
    .slice(since)
    .flatMap((entry) => (entry.kind === 'upload' ? ['upload'] : entry.operations.filter((op) => !op.startsWith('__'))))
}

/**
 * Fails when any run of this test file printed the API key, an upload URL or a part of either
 * outside ::add-mask::: keys (the API key, `extraKeys`) and URL signatures also count when 12
 * of their characters in a row appear anywhere.
 */
export function expectNoSecretsInRuns(servers: readonly TiyaroServer[], extraKeys: readonly string[] = []): void {
  const urls = servers.flatMap((server) => server.issuedUploadUrls)
  const whole = urls.flatMap((url) => urlSecrets(url).whole)
  const partial = [TEST_API_KEY, ...extraKeys, ...urls.flatMap((url) => urlSecrets(url).partial)]
  const leaks = recordedRuns.flatMap((run, index) =>
    findLeaks(run, whole, partial).map((leak) => `run ${index + 1}: ${leak}`)
  )
  expect(leaks).toEqual([])
}

/**
 * A presigned URL's secrets: the URL and its query whole, and its signature, credential and
 * token values, which are secrets in any part.
 */
export function urlSecrets(url: string): { whole: string[]; partial: string[] } {
  const parsed = new URL(url)
  const partial = [...parsed.searchParams.entries()]
    .filter(([name, value]) => /signature|credential|token/i.test(name) && value.length >= 12)
    .flatMap(([, value]) => [value, encodeURIComponent(value)])
  return { whole: [url, parsed.search.slice(1)], partial: [...new Set(partial)] }
}
