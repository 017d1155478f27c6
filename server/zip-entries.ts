// Zip archives read with yauzl (lazily, entry by entry, from a file or from bytes), with the checks
// yauzl leaves to its caller: the CRC-32 and size of every entry's data (as it streams), that each
// local header names the file its central directory entry names (both in zip-entry.ts), that the
// central directory's size matches its entries, and names flagged UTF-8 that are not.
//
//   await forEachZipEntry(path, async (entry) => { entry.name; await entry.readData((chunk) => ...) })
//   const { entries, comment, zip64 } = await readZipArchive(bytes)   // tests: data() works at any time
//
// Used by the local Tiyaro server to check uploaded datasets, and by tests to inspect zips.

import { open, type FileHandle } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import yauzl from 'yauzl'
import { describeEntry, formatErrors, ZipFormatError } from './zip-entry.js'

export { decodeDosDateTime, ZipFormatError } from './zip-entry.js'

/** The buffer the stored entries of a zip file are read through. */
const READ_BUFFER_BYTES = 1024 * 1024

export interface ZipExtraField {
  /** header ID, e.g. 0x0001 ZIP64, 0x5455 extended timestamp, 0x7875 Unix UID/GID */
  readonly id: number
  readonly data: Buffer
}

/** The fields of an MS-DOS date/time pair, in local time as zip stores it. */
export interface DosDateTime {
  readonly year: number
  /** 1 to 12 */
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  /** even: DOS time has a 2-second resolution */
  readonly second: number
}

export interface ZipEntry {
  /** the path inside the zip, decoded (UTF-8 when flagged or given by a Unicode path field, else CP437) */
  readonly name: string
  /** the name's bytes as stored in the central directory */
  readonly rawName: Buffer
  /** the name ends with '/' */
  readonly isDirectory: boolean
  /** 0 stored, 8 deflated; other values are listed but their data cannot be read */
  readonly method: number
  /** general purpose bit flag (bit 0 encrypted, bit 3 data descriptor, bit 11 UTF-8 names) */
  readonly flags: number
  readonly crc32: number
  readonly compressedSize: number
  readonly uncompressedSize: number
  readonly localHeaderOffset: number
  /** raw MS-DOS date and time words of the central directory header, and them decoded */
  readonly dosDate: number
  readonly dosTime: number
  readonly modified: DosDateTime
  readonly versionNeeded: number
  /** file mode (type and permission bits) when the entry was made on Unix, else undefined */
  readonly unixMode: number | undefined
  /** extra fields of the central directory header and of the local file header */
  readonly extraFields: readonly ZipExtraField[]
  readonly localExtraFields: readonly ZipExtraField[]
  /** the uncompressed bytes as a stream that fails with a ZipFormatError on a size or CRC mismatch */
  openData(): Promise<Readable>
  /**
   * Hands the uncompressed bytes to `onChunk` piece by piece, checked the same way; a piece is
   * valid only during the call. The stored entries of a zip file are read through one buffer the
   * archive's entries share, so checking a big file leaves no garbage for the collector.
   */
  readData(onChunk: (chunk: Buffer) => void): Promise<void>
  /** all of the uncompressed bytes, checked the same way */
  data(): Promise<Buffer>
}

export interface ZipSummary {
  /** the archive comment of the end of central directory record */
  readonly comment: string
  /** the archive has a ZIP64 end of central directory record */
  readonly zip64: boolean
}

export interface ZipArchive extends ZipSummary {
  readonly entries: readonly ZipEntry[]
}

/**
 * Visits the entries of a zip (a file path or bytes) in central directory order, one at a time;
 * an entry's data can be read while it is visited. Throws ZipFormatError when the zip is broken.
 */
export async function forEachZipEntry(
  source: string | Uint8Array,
  visit: (entry: ZipEntry) => Promise<void> | void
): Promise<ZipSummary> {
  if (typeof source !== 'string') {
    const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength)
    return walk(bytes, bytes.length, async (at, length) => bytes.subarray(at, at + length), undefined, visit)
  }
  // One handle for what yauzl does not read: the end records, and the data of stored entries.
  const handle = await open(source, 'r')
  try {
    const readAt: ReadAt = async (at, length) => {
      const buffer = Buffer.alloc(length)
      return buffer.subarray(0, (await handle.read(buffer, 0, length, at)).bytesRead)
    }
    return await walk(source, (await handle.stat()).size, readAt, handle, visit)
  } finally {
    await handle.close()
  }
}

async function walk(
  source: string | Buffer,
  size: number,
  readAt: ReadAt,
  handle: FileHandle | undefined,
  visit: (entry: ZipEntry) => Promise<void> | void
): Promise<ZipSummary> {
  if (size < 22) throw new ZipFormatError(`not a zip: only ${size} bytes`)
  const options = { lazyEntries: true, decodeStrings: false, validateEntrySizes: false, strictFileNames: true }
  const zipfile = await formatErrors(() =>
    typeof source === 'string'
      ? yauzl.openPromise(source, { ...options, autoClose: false })
      : yauzl.fromBufferPromise(source, options)
  )
  try {
    // decodeStrings: false leaves names and the comment as bytes, so that this reader's layout checks,
    // not yauzl's, judge the names; yauzl's name decoder (UTF-8 when flagged, else CP437) decodes them.
    const rawComment = zipfile.comment as unknown as Buffer
    const end = await readEndRecords(readAt, size, rawComment.length)
    const file = handle && { handle, buffer: Buffer.allocUnsafe(Math.min(READ_BUFFER_BYTES, size)) }
    let directoryBytes = 0
    let count = 0
    const entries = zipfile.eachEntry()
    for (;;) {
      const next = await formatErrors(() => entries.next())
      if (next.done) break
      const raw = next.value
      directoryBytes += 46 + raw.fileNameLength + raw.extraFieldLength + raw.fileCommentLength
      count++
      await visit(await describeEntry(zipfile, raw, file))
    }
    if (directoryBytes !== end.directorySize) {
      throw new ZipFormatError(
        `central directory holds ${count} entries in ${directoryBytes} bytes, but the end record says ${end.directorySize} bytes`
      )
    }
    return { comment: yauzl.getFileNameLowLevel(0, rawComment, [], true), zip64: end.zip64 }
  } finally {
    if (typeof source === 'string') zipfile.close()
  }
}

/** The whole archive, from bytes: the entries' data can be read at any time. */
export async function readZipArchive(bytes: Uint8Array): Promise<ZipArchive> {
  const entries: ZipEntry[] = []
  const summary = await forEachZipEntry(bytes, (entry) => void entries.push(entry))
  return { ...summary, entries }
}

/** The entries of a zip held in memory, in central directory order. */
export async function readZip(bytes: Uint8Array): Promise<ZipEntry[]> {
  return [...(await readZipArchive(bytes)).entries]
}

type ReadAt = (at: number, length: number) => Promise<Buffer>

// yauzl has found and checked the end records; this reads the directory size they declare, which
// yauzl does not keep, and whether they are ZIP64's.
async function readEndRecords(
  readAt: ReadAt,
  size: number,
  commentLength: number
): Promise<{ directorySize: number; zip64: boolean }> {
  const end = size - 22 - commentLength
  const record = await readAt(end, 22)
  // yauzl checks the number of this disk; the disk the directory starts on must be 0 too.
  if (record.readUInt16LE(6) !== 0) throw new ZipFormatError('multi-disk zip archives are not supported')
  if (end >= 20) {
    const locator = await readAt(end - 20, 20)
    if (locator.readUInt32LE(0) === 0x07064b50) {
      const zip64Record = await readAt(Number(locator.readBigUInt64LE(8)), 56)
      return { directorySize: Number(zip64Record.readBigUInt64LE(40)), zip64: true }
    }
  }
  return { directorySize: record.readUInt32LE(12), zip64: false }
}
