// A small reader of zip archives held in memory. It reads the central directory (the zip's table
// of contents), checks every local header against it, and extracts entries on demand (stored or
// deflated), verifying size and CRC-32. ZIP64 is understood; multi-disk archives, encryption and
// other compression methods are reported as errors.
//
//   const entries = readZip(buffer)              // throws ZipFormatError when the zip is broken
//   for (const entry of entries) entry.name, entry.method, entry.data()
//
// Used by the local Tiyaro server to check uploaded datasets, and by tests to inspect the zips
// the action builds (names, order, timestamps, compression).

import {
  decodeDosDateTime,
  decodeEntryName,
  decodeName,
  describe,
  extract,
  FLAG_UTF8,
  parseExtraFields,
  readUInt64,
  ZipFormatError,
  type DosDateTime,
  type ZipExtraField
} from './zip-decoding.js'

export {
  decodeDosDateTime,
  ZIP_METHOD_DEFLATED,
  ZIP_METHOD_STORED,
  ZipFormatError,
  type DosDateTime,
  type ZipExtraField
} from './zip-decoding.js'

export interface ZipEntry {
  /** the path inside the zip, decoded (UTF-8 when flagged or given by a Unicode path field, else CP437) */
  readonly name: string
  /** the name's bytes as stored in the central directory */
  readonly rawName: Buffer
  /** the name ends with '/' */
  readonly isDirectory: boolean
  /** 0 stored, 8 deflated; other values are listed but `data()` throws for them */
  readonly method: number
  /** general purpose bit flag (bit 0 encrypted, bit 3 data descriptor, bit 11 UTF-8 names) */
  readonly flags: number
  readonly crc32: number
  readonly compressedSize: number
  readonly uncompressedSize: number
  /** offset of the local file header from the start of the buffer */
  readonly localHeaderOffset: number
  /** offset of the entry's (compressed) bytes from the start of the buffer */
  readonly dataOffset: number
  /** raw MS-DOS date and time words of the central directory header */
  readonly dosDate: number
  readonly dosTime: number
  /** `dosDate`/`dosTime` decoded */
  readonly modified: DosDateTime
  readonly versionMadeBy: number
  readonly versionNeeded: number
  readonly internalAttributes: number
  readonly externalAttributes: number
  /** file mode (type and permission bits) when the entry was made on Unix, else undefined */
  readonly unixMode: number | undefined
  readonly comment: string
  /** extra fields of the central directory header */
  readonly extraFields: readonly ZipExtraField[]
  /** extra fields of the local file header */
  readonly localExtraFields: readonly ZipExtraField[]
  /** the uncompressed bytes; throws ZipFormatError on a CRC or size mismatch or an unsupported method */
  data(): Buffer
}

export interface ZipArchive {
  readonly entries: readonly ZipEntry[]
  /** the archive comment of the end of central directory record */
  readonly comment: string
  /** the archive has a ZIP64 end of central directory record */
  readonly zip64: boolean
}

const SIG_LOCAL_HEADER = 0x04034b50
const SIG_CENTRAL_HEADER = 0x02014b50
const SIG_END = 0x06054b50
const SIG_ZIP64_END = 0x06064b50
const SIG_ZIP64_LOCATOR = 0x07064b50

const END_SIZE = 22
const ZIP64_LOCATOR_SIZE = 20
const ZIP64_END_MIN_SIZE = 56
const CENTRAL_HEADER_SIZE = 46
const LOCAL_HEADER_SIZE = 30
const MAX_COMMENT = 0xffff

const EXTRA_ZIP64 = 0x0001

const HOST_UNIX = 3

/** Reads the entries of a zip, in central directory order. Throws ZipFormatError. */
export function readZip(buffer: Uint8Array): ZipEntry[] {
  return [...readZipArchive(buffer).entries]
}

/** Like readZip, with the archive comment and whether the archive uses ZIP64. */
export function readZipArchive(bytes: Uint8Array): ZipArchive {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const end = findEndOfCentralDirectory(buffer)
  const directory = readDirectoryLocation(buffer, end)
  const entries: ZipEntry[] = []
  let offset = directory.offset
  for (let index = 0; index < directory.count; index++) {
    const entry = readCentralHeader(buffer, offset, directory.offset + directory.size)
    entries.push(entry.entry)
    offset = entry.next
  }
  if (offset !== directory.offset + directory.size) {
    throw new ZipFormatError(
      `central directory holds ${directory.count} entries in ${offset - directory.offset} bytes, ` +
        `but the end record says ${directory.size} bytes`
    )
  }
  return { entries, comment: decodeName(end.comment, false), zip64: directory.zip64 }
}

interface EndRecord {
  readonly offset: number
  readonly count: number
  readonly size: number
  readonly directoryOffset: number
  readonly comment: Buffer
}

// The end record is the last 22 bytes plus a comment of up to 64 KiB: search backwards for a
// signature whose comment length reaches exactly the end of the buffer.
function findEndOfCentralDirectory(buffer: Buffer): EndRecord {
  if (buffer.length < END_SIZE) throw new ZipFormatError(`not a zip: only ${buffer.length} bytes`)
  const lowest = Math.max(0, buffer.length - END_SIZE - MAX_COMMENT)
  for (let offset = buffer.length - END_SIZE; offset >= lowest; offset--) {
    if (buffer.readUInt32LE(offset) !== SIG_END) continue
    const commentLength = buffer.readUInt16LE(offset + 20)
    if (offset + END_SIZE + commentLength !== buffer.length) continue
    if (buffer.readUInt16LE(offset + 4) !== 0 || buffer.readUInt16LE(offset + 6) !== 0) {
      throw new ZipFormatError('multi-disk zip archives are not supported')
    }
    return {
      offset,
      count: buffer.readUInt16LE(offset + 10),
      size: buffer.readUInt32LE(offset + 12),
      directoryOffset: buffer.readUInt32LE(offset + 16),
      comment: buffer.subarray(offset + END_SIZE, buffer.length)
    }
  }
  throw new ZipFormatError('not a zip: end of central directory record not found')
}

interface DirectoryLocation {
  readonly offset: number
  readonly size: number
  readonly count: number
  readonly zip64: boolean
}

function readDirectoryLocation(buffer: Buffer, end: EndRecord): DirectoryLocation {
  const locatorOffset = end.offset - ZIP64_LOCATOR_SIZE
  // Saturated values (0xFFFF, 0xFFFFFFFF) in the end record only mean "see ZIP64" when the
  // locator exists; without it they are taken as they are.
  const hasLocator = locatorOffset >= 0 && buffer.readUInt32LE(locatorOffset) === SIG_ZIP64_LOCATOR
  let location: DirectoryLocation = {
    offset: end.directoryOffset,
    size: end.size,
    count: end.count,
    zip64: false
  }
  if (hasLocator) {
    const recordOffset = readUInt64(buffer, locatorOffset + 8)
    if (recordOffset + ZIP64_END_MIN_SIZE > locatorOffset) {
      throw new ZipFormatError('ZIP64 end of central directory record lies outside the archive')
    }
    if (buffer.readUInt32LE(recordOffset) !== SIG_ZIP64_END) {
      throw new ZipFormatError('ZIP64 end of central directory record not found where the locator points')
    }
    location = {
      count: readUInt64(buffer, recordOffset + 32),
      size: readUInt64(buffer, recordOffset + 40),
      offset: readUInt64(buffer, recordOffset + 48),
      zip64: true
    }
  }
  const directoryEnd = hasLocator ? locatorOffset : end.offset
  if (location.offset + location.size > directoryEnd) {
    throw new ZipFormatError(
      `central directory (offset ${location.offset}, ${location.size} bytes) lies outside the archive`
    )
  }
  return location
}

function readCentralHeader(buffer: Buffer, offset: number, directoryEnd: number): { entry: ZipEntry; next: number } {
  if (offset + CENTRAL_HEADER_SIZE > directoryEnd || buffer.readUInt32LE(offset) !== SIG_CENTRAL_HEADER) {
    throw new ZipFormatError(`central directory header expected at offset ${offset}`)
  }
  const nameLength = buffer.readUInt16LE(offset + 28)
  const extraLength = buffer.readUInt16LE(offset + 30)
  const commentLength = buffer.readUInt16LE(offset + 32)
  const next = offset + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength
  if (next > directoryEnd) {
    throw new ZipFormatError(`central directory header at offset ${offset} runs past the directory`)
  }
  const nameStart = offset + CENTRAL_HEADER_SIZE
  const rawName = buffer.subarray(nameStart, nameStart + nameLength)
  const extraFields = parseExtraFields(buffer.subarray(nameStart + nameLength, nameStart + nameLength + extraLength))
  const comment = buffer.subarray(nameStart + nameLength + extraLength, next)

  const versionMadeBy = buffer.readUInt16LE(offset + 4)
  const flags = buffer.readUInt16LE(offset + 8)
  let compressedSize = buffer.readUInt32LE(offset + 20)
  let uncompressedSize = buffer.readUInt32LE(offset + 24)
  let diskStart = buffer.readUInt16LE(offset + 34)
  let localHeaderOffset = buffer.readUInt32LE(offset + 42)

  // The ZIP64 extra field holds, in this order, only the values whose 32/16-bit field is saturated.
  const zip64 = extraFields.find((field) => field.id === EXTRA_ZIP64)
  if (zip64) {
    let cursor = 0
    const take64 = (): number => {
      if (cursor + 8 > zip64.data.length) throw new ZipFormatError(`${describe(rawName)}: ZIP64 extra field too short`)
      const value = readUInt64(zip64.data, cursor)
      cursor += 8
      return value
    }
    if (uncompressedSize === 0xffffffff) uncompressedSize = take64()
    if (compressedSize === 0xffffffff) compressedSize = take64()
    if (localHeaderOffset === 0xffffffff) localHeaderOffset = take64()
    if (diskStart === 0xffff) {
      if (cursor + 4 > zip64.data.length) throw new ZipFormatError(`${describe(rawName)}: ZIP64 extra field too short`)
      diskStart = zip64.data.readUInt32LE(cursor)
    }
  }
  if (diskStart !== 0) throw new ZipFormatError('multi-disk zip archives are not supported')

  const name = decodeEntryName(rawName, flags, extraFields)
  const local = readLocalHeader(buffer, localHeaderOffset, rawName, name)
  if (local.dataOffset + compressedSize > buffer.length) {
    throw new ZipFormatError(`${name}: data runs past the end of the archive`)
  }
  const dosTime = buffer.readUInt16LE(offset + 12)
  const dosDate = buffer.readUInt16LE(offset + 14)
  const externalAttributes = buffer.readUInt32LE(offset + 38)
  const method = buffer.readUInt16LE(offset + 10)
  const crc = buffer.readUInt32LE(offset + 16)
  const dataOffset = local.dataOffset

  const entry: ZipEntry = {
    name,
    rawName,
    isDirectory: name.endsWith('/'),
    method,
    flags,
    crc32: crc,
    compressedSize,
    uncompressedSize,
    localHeaderOffset,
    dataOffset,
    dosDate,
    dosTime,
    modified: decodeDosDateTime(dosDate, dosTime),
    versionMadeBy,
    versionNeeded: buffer.readUInt16LE(offset + 6),
    internalAttributes: buffer.readUInt16LE(offset + 36),
    externalAttributes,
    unixMode: versionMadeBy >>> 8 === HOST_UNIX ? externalAttributes >>> 16 : undefined,
    comment: decodeName(comment, (flags & FLAG_UTF8) !== 0),
    extraFields,
    localExtraFields: local.extraFields,
    data: () =>
      extract(name, buffer.subarray(dataOffset, dataOffset + compressedSize), method, flags, uncompressedSize, crc)
  }
  return { entry, next }
}

function readLocalHeader(
  buffer: Buffer,
  offset: number,
  centralName: Buffer,
  name: string
): { dataOffset: number; extraFields: ZipExtraField[] } {
  if (offset + LOCAL_HEADER_SIZE > buffer.length || buffer.readUInt32LE(offset) !== SIG_LOCAL_HEADER) {
    throw new ZipFormatError(`${name}: local file header not found at offset ${offset}`)
  }
  const nameLength = buffer.readUInt16LE(offset + 26)
  const extraLength = buffer.readUInt16LE(offset + 28)
  const nameStart = offset + LOCAL_HEADER_SIZE
  const dataOffset = nameStart + nameLength + extraLength
  if (dataOffset > buffer.length) throw new ZipFormatError(`${name}: local file header runs past the archive`)
  if (!buffer.subarray(nameStart, nameStart + nameLength).equals(centralName)) {
    throw new ZipFormatError(`${name}: local file header names a different file`)
  }
  return { dataOffset, extraFields: parseExtraFields(buffer.subarray(nameStart + nameLength, dataOffset)) }
}
