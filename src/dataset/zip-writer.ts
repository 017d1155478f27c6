// Ours, not a library's, for the single-pass upload: the zip (STORE only) is written once, each
// file read through two reused buffers (one read into while the other is written out), zlib's
// native CRC-32 on the way, its length and sha256 counted, so the PUT has its Content-Length
// with no second read, and no chunk is left for the garbage collector. Its bytes equal
// archiver's (zip-stream) for the same entries, as a unit test holds: a data descriptor after
// each entry, fixed date and mode, no extra fields, ZIP64 records only past 32- or 16-bit limits.
import { createHash, type Hash } from 'node:crypto'
import { open, type FileHandle } from 'node:fs/promises'
import { crc32 } from 'node:zlib'

/** Every entry's timestamp: the earliest a DOS date can hold, in UTC. */
export const ZIP_ENTRY_DATE = new Date(Date.UTC(1980, 0, 1, 0, 0, 0))
/** Every entry's Unix mode (rw-r--r--), whatever the source file's mode. */
export const ZIP_ENTRY_MODE = 0o644

/** Big enough that a read or a write costs little per byte, small enough to stay in cache. */
const CHUNK_BYTES = 1024 * 1024

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

export interface WrittenEntry {
  readonly crc32: number
  readonly bytes: number
}

/** Appends entries to an open file; call finish() once after the last one. */
export class ZipWriter {
  /** written so far */
  bytes = 0
  private readonly digest: Hash = createHash('sha256')
  private readonly records: CentralRecord[] = []
  private readonly buffers = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)]

  constructor(private readonly output: FileHandle) {}

  /** Adds the file at `sourcePath` as `entryName`; its CRC-32 and size. */
  async addFile(entryName: string, sourcePath: string): Promise<WrittenEntry> {
    const name = Buffer.from(entryName, 'utf8')
    // as zip-stream: the UTF-8 flag only when the name is not plain ASCII
    const flags = FLAG_DATA_DESCRIPTOR | (name.length === entryName.length ? 0 : FLAG_UTF8)
    const offset = this.bytes
    await this.write(localHeader(name, flags))
    const { crc, bytes } = await this.copyFrom(sourcePath)
    if (bytes >= ZIP64_MAGIC) throw new Error(`${sourcePath} is 4 GiB or more, too large for one entry`)
    await this.write(dataDescriptor(crc, bytes))
    this.records.push({ name, flags, crc, bytes, offset })
    return { crc32: crc, bytes }
  }

  /** Writes the central directory and the end records. */
  async finish(): Promise<void> {
    await this.write(centralDirectory(this.records, this.bytes))
  }

  /** Of every byte written; valid once after finish(). */
  sha256(): string {
    return this.digest.digest('hex')
  }

  /** The file's bytes into the zip; its CRC-32 and size. */
  private async copyFrom(sourcePath: string): Promise<{ crc: number; bytes: number }> {
    const input = await open(sourcePath, 'r')
    let crc = 0
    let bytes = 0
    let writing: Promise<void> = Promise.resolve()
    try {
      for (let turn = 0; ; turn ^= 1) {
        // this buffer's last write was awaited before the other buffer's write began: it is free
        const buffer = this.buffers[turn]!
        const { bytesRead } = await input.read(buffer, 0, buffer.length, null)
        if (bytesRead === 0) break
        const chunk = buffer.subarray(0, bytesRead)
        crc = crc32(chunk, crc)
        bytes += bytesRead
        await writing
        writing = this.write(chunk)
      }
      await writing
    } finally {
      await writing.catch(() => undefined)
      await input.close()
    }
    return { crc, bytes }
  }

  /** Appends bytes to the file. Calls do not overlap: each waits for the one before. */
  private async write(bytes: Buffer): Promise<void> {
    this.digest.update(bytes)
    this.bytes += bytes.length
    for (let done = 0; done < bytes.length;) {
      done += (await this.output.write(bytes, done, bytes.length - done)).bytesWritten
    }
  }
}

function localHeader(name: Buffer, flags: number): Buffer {
  const header = Buffer.alloc(30 + name.length)
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

function dataDescriptor(crc: number, bytes: number): Buffer {
  const descriptor = Buffer.alloc(16)
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
  const zip64 = count > ZIP64_MAGIC_SHORT || centralBytes > ZIP64_MAGIC || centralOffset > ZIP64_MAGIC
  const parts = [...headers]
  if (zip64) {
    const end64 = Buffer.alloc(56 + 20)
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
  const end = Buffer.alloc(22)
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
  const extraBytes = zip64 ? 4 + 24 : 0
  const header = Buffer.alloc(46 + name.length + extraBytes)
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
