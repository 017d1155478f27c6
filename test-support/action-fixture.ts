// What the integration tests share: a local Tiyaro server, inputs that train on the demo
// images, and the secret scan over every run of the test file.
import { expect } from '@jest/globals'
import { join } from 'node:path'
import { startTiyaroServer, type ServerOptions, type TiyaroServer } from '../server/tiyaro-server.js'
import { REPO_ROOT, findLeaks, recordedRuns, runAction, type ActionRun, type RunActionOptions } from './run-action.js'

export const TEST_API_KEY = 'tk-test-9f8e7d6c5b4a39281706'
export const DEMO_INSTANCE = join(REPO_ROOT, 'fixtures/demo/instance')
export const DEMO_CLASS = join(REPO_ROOT, 'fixtures/demo/class')

export function startServer(options: ServerOptions = {}): Promise<TiyaroServer> {
  return startTiyaroServer({ apiKey: TEST_API_KEY, trainingMs: 200, ...options })
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

/** Names of the GraphQL operations the server saw, in order, and 'upload' for PUTs. */
export function operationsSeen(server: TiyaroServer, since = 0): string[] {
  return server.requests
    .slice(since)
    .flatMap((entry) => (entry.kind === 'upload' ? ['upload'] : entry.operations.filter((op) => !op.startsWith('__'))))
}

/** Fails when any run of this test file printed the API key or an upload URL outside ::add-mask::. */
export function expectNoSecretsInRuns(servers: readonly TiyaroServer[], extraSecrets: readonly string[] = []): void {
  const secrets = [
    TEST_API_KEY,
    ...extraSecrets,
    ...servers.flatMap((server) => server.issuedUploadUrls.flatMap(urlSecrets))
  ]
  const leaks = recordedRuns.flatMap((run, index) => findLeaks(run, secrets).map((leak) => `run ${index + 1}: ${leak}`))
  expect(leaks).toEqual([])
}

/** A presigned URL and the parts of it that are a credential on their own. */
function urlSecrets(url: string): string[] {
  const parsed = new URL(url)
  return [url, parsed.search.slice(1), ...[...parsed.searchParams.values()].filter((value) => value.length >= 16)]
}
