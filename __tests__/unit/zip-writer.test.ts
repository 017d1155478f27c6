import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ZipArchive } from 'archiver'
import { readZipArchive } from '../../server/zip-entries.js'
import { ZIP64_MAGIC, ZIP_ENTRY_DATE, ZipWriter, centralDirectory } from '../../src/dataset/zip-writer.js'

let root: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'zip-writer-'))
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

/** Entries whose data spans several of the writer's 1 MiB chunks, and one non-ASCII name. */
const ENTRIES: [string, Buffer][] = [
  ['a.png', Buffer.alloc(3 * 1024 * 1024 + 17, 7)],
  ['empty.jpg', Buffer.alloc(0)],
  ['dataset_class/zoë-🐶.webp', Buffer.from('not really an image, but bytes all the same')]
]

async function writeWithZipWriter(path: string): Promise<ZipWriter> {
  const output = await open(path, 'w')
  const zip = new ZipWriter(output)
  for (const [index, [name, data]] of ENTRIES.entries()) {
    const source = join(root, `source-${index}`)
    await writeFile(source, data)
    await zip.addFile(name, source)
  }
  await zip.finish()
  await output.close()
  return zip
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

describe('ZipWriter', () => {
  it('writes the bytes archiver writes for the same entries', async () => {
    await writeWithZipWriter(join(root, 'ours.zip'))
    await writeWithArchiver(join(root, 'archiver.zip'))
    expect((await readFile(join(root, 'ours.zip'))).equals(await readFile(join(root, 'archiver.zip')))).toBe(true)
  })

  it('reports the size and sha256 of what it wrote, and a readable zip', async () => {
    const path = join(root, 'ours.zip')
    const zip = await writeWithZipWriter(path)
    const bytes = await readFile(path)
    expect(zip.bytes).toBe(bytes.length)
    expect(zip.sha256()).toBe(createHash('sha256').update(bytes).digest('hex'))
    const entries = (await readZipArchive(bytes)).entries
    expect(entries.map((entry) => entry.name)).toEqual(ENTRIES.map(([name]) => name))
    // Buffer.equals: a deep comparison of megabytes is slow
    expect(
      await Promise.all(entries.map(async (entry, index) => (await entry.data()).equals(ENTRIES[index]![1])))
    ).toEqual([true, true, true])
  })
})

describe('centralDirectory', () => {
  const record = (offset: number) => ({
    name: Buffer.from('x.png'),
    flags: 0x0008,
    crc: 0x12345678,
    bytes: 1000,
    offset
  })

  it('has no ZIP64 record while offsets fit in 32 bits', () => {
    const directory = centralDirectory([record(0), record(1051)], 2102)
    expect(directory.length).toBe(2 * (46 + 5) + 22)
    const end = directory.subarray(-22)
    expect(end.readUInt32LE(0)).toBe(0x06054b50)
    expect(end.readUInt16LE(8)).toBe(2)
    expect(end.readUInt32LE(12)).toBe(2 * 51)
    expect(end.readUInt32LE(16)).toBe(2102)
  })

  it('moves an offset past 4 GiB, and the directory after it, into ZIP64 records', () => {
    const farOffset = 5 * 1024 ** 3
    const centralOffset = farOffset + 1051
    const directory = centralDirectory([record(0), record(farOffset)], centralOffset)

    const near = directory.subarray(0, 51)
    expect(near.readUInt16LE(6)).toBe(20) // version needed: 2.0
    expect(near.readUInt16LE(30)).toBe(0) // no extra field
    expect(near.readUInt32LE(42)).toBe(0)

    const far = directory.subarray(51, 51 + 46 + 5 + 28)
    expect(far.readUInt32LE(0)).toBe(0x02014b50)
    expect(far.readUInt16LE(6)).toBe(45) // version needed: 4.5, ZIP64
    expect([far.readUInt32LE(20), far.readUInt32LE(24), far.readUInt32LE(42)]).toEqual([
      ZIP64_MAGIC,
      ZIP64_MAGIC,
      ZIP64_MAGIC
    ])
    expect(far.readUInt16LE(30)).toBe(28)
    const extra = far.subarray(46 + 5)
    expect(extra.readUInt16LE(0)).toBe(0x0001)
    expect(extra.readUInt16LE(2)).toBe(24)
    expect([extra.readBigUInt64LE(4), extra.readBigUInt64LE(12), extra.readBigUInt64LE(20)]).toEqual([
      1000n,
      1000n,
      BigInt(farOffset)
    ])

    const centralBytes = 51 + 79
    const end64 = directory.subarray(centralBytes, centralBytes + 56)
    expect(end64.readUInt32LE(0)).toBe(0x06064b50)
    expect(end64.readBigUInt64LE(4)).toBe(44n)
    expect(end64.readBigUInt64LE(24)).toBe(2n)
    expect(end64.readBigUInt64LE(40)).toBe(BigInt(centralBytes))
    expect(end64.readBigUInt64LE(48)).toBe(BigInt(centralOffset))
    const locator = directory.subarray(centralBytes + 56, centralBytes + 76)
    expect(locator.readUInt32LE(0)).toBe(0x07064b50)
    expect(locator.readBigUInt64LE(8)).toBe(BigInt(centralOffset + centralBytes))
    expect(locator.readUInt32LE(16)).toBe(1)
    const end = directory.subarray(-22)
    expect(directory.length).toBe(centralBytes + 76 + 22)
    expect([end.readUInt16LE(8), end.readUInt16LE(10), end.readUInt32LE(12), end.readUInt32LE(16)]).toEqual([
      0xffff,
      0xffff,
      ZIP64_MAGIC,
      ZIP64_MAGIC
    ])
  })
})
