// Warnings that do not stop the run but may save a paid training: too few or too many instance
// images, images smaller than the training resolution, the same picture twice.
import {
  DEFAULT_RESOLUTION,
  MAX_INSTANCE_IMAGES,
  MIN_INSTANCE_IMAGES,
  type Dataset,
  type DatasetImage
} from './types.js'

export interface DatasetWarning {
  readonly message: string
  /** the image concerned (sourcePath), for a file annotation */
  readonly file?: string
}

export interface CheckOptions {
  /** the training resolution; DEFAULT_RESOLUTION when undefined */
  readonly resolution?: number
}

/** The archive's entry fingerprints (ArchiveResult fits), by entry name. */
export interface HashedEntries {
  readonly entries: readonly { readonly name: string; readonly fingerprint: string }[]
}

/**
 * Warnings that do not stop the run. Duplicates are found from the hashes the archive step
 * took; without `archive` (undefined) they are not looked for.
 */
export function checkDataset(
  dataset: Dataset,
  archive: HashedEntries | undefined,
  { resolution = DEFAULT_RESOLUTION }: CheckOptions = {}
): DatasetWarning[] {
  const duplicates = archive === undefined ? [] : duplicateWarnings(dataset, archive)
  return [...countWarnings(dataset), ...sizeWarnings(dataset, resolution), ...duplicates]
}

function countWarnings(dataset: Dataset): DatasetWarning[] {
  const count = dataset.instance.length
  if (count < MIN_INSTANCE_IMAGES) {
    return [
      {
        message: `only ${count} instance image${count === 1 ? '' : 's'}: DreamBooth needs ${MIN_INSTANCE_IMAGES} to ${MAX_INSTANCE_IMAGES} to learn a subject`
      }
    ]
  }
  if (count > MAX_INSTANCE_IMAGES) {
    return [{ message: `${count} instance images: more than ${MAX_INSTANCE_IMAGES} add training time for little gain` }]
  }
  return []
}

function sizeWarnings(dataset: Dataset, resolution: number): DatasetWarning[] {
  const warnings: DatasetWarning[] = []
  for (const image of allImages(dataset)) {
    if (image.width === undefined || image.height === undefined) {
      warnings.push({
        message: `${describe(image)}: its pixel size could not be read from the header`,
        file: image.sourcePath
      })
    } else if (Math.min(image.width, image.height) < resolution) {
      warnings.push({
        message: `${describe(image)} is ${image.width}x${image.height}: its short side is below the training resolution of ${resolution} px, so it will be scaled up`,
        file: image.sourcePath
      })
    }
  }
  return warnings
}

/** One warning per image whose content an earlier one (instance first, then class) has. */
function duplicateWarnings(dataset: Dataset, archive: HashedEntries): DatasetWarning[] {
  const hashByName = new Map(archive.entries.map((entry) => [entry.name, entry.fingerprint]))
  const firstByHash = new Map<string, DatasetImage>()
  const warnings: DatasetWarning[] = []
  for (const image of allImages(dataset)) {
    const hash = hashByName.get(image.entryName)
    if (hash === undefined) continue
    const first = firstByHash.get(hash)
    if (first === undefined) firstByHash.set(hash, image)
    else
      warnings.push({
        message: `${describe(image)} has the same content as ${describe(first)}`,
        file: image.sourcePath
      })
  }
  return warnings
}

function allImages(dataset: Dataset): DatasetImage[] {
  return [...dataset.instance, ...dataset.class]
}

function describe(image: DatasetImage): string {
  return image.kind === 'instance' ? image.relPath : `${image.relPath} (class-images)`
}
