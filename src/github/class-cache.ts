// The class-image cache: one set of class images per (model, class prompt, resolution), kept in
// the Actions cache so that later runs and the other concepts of a matrix reuse it.
//
// Key: tiyaro-dreambooth-class-v1-<hash of model, class prompt, resolution>-<hash of the images>.
// The images' hash is taken over their names and the fingerprint (size and CRC-32) the archive
// step took of each entry, so saving reads no image a second time. A run whose `class-images` is missing or empty
// restores the newest entry of the same first hash; a run that brings images saves them when
// their key is new. The images are cached flat, under the names they have in the zip, so a
// restore gives the same `dataset_class/` entries.
import { createHash } from 'node:crypto'
import type { Dirent } from 'node:fs'
import { copyFile, link, mkdir, readdir, realpath, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../inputs/index.js'
import { CLASS_FOLDER, DEFAULT_RESOLUTION, type Dataset } from '../dataset/index.js'
import { cacheServiceOrSay, cachedFolderPath, removeCachedFolder, restoreFolder, saveFolder } from './cache-store.js'
import { bestEffort } from './best-effort.js'
import { formatDuration } from '../shared/format.js'
import { runnerTemp } from '../shared/paths.js'
import { log } from '../shared/log.js'

export const CLASS_CACHE_KEY_PREFIX = 'tiyaro-dreambooth-class-v1-'
/** The cached folder's name under the cache root (part of every entry's version: never change it). */
export const CLASS_CACHE_FOLDER = 'class-images'

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
export function classImagesHash(images: readonly { readonly name: string; readonly fingerprint: string }[]): string {
  const lines = images.map(({ name, fingerprint }) => `${name}\u0000${fingerprint}\n`).sort()
  return sha256(lines.join('')).slice(0, 32)
}

/** The class images' entries of the archive, named as in the class folder of the zip. */
export function classEntries(
  entries: readonly { readonly name: string; readonly fingerprint: string }[]
): { name: string; fingerprint: string }[] {
  const prefix = `${CLASS_FOLDER}/`
  return entries
    .filter((entry) => entry.name.startsWith(prefix))
    .map((entry) => ({ name: entry.name.slice(prefix.length), fingerprint: entry.fingerprint }))
}

export function classCacheKey(
  purpose: ClassImagePurpose,
  images: readonly { readonly name: string; readonly fingerprint: string }[]
): string {
  return `${classCacheKeyPrefix(purpose)}${classImagesHash(images)}`
}

/** Where the class images of this run come from. */
export interface ClassImagesSource {
  /** the folder to scan; undefined when there are no class images */
  readonly classDir?: string
  /** true when the images came from the cache */
  readonly fromCache: boolean
  /** the key they were restored from */
  readonly restoredKey?: string
}

/**
 * Before the scan: when the cache is on and `class-images` is not set, or names a missing or
 * empty folder, restores the newest cached class images for this purpose into it (or, when not
 * set, into a folder under RUNNER_TEMP). Never fails the run: on a miss or an error the folder
 * stays as it was.
 */
export async function restoreClassImages(config: Config): Promise<ClassImagesSource> {
  const given: ClassImagesSource = { classDir: config.classImages, fromCache: false }
  if (!config.cacheClassImages || config.dryRun) return given
  if (config.classImages !== undefined && (await holdsFiles(config.classImages))) return given
  if (!cacheServiceOrSay('no cached class images are restored (cache-class-images: false turns the cache off)'))
    return given
  return log.group('Restore class images', () => restoreInto(config, given))
}

async function restoreInto(config: Config, given: ClassImagesSource): Promise<ClassImagesSource> {
  const started = Date.now()
  const prefix = classCacheKeyPrefix(classImagePurpose(config))
  const failed = {
    warning: (message: string) =>
      `Class-image cache: could not restore (${message}); going on without cached class images.`,
    fallback: given,
    cleanup: () => removeCachedFolder(CLASS_CACHE_FOLDER)
  }
  return bestEffort(failed, async () => {
    const key = await restoreFolder(CLASS_CACHE_FOLDER, prefix)
    if (key === undefined) {
      log.info(
        `Class-image cache: no entry for ${prefix}* (same model, class prompt and resolution); no class images restored.`
      )
      return given
    }
    const classDir = config.classImages ?? restoredClassFolder()
    // a folder of our own is emptied first: an earlier step of the job may have left images in it
    if (config.classImages === undefined) await rm(classDir, { recursive: true, force: true })
    const count = await moveFiles(cachedFolderPath(CLASS_CACHE_FOLDER), classDir)
    log.info(
      `Class-image cache: restored ${count} class images from key ${key} into ${classDir} in ${formatDuration(Date.now() - started)}.`
    )
    return { classDir, fromCache: true, restoredKey: key }
  })
}

/** Where restored class images go when `class-images` is not set. */
export function restoredClassFolder(env: NodeJS.ProcessEnv = process.env): string {
  return join(runnerTemp(env), 'tiyaro-dreambooth-class-images')
}

/**
 * After the zip is built: saves the class images under their key when it is new. Skipped when
 * they are exactly what was restored (images added to a restored set make a new key); a save
 * that fails or loses a race only logs.
 */
export async function saveClassImages(
  config: Config,
  dataset: Dataset,
  archive: { readonly entries: readonly { readonly name: string; readonly fingerprint: string }[] },
  source: ClassImagesSource
): Promise<void> {
  if (!config.cacheClassImages || config.dryRun || dataset.class.length === 0) return
  const key = classCacheKey(classImagePurpose(config), classEntries(archive.entries))
  if (key === source.restoredKey) return
  if (
    !cacheServiceOrSay('the class images are not cached for later runs (cache-class-images: false turns the cache off)')
  )
    return
  await log.group('Cache class images', () => saveImages(key, dataset))
}

async function saveImages(key: string, dataset: Dataset): Promise<void> {
  const started = Date.now()
  const count = dataset.class.length
  const failed = {
    warning: (message: string) => `Class-image cache: could not save the class images (${message}); the run goes on.`,
    fallback: undefined,
    cleanup: () => removeCachedFolder(CLASS_CACHE_FOLDER)
  }
  await bestEffort(failed, async () => {
    // one small request instead of packing and uploading the images for nothing
    if ((await restoreFolder(CLASS_CACHE_FOLDER, key, { lookupOnly: true })) === key) {
      log.info(`Class-image cache: the ${count} class images are cached already under key ${key}.`)
      return
    }
    const folder = cachedFolderPath(CLASS_CACHE_FOLDER)
    await rm(folder, { recursive: true, force: true })
    await mkdir(folder, { recursive: true })
    for (const image of dataset.class)
      await placeFile(image.sourcePath, join(folder, image.entryName.slice(CLASS_FOLDER.length + 1)))
    if (await saveFolder(CLASS_CACHE_FOLDER, key)) {
      log.info(
        `Class-image cache: saved ${count} class images under key ${key} in ${formatDuration(Date.now() - started)}.`
      )
    } else {
      log.info(`Class-image cache: the class images were not saved under key ${key} (see above); the run goes on.`)
    }
  })
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

async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name)
}

/** Moves the restored images into the user's folder; returns how many. */
async function moveFiles(from: string, to: string): Promise<number> {
  await mkdir(to, { recursive: true })
  const names = await listFiles(from)
  for (const name of names) {
    try {
      await rename(join(from, name), join(to, name))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error
      await copyFile(join(from, name), join(to, name))
    }
  }
  return names.length
}

/** A hard link where the file system allows it (no bytes copied), else a copy. */
async function placeFile(source: string, target: string): Promise<void> {
  const real = await realpath(source)
  try {
    await link(real, target)
  } catch {
    await copyFile(real, target)
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
