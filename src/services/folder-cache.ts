// The command's class-image cache: a folder on this machine (--cache-dir) instead of the Actions
// cache, with the same keys and the same rules (keys.ts). Each entry is a folder named by its
// key holding the images flat, under their names in the zip's class folder. A save is written
// beside the entries and renamed into place, so a reader never sees half an entry and two runs
// saving the same key at once both succeed. Images are copied, never linked: a later edit of a
// user's image must not change a cached entry.
import { constants } from 'node:fs'
import { copyFile, mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../inputs/index.js'
import { bestEffort } from '../shared/best-effort.js'
import { nodeCrypto } from '../shared/builtins.js'
import { formatDuration } from '../shared/format.js'
import { log } from '../shared/log.js'
import {
  cachedImageName,
  classCacheKeyPrefix,
  classImagePurpose,
  keyToSave,
  restoredClassFolder,
  wantsRestore
} from './keys.js'
import type { ClassImageCache, ClassImagesSource } from './types.js'

/** Where the entries live under the cache folder. */
export const CLASS_IMAGES_SUBFOLDER = 'class-images'
const KEY = /^[a-z0-9-]+$/

/** The class-image cache in `cacheDir` (the folder is made when the first entry is saved). */
export function folderClassImageCache(cacheDir: string): ClassImageCache {
  const root = join(cacheDir, CLASS_IMAGES_SUBFOLDER)
  return {
    async restore(config) {
      const given: ClassImagesSource = { classDir: config.classImages, fromCache: false }
      if (!(await wantsRestore(config))) return given
      return log.group('Restore class images', () => restoreInto(root, config, given))
    },
    async save(config, dataset, archive, source) {
      const key = keyToSave(config, dataset, archive, source)
      if (key === undefined) return
      const sources = dataset.class.map((image) => ({ from: image.sourcePath, name: cachedImageName(image.entryName) }))
      await log.group('Cache class images', () => saveEntry(root, key, sources))
    }
  }
}

async function restoreInto(root: string, config: Config, given: ClassImagesSource): Promise<ClassImagesSource> {
  const started = Date.now()
  const prefix = classCacheKeyPrefix(classImagePurpose(config))
  const failed = {
    warning: (message: string) =>
      `Class-image cache: could not restore from ${root} (${message}); going on without cached class images.`,
    fallback: given
  }
  return bestEffort(failed, async () => {
    const key = await newestEntry(root, prefix)
    if (key === undefined) {
      log.info(
        `Class-image cache: no entry for ${prefix}* in ${root} (same model, class prompt and resolution); no class images restored.`
      )
      return given
    }
    const classDir = config.classImages ?? restoredClassFolder()
    // a folder of our own is emptied first: an earlier run may have left images in it
    if (config.classImages === undefined) await rm(classDir, { recursive: true, force: true })
    await mkdir(classDir, { recursive: true })
    const entry = join(root, key)
    const names = (await readdir(entry, { withFileTypes: true })).filter((file) => file.isFile()).map((f) => f.name)
    for (const name of names) await copyFile(join(entry, name), join(classDir, name), constants.COPYFILE_FICLONE)
    log.info(
      `Class-image cache: restored ${names.length} class images from key ${key} (${root}) into ${classDir} in ${formatDuration(Date.now() - started)}.`
    )
    return { classDir, fromCache: true, restoredKey: key }
  })
}

/** The most recently saved entry whose key starts with `prefix`; undefined when there is none. */
async function newestEntry(root: string, prefix: string): Promise<string | undefined> {
  let entries
  try {
    entries = await readdir(root, { withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  let newest: { key: string; time: number } | undefined
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith(prefix) || !KEY.test(entry.name)) continue
    const time = (await stat(join(root, entry.name))).mtimeMs
    if (!newest || time > newest.time) newest = { key: entry.name, time }
  }
  return newest?.key
}

async function saveEntry(root: string, key: string, images: readonly { from: string; name: string }[]): Promise<void> {
  const started = Date.now()
  const target = join(root, key)
  const staging = join(root, `.saving-${key}-${process.pid}-${nodeCrypto().randomBytes(4).toString('hex')}`)
  const failed = {
    warning: (message: string) =>
      `Class-image cache: could not save the class images in ${root} (${message}); the run goes on.`,
    fallback: undefined,
    cleanup: () => rm(staging, { recursive: true, force: true })
  }
  await bestEffort(failed, async () => {
    if (await exists(target)) {
      log.info(`Class-image cache: the ${images.length} class images are cached already under key ${key}.`)
      return
    }
    await mkdir(staging, { recursive: true })
    for (const image of images)
      await copyFile(await realpath(image.from), join(staging, image.name), constants.COPYFILE_FICLONE)
    try {
      await rename(staging, target)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error
      log.info(`Class-image cache: another run saved key ${key} first; nothing to do.`)
      return
    }
    log.info(
      `Class-image cache: saved ${images.length} class images under key ${key} in ${root} in ${formatDuration(Date.now() - started)}.`
    )
  })
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false
  )
}
