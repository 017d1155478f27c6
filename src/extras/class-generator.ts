// Class images made once: when the class folder holds fewer than `num-class-images` images
// (after the cache restore), the missing ones are generated from `class-prompt` through the
// base model's inference URL, a few at a time, and written into the folder, where the scan,
// the zip and the cache save find them like any supplied image.
//
// Names and seeds: the image made with seed n is "generated-<n>.<ext>". Seeds are taken from 1
// upwards, skipping every n whose name the folder already holds, so a re-run (or a matrix job)
// with the same folder asks for the same seeds and gets the same images, and nothing the user
// supplied is ever overwritten.
import type { Dirent } from 'node:fs'
import { mkdir, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { mapWithConcurrency } from '../shared/concurrency.js'
import type { Config } from '../inputs/index.js'
import { DEFAULT_RESOLUTION } from '../dataset/index.js'
import { readImageInfo, type ImageFormat } from '../shared/image-info.js'
import { IMAGE_EXTENSIONS, callInference } from '../tiyaro/index.js'
import type { RetryOptions } from '../shared/retry.js'
import { log } from '../shared/log.js'

/** Calls at once: enough to hide latency, few enough not to queue up a paid GPU service. */
export const GENERATION_CONCURRENCY = 3
export const GENERATED_PREFIX = 'generated-'

export interface ClassFolder {
  /** images by content, hidden entries skipped, as the dataset scan counts them */
  readonly imageCount: number
  /** every file's name without its extension, lower-cased: names a new file must not take */
  readonly takenStems: ReadonlySet<string>
}

/**
 * What the folder holds; an empty answer when it does not exist. `exclude` is a folder inside
 * it that is not part of it (the instance folder, when it lies in the class folder).
 */
export async function readClassFolder(dir: string, exclude?: string): Promise<ClassFolder> {
  const excluded = exclude === undefined ? undefined : await realpath(exclude).catch(() => undefined)
  let imageCount = 0
  const takenStems = new Set<string>()
  const walk = async (folder: string): Promise<void> => {
    let entries: Dirent[]
    try {
      entries = await readdir(folder, { withFileTypes: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw error
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue
      const path = join(folder, entry.name)
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await isFolder(path)))
      if (isDir) {
        if (excluded === undefined || (await realpath(path)) !== excluded) await walk(path)
        continue
      }
      takenStems.add(stem(entry.name).toLowerCase())
      if (isImage(path)) imageCount++
    }
  }
  await walk(dir)
  return { imageCount, takenStems }
}

/** True when the file is a JPEG, PNG or WebP; false too when it cannot be read. */
function isImage(path: string): boolean {
  try {
    return readImageInfo(path) !== undefined
  } catch {
    return false
  }
}

async function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false
  )
}

function stem(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot > 0 ? name.slice(0, dot) : name
}

/** The `count` smallest seeds from 1 up whose "generated-<seed>" name is free. */
export function generationSeeds(count: number, takenStems: ReadonlySet<string>): number[] {
  const seeds: number[] = []
  for (let seed = 1; seeds.length < count; seed++) {
    if (!takenStems.has(`${GENERATED_PREFIX}${seed}`)) seeds.push(seed)
  }
  return seeds
}

export function generatedFileName(seed: number, format: ImageFormat): string {
  return `${GENERATED_PREFIX}${seed}.${IMAGE_EXTENSIONS[format]}`
}

export interface FillOptions {
  readonly classDir: string
  /** the number of class images the training is to get (num-class-images) */
  readonly wanted: number
  /** the base model's inference URL (class-image-generator-url) */
  readonly url: string
  readonly apiKey: string
  readonly classPrompt: string
  /** width and height asked for, in pixels: the training resolution */
  readonly size: number
  /** not part of the class folder even when inside it */
  readonly instanceDir?: string
  /** count and tell, call nothing */
  readonly dryRun?: boolean
  readonly concurrency?: number
  readonly requestTimeoutMs?: number
  readonly retry?: Omit<RetryOptions, 'what'>
}

export interface FillResult {
  /** class images in the folder before any was generated */
  readonly existing: number
  /** images the folder lacked */
  readonly missing: number
  /** files written, in seed order */
  readonly generated: readonly string[]
  /** why generation stopped before all were made */
  readonly error?: string
}

/**
 * Generates what the folder lacks. Never throws for a failed generation: the images made so far
 * stay, and the result says why the rest were not (the caller warns; the training can still go).
 */
export async function fillClassFolder(options: FillOptions): Promise<FillResult> {
  const { classDir, wanted } = options
  const folder = await readClassFolder(classDir, options.instanceDir)
  const existing = folder.imageCount
  const missing = Math.max(0, wanted - existing)
  if (missing === 0) {
    log.info(`${existing} class images in ${classDir}, ${wanted} wanted (num-class-images): none to generate.`)
    return { existing, missing, generated: [] }
  }
  const seeds = generationSeeds(missing, folder.takenStems)
  if (options.dryRun) {
    log.info(
      `Dry run: ${existing} class images in ${classDir}, ${wanted} wanted: ${missing} would be generated (seeds ${describeSeeds(seeds)}).`
    )
    return { existing, missing, generated: [] }
  }
  const concurrency = options.concurrency ?? GENERATION_CONCURRENCY
  log.info(
    `${existing} class images in ${classDir}, ${wanted} wanted: generating ${missing} from the class prompt ` +
      `(seeds ${describeSeeds(seeds)}, ${concurrency} at a time) with ${options.url}`
  )
  await mkdir(classDir, { recursive: true })
  const generated = new Map<number, string>()
  let error: string | undefined
  try {
    await mapWithConcurrency(seeds, concurrency, async (seed) => {
      const [image] = await callInference(
        options.url,
        { prompt: options.classPrompt, seed, width: options.size, height: options.size },
        {
          apiKey: options.apiKey,
          what: `class image ${seed}`,
          requestTimeoutMs: options.requestTimeoutMs,
          retry: options.retry
        }
      )
      const path = join(classDir, generatedFileName(seed, image.format))
      // Written aside under a hidden name, then renamed: a cancelled run leaves no half image.
      const partial = join(classDir, `.${generatedFileName(seed, image.format)}.partial`)
      try {
        await writeFile(partial, image.bytes)
        await rename(partial, path)
      } catch (writeError) {
        await rm(partial, { force: true })
        throw writeError
      }
      generated.set(seed, path)
      log.info(
        `${path}: seed ${seed}, ${image.format.toUpperCase()} ${image.width ?? '?'}x${image.height ?? '?'}, ${image.bytes.length} bytes`
      )
    })
  } catch (failure) {
    error = failure instanceof Error ? failure.message : String(failure)
  }
  return {
    existing,
    missing,
    generated: seeds.filter((seed) => generated.has(seed)).map((seed) => generated.get(seed) as string),
    error
  }
}

/** "1-4" or "1-3, 5, 7-9": the seeds of a log line, short. */
export function describeSeeds(seeds: readonly number[]): string {
  const ranges: string[] = []
  for (let i = 0; i < seeds.length;) {
    let j = i
    while (j + 1 < seeds.length && seeds[j + 1] === seeds[j]! + 1) j++
    ranges.push(i === j ? `${seeds[i]}` : `${seeds[i]}-${seeds[j]}`)
    i = j + 1
  }
  return ranges.join(', ')
}

/**
 * The run's generation step, between the cache restore and the scan: fills `classDir` up to
 * num-class-images from class-prompt through class-image-generator-url. Undefined when there is
 * nothing to do; a failed generation is a warning, and the run goes on with the images it has.
 */
export async function generateMissingClassImages(
  config: Pick<
    Config,
    | 'apiKey'
    | 'classPrompt'
    | 'classImageGeneratorUrl'
    | 'hyperparameters'
    | 'instanceImages'
    | 'dryRun'
    | 'requestTimeoutMs'
  >,
  classDir: string,
  retry?: Omit<RetryOptions, 'what'>
): Promise<FillResult | undefined> {
  const url = config.classImageGeneratorUrl
  if (url === undefined) return undefined
  const { num_class_images: wanted, resolution } = config.hyperparameters
  if (typeof wanted !== 'number') {
    log.warning(
      'class-image-generator-url is set but num-class-images is not: set num-class-images to say how many class images to have; none were generated.'
    )
    return undefined
  }
  const result = await fillClassFolder({
    classDir,
    wanted,
    url,
    apiKey: config.apiKey,
    classPrompt: config.classPrompt,
    size: typeof resolution === 'number' ? resolution : DEFAULT_RESOLUTION,
    instanceDir: config.instanceImages,
    dryRun: config.dryRun,
    requestTimeoutMs: config.requestTimeoutMs,
    retry
  })
  // a cancelled run stops here, not at the next call
  if (retry?.signal?.aborted) throw retry.signal.reason
  if (result.error !== undefined) {
    log.warning(
      `Generated ${result.generated.length} of ${result.missing} missing class images; the rest were not made: ${result.error}. ` +
        `The zip goes with ${result.existing + result.generated.length} class images; the next run generates the rest.`
    )
  }
  return result
}
