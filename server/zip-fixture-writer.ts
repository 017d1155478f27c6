// A zip fixture writer for tests (not the action's src/dataset/zip-writer.ts): builds, in memory, exactly the archive it is told to (any names,
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

    // The fields from the flags to the extra length are the same in both headers.
    const common = (extraLength: number): Field[] => [
      [2, flags],
      [2, deflate ? 8 : 0],
      [2, dosTime],
      [2, dosDate],
      [4, crc],
      [4, zip64 ? MAX_32 : body.length],
      [4, zip64 ? MAX_32 : data.length],
      [2, name.length],
      [2, extraLength]
    ]
    const local = pack([[4, 0x04034b50], [2, version], ...common(localExtra.length)])
    localParts.push(local, name, localExtra, body)

    // comment length, disk number start, internal attributes: all 0
    // external attributes: Unix mode in the high word, the MS-DOS directory bit in the low one
    const externalAttributes = (isDirectory ? MODE_DIRECTORY : MODE_FILE) * 0x10000 + (isDirectory ? 0x10 : 0)
    const central = pack([
      [4, 0x02014b50],
      [2, VERSION_MADE_BY_UNIX | version],
      [2, version],
      ...common(centralExtra.length),
      [2, 0],
      [2, 0],
      [2, 0],
      [4, externalAttributes],
      [4, zip64 ? MAX_32 : offset]
    ])
    centralParts.push(central, name, centralExtra)

    offset += local.length + name.length + localExtra.length + body.length
  }
  const centralDirectory = Buffer.concat(centralParts)
  const tail: Buffer[] = []
  if (zip64) {
    const record = pack([
      [4, 0x06064b50],
      [8, 56 - 12],
      [2, VERSION_MADE_BY_UNIX | 45],
      [2, 45],
      [4, 0],
      [4, 0],
      [8, entries.length],
      [8, entries.length],
      [8, centralDirectory.length],
      [8, offset]
    ])
    const locator = pack([
      [4, 0x07064b50],
      [4, 0],
      [8, offset + centralDirectory.length],
      [4, 1]
    ])
    tail.push(record, locator)
  }
  const end = pack([
    [4, 0x06054b50],
    [2, 0],
    [2, 0],
    [2, zip64 ? MAX_16 : entries.length],
    [2, zip64 ? MAX_16 : entries.length],
    [4, zip64 ? MAX_32 : centralDirectory.length],
    [4, zip64 ? MAX_32 : offset],
    [2, 0]
  ])
  tail.push(end)
  return Buffer.concat([...localParts, centralDirectory, ...tail])
}

function zip64Extra(values: readonly number[]): Buffer {
  return pack([[2, 0x0001], [2, 8 * values.length], ...values.map((value): Field => [8, value])])
}

/** A little-endian field: its width in bytes and its value. */
type Field = readonly [bytes: 2 | 4 | 8, value: number]

/** Little-endian fields, one after the other. */
function pack(fields: readonly Field[]): Buffer {
  const buffer = Buffer.alloc(fields.reduce((size, [bytes]) => size + bytes, 0))
  let at = 0
  for (const [bytes, value] of fields) {
    if (bytes === 2) buffer.writeUInt16LE(value, at)
    else if (bytes === 4) buffer.writeUInt32LE(value, at)
    else buffer.writeBigUInt64LE(BigInt(value), at)
    at += bytes
  }
  return buffer
}
