// The benchmark's dataset: incompressible PNGs in the seed's layout, made once per size and
// kept in bench/.data/ (gitignored). Instance images at the folder's root, class images in
// its dataset_class/ sub-folder, so `zip -r` run inside the folder gives the layout the action
// builds, and the action, given both folders, skips the inner one when it scans the outer.
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pngBytes } from '../test-support/images.js'

/** Bump when the way images are made changes, so that old datasets are made again. */
const DATASET_FORMAT = 2
export const INSTANCE_IMAGES = 40
/** Side of an instance image: a cropped subject photo. */
const INSTANCE_SIDE = 600
/** Width of a class image, the model's 512 px; its height makes up the size (512 for a full one). */
const CLASS_WIDTH = 512
const CLASS_FULL_HEIGHT = 512

export interface BenchDataset {
  /** the instance-images folder; it also holds dataset_class/ */
  readonly dir: string
  /** the class-images folder: `${dir}/dataset_class` */
  readonly classDir: string
  readonly instanceCount: number
  readonly classCount: number
  /** sum of the files' sizes */
  readonly bytes: number
}

interface ImageSpec {
  readonly name: string
  readonly width: number
  readonly height: number
  readonly seed: number
}

/** "100m", "1g", "512k" or a byte count; binary units. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(text.trim())
  if (!match) throw new Error(`size "${text}": expected a number with k, m or g, e.g. 100m or 1g`)
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g']
  const bytes = Math.round(Number(match[1]) * unit)
  if (bytes < 1024 * 1024) throw new Error(`size "${text}": at least 1m`)
  return bytes
}

export function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 3 && bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3} GiB`
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`
  return `${Math.round(bytes / 1024 ** 2)} MiB`
}

/** An incompressible RGB PNG of w×h is its raw rows plus a few hundred bytes of framing. */
function pngSize(width: number, height: number): number {
  return (1 + width * 3) * height
}

/**
 * 40 instance images (smaller when the size is small), then class images of 512 px wide, all of
 * the same height, that make up the rest: about 120 images in 100 MiB, 1350 in 1 GiB.
 */
function planImages(totalBytes: number): { instance: ImageSpec[]; class: ImageSpec[] } {
  const instanceShare = Math.min(INSTANCE_IMAGES * pngSize(INSTANCE_SIDE, INSTANCE_SIDE), totalBytes / 2)
  const side = Math.max(64, Math.floor(Math.sqrt(instanceShare / INSTANCE_IMAGES / 3)))
  const instance = Array.from({ length: INSTANCE_IMAGES }, (_, i) => ({
    name: `instance-${String(i + 1).padStart(3, '0')}.png`,
    width: side,
    height: side,
    seed: i + 1
  }))
  const rest = totalBytes - INSTANCE_IMAGES * pngSize(side, side)
  const classCount = Math.max(1, Math.ceil(rest / pngSize(CLASS_WIDTH, CLASS_FULL_HEIGHT)))
  const height = Math.max(1, Math.round(rest / classCount / (1 + CLASS_WIDTH * 3)))
  const classImages = Array.from({ length: classCount }, (_, i) => ({
    name: `class-${String(i + 1).padStart(4, '0')}.png`,
    width: CLASS_WIDTH,
    height,
    seed: 100_000 + i
  }))
  return { instance, class: classImages }
}

/** The dataset of this size, made now unless an identical one is already on disk. */
export async function ensureDataset(
  root: string,
  totalBytes: number,
  log: (line: string) => void
): Promise<BenchDataset> {
  const dir = join(root, `dataset-${totalBytes}`)
  const classDir = join(dir, 'dataset_class')
  // beside the folder, not in it: the folder holds images only
  const manifestPath = `${dir}.json`
  const plan = planImages(totalBytes)
  const wanted = JSON.stringify({ format: DATASET_FORMAT, plan })
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { spec: string; bytes: number }
    if (manifest.spec === wanted) {
      return {
        dir,
        classDir,
        instanceCount: plan.instance.length,
        classCount: plan.class.length,
        bytes: manifest.bytes
      }
    }
  }
  log(`Making a ${formatSize(totalBytes)} dataset in ${dir} ...`)
  await rm(manifestPath, { force: true })
  await rm(dir, { recursive: true, force: true })
  await mkdir(classDir, { recursive: true })
  let bytes = 0
  for (const [folder, images] of [
    [dir, plan.instance],
    [classDir, plan.class]
  ] as const) {
    for (const image of images) {
      const png = pngBytes({ width: image.width, height: image.height, seed: image.seed, incompressible: true })
      await writeFile(join(folder, image.name), png)
      bytes += png.length
    }
  }
  // the manifest is written last: a dataset interrupted halfway is made again next time
  await writeFile(manifestPath, JSON.stringify({ spec: wanted, bytes }))
  return { dir, classDir, instanceCount: plan.instance.length, classCount: plan.class.length, bytes }
}
