// One pass that writes a STORE zip (zip-format.ts) from files on disk into a few reused buffers
// (buffer-pool.ts): each file is read straight into the buffer that goes out next, its CRC-32
// taken on the way (the zip needs it), every buffer hashed (sha256) and, when a copy is kept,
// written to that file before the reader gets it. The reader is the upload's body or a loop that
// only drains; either way memory stays the same whatever the sizes, and the filling runs ahead
// of the reader by the pool's other buffers, so reading the disk overlaps sending.
//
// Ours, not archiver's, for that single pass: archiver gives no length before its last byte, so
// the upload needed the zip on disk and a second read (bench/RESULTS.md, 2026-11-24: 1.13 times
// `zip -0` + `curl -T` on 100 MiB); in one pass 0.68 on 100 MiB and 0.63 on 1 GiB (bench/RESULTS.md,
// 2026-11-30, with the start-up cut down).
// Its bytes are archiver's for the same entries (__tests__/unit/zip-writer.test.ts).
//
// The files were checked before (scan.ts). A file that is not what was checked any more — its
// stamp (device, inode, size, time) differs, it is no longer a regular file, it ends early or
// goes on, or its CRC-32 differs from an earlier pass — stops the pass with an error naming it
// before the zip's last byte is out, so an upload of a changed zip never completes. A file is
// looked at (stat) before it is opened: a FIFO or a device that took an image's place is never
// opened (that alone can block, or act: a tape rewinds, a FIFO's writer goes on). One that slips
// in between the look and the open is opened with O_NONBLOCK and refused by fstat before any read.
import { mkdir, open, rm, stat, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { nodeCrypto, nodeZlib } from '../shared/builtins.js'
import { OPEN_WITHOUT_WAITING } from '../shared/image-info.js'
import { errorCode } from '../shared/errors.js'
import { BufferPool } from './buffer-pool.js'
import { fileStamp } from './types.js'
import {
  centralDirectory,
  dataDescriptor,
  entryName,
  localHeader,
  zipLength,
  type CentralRecord
} from './zip-format.js'

export { ZIP64_MAGIC, ZIP_ENTRY_DATE } from './zip-format.js'

/** Buffers of a pass: one being read into, the others on their way out. */
const POOL_BUFFERS = 3
/**
 * Big enough that a read or a write costs little per byte, and well above a socket's
 * high-water mark (64 KiB), which buffer-pool.ts relies on.
 */
export const CHUNK_BYTES = 1024 * 1024

export interface ZipSource {
  /** the entry's name in the zip */
  readonly name: string
  /** the file to read */
  readonly path: string
  /** its size as checked */
  readonly bytes: number
  /** its fileStamp() as checked */
  readonly stamp: string
}

export interface ZipPassOptions {
  /** by index: each file's CRC-32 once a pass read it; a later pass must find the same */
  readonly crcs: (number | undefined)[]
  /** a file to write the same bytes to; removed when the pass fails */
  readonly copyTo?: string
  readonly signal?: AbortSignal
  /** the error for a file that is not what was checked */
  readonly changed: (source: ZipSource, reason: string) => Error
}

export interface ZipPassResult {
  readonly bytes: number
  /** of the zip, hex */
  readonly sha256: string
}

/** The size of the zip of these files, before any is read. */
export function zipBytes(sources: readonly ZipSource[]): number {
  return zipLength(sources.map((source) => ({ name: entryName(source.name).name, bytes: source.bytes })))
}

/** One pass: read it once (for await), then `result` has its size and sha256. */
export class ZipPass implements AsyncIterable<Buffer> {
  /** the zip's size, known before the first byte: the upload's Content-Length */
  readonly bytes: number
  readonly result: Promise<ZipPassResult>
  readonly #pool = new BufferPool(POOL_BUFFERS, CHUNK_BYTES)
  readonly #digest = nodeCrypto().createHash('sha256')
  #copy: FileHandle | undefined
  /** the buffer being filled and how much of it is */
  #current: Buffer | undefined
  #failure: unknown
  #filled = 0
  /** bytes of the zip made so far: the next entry's offset */
  #offset = 0

  constructor(
    private readonly sources: readonly ZipSource[],
    private readonly options: ZipPassOptions
  ) {
    this.bytes = zipBytes(sources)
    const onAbort = (): void => this.cancel(options.signal?.reason)
    options.signal?.addEventListener('abort', onAbort, { once: true })
    this.result = this.#run().finally(() => options.signal?.removeEventListener('abort', onAbort))
    this.result.catch(() => undefined) // the reader meets the failure too; whoever awaits result gets it
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this.#pool[Symbol.asyncIterator]()
  }

  /** Why the pass failed on its own side (a file changed, the copy could not be written), if it did. */
  get failure(): unknown {
    return this.#failure
  }

  /** Stops the pass (a no-op once it ended): its reader and `result` fail with `reason`. */
  cancel(reason: unknown = new Error('the zip was cancelled')): void {
    this.#pool.stop(reason)
  }

  async #run(): Promise<ZipPassResult> {
    try {
      if (this.options.signal?.aborted) throw this.options.signal.reason
      if (this.options.copyTo) {
        await mkdir(dirname(this.options.copyTo), { recursive: true })
        this.#copy = await open(this.options.copyTo, 'w')
      }
      const records: CentralRecord[] = []
      for (const [index, source] of this.sources.entries()) {
        const { name, flags } = entryName(source.name)
        const offset = this.#offset
        await this.#put(localHeader(name, flags))
        const crc = await this.#putFile(source, this.options.crcs[index])
        this.options.crcs[index] = crc
        await this.#put(dataDescriptor(crc, source.bytes))
        records.push({ name, flags, crc, bytes: source.bytes, offset })
      }
      await this.#put(centralDirectory(records, this.#offset))
      // every size was checked, so this holds; were it not, the last bytes would not go out
      if (this.#offset !== this.bytes) throw new Error(`the zip came to ${this.#offset} bytes, not ${this.bytes}`)
      await this.#emit(true)
      await this.#copy?.close()
      return { bytes: this.#offset, sha256: this.#digest.digest('hex') }
    } catch (error) {
      // failed on its own (not stopped by the reader or a cancel): the reason to report
      if (!this.#pool.stopped) this.#failure = error
      this.#pool.stop(error)
      await this.#copy?.close().catch(() => undefined)
      if (this.options.copyTo) await rm(this.options.copyTo, { force: true }).catch(() => undefined)
      throw error
    }
  }

  /** Copies bytes into the buffers, handing each full one on. */
  async #put(bytes: Buffer): Promise<void> {
    for (let at = 0; at < bytes.length;) {
      const buffer = (this.#current ??= await this.#pool.take())
      const copied = bytes.copy(buffer, this.#filled, at)
      at += copied
      await this.#advance(copied)
    }
  }

  /** Reads the file straight into the buffers; its CRC-32. */
  async #putFile(source: ZipSource, earlierCrc: number | undefined): Promise<number> {
    const changed = (reason: string): Error => this.options.changed(source, reason)
    const file = await openChecked(source, changed)
    let crc = 0
    try {
      for (let position = 0; position < source.bytes;) {
        const buffer = (this.#current ??= await this.#pool.take())
        const room = Math.min(buffer.length - this.#filled, source.bytes - position)
        const { bytesRead } = await file.read(buffer, this.#filled, room, position)
        if (bytesRead === 0) throw changed(`it ends after ${position} bytes, not the ${source.bytes} checked`)
        crc = nodeZlib().crc32(buffer.subarray(this.#filled, this.#filled + bytesRead), crc)
        position += bytesRead
        await this.#advance(bytesRead)
      }
      // written to while it was read: grown, shrunk, or its time moved
      const reason = difference(source, fileStamp(await file.stat({ bigint: true })))
      if (reason) throw changed(reason)
    } finally {
      await file.close()
    }
    if (earlierCrc !== undefined && crc !== earlierCrc) {
      throw changed('its content differs from the zip made before (another CRC-32)')
    }
    return crc
  }

  async #advance(bytes: number): Promise<void> {
    this.#filled += bytes
    this.#offset += bytes
    if (this.#filled === CHUNK_BYTES) await this.#emit(false)
  }

  /** Hashes the buffer, copies it to the file, and hands it to the reader. */
  async #emit(last: boolean): Promise<void> {
    const buffer = this.#current ?? Buffer.alloc(0)
    const length = this.#filled
    this.#current = undefined
    this.#filled = 0
    const data = length === buffer.length ? buffer : buffer.subarray(0, length)
    this.#digest.update(data)
    if (this.#copy) {
      for (let done = 0; done < length;) done += (await this.#copy.write(data, done)).bytesWritten
    }
    this.#pool.push({ buffer, length }, last)
  }
}

const NOT_A_FILE = 'it is not a regular file any more (a FIFO, a device or a folder took its place)'

/** Opens a file only when it is a regular file, without waiting, and refuses it unless it is as checked. */
async function openChecked(source: ZipSource, changed: (reason: string) => Error): Promise<FileHandle> {
  let file: FileHandle | undefined
  try {
    if ((await stat(source.path)).isFile()) file = await open(source.path, OPEN_WITHOUT_WAITING)
  } catch (error) {
    throw changed(`it cannot be opened (${errorCode(error) ?? String(error)})`)
  }
  if (!file) throw changed(NOT_A_FILE)
  try {
    const stats = await file.stat({ bigint: true })
    if (!stats.isFile()) throw changed(NOT_A_FILE)
    const reason = difference(source, fileStamp(stats))
    if (reason) throw changed(reason)
    return file
  } catch (error) {
    await file.close()
    throw error
  }
}

/** What changed between the stamp checked and this one; undefined when nothing did. */
function difference(source: ZipSource, stamp: string): string | undefined {
  if (stamp === source.stamp) return undefined
  const [dev, ino, size, mtime] = source.stamp.split(':')
  const [nowDev, nowIno, nowSize, nowMtime] = stamp.split(':')
  if (dev !== nowDev || ino !== nowIno) return 'another file took its place'
  if (size !== nowSize) return `it is ${nowSize} bytes now, not the ${size} checked`
  return mtime === nowMtime ? 'its stamp differs' : 'it was written to'
}
