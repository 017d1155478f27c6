// Peak memory of the local server while it receives and checks a big dataset upload: starts the
// server (build/server/cli.js) as a child process, makes a STORE zip of the given size in the
// seed's layout (kept in bench/.data/), PUTs it through a presigned URL, starts the job (which
// checks the zip), waits for the job's end, and reads the child's VmHWM (peak RSS) from /proc.
//
//   npm run build:tools && node build/bench/upload-rss.js [--size 1g] [--entries 64] [--data-dir DIR]
//
// --server takes another build of server/cli.js, e.g. an older commit's, to compare.
import { ZipArchive } from 'archiver'
import { spawn } from 'node:child_process'
import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { mkdir, readFile, rename, stat } from 'node:fs/promises'
import { request } from 'node:http'
import { join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { PNG_SIGNATURE } from '../test-support/png.js'
import { parseSize } from './dataset.js'

const ROOT = resolve(import.meta.dirname, '../..')
const API_KEY = 'rss-bench-key'

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1g' },
    entries: { type: 'string', default: '64' },
    'data-dir': { type: 'string' },
    server: { type: 'string' }
  }
})
const size = parseSize(values.size)
const entries = Number(values.entries)

/** A STORE zip of `entries` files of equal size, each starting like a PNG, one at the root. */
async function makeZip(path: string): Promise<void> {
  if (existsSync(path)) return
  await mkdir(join(path, '..'), { recursive: true })
  const archive = new ZipArchive({ store: true })
  const written = pipeline(archive, createWriteStream(`${path}.part`))
  const each = Math.floor(size / entries)
  const block = Buffer.alloc(1024 * 1024)
  for (let index = 0; index < block.length; index++) block[index] = (index * 2654435761) >>> 24
  for (let index = 0; index < entries; index++) {
    const name = index === 0 ? 'instance.png' : `dataset_class/class-${index}.png`
    archive.append(Readable.from(chunks(each, block, index)), { name })
  }
  await archive.finalize()
  await written
  await rename(`${path}.part`, path)
}

function* chunks(total: number, block: Buffer, seed: number): Generator<Buffer> {
  yield PNG_SIGNATURE
  let left = total - PNG_SIGNATURE.length
  while (left > 0) {
    const piece = Buffer.from(block.subarray(0, Math.min(left, block.length)))
    piece[0] = seed & 0xff
    yield piece
    left -= piece.length
  }
}

function peakRss(pid: number): Promise<{ hwm: number; rss: number }> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((text) => {
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN)
    return { hwm: kb('VmHWM') * 1024, rss: kb('VmRSS') * 1024 }
  })
}

async function graphql(
  url: string,
  query: string,
  variables: Record<string, unknown> = {}
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { Authorization: API_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, variables })
  })
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown }
  if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors))
  return body.data
}

function put(url: string, path: string, length: number): Promise<number> {
  return new Promise((done, fail) => {
    const req = request(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(length) }
    })
    req.on('response', (res) => {
      res.resume()
      res.on('end', () => done(res.statusCode ?? 0))
    })
    req.on('error', fail)
    createReadStream(path).pipe(req)
  })
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`

async function main(): Promise<void> {
  const zipPath = join(ROOT, 'bench/.data', `upload-rss-${values.size}-${entries}.zip`)
  await makeZip(zipPath)
  const zipBytes = (await stat(zipPath)).size
  const args = [
    values.server ?? join(ROOT, 'build/server/cli.js'),
    '--port',
    '0',
    '--api-key',
    API_KEY,
    '--training-ms',
    '0'
  ]
  if (values['data-dir']) args.push('--data-dir', values['data-dir'])
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const lines = createInterface({ input: child.stdout! })
    const graphqlUrl = await new Promise<string>((found) => {
      lines.on('line', (line) => {
        const match = /listening on (\S+)/.exec(line)
        if (match) found(match[1]!)
      })
    })
    const pid = child.pid!
    const idle = await peakRss(pid)
    const jobID = (await graphql(graphqlUrl, 'mutation { newJobID(jobType: dreambooth) }')).newJobID as string
    const url = (
      await graphql(graphqlUrl, 'query ($j: String) { getJobInputURL(jobID: $j, objName: "dataset.zip") }', {
        j: jobID
      })
    ).getJobInputURL as string
    let started = performance.now()
    const status = await put(url, zipPath, zipBytes)
    if (status !== 200) throw new Error(`upload answered ${status}`)
    const uploadMs = performance.now() - started
    const afterUpload = await peakRss(pid)
    started = performance.now()
    const input = {
      jobType: 'dreambooth',
      dreamboothInput: {
        name: 'rss',
        version: 'v1',
        datasetS3ObjName: 'dataset.zip',
        class_prompt: 'a photo',
        instance_prompt: 'a photo of sks'
      }
    }
    await graphql(graphqlUrl, 'mutation ($j: String, $i: JobInput) { startRetrainingJob(jobID: $j, input: $i) }', {
      j: jobID,
      i: input
    })
    let state: { statusEnum: string; errMsg: string | null }
    do {
      const answer = await graphql(graphqlUrl, 'query ($j: String) { getJobStatus(jobID: $j) { statusEnum errMsg } }', {
        j: jobID
      })
      state = answer.getJobStatus as typeof state
    } while (state.statusEnum === 'running')
    const checkMs = performance.now() - started
    const afterCheck = await peakRss(pid)
    console.log(`zip: ${zipPath} (${mb(zipBytes)}, ${entries} entries, STORE)`)
    console.log(`job: ${state.statusEnum}${state.errMsg ? ` (${state.errMsg})` : ''}`)
    console.log(`server RSS when idle:        ${mb(idle.rss)}`)
    console.log(`peak RSS after the upload:   ${mb(afterUpload.hwm)} (upload ${(uploadMs / 1000).toFixed(1)} s)`)
    console.log(`peak RSS after the check:    ${mb(afterCheck.hwm)} (start and check ${(checkMs / 1000).toFixed(1)} s)`)
    if (state.statusEnum !== 'done') process.exitCode = 1
  } finally {
    child.kill('SIGTERM')
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
