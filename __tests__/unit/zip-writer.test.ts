import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { appendFile, mkdtemp, readFile, rename, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { ZipArchive } from 'archiver'
import { readZipArchive } from '../../server/zip-entries.js'
import { fileStamp } from '../../src/dataset/types.js'
import { CHUNK_BYTES, ZIP_ENTRY_DATE, ZipPass, zipBytes, type ZipSource } from '../../src/dataset/zip-writer.js'

let root: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'zip-writer-'))
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

/** Entries whose data spans several of the writer's chunks, an empty one and a non-ASCII name. */
const ENTRIES: [string, Buffer][] = [
  ['a.png', Buffer.alloc(3 * 1024 * 1024 + 17, 7)],
  ['empty.jpg', Buffer.alloc(0)],
  ['dataset_class/zoë-🐶.webp', Buffer.from('not really an image, but bytes all the same')]
]

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

async function sourceOf(name: string, path: string): Promise<ZipSource> {
  const stats = await stat(path, { bigint: true })
  return { name, path, bytes: Number(stats.size), stamp: fileStamp(stats) }
}

async function writeSources(entries: [string, Buffer][] = ENTRIES): Promise<ZipSource[]> {
  const sources: ZipSource[] = []
  for (const [index, [name, data]] of entries.entries()) {
    const path = join(root, `source-${index}`)
    await writeFile(path, data)
    sources.push(await sourceOf(name, path))
  }
  return sources
}

class Changed extends Error {}

function passOf(sources: readonly ZipSource[], options: { copyTo?: string; crcs?: (number | undefined)[] } = {}) {
  return new ZipPass(sources, {
    crcs: options.crcs ?? sources.map(() => undefined),
    copyTo: options.copyTo,
    changed: (source, reason) => new Changed(`${source.name}: ${reason}`)
  })
}

/** Reads a pass to its end: its bytes joined (copied: the pass reuses its buffers). */
async function readAll(pass: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of pass) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

/** What archiver (zip-stream) writes for the same entries appended as streams, as archive.ts once did. */
async function writeWithArchiver(path: string): Promise<void> {
  const archive = new ZipArchive({ store: true })
  const written = pipeline(archive, createWriteStream(path))
  for (const [name, data] of ENTRIES) {
    archive.append(Readable.from([data]), { name, date: ZIP_ENTRY_DATE, mode: 0o644, store: true })
  }
  await archive.finalize()
  await written
}

describe('ZipPass', () => {
  it('makes the bytes archiver writes for the same entries', async () => {
    const ours = await readAll(passOf(await writeSources()))
    await writeWithArchiver(join(root, 'archiver.zip'))
    expect(ours.equals(await readFile(join(root, 'archiver.zip')))).toBe(true)
  })

  it('knows its size before the first byte, and reports the size and sha256 of what it gave', async () => {
    const sources = await writeSources()
    const pass = passOf(sources)
    expect(pass.bytes).toBe(zipBytes(sources))
    const bytes = await readAll(pass)
    expect(pass.bytes).toBe(bytes.length)
    expect(await pass.result).toEqual({ bytes: bytes.length, sha256: sha256(bytes) })
    const entries = (await readZipArchive(bytes)).entries
    expect(entries.map((entry) => entry.name)).toEqual(ENTRIES.map(([name]) => name))
    // Buffer.equals: a deep comparison of megabytes is slow
    expect(
      await Promise.all(entries.map(async (entry, index) => (await entry.data()).equals(ENTRIES[index]![1])))
    ).toEqual([true, true, true])
  })

  it('gives whole chunks but the last, also when the zip ends on a chunk boundary', async () => {
    // an entry whose data makes the zip exactly two chunks long: 30 + 5 + data + 16 + 51 + 22
    const data = Buffer.alloc(2 * CHUNK_BYTES - (30 + 5 + 16 + 46 + 5 + 22), 1)
    const sources = await writeSources([['x.png', data]])
    const pass = passOf(sources)
    expect(pass.bytes).toBe(2 * CHUNK_BYTES)
    const sizes: number[] = []
    for await (const chunk of pass) sizes.push(chunk.length)
    expect(sizes.filter((size) => size > 0)).toEqual([CHUNK_BYTES, CHUNK_BYTES])
    expect((await pass.result).bytes).toBe(2 * CHUNK_BYTES)
  })

  it('writes the same bytes to the copy as to the reader', async () => {
    const copyTo = join(root, 'out', 'copy.zip')
    const pass = passOf(await writeSources(), { copyTo })
    const bytes = await readAll(pass)
    expect((await readFile(copyTo)).equals(bytes)).toBe(true)
  })

  it('does not touch a chunk again before the reader asks for the next one', async () => {
    const sources = await writeSources([
      ['a.bin', Buffer.alloc(2 * CHUNK_BYTES + 5, 1)],
      ['b.bin', Buffer.alloc(3 * CHUNK_BYTES + 7, 2)],
      ['c.bin', Buffer.alloc(CHUNK_BYTES, 3)]
    ])
    const pass = passOf(sources)
    const hashes: string[] = []
    for await (const chunk of pass) {
      const before = sha256(chunk)
      // a slow reader, as a socket that is still sending: the pass fills its other buffers meanwhile
      await sleep(20)
      expect(sha256(chunk)).toBe(before)
      hashes.push(before)
    }
    expect(hashes.length).toBeGreaterThan(5)
  })

  it('keeps its memory flat: a large file goes through a few reused buffers, no collection needed', async () => {
    // a sparse file: 256 MiB that cost no disk
    const large = join(root, 'large.bin')
    await writeFile(large, '')
    await truncate(large, 256 * 1024 * 1024)
    const pass = passOf([await sourceOf('large.bin', large)])
    const before = process.memoryUsage().arrayBuffers
    let peak = before
    for await (const _chunk of pass) peak = Math.max(peak, process.memoryUsage().arrayBuffers)
    expect((await pass.result).bytes).toBe(256 * 1024 * 1024 + 30 + 9 + 16 + 46 + 9 + 22)
    // three 1 MiB buffers; a stream of fresh chunks reaches tens of MB here before V8 collects
    expect(peak - before).toBeLessThan(8 * 1024 * 1024)
  })
})

describe('a file that is not what was checked', () => {
  async function failure(pass: ZipPass): Promise<unknown> {
    const error = await readAll(pass).then(
      () => undefined,
      (error: unknown) => error
    )
    await expect(pass.result).rejects.toBe(error)
    expect(pass.failure).toBe(error)
    return error
  }

  it('fails naming it when it grew, shrank, was replaced or written to, and leaves no copy', async () => {
    const cases: [string, (path: string) => Promise<void>, RegExp][] = [
      ['grew', (path) => appendFile(path, 'more'), /it is \d+ bytes now, not the \d+ checked/],
      ['shrank', (path) => truncate(path, 10), /it is 10 bytes now/],
      [
        'replaced',
        async (path) => {
          await writeFile(`${path}.new`, await readFile(path))
          await rename(`${path}.new`, path)
        },
        /another file took its place/
      ],
      [
        'written to',
        async (path) => {
          await writeFile(path, Buffer.alloc((await stat(path)).size, 9))
          await utimes(path, new Date(), new Date(Date.now() + 5000))
        },
        /it was written to/
      ]
    ]
    for (const [label, change, reason] of cases) {
      const sources = await writeSources()
      await change(sources[0]!.path)
      const copyTo = join(root, `${label}.zip`)
      const error = await failure(passOf(sources, { copyTo }))
      expect(error).toBeInstanceOf(Changed)
      expect((error as Error).message).toMatch(new RegExp(`^a\\.png: ${reason.source}`))
      await expect(stat(copyTo)).rejects.toThrow(/ENOENT/)
    }
  })

  it('fails naming it when it is gone', async () => {
    const sources = await writeSources()
    await rm(sources[2]!.path)
    expect(String(await failure(passOf(sources)))).toMatch(/zoë-🐶\.webp: it cannot be opened \(ENOENT\)/)
  })

  it('never reads a FIFO that took its place, so nothing hangs', async () => {
    const sources = await writeSources()
    await rm(sources[1]!.path)
    expect(spawnSync('mkfifo', [sources[1]!.path]).status).toBe(0)
    const error = await failure(passOf(sources))
    expect(String(error)).toMatch(/empty\.jpg: it is not a regular file any more/)
  })

  it('fails on a later pass when its content differs from the first, even with size and time kept', async () => {
    const sources = await writeSources()
    const crcs: (number | undefined)[] = sources.map(() => undefined)
    const first = await readAll(passOf(sources, { crcs }))
    expect(crcs.every((crc) => typeof crc === 'number')).toBe(true)
    // the same bytes twice
    expect((await readAll(passOf(sources, { crcs }))).equals(first)).toBe(true)

    const path = sources[2]!.path
    const { mtime } = await stat(path)
    const data = await readFile(path)
    data[0] ^= 0xff
    await writeFile(path, data)
    await utimes(path, mtime, mtime)
    // a stamp the scan would take is the same again: only the CRC-32 tells
    const stamped = [...sources.slice(0, 2), await sourceOf(sources[2]!.name, path)]
    expect(String(await failure(passOf(stamped, { crcs })))).toMatch(/zoë-🐶\.webp: its content differs/)
  })
})

describe('stopping a pass', () => {
  it("stops at once when its signal fires, with the signal's reason, and leaves no copy", async () => {
    const sources = await writeSources([['a.bin', Buffer.alloc(8 * CHUNK_BYTES, 1)]])
    const cancel = new AbortController()
    const copyTo = join(root, 'cancelled.zip')
    const pass = new ZipPass(sources, {
      crcs: [undefined],
      copyTo,
      signal: cancel.signal,
      changed: () => new Changed()
    })
    const reason = new Error('cancelled by SIGTERM')
    let chunks = 0
    const read = (async () => {
      for await (const _chunk of pass) if (++chunks === 2) cancel.abort(reason)
    })()
    await expect(read).rejects.toBe(reason)
    await expect(pass.result).rejects.toBe(reason)
    expect(pass.failure).toBeUndefined() // not the pass's own failure
    expect(chunks).toBe(2)
    await expect(stat(copyTo)).rejects.toThrow(/ENOENT/)
  })

  it('stops when its reader leaves before the end, as an aborted request does', async () => {
    const sources = await writeSources([['a.bin', Buffer.alloc(8 * CHUNK_BYTES, 1)]])
    const pass = passOf(sources)
    for await (const _chunk of pass) break
    await expect(pass.result).rejects.toThrow('the reader stopped before the end')
    expect(pass.failure).toBeUndefined()
  })

  it('stops when cancelled before anyone reads it', async () => {
    const pass = passOf(await writeSources())
    pass.cancel(new Error('the request failed'))
    await expect(pass.result).rejects.toThrow('the request failed')
  })
})
