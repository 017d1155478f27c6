// The rules every class-image cache and job record follows, wherever it keeps its entries (the
// Actions cache, a local folder), so that both faces reuse and attach by the same keys.
//
// Class images: one set per (model, class prompt, resolution), under
//   tiyaro-dreambooth-class-v1-<hash of model, class prompt, resolution>-<hash of the images>.
// The images' hash is taken over their names and the fingerprint (size and CRC-32) the archive
// step took of each entry, so saving reads no image a second time. A run whose class folder is
// missing or empty restores the newest entry of the same first hash; a run that brings images
// saves them when their key is new.
//
// Started jobs: the same zip and the same parameters give the same fingerprint.
import type { Dirent } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { CLASS_FOLDER, DEFAULT_RESOLUTION, type Dataset } from '../dataset/index.js'
import type { Config } from '../inputs/index.js'
import { runnerTemp } from '../shared/paths.js'
import { nodeCrypto } from '../shared/builtins.js'
import type { DreamBoothInput, JobStatus } from '../tiyaro/index.js'
import type { ArchivedEntries, ClassImagesSource } from './types.js'

export const CLASS_CACHE_KEY_PREFIX = 'tiyaro-dreambooth-class-v1-'

type Fingerprinted = readonly { readonly name: string; readonly fingerprint: string }[]

/** What the class images are for: images cached for one are not reused for another. */
export interface ClassImagePurpose {
  /** the `model` input; undefined when not set (the service's default) */
  readonly model?: string
  readonly classPrompt: string
  readonly resolution: number
}

export function classImagePurpose(config: Pick<Config, 'classPrompt' | 'hyperparameters'>): ClassImagePurpose {
  const { model, resolution } = config.hyperparameters
  return {
    model: typeof model === 'string' ? model : undefined,
    classPrompt: config.classPrompt,
    resolution: typeof resolution === 'number' ? resolution : DEFAULT_RESOLUTION
  }
}

/** The part of the key every entry for this purpose shares, ending in '-'. */
export function classCacheKeyPrefix(purpose: ClassImagePurpose): string {
  const hash = sha256(
    [purpose.model ?? null, purpose.classPrompt, purpose.resolution].map((part) => JSON.stringify(part)).join('\n')
  )
  return `${CLASS_CACHE_KEY_PREFIX}${hash.slice(0, 16)}-`
}

/** Hash of the images' names and contents, in name order; `images` are zip entries or cached files. */
export function classImagesHash(images: Fingerprinted): string {
  const lines = images.map(({ name, fingerprint }) => `${name}\u0000${fingerprint}\n`).sort()
  return sha256(lines.join('')).slice(0, 32)
}

/** The class images' entries of the archive, named as in the class folder of the zip. */
export function classEntries(entries: Fingerprinted): { name: string; fingerprint: string }[] {
  const prefix = `${CLASS_FOLDER}/`
  return entries
    .filter((entry) => entry.name.startsWith(prefix))
    .map((entry) => ({ name: entry.name.slice(prefix.length), fingerprint: entry.fingerprint }))
}

export function classCacheKey(purpose: ClassImagePurpose, images: Fingerprinted): string {
  return `${classCacheKeyPrefix(purpose)}${classImagesHash(images)}`
}

/** A cached image's file name: its name in the zip's class folder. */
export function cachedImageName(entryName: string): string {
  return entryName.slice(CLASS_FOLDER.length + 1)
}

/**
 * Whether to restore before the scan: the cache is on, this is no dry run, and `class-images`
 * is not set or names a missing or empty folder.
 */
export async function wantsRestore(config: Config): Promise<boolean> {
  if (!config.cacheClassImages || config.dryRun) return false
  return config.classImages === undefined || !(await holdsFiles(config.classImages))
}

/** Where restored class images go when `class-images` is not set. */
export function restoredClassFolder(env: NodeJS.ProcessEnv = process.env): string {
  return join(runnerTemp(env), 'tiyaro-dreambooth-class-images')
}

/**
 * After the zip: the key to save the class images under, or undefined when there is nothing to
 * save (cache off, dry run, no class images, or exactly the set that was restored).
 */
export function keyToSave(
  config: Config,
  dataset: Dataset,
  archive: ArchivedEntries,
  source: ClassImagesSource
): string | undefined {
  if (!config.cacheClassImages || config.dryRun || dataset.class.length === 0) return undefined
  const key = classCacheKey(classImagePurpose(config), classEntries(archive.entries))
  return key === source.restoredKey ? undefined : key
}

/** Whether the folder exists and holds a file that the scan would look at (not hidden). */
export async function holdsFiles(dir: string): Promise<boolean> {
  let entries: Dirent[]
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    return true // not ours to judge: the scan reports what is wrong with it
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue
    if (!entry.isDirectory() || (await holdsFiles(join(dir, entry.name)))) return true
  }
  return false
}

/** The same zip and the same parameters give the same fingerprint, whatever the key order. */
export function runFingerprint(zipSha256: string, parameters: DreamBoothInput): string {
  const sorted = Object.fromEntries(Object.entries(parameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  return nodeCrypto()
    .createHash('sha256')
    .update(`${zipSha256}\n${JSON.stringify(sorted)}`)
    .digest('hex')
    .slice(0, 32)
}

/** Whether a later run may attach to a recorded job in this state: a failed one is trained again. */
export function attachable(status: Pick<JobStatus, 'statusEnum'>): boolean {
  return status.statusEnum !== 'failed' && status.statusEnum !== 'notfound'
}

function sha256(text: string): string {
  return nodeCrypto().createHash('sha256').update(text).digest('hex')
}
