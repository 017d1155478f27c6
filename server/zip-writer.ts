// A minimal zip writer for tests: builds, in memory, exactly the archive it is told to (any names,
// including ones a careful tool would refuse, so tests can make bad datasets on purpose).
// With `zip64: true` every size and offset goes through ZIP64 records, to exercise readers.
//
//   writeZip([{ name: 'a.png', data: png }, { name: 'dataset_class/' }, { name: 'dataset_class/b.png', data }])

import { crc32, deflateRawSync } from 'node:zlib'

export interface ZipWriterEntry {
  /** path inside the zip; a name ending in '/' is a directory entry and takes no data */
  readonly name: string
  readonly data?: Uint8Array
  /** default 'stored' */
  readonly method?: 'stored' | 'deflate'
  /** raw MS-DOS date and time words; default 1980-01-01 00:00:00 */
  readonly dosDate?: number
  readonly dosTime?: number
  /** raw extra field bytes (id, size, data ...) for both headers, after any ZIP64 field */
  readonly extra?: Uint8Array
}

export interface ZipWriterOptions {
  /** write ZIP64 extra fields and end records, with the 32-bit fields saturated; default false */
  readonly zip64?: boolean
}

/** 1980-01-01, the earliest MS-DOS date */
export const DOS_EPOCH_DATE = (0 << 9) | (1 << 5) | 1

const FLAG_UTF8 = 0x0800
const VERSION_MADE_BY_UNIX = 3 << 8
const MODE_FILE = 0o100644
const MODE_DIRECTORY = 0o040755
const MAX_16 = 0xffff
const MAX_32 = 0xffffffff

/** Builds a zip archive of the given entries, in the given order. */
export function writeZip(entries: readonly ZipWriterEntry[], options: ZipWriterOptions = {}): Buffer {
  const zip64 = options.zip64 ?? false
  const version = zip64 ? 45 : 20
  const localParts: Buffer[] = []
  const centralParts: Buffer[] = []
  let offset = 0
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8')
    const isDirectory = entry.name.endsWith('/')
    const data = Buffer.from(entry.data ?? new Uint8Array(0))
    if (isDirectory && data.length > 0) throw new Error(`zip entry ${entry.name}: a directory takes no data`)
    const deflate = entry.method === 'deflate'
    const body = deflate ? deflateRawSync(data) : data
    if (!zip64 && (body.length > MAX_32 || data.length > MAX_32 || offset > MAX_32)) {
      throw new Error('archive too large without zip64')
    }
    const flags = /[^\x00-\x7f]/.test(entry.name) ? FLAG_UTF8 : 0
    const crc = crc32(data)
    const dosDate = entry.dosDate ?? DOS_EPOCH_DATE
    const dosTime = entry.dosTime ?? 0
    const extra = Buffer.from(entry.extra ?? new Uint8Array(0))
    const localExtra = Buffer.concat([zip64 ? zip64Extra([data.length, body.length]) : Buffer.alloc(0), extra])
    const centralExtra = Buffer.concat([
      zip64 ? zip64Extra([data.length, body.length, offset]) : Buffer.alloc(0),
      extra
    ])

    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(version, 4)
    local.writeUInt16LE(flags, 6)
    local.writeUInt16LE(deflate ? 8 : 0, 8)
    local.writeUInt16LE(dosTime, 10)
    local.writeUInt16LE(dosDate, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(zip64 ? MAX_32 : body.length, 18)
    local.writeUInt32LE(zip64 ? MAX_32 : data.length, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(localExtra.length, 28)
    localParts.push(local, name, localExtra, body)

    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(VERSION_MADE_BY_UNIX | version, 4)
    central.writeUInt16LE(version, 6)
    central.writeUInt16LE(flags, 8)
    central.writeUInt16LE(deflate ? 8 : 0, 10)
    central.writeUInt16LE(dosTime, 12)
    central.writeUInt16LE(dosDate, 14)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(zip64 ? MAX_32 : body.length, 20)
    central.writeUInt32LE(zip64 ? MAX_32 : data.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt16LE(centralExtra.length, 30)
    // comment length, disk number start, internal attributes: all 0
    // external attributes: Unix mode in the high word, the MS-DOS directory bit in the low one
    central.writeUInt32LE((isDirectory ? MODE_DIRECTORY : MODE_FILE) * 0x10000 + (isDirectory ? 0x10 : 0), 38)
    central.writeUInt32LE(zip64 ? MAX_32 : offset, 42)
    centralParts.push(central, name, centralExtra)

    offset += local.length + name.length + localExtra.length + body.length
  }
  const centralDirectory = Buffer.concat(centralParts)
  const tail: Buffer[] = []
  if (zip64) {
    const record = Buffer.alloc(56)
    record.writeUInt32LE(0x06064b50, 0)
    record.writeBigUInt64LE(BigInt(56 - 12), 4)
    record.writeUInt16LE(VERSION_MADE_BY_UNIX | 45, 12)
    record.writeUInt16LE(45, 14)
    record.writeBigUInt64LE(BigInt(entries.length), 24)
    record.writeBigUInt64LE(BigInt(entries.length), 32)
    record.writeBigUInt64LE(BigInt(centralDirectory.length), 40)
    record.writeBigUInt64LE(BigInt(offset), 48)
    const locator = Buffer.alloc(20)
    locator.writeUInt32LE(0x07064b50, 0)
    locator.writeBigUInt64LE(BigInt(offset + centralDirectory.length), 8)
    locator.writeUInt32LE(1, 16)
    tail.push(record, locator)
  }
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(zip64 ? MAX_16 : entries.length, 8)
  end.writeUInt16LE(zip64 ? MAX_16 : entries.length, 10)
  end.writeUInt32LE(zip64 ? MAX_32 : centralDirectory.length, 12)
  end.writeUInt32LE(zip64 ? MAX_32 : offset, 16)
  tail.push(end)
  return Buffer.concat([...localParts, centralDirectory, ...tail])
}

function zip64Extra(values: readonly number[]): Buffer {
  const field = Buffer.alloc(4 + 8 * values.length)
  field.writeUInt16LE(0x0001, 0)
  field.writeUInt16LE(8 * values.length, 2)
  values.forEach((value, index) => field.writeBigUInt64LE(BigInt(value), 4 + 8 * index))
  return field
}
