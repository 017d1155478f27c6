// The zip format (PKWARE's APPNOTE.TXT), STORE only: the records around each entry's data, the
// central directory, and the zip's length computed from the entries' names and sizes alone, so
// that an upload can announce its Content-Length before the first byte is read.
//
// The bytes are those archiver (zip-stream) writes for the same entries: a data descriptor after
// each entry, fixed date and mode, no extra fields, ZIP64 records only where an offset, the
// central directory or the entry count passes the 32- or 16-bit limits.

/** Every entry's timestamp: the earliest a DOS date can hold, in UTC. */
export const ZIP_ENTRY_DATE = new Date(Date.UTC(1980, 0, 1, 0, 0, 0))
/** Every entry's Unix mode (rw-r--r--), whatever the source file's mode. */
const ZIP_ENTRY_MODE = 0o644

const LOCAL_HEADER = 0x04034b50
const DATA_DESCRIPTOR = 0x08074b50
const CENTRAL_HEADER = 0x02014b50
const ZIP64_END = 0x06064b50
const ZIP64_LOCATOR = 0x07064b50
const END_OF_CENTRAL_DIRECTORY = 0x06054b50
const ZIP64_EXTRA = 0x0001
/** A 32-bit field whose value is in a ZIP64 record instead. */
export const ZIP64_MAGIC = 0xffffffff
const ZIP64_MAGIC_SHORT = 0xffff
/** 2.0: a data descriptor follows the data; 4.5: ZIP64. */
const VERSION_DATA_DESCRIPTOR = 20
const VERSION_ZIP64 = 45
/** Unix (3) in the high byte, 4.5 in the low one. */
const VERSION_MADE_BY = (3 << 8) | VERSION_ZIP64
/** Bit 3: CRC-32 and sizes are in the data descriptor; bit 11: the name is UTF-8. */
const FLAG_DATA_DESCRIPTOR = 0x0008
const FLAG_UTF8 = 0x0800
/** ZIP_ENTRY_DATE as DOS time (00:00:00) and date (1980-01-01). */
const DOS_TIME = 0
const DOS_DATE = (0 << 9) | (1 << 5) | 1
/** A regular file with ZIP_ENTRY_MODE in the high 16 bits, the DOS archive bit in the low ones. */
const EXTERNAL_ATTRIBUTES = (((0o100000 | ZIP_ENTRY_MODE) << 16) | 0x20) >>> 0

/** What the central directory says of one entry. */
export interface CentralRecord {
  /** the name as written: UTF-8 */
  readonly name: Buffer
  readonly flags: number
  readonly crc: number
  /** stored, so the size in the zip and the file's size are the same */
  readonly bytes: number
  /** of the entry's local header */
  readonly offset: number
}

const LOCAL_HEADER_BYTES = 30
const DATA_DESCRIPTOR_BYTES = 16
const CENTRAL_HEADER_BYTES = 46
/** the ZIP64 extra field of a central header: tag, size, then three 64-bit values */
const ZIP64_EXTRA_BYTES = 4 + 24
/** the ZIP64 end of central directory record (56) and its locator (20) */
const ZIP64_END_BYTES = 56 + 20
const END_BYTES = 22

/** An entry's name as written, and its flags: as zip-stream, the UTF-8 flag only when the name is not plain ASCII. */
export function entryName(name: string): { readonly name: Buffer; readonly flags: number } {
  const bytes = Buffer.from(name, 'utf8')
  return { name: bytes, flags: FLAG_DATA_DESCRIPTOR | (bytes.length === name.length ? 0 : FLAG_UTF8) }
}

/** An entry's part in the zip's length: its name as written (UTF-8) and its data's size. */
export interface SizedEntry {
  readonly name: Buffer
  readonly bytes: number
}

/** Bytes of the local header, data and data descriptor of an entry. */
export function entryLength({ name, bytes }: SizedEntry): number {
  return LOCAL_HEADER_BYTES + name.length + bytes + DATA_DESCRIPTOR_BYTES
}

/** The bytes the zip of these entries takes, ZIP64 records included: what centralDirectory() and the entries add up to. */
export function zipLength(entries: readonly SizedEntry[]): number {
  let offset = 0
  let centralBytes = 0
  for (const entry of entries) {
    centralBytes += CENTRAL_HEADER_BYTES + entry.name.length + (offset > ZIP64_MAGIC ? ZIP64_EXTRA_BYTES : 0)
    offset += entryLength(entry)
  }
  const zip64 = needsZip64(entries.length, centralBytes, offset)
  return offset + centralBytes + (zip64 ? ZIP64_END_BYTES : 0) + END_BYTES
}

function needsZip64(count: number, centralBytes: number, centralOffset: number): boolean {
  return count > ZIP64_MAGIC_SHORT || centralBytes > ZIP64_MAGIC || centralOffset > ZIP64_MAGIC
}

export function localHeader(name: Buffer, flags: number): Buffer {
  const header = Buffer.alloc(LOCAL_HEADER_BYTES + name.length)
  header.writeUInt32LE(LOCAL_HEADER, 0)
  header.writeUInt16LE(VERSION_DATA_DESCRIPTOR, 4)
  header.writeUInt16LE(flags, 6)
  // method 0 (STORE) at 8
  header.writeUInt16LE(DOS_TIME, 10)
  header.writeUInt16LE(DOS_DATE, 12)
  // CRC-32 and sizes (14-25) stay 0: the data descriptor gives them
  header.writeUInt16LE(name.length, 26)
  // extra field length 0 at 28
  name.copy(header, 30)
  return header
}

export function dataDescriptor(crc: number, bytes: number): Buffer {
  const descriptor = Buffer.alloc(DATA_DESCRIPTOR_BYTES)
  descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0)
  descriptor.writeUInt32LE(crc, 4)
  descriptor.writeUInt32LE(bytes, 8)
  descriptor.writeUInt32LE(bytes, 12)
  return descriptor
}

/**
 * The central directory that starts at `centralOffset`, then the ZIP64 end record and locator
 * when needed, then the end of central directory record.
 */
export function centralDirectory(records: readonly CentralRecord[], centralOffset: number): Buffer {
  const headers = records.map(centralHeader)
  const centralBytes = headers.reduce((sum, header) => sum + header.length, 0)
  const count = records.length
  const zip64 = needsZip64(count, centralBytes, centralOffset)
  const parts = [...headers]
  if (zip64) {
    const end64 = Buffer.alloc(ZIP64_END_BYTES)
    end64.writeUInt32LE(ZIP64_END, 0)
    end64.writeBigUInt64LE(44n, 4) // the size of the rest of this record
    end64.writeUInt16LE(VERSION_ZIP64, 12)
    end64.writeUInt16LE(VERSION_ZIP64, 14)
    // disk numbers (16-23) are 0
    end64.writeBigUInt64LE(BigInt(count), 24)
    end64.writeBigUInt64LE(BigInt(count), 32)
    end64.writeBigUInt64LE(BigInt(centralBytes), 40)
    end64.writeBigUInt64LE(BigInt(centralOffset), 48)
    end64.writeUInt32LE(ZIP64_LOCATOR, 56)
    // the disk of the ZIP64 end record (60-63) is 0
    end64.writeBigUInt64LE(BigInt(centralOffset + centralBytes), 64)
    end64.writeUInt32LE(1, 72) // disks in all
    parts.push(end64)
  }
  const end = Buffer.alloc(END_BYTES)
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0)
  // disk numbers (4-7) are 0
  end.writeUInt16LE(zip64 ? ZIP64_MAGIC_SHORT : count, 8)
  end.writeUInt16LE(zip64 ? ZIP64_MAGIC_SHORT : count, 10)
  end.writeUInt32LE(zip64 ? ZIP64_MAGIC : centralBytes, 12)
  end.writeUInt32LE(zip64 ? ZIP64_MAGIC : centralOffset, 16)
  // comment length 0 at 20
  parts.push(end)
  return Buffer.concat(parts)
}

/** One entry's central header; a ZIP64 extra field only when its offset needs one. */
function centralHeader({ name, flags, crc, bytes, offset }: CentralRecord): Buffer {
  const zip64 = offset > ZIP64_MAGIC
  const extraBytes = zip64 ? ZIP64_EXTRA_BYTES : 0
  const header = Buffer.alloc(CENTRAL_HEADER_BYTES + name.length + extraBytes)
  header.writeUInt32LE(CENTRAL_HEADER, 0)
  header.writeUInt16LE(VERSION_MADE_BY, 4)
  header.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_DATA_DESCRIPTOR, 6)
  header.writeUInt16LE(flags, 8)
  // method 0 (STORE) at 10
  header.writeUInt16LE(DOS_TIME, 12)
  header.writeUInt16LE(DOS_DATE, 14)
  header.writeUInt32LE(crc, 16)
  header.writeUInt32LE(zip64 ? ZIP64_MAGIC : bytes, 20)
  header.writeUInt32LE(zip64 ? ZIP64_MAGIC : bytes, 24)
  header.writeUInt16LE(name.length, 28)
  header.writeUInt16LE(extraBytes, 30)
  // comment length, disk number and internal attributes (32-37) are 0
  header.writeUInt32LE(EXTERNAL_ATTRIBUTES, 38)
  header.writeUInt32LE(zip64 ? ZIP64_MAGIC : offset, 42)
  name.copy(header, 46)
  if (zip64) {
    // as zip-stream: size, compressed size and offset, all three
    const at = 46 + name.length
    header.writeUInt16LE(ZIP64_EXTRA, at)
    header.writeUInt16LE(24, at + 2)
    header.writeBigUInt64LE(BigInt(bytes), at + 4)
    header.writeBigUInt64LE(BigInt(bytes), at + 12)
    header.writeBigUInt64LE(BigInt(offset), at + 20)
  }
  return header
}
