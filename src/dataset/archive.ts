// Writes the dataset as a zip in the seed's layout, in one pass: each image is read once, its
// CRC-32 taken on the way in, and the zip's sha256 on the way out to the file (zip-writer.ts).
// The same images give the same bytes on every run and machine: fixed entry order, fixed
// date, fixed mode, STORE for every entry (images are compressed already), no extra fields
// (ZIP64 ones only when offsets pass 4 GiB, which depends on the content alone).
import { mkdir, open, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { compareNames, type Dataset, type DatasetImage } from './types.js'
import { ZipWriter } from './zip-writer.js'

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
  const output = await open(outputPath, 'w')
  try {
    const zip = new ZipWriter(output)
    const entries: ArchiveEntry[] = []
    for (const image of images) {
      const { crc32, bytes } = await zip.addFile(image.entryName, image.sourcePath)
      entries.push({ name: image.entryName, fingerprint: contentFingerprint(bytes, crc32), bytes })
    }
    await zip.finish()
    await output.close()
    return { path: outputPath, bytes: zip.bytes, sha256: zip.sha256(), entries }
  } catch (error) {
    await output.close().catch(() => undefined)
    await rm(outputPath, { force: true }).catch(() => undefined) // never a folder: no `recursive`
    throw error
  }
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
  }
  return images
}
