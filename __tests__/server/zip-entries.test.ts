import { describe, expect, it } from '@jest/globals'
import { ZipArchive } from 'archiver'
import { Readable } from 'node:stream'
import { crc32 } from 'node:zlib'
import { checkDataset, detectImageType } from '../../server/uploaded-zip-check.js'
import { decodeDosDateTime, readZip, readZipArchive, ZipFormatError } from '../../server/zip-entries.js'
import { DOS_EPOCH_DATE, writeZip } from '../../server/zip-fixture-writer.js'
import { encodeSolidPng } from '../../test-support/png.js'

/** A zip made by archiver (zip-stream), an implementation independent of ours. */
async function archiverZip(
  options: ConstructorParameters<typeof ZipArchive>[0],
  add: (archive: ZipArchive) => void
): Promise<Buffer> {
  const archive = new ZipArchive(options)
  const chunks: Buffer[] = []
  archive.on('data', (chunk: Buffer) => chunks.push(chunk))
  const ended = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve)
    archive.on('error', reject)
  })
  add(archive)
  await archive.finalize()
  await ended
  return Buffer.concat(chunks)
}

const text = (size: number, seed = 1): Buffer =>
  Buffer.from(Array.from({ length: size }, (_, index) => String.fromCharCode(97 + ((index * seed) % 26))).join(''))
const noise = (size: number): Buffer => {
  const bytes = Buffer.alloc(size)
  let state = 12345
  for (let index = 0; index < size; index++) {
    state = (state * 1103515245 + 12345) >>> 0
    bytes[index] = state >>> 24
  }
  return bytes
}

describe('readZip on archives made by archiver', () => {
  it('reads stored and deflated entries, streamed ones (data descriptors) too, with names, dates and modes', async () => {
    const date = new Date(2024, 4, 17, 13, 45, 58) // local time, as zip stores it
    const zip = await archiverZip({ comment: 'an archive comment' }, (archive) => {
      archive.append(text(5000), { name: 'deflated.txt', date, mode: 0o640 })
      archive.append(noise(3000), { name: 'stored.bin', date, store: true })
      archive.append(Readable.from([text(100, 3), text(200, 5)]), { name: 'dir/streamed.txt', date })
      archive.append(Buffer.from('ü'), { name: 'ünïcødé/名前.txt', date })
    })
    const { entries, comment, zip64 } = await readZipArchive(zip)
    expect(comment).toBe('an archive comment')
    expect(zip64).toBe(false)
    expect(entries.map((entry) => entry.name)).toEqual([
      'deflated.txt',
      'stored.bin',
      'dir/streamed.txt',
      'ünïcødé/名前.txt'
    ])
    expect(entries.map((entry) => entry.method)).toEqual([8, 0, 8, 8])
    expect(entries[0]!.compressedSize).toBeLessThan(entries[0]!.uncompressedSize)
    expect(entries[2]!.flags & 0x0008).toBe(0x0008)
    expect(await Promise.all(entries.map((entry) => entry.data()))).toEqual([
      text(5000),
      noise(3000),
      Buffer.concat([text(100, 3), text(200, 5)]),
      Buffer.from('ü')
    ])
    expect(entries[0]!.modified).toEqual({ year: 2024, month: 5, day: 17, hour: 13, minute: 45, second: 58 })
    expect(entries[0]!.unixMode).toBe(0o100640)
    expect(entries.every((entry) => entry.isDirectory === false)).toBe(true)
  })

  it('reads a ZIP64 end of central directory', async () => {
    const zip = await archiverZip({ forceZip64: true }, (archive) => {
      archive.append(text(1000), { name: 'a.txt' })
      archive.append(Buffer.alloc(0), { name: 'empty.txt' })
    })
    const archive = await readZipArchive(zip)
    expect(archive.zip64).toBe(true)
    const lengths = await Promise.all(archive.entries.map(async (entry) => (await entry.data()).length))
    expect(archive.entries.map((entry, index) => [entry.name, entry.uncompressedSize, lengths[index]])).toEqual([
      ['a.txt', 1000, 1000],
      ['empty.txt', 0, 0]
    ])
  })
})

describe('readZip on ZIP64 archives made by writeZip', () => {
  it('takes sizes and offsets from the ZIP64 extra fields and end record', async () => {
    const zip = writeZip(
      [
        { name: 'a.txt', data: text(700), method: 'deflate' },
        { name: 'b.bin', data: noise(50) }
      ],
      { zip64: true }
    )
    const archive = await readZipArchive(zip)
    expect(archive.zip64).toBe(true)
    expect(archive.entries.map((entry) => [entry.name, entry.uncompressedSize, entry.versionNeeded])).toEqual([
      ['a.txt', 700, 45],
      ['b.bin', 50, 45]
    ])
    expect(archive.entries[1]!.localHeaderOffset).toBeGreaterThan(30)
    expect(archive.entries[1]!.compressedSize).toBe(50)
    expect(await Promise.all(archive.entries.map((entry) => entry.data()))).toEqual([text(700), noise(50)])
    expect(archive.entries[0]!.extraFields.map((field) => field.id)).toEqual([0x0001])
    expect(archive.entries[0]!.localExtraFields.map((field) => field.id)).toEqual([0x0001])
  })
})

describe('readZip on archives made by writeZip', () => {
  it('round-trips names, data, methods, raw DOS date and time, directories', async () => {
    const dosDate = ((2023 - 1980) << 9) | (12 << 5) | 31
    const dosTime = (23 << 11) | (59 << 5) | 29
    const zip = writeZip([
      { name: 'a.txt', data: text(300), method: 'deflate', dosDate, dosTime },
      { name: 'folder/' },
      { name: 'folder/b.bin', data: noise(10) },
      { name: 'emoji 🐶.txt', data: Buffer.from('x') }
    ])
    const entries = await readZip(zip)
    expect(entries.map((entry) => [entry.name, entry.isDirectory, entry.method])).toEqual([
      ['a.txt', false, 8],
      ['folder/', true, 0],
      ['folder/b.bin', false, 0],
      ['emoji 🐶.txt', false, 0]
    ])
    expect([entries[0]!.dosDate, entries[0]!.dosTime]).toEqual([dosDate, dosTime])
    expect(entries[0]!.modified).toEqual({ year: 2023, month: 12, day: 31, hour: 23, minute: 59, second: 58 })
    expect(entries[1]!.modified).toEqual(decodeDosDateTime(DOS_EPOCH_DATE, 0))
    expect(entries[1]!.unixMode).toBe(0o040755)
    expect(await entries[0]!.data()).toEqual(text(300))
    expect(await entries[1]!.data()).toEqual(Buffer.alloc(0))
    expect(entries[3]!.flags & 0x0800).toBe(0x0800)
    expect(entries[3]!.rawName).toEqual(Buffer.from('emoji 🐶.txt'))
  })

  it('decodes names without the UTF-8 flag as code page 437', async () => {
    const zip = writeZip([{ name: 'ü.txt', data: Buffer.from('x') }])
    // clear the UTF-8 flag in the local and the central header: the bytes C3 BC are then CP437
    zip.writeUInt16LE(0, 6)
    const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    zip.writeUInt16LE(0, central + 8)
    expect((await readZip(zip))[0]!.name).toBe('├╝.txt')
  })
})

describe('readZip and the Info-ZIP Unicode Path field', () => {
  const unicodePath = (headerName: string, utf8Name: string): Buffer => {
    const name = Buffer.from(utf8Name, 'utf8')
    const field = Buffer.alloc(4 + 5 + name.length)
    field.writeUInt16LE(0x7075, 0)
    field.writeUInt16LE(5 + name.length, 2)
    field[4] = 1
    field.writeUInt32LE(crc32(Buffer.from(headerName, 'latin1')), 5)
    name.copy(field, 9)
    return field
  }

  it('takes the UTF-8 name while the CRC of the header name matches, else the header name', async () => {
    const zip = writeZip([
      { name: 'u.txt', data: Buffer.from('1'), extra: unicodePath('u.txt', 'ü.txt') },
      { name: 'v.txt', data: Buffer.from('2'), extra: unicodePath('renamed.txt', 'ü2.txt') }
    ])
    expect((await readZip(zip)).map((entry) => [entry.name, entry.rawName.toString()])).toEqual([
      ['ü.txt', 'u.txt'],
      ['v.txt', 'v.txt']
    ])
  })
})

describe('readZip refuses broken archives', () => {
  const sample = (): Buffer => writeZip([{ name: 'a.bin', data: noise(64) }])
  const centralOffset = (zip: Buffer): number => zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))

  it.each([
    [
      'bytes that are not a zip',
      Buffer.from('hello world, this is not a zip file'),
      /end of central directory record not found/
    ],
    ['a truncated zip', sample().subarray(0, 80), /end of central directory record not found/],
    [
      'bytes after the end record',
      Buffer.concat([sample(), Buffer.from('junk')]),
      /end of central directory record not found/
    ],
    ['too few bytes', Buffer.from('PK'), /only 2 bytes/]
  ])('%s', async (_case, bytes, message) => {
    await expect(readZip(bytes)).rejects.toThrow(ZipFormatError)
    await expect(readZip(bytes)).rejects.toThrow(message)
  })

  it('a local header that names another file', async () => {
    const zip = sample()
    zip[30] = 'b'.charCodeAt(0)
    await expect(readZip(zip)).rejects.toThrow(/a.bin: local file header names a different file/)
  })

  it('a local header offset that points nowhere', async () => {
    const zip = sample()
    zip.writeUInt32LE(7, centralOffset(zip) + 42)
    await expect(readZip(zip)).rejects.toThrow(/local file header not found at offset 7/)
  })

  it('a CRC mismatch, found when the data is read', async () => {
    const zip = sample()
    zip[40] = zip[40]! ^ 0xff
    const [entry] = await readZip(zip)
    await expect(entry!.data()).rejects.toThrow(/a.bin: CRC-32 mismatch/)
  })

  it('an entry that inflates beyond its declared size', async () => {
    const zip = writeZip([{ name: 'bomb.txt', data: Buffer.alloc(100_000), method: 'deflate' }])
    const central = centralOffset(zip)
    zip.writeUInt32LE(1000, central + 24)
    await expect((await readZip(zip))[0]!.data()).rejects.toThrow(/bomb.txt: deflate data is corrupt/)
  })

  it('encrypted entries and unknown methods: listed, but not extracted', async () => {
    const encrypted = sample()
    encrypted.writeUInt16LE(1, centralOffset(encrypted) + 8)
    await expect((await readZip(encrypted))[0]!.data()).rejects.toThrow(/encrypted entries are not supported/)
    const bzip2 = sample()
    bzip2.writeUInt16LE(12, centralOffset(bzip2) + 10)
    const [entry] = await readZip(bzip2)
    expect(entry!.method).toBe(12)
    await expect(entry!.data()).rejects.toThrow(/compression method 12 is not supported/)
  })

  it('a directory size that disagrees with its entries', async () => {
    const zip = writeZip([
      { name: 'a', data: Buffer.from('1') },
      { name: 'b', data: Buffer.from('2') }
    ])
    zip.writeUInt16LE(1, zip.length - 22 + 10)
    await expect(readZip(zip)).rejects.toThrow(/central directory holds 1 entries/)
  })
})

describe('dataset check', () => {
  const png = encodeSolidPng(2, 2, [0, 0, 0])

  it('recognises JPEG, PNG and WebP by content', () => {
    expect(detectImageType(Buffer.from([0xff, 0xd8, 0xff, 0xdb]))).toBe('jpeg')
    expect(detectImageType(png)).toBe('png')
    expect(detectImageType(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 '))).toBe('webp')
    expect(detectImageType(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt '))).toBeUndefined()
    expect(detectImageType(Buffer.from([0xff, 0xd8]))).toBeUndefined()
  })

  it('counts instance and class images of a good dataset', async () => {
    const zip = writeZip([
      { name: 'a.png', data: png },
      { name: 'b.png', data: png, method: 'deflate' },
      { name: 'dataset_class/' },
      { name: 'dataset_class/c.png', data: png }
    ])
    expect(await checkDataset('d.zip', zip)).toEqual({ ok: true, instanceImages: 2, classImages: 1 })
  })

  it('names a corrupt entry', async () => {
    const zip = writeZip([{ name: 'a.png', data: png }])
    zip[40] = zip[40]! ^ 0xff
    expect(await checkDataset('d.zip', zip)).toEqual({
      ok: false,
      reason: expect.stringMatching(/^dataset d.zip: not a valid zip archive \(a.png: CRC-32 mismatch/)
    })
  })

  it('refuses other directories, even empty ones', async () => {
    const zip = writeZip([{ name: 'a.png', data: png }, { name: 'other/' }])
    expect(await checkDataset('d.zip', zip)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('"other/" is not allowed')
    })
  })
})
