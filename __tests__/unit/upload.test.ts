// The upload as the wire sees it: one PUT per try with the zip made into its body as it is sent,
// a Content-Length and never chunked encoding, the same bytes on every try, and a file that
// changed under us as the reason a try fails (not retried). A raw local server records it all.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { appendFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { DatasetZip, scanDataset } from '../../src/dataset/index.js'
import { closeHttp } from '../../src/shared/http.js'
import { BodyLengthError, exactBody } from '../../src/tiyaro/upload-body.js'
import { uploadZip } from '../../src/tiyaro/upload.js'
import { pngBytes, writeImageTree } from '../../test-support/images.js'

interface Received {
  readonly headers: IncomingHttpHeaders
  /** body bytes read before the request ended or broke off */
  readonly bytes: number
  readonly sha256: string
  /** the body reached its end */
  readonly complete: boolean
}

let server: Server
let url: string
const received: Received[] = []
/**
 * how the next requests are answered: a status once the body is read (slowly when asked), after
 * `then`; or, stalled, never: the first chunk is read and the rest left in the socket
 */
let answers: { status: number; slow?: boolean; stall?: boolean; then?: () => Promise<void> }[] = []

beforeAll(async () => {
  server = createServer((req, res: ServerResponse) => {
    const answer = answers.shift() ?? { status: 200 }
    const hash = createHash('sha256')
    let bytes = 0
    req.once('close', () =>
      received.push({ headers: req.headers, bytes, sha256: hash.digest('hex'), complete: req.complete })
    )
    void (async () => {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        hash.update(chunk)
        bytes += chunk.length
        // a reader that stops: the kernel's buffers fill, then the client's sending waits
        if (answer.stall) return
        // a slow reader: the client's socket fills, the zip's buffers wait for their turn
        if (answer.slow) await sleep(2)
      }
      await answer.then?.()
      res.writeHead(answer.status, answer.status === 200 ? { ETag: '"x"' } : {}).end()
    })().catch(() => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload/job/data.zip?signature=s`
})

afterAll(async () => {
  await closeHttp()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'upload-'))
  received.length = 0
  answers = []
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

/**
 * A dataset of a few MiB of incompressible images: several of the zip's chunks; with `copies`,
 * that many more of the largest image.
 */
async function datasetZip(copies = 0): Promise<DatasetZip> {
  const large = pngBytes({ width: 900, height: 900, seed: 1, incompressible: true })
  await writeImageTree(join(root, 'instance'), {
    ...Object.fromEntries(Array.from({ length: copies }, (_, index) => [`copy-${index}.png`, large])),
    'a.png': large,
    'b.png': pngBytes({ width: 700, height: 600, seed: 2, incompressible: true }),
    'c.png': pngBytes({ width: 32, height: 32, seed: 3 })
  })
  return new DatasetZip(await scanDataset({ instanceDir: join(root, 'instance') }))
}

const noWait = { baseDelayMs: 1, maxDelayMs: 1 }

/** The server hears of a broken-off request a little after the client. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 5000; waited += 10) await sleep(10)
}

describe('uploadZip', () => {
  it('sends exactly Content-Length bytes, not chunked, and they are the zip', async () => {
    const zip = await datasetZip()
    answers = [{ status: 200, slow: true }]
    const made = await uploadZip(url, { source: zip, retry: noWait })
    expect(received).toHaveLength(1)
    const [request] = received
    expect(request!.headers['content-length']).toBe(String(zip.bytes))
    expect(request!.headers['transfer-encoding']).toBeUndefined()
    expect(request!.headers['content-type']).toBe('application/octet-stream')
    expect(request!).toMatchObject({ bytes: zip.bytes, complete: true, sha256: made.sha256 })
    expect(made.bytes).toBe(zip.bytes)
    // the same bytes as the zip written to disk in one pass
    const onDisk = await new DatasetZip(await scanDataset({ instanceDir: join(root, 'instance') }), {
      keepAt: join(root, 'disk.zip')
    }).build()
    expect(made.sha256).toBe(onDisk.sha256)
  })

  it('makes the zip again for a retry, to the same bytes', async () => {
    const zip = await datasetZip()
    answers = [{ status: 503 }, { status: 500 }, { status: 200 }]
    const made = await uploadZip(url, { source: zip, retry: noWait })
    expect(received.map((request) => [request.bytes, request.sha256])).toEqual([
      [zip.bytes, made.sha256],
      [zip.bytes, made.sha256],
      [zip.bytes, made.sha256]
    ])
  })

  it('fails naming a file that changed between two tries, and does not try again', async () => {
    const zip = await datasetZip()
    const image = join(root, 'instance', 'b.png')
    // the first try is sent whole and answered 503; meanwhile the image grows, and the retry finds it
    answers = [{ status: 503, then: () => appendFile(image, 'more') }]
    const error = await uploadZip(url, { source: zip, retry: noWait }).catch((error: unknown) => error)
    expect(String(error)).toContain(`instance-images: ${image} changed after it was checked`)
    await until(() => received.length === 2)
    expect(received[0]).toMatchObject({ bytes: zip.bytes, complete: true })
    expect(received[1]!.complete).toBe(false)
    expect(received[1]!.bytes).toBeLessThan(zip.bytes)
  })

  it('stops at once when cancelled mid-body', async () => {
    // more than the kernel's socket buffers hold once the server stops reading (a few MiB on
    // loopback), so the body cannot be all out when the cancel comes
    const zip = await datasetZip(8)
    const cancel = new AbortController()
    answers = [{ status: 200, stall: true }]
    server.once('request', (req: IncomingMessage) =>
      req.once('data', () => setTimeout(() => cancel.abort(new Error('cancelled by SIGTERM')), 20))
    )
    const started = Date.now()
    const error = await uploadZip(url, { source: zip, retry: { ...noWait, signal: cancel.signal } }).catch(
      (error: unknown) => error
    )
    expect(String(error)).toContain('cancelled by SIGTERM')
    expect(Date.now() - started).toBeLessThan(5000)
    await until(() => received.length === 1)
    expect(received[0]!.complete).toBe(false)
  })
})

describe('exactBody', () => {
  async function read(body: AsyncIterable<Uint8Array>): Promise<number[]> {
    const sizes: number[] = []
    for await (const chunk of body) sizes.push(chunk.length)
    return sizes
  }
  async function* chunks(...sizes: number[]): AsyncGenerator<Uint8Array> {
    for (const size of sizes) yield Buffer.alloc(size)
  }

  it('passes the chunks through as they come', async () => {
    expect(await read(exactBody(chunks(3, 0, 4), 7))).toEqual([3, 0, 4])
  })

  it('stops before a byte past the Content-Length goes out', async () => {
    const sizes: number[] = []
    const error = await (async () => {
      for await (const chunk of exactBody(chunks(3, 4, 1), 7)) sizes.push(chunk.length)
    })().catch((error: unknown) => error)
    expect(error).toBeInstanceOf(BodyLengthError)
    expect(sizes).toEqual([3, 4])
  })

  it('fails a body that ends short', async () => {
    await expect(read(exactBody(chunks(3), 7))).rejects.toThrow(
      'the body ended after 3 bytes, not its Content-Length of 7'
    )
  })
})
