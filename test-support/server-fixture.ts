// A local Tiyaro server per test for the server's own tests: `const start = useTestServers()` at the
// top of a test file gives a `start(options)` whose servers are all closed after each test; and
// the bytes a server stored for a job.
import { afterEach } from '@jest/globals'
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
