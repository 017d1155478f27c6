// The class-image cache on GitHub: one set of class images per (model, class prompt,
// resolution), kept in the Actions cache so that later runs and the other concepts of a matrix
// reuse it. The keys and when to restore or save are src/services/keys.ts, shared with the
// command's folder cache. The images are cached flat, under the names they have in the zip, so a
// restore gives the same `dataset_class/` entries.
import { copyFile, link, mkdir, readdir, realpath, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../inputs/index.js'
import type { Dataset } from '../dataset/index.js'
import {
  cachedImageName,
  classCacheKeyPrefix,
  classImagePurpose,
  keyToSave,
  restoredClassFolder,
  wantsRestore,
  type ArchivedEntries,
  type ClassImageCache,
  type ClassImagesSource
} from '../services/index.js'
import { cacheServiceOrSay, cachedFolderPath, removeCachedFolder, restoreFolder, saveFolder } from './cache-store.js'
import { bestEffort } from '../shared/best-effort.js'
import { formatDuration } from '../shared/format.js'
import { log } from '../shared/log.js'

/** The cached folder's name under the cache root (part of every entry's version: never change it). */
export const CLASS_CACHE_FOLDER = 'class-images'

/**
 * Before the scan: when the cache is on and `class-images` is not set, or names a missing or
 * empty folder, restores the newest cached class images for this purpose into it (or, when not
 * set, into a folder under RUNNER_TEMP). Never fails the run: on a miss or an error the folder
 * stays as it was.
 */
export async function restoreClassImages(config: Config): Promise<ClassImagesSource> {
  const given: ClassImagesSource = { classDir: config.classImages, fromCache: false }
  if (!(await wantsRestore(config))) return given
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

/**
 * After the zip is built: saves the class images under their key when it is new. Skipped when
 * they are exactly what was restored (images added to a restored set make a new key); a save
 * that fails or loses a race only logs.
 */
export async function saveClassImages(
  config: Config,
  dataset: Dataset,
  archive: ArchivedEntries,
  source: ClassImagesSource
): Promise<void> {
  const key = keyToSave(config, dataset, archive, source)
  if (key === undefined) return
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
    for (const image of dataset.class) await placeFile(image.sourcePath, join(folder, cachedImageName(image.entryName)))
    if (await saveFolder(CLASS_CACHE_FOLDER, key)) {
      log.info(
        `Class-image cache: saved ${count} class images under key ${key} in ${formatDuration(Date.now() - started)}.`
      )
    } else {
      log.info(`Class-image cache: the class images were not saved under key ${key} (see above); the run goes on.`)
    }
  })
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

/** The class-image cache of a run on GitHub Actions. */
export const actionsClassImageCache: ClassImageCache = { restore: restoreClassImages, save: saveClassImages }
