import { describe, expect, it } from '@jest/globals'
import { ZIP64_MAGIC, centralDirectory, entryLength, entryName, zipLength } from '../../src/dataset/zip-format.js'

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

describe('zipLength', () => {
  /** The length the records give for entries of these sizes: what zipLength must predict. */
  function lengthFromRecords(entries: { name: Buffer; bytes: number }[]): number {
    let offset = 0
    const records = entries.map(({ name, bytes }) => {
      const record = { name, flags: 0x0008, crc: 0, bytes, offset }
      offset += entryLength({ name, bytes })
      return record
    })
    return offset + centralDirectory(records, offset).length
  }

  const named = (count: number, bytes: (index: number) => number) =>
    Array.from({ length: count }, (_, index) => ({ name: entryName(`image-${index}.png`).name, bytes: bytes(index) }))

  it('is the length of the entries and the central directory, without ZIP64', () => {
    const entries = named(3, (index) => 1000 * index)
    expect(zipLength(entries)).toBe(lengthFromRecords(entries))
    expect(zipLength(entries)).toBe(3 * (30 + 11 + 16) + 3000 + 3 * (46 + 11) + 22)
  })

  it('counts the ZIP64 records when offsets pass 4 GiB (sizes alone, no data needed)', () => {
    // 110 images of 40 MiB: the last ones start past 4 GiB
    const entries = named(110, () => 40 * 1024 * 1024)
    const length = zipLength(entries)
    expect(length).toBe(lengthFromRecords(entries))
    expect(length).toBeGreaterThan(ZIP64_MAGIC)
    const past = entries.filter(
      (_, index) => entries.slice(0, index).reduce((sum, e) => sum + entryLength(e), 0) > ZIP64_MAGIC
    )
    expect(past.length).toBeGreaterThan(0)
    const names = entries.reduce((sum, entry) => sum + entry.name.length, 0)
    // local headers, data and descriptors; central headers, the ZIP64 extras, the ZIP64 end records, the end
    expect(length).toBe(
      110 * (30 + 16) + names + 110 * 40 * 1024 * 1024 + 110 * 46 + names + past.length * 28 + 76 + 22
    )
  })

  it('counts the ZIP64 records when there are more than 65535 entries', () => {
    const entries = named(70_000, () => 10)
    expect(zipLength(entries)).toBe(lengthFromRecords(entries))
  })

  it('writes a UTF-8 name with the UTF-8 flag, and a plain ASCII one without', () => {
    expect(entryName('a.png')).toEqual({ name: Buffer.from('a.png'), flags: 0x0008 })
    expect(entryName('zoë-🐶.png')).toEqual({ name: Buffer.from('zoë-🐶.png', 'utf8'), flags: 0x0808 })
  })
})
