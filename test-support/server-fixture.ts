// A local Tiyaro server per test for the server's own tests: `const start = useTestServers()` at the
// top of a test file gives a `start(options)` whose servers are all closed after each test; a bare
// GraphQL client for them, as the action would speak to the server; and the bytes a server
// stored for a job.
import { afterEach, expect } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { startTiyaroServer, type ServerOptions, type TiyaroServer } from '../server/tiyaro-server.js'
import { readZip, type ZipEntry } from '../server/zip-entries.js'

/** Registers the closing of the servers it starts after each test; returns the starter. */
export function useTestServers(): (options?: ServerOptions) => Promise<TiyaroServer> {
  const servers: TiyaroServer[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()))
  })
  return async (options = {}) => {
    const server = await startTiyaroServer(options)
    servers.push(server)
    return server
  }
}

/** The bytes of a job's stored objects, in upload order, read from the server's data folder. */
export async function storedBytes(server: TiyaroServer, jobId: string): Promise<Buffer[]> {
  return Promise.all((server.job(jobId)?.uploads ?? []).map((stored) => readFile(stored.path)))
}

/** The entries of the last zip a job's upload stored, read from the server's data folder. */
export async function lastUploadedZip(server: TiyaroServer, jobId: string): Promise<ZipEntry[]> {
  const stored = server.job(jobId)?.uploads.at(-1)
  if (!stored) throw new Error(`job ${jobId} has no upload`)
  return readZip(await readFile(stored.path))
}

export interface GraphqlAnswer {
  status: number
  body: { data?: Record<string, unknown> | null; errors?: { message: string; errorType?: string }[] }
}

export interface GraphqlPostOptions {
  /** null sends no Authorization header; the server's key by default */
  readonly apiKey?: string | null
  readonly signal?: AbortSignal
}

/** A GraphQL POST to the server as the action sends one; the raw response. */
export function postGraphql(
  server: TiyaroServer,
  query: string,
  variables?: Record<string, unknown>,
  options: GraphqlPostOptions = {}
): Promise<Response> {
  const apiKey = options.apiKey === undefined ? server.apiKey : options.apiKey
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (apiKey !== null) headers.Authorization = apiKey
  return fetch(server.graphqlUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
    ...(options.signal ? { signal: options.signal } : {})
  })
}

/** The answer's HTTP status and JSON body. */
export async function graphql(
  server: TiyaroServer,
  query: string,
  variables?: Record<string, unknown>,
  options: GraphqlPostOptions = {}
): Promise<GraphqlAnswer> {
  const response = await postGraphql(server, query, variables, options)
  return { status: response.status, body: (await response.json()) as GraphqlAnswer['body'] }
}

/** The data of a call that must succeed: HTTP 200, data and no errors. */
export async function graphqlData(
  server: TiyaroServer,
  query: string,
  variables?: Record<string, unknown>
): Promise<Record<string, unknown>> {
  const answer = await graphql(server, query, variables)
  expect(answer).toEqual({ status: 200, body: { data: expect.anything() } })
  return answer.body.data!
}
