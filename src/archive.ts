// Writes the dataset as a zip in the seed's layout, in one streaming pass: each image is read
// once, its sha256 taken on the way in, and the zip's sha256 on the way out to the file.
// The same images give the same bytes on every run and machine: fixed entry order, fixed
// date, fixed mode, STORE for every entry (images are compressed already), no extra fields
// (ZIP64 ones only when offsets pass 4 GiB, which depends on the content alone).
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ZipArchive } from 'archiver'
import { compareNames, type Dataset, type DatasetImage } from './dataset.js'

/** Every entry's timestamp: the earliest a DOS date can hold, in UTC. */
export const ZIP_ENTRY_DATE = new Date(Date.UTC(1980, 0, 1, 0, 0, 0))
/** Every entry's Unix mode (rw-r--r--), whatever the source file's mode. */
const ZIP_ENTRY_MODE = 0o644

export interface ArchiveEntry {
  /** path in the zip */
  readonly name: string
  readonly sha256: string
  readonly bytes: number
}

export interface ArchiveResult {
  readonly path: string
  readonly bytes: number
  /** of the zip file, hex */
  readonly sha256: string
  /** in zip order */
  readonly entries: readonly ArchiveEntry[]
}

export interface ArchiveOptions {
  readonly outputPath: string
}

export async function buildArchive(dataset: Dataset, { outputPath }: ArchiveOptions): Promise<ArchiveResult> {
  const images = zipOrder(dataset)
  await mkdir(dirname(outputPath), { recursive: true })
  const archive = new ZipArchive({ store: true })
  const zipDigest = new DigestStream()
  const written = pipeline(archive, zipDigest, createWriteStream(outputPath))
  const appender = new EntryAppender(archive)
  try {
    const [entries] = await Promise.all([appender.appendAll(images), written])
    return { path: outputPath, bytes: zipDigest.bytes, sha256: zipDigest.hex(), entries }
  } catch (error) {
    appender.stop()
    archive.destroy()
    await written.catch(() => undefined)
    await rm(outputPath, { force: true }).catch(() => undefined) // never a folder: no `recursive`
    throw error
  }
}

/** Instance images by name, then class images by name: the order is part of the zip's bytes. */
function zipOrder(dataset: Dataset): DatasetImage[] {
  const byName = (a: DatasetImage, b: DatasetImage): number => compareNames(a.entryName, b.entryName)
  const images = [...[...dataset.instance].sort(byName), ...[...dataset.class].sort(byName)]
  const seen = new Map<string, string>()
  for (const image of images) {
    const key = image.entryName.toLowerCase()
    const earlier = seen.get(key)
    if (earlier !== undefined) throw new Error(`${earlier} and ${image.entryName} would be one entry in the zip`)
    seen.set(key, image.entryName)
  }
  return images
}

/**
 * Feeds the archive one file at a time: a file is opened only when the previous entry is
 * written, so open files and buffered bytes do not grow with the dataset.
 */
class EntryAppender {
  private source?: Readable

  constructor(private readonly archive: ZipArchive) {}

  async appendAll(images: readonly DatasetImage[]): Promise<ArchiveEntry[]> {
    const entries: ArchiveEntry[] = []
    for (const image of images) {
      const source = createReadStream(image.sourcePath)
      const digest = new DigestStream()
      source.once('error', (error) => digest.destroy(error))
      // a read error can come before the archive listens to this entry: catch it here too
      const readFailed = new Promise<never>((_, reject) => digest.once('error', reject))
      this.source = source
      // once() also rejects when the archive emits 'error'
      const appended = once(this.archive, 'entry')
      this.archive.append(source.pipe(digest), {
        name: image.entryName,
        date: ZIP_ENTRY_DATE,
        mode: ZIP_ENTRY_MODE,
        store: true
      })
      await Promise.race([appended, readFailed])
      entries.push({ name: image.entryName, sha256: digest.hex(), bytes: digest.bytes })
    }
    this.source = undefined
    // the pipeline's end tells that the zip is written; finalize()'s own promise never
    // settles after an error, so it is not awaited
    this.archive.finalize().catch(() => undefined)
    return entries
  }

  stop(): void {
    this.source?.destroy()
  }
}

/** Passes bytes through unchanged, counting them and taking their sha256. */
class DigestStream extends Transform {
  private readonly hash = createHash('sha256')
  bytes = 0

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk)
    this.bytes += chunk.length
    callback(null, chunk)
  }

  /** Valid once all bytes have passed. */
  hex(): string {
    return this.hash.copy().digest('hex')
  }
}
