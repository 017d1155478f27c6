// The dataset as the seed's zip, made on demand in one pass (zip-writer.ts) as often as it is
// needed: into the upload's body, into a file, or only through the hash. Every pass gives the
// same bytes, or fails naming the image that is not what was checked; a copy on disk is written
// on the first pass that asks for one, so the zip is on disk only when a run needs it there.
// The same images give the same bytes on every run and machine: fixed entry order, fixed date,
// fixed mode, STORE for every entry (images are compressed already), no extra fields (ZIP64
// ones only when offsets pass 4 GiB, which depends on the content alone).
import { compareNames, DatasetError, type Dataset, type DatasetImage } from './types.js'
import { ZIP64_MAGIC, ZipPass, zipBytes, type ZipSource } from './zip-writer.js'

export { ZIP_ENTRY_DATE } from './zip-writer.js'

export interface ArchiveEntry {
  /** path in the zip */
  readonly name: string
  /**
   * The content's size and CRC-32 (`<bytes>-<crc32 hex>`), which the zip needs anyway: enough to
   * tell images apart for the duplicate warning and the class-image cache key without hashing
   * every image a second time.
   */
  readonly fingerprint: string
  readonly bytes: number
}

export interface ArchiveResult {
  /** the copy on disk; '' when none was kept */
  readonly path: string
  readonly bytes: number
  /** of the zip, hex */
  readonly sha256: string
  /** in zip order */
  readonly entries: readonly ArchiveEntry[]
}

export interface DatasetZipOptions {
  /** where a pass writes a copy of the zip, until one pass has written all of it; none when undefined */
  readonly keepAt?: string
  readonly signal?: AbortSignal
}

/** One pass: read it once (for await), as the upload's body or by build(). */
export interface DatasetZipPass extends AsyncIterable<Buffer> {
  /** the zip's size, known before the first byte */
  readonly bytes: number
  /** settles once the pass ended */
  readonly result: Promise<ArchiveResult>
  /** why the pass failed on its own side (an image changed), if it did */
  readonly failure: unknown
  cancel(reason?: unknown): void
}

export class DatasetZip {
  /** the zip's size: every pass gives this many bytes */
  readonly bytes: number
  readonly #images: readonly DatasetImage[]
  readonly #sources: readonly ZipSource[]
  /** each image's CRC-32 once a pass read it: later passes must find the same */
  readonly #crcs: (number | undefined)[]
  /** the result of the last pass that ended */
  #made: ArchiveResult | undefined
  #kept = false

  constructor(
    dataset: Dataset,
    private readonly options: DatasetZipOptions = {}
  ) {
    this.#images = zipOrder(dataset)
    this.#sources = this.#images.map((image) => ({
      name: image.entryName,
      path: image.sourcePath,
      bytes: image.bytes,
      stamp: image.stamp
    }))
    this.#crcs = this.#images.map(() => undefined)
    this.bytes = zipBytes(this.#sources)
  }

  /** A fresh pass from the image files. */
  pass(): DatasetZipPass {
    const copyTo = this.#kept ? undefined : this.options.keepAt
    const zip = new ZipPass(this.#sources, {
      crcs: this.#crcs,
      copyTo,
      signal: this.options.signal,
      changed: (source, reason) => this.#changed(source, reason)
    })
    const result = zip.result.then(({ bytes, sha256 }) => this.#settle(bytes, sha256, copyTo !== undefined))
    result.catch(() => undefined) // the reader meets the failure too
    return {
      bytes: zip.bytes,
      result,
      get failure() {
        return zip.failure
      },
      cancel: (reason?: unknown) => zip.cancel(reason),
      [Symbol.asyncIterator]: () => zip[Symbol.asyncIterator]()
    }
  }

  /** A pass that nobody else reads: for the copy on disk, or for the sha256 alone. */
  async build(): Promise<ArchiveResult> {
    const pass = this.pass()
    try {
      for await (const _chunk of pass) {
        // the pass hashes and copies; the chunks themselves are not needed here
      }
    } catch (error) {
      await pass.result.catch(() => undefined) // its copy is removed before the caller hears of it
      throw error
    }
    return pass.result
  }

  /** What the last pass that ended made (the same bytes every time); undefined until one did. */
  get made(): ArchiveResult | undefined {
    return this.#made
  }

  #settle(bytes: number, sha256: string, copied: boolean): ArchiveResult {
    // every image's CRC-32 was compared already; this is the last word that the bytes are the same
    if (this.#made && this.#made.sha256 !== sha256) {
      throw new Error(`the zip's sha256 is ${sha256} now, not the ${this.#made.sha256} made before`)
    }
    if (copied) this.#kept = true
    const entries = this.#images.map((image, index) => ({
      name: image.entryName,
      fingerprint: contentFingerprint(image.bytes, this.#crcs[index] ?? 0),
      bytes: image.bytes
    }))
    this.#made = { path: this.#kept ? (this.options.keepAt ?? '') : '', bytes, sha256, entries }
    return this.#made
  }

  #changed(source: ZipSource, reason: string): Error {
    const image = this.#images[this.#sources.indexOf(source)]!
    const input = image.kind === 'instance' ? 'instance-images' : 'class-images'
    return new DatasetError(
      input,
      `${image.sourcePath} changed after it was checked: ${reason}. The zip would not be what was checked; run again once the folder stays as it is.`
    )
  }
}

/** Writes the zip to `outputPath` in one pass; its size, sha256 and entries. */
export async function buildArchive(dataset: Dataset, { outputPath }: { outputPath: string }): Promise<ArchiveResult> {
  return new DatasetZip(dataset, { keepAt: outputPath }).build()
}

export function contentFingerprint(bytes: number, crc32: number): string {
  return `${bytes}-${crc32.toString(16).padStart(8, '0')}`
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
    if (image.bytes >= ZIP64_MAGIC) throw new Error(`${image.sourcePath} is 4 GiB or more, too large for one entry`)
  }
  return images
}
