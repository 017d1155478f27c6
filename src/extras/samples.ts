// Sample images of the trained model: one inference call per `sample-prompts` line, each image
// written under RUNNER_TEMP so the summary can list it and the artifact can carry it. A sample
// that cannot be made is a warning: the training it follows has succeeded all the same.
//
// Seeds: a prompt's first occurrence in the list uses seed 1, a second occurrence of the same
// prompt seed 2, and so on. So a prompt gives the same image on every run of the same model
// wherever it stands in the list, and the same seed across models, which is what makes two
// trainings comparable side by side.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RetrainedModel } from '../tiyaro/index.js'
import { mapWithConcurrency } from '../shared/concurrency.js'
import type { Config } from '../inputs/index.js'
import { DEFAULT_RESOLUTION } from '../dataset/index.js'
import type { ImageFormat } from '../shared/image-info.js'
import { IMAGE_EXTENSIONS, callInference, type InferenceImage, type InferenceInput } from '../tiyaro/index.js'
import type { RetryOptions } from '../shared/retry.js'
import { errorMessage } from '../shared/errors.js'
import { log } from '../shared/log.js'

export interface SampleImage {
  readonly prompt: string
  /** absolute path of the file written */
  readonly path: string
}

export interface SampleOptions {
  /** the trained model's inference URL */
  readonly modelUrl: string
  readonly prompts: readonly string[]
  readonly apiKey: string
  /** where the files go; made when missing */
  readonly outputDir: string
  /** width and height asked for, in pixels */
  readonly size: number
  readonly concurrency?: number
  readonly requestTimeoutMs?: number
  readonly retry?: Omit<RetryOptions, 'what'>
}

/** Calls at once: samples are few, and a GPU service queues the rest anyway. */
export const SAMPLE_CONCURRENCY = 3
/**
 * How long the samples may take in all, retries included. timeout-minutes bounds the wait for
 * the training; the samples come after it and get this much time of their own.
 */
export const SAMPLES_TIME_LIMIT_MS = 10 * 60_000
const SLUG_MAX_LENGTH = 40

/** The folder of a job's samples: RUNNER_TEMP/tiyaro-dreambooth/samples/<job id>. */
export function samplesDir(workDir: string, jobId: string): string {
  return join(workDir, 'samples', jobId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'job')
}

/** Each prompt's seed: 1 + how often the same prompt came earlier in the list. */
export function sampleSeeds(prompts: readonly string[]): number[] {
  const seen = new Map<string, number>()
  return prompts.map((prompt) => {
    const seed = (seen.get(prompt) ?? 0) + 1
    seen.set(prompt, seed)
    return seed
  })
}

/** Lower-case ASCII words of a prompt joined by '-', for a file name anyone can type. */
export function promptSlug(prompt: string): string {
  const slug = prompt
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/-+$/, '')
  return slug || 'sample'
}

/**
 * "01-a-photo-of-sks-dog.png": the prompt's place in the list (so names never clash and sort in
 * list order), its slug, and the extension of the format the service sent. A second image of the
 * same answer gets "-2", and so on.
 */
export function sampleFileName(
  index: number,
  prompt: string,
  format: ImageFormat,
  imageIndex = 0,
  promptCount = 1
): string {
  const number = String(index + 1).padStart(Math.max(2, String(promptCount).length), '0')
  const extra = imageIndex > 0 ? `-${imageIndex + 1}` : ''
  return `${number}-${promptSlug(prompt)}${extra}.${IMAGE_EXTENSIONS[format]}`
}

/** Makes every sample it can; returns the files written in prompt order, warns about the rest. */
export async function writeSamples(options: SampleOptions): Promise<SampleImage[]> {
  const { prompts, outputDir } = options
  const seeds = sampleSeeds(prompts)
  const signal = options.retry?.signal
  try {
    await mkdir(outputDir, { recursive: true })
  } catch (error) {
    log.warning(`Sample images were not made: cannot create ${outputDir}: ${errorMessage(error)}`)
    return []
  }
  log.info(
    `${prompts.length} sample prompt${prompts.length === 1 ? '' : 's'}, model ${options.modelUrl}, written to ${outputDir}`
  )

  const perPrompt = await mapWithConcurrency(
    prompts,
    options.concurrency ?? SAMPLE_CONCURRENCY,
    async (prompt, index) => {
      if (signal?.aborted) return []
      const what = `sample ${index + 1}`
      const input: InferenceInput = { prompt, seed: seeds[index], width: options.size, height: options.size }
      const written: SampleImage[] = []
      try {
        const images = await callInference(options.modelUrl, input, {
          apiKey: options.apiKey,
          what,
          requestTimeoutMs: options.requestTimeoutMs,
          retry: options.retry
        })
        for (const [imageIndex, image] of images.entries()) {
          const path = join(outputDir, sampleFileName(index, prompt, image.format, imageIndex, prompts.length))
          await writeFile(path, image.bytes)
          log.info(`${path}: ${describe(image)}, seed ${seeds[index]}, prompt ${JSON.stringify(prompt)}`)
          written.push({ prompt, path })
        }
      } catch (error) {
        if (!signal?.aborted)
          log.warning(`Sample ${index + 1} (${JSON.stringify(prompt)}) was not made: ${errorMessage(error)}`)
      }
      return written
    }
  )
  if (signal?.aborted) log.warning('Sample images stopped: the run was cancelled.')
  return perPrompt.flat()
}

function describe(image: InferenceImage): string {
  const size = image.width && image.height ? ` ${image.width}x${image.height}` : ''
  return `${image.format.toUpperCase()}${size}, ${image.bytes.length} bytes`
}

/** The run's sample step after `done`: the first model's samples, in RUNNER_TEMP. */
export async function sampleTrainedModel(
  config: Pick<Config, 'apiKey' | 'samplePrompts' | 'hyperparameters' | 'requestTimeoutMs'>,
  model: Pick<RetrainedModel, 'url' | 'name' | 'version'>,
  outputDir: string,
  retry?: Omit<RetryOptions, 'what'>
): Promise<SampleImage[]> {
  if (!model.url) {
    log.warning(`Sample images were not made: the service gave model ${model.name} ${model.version} no URL.`)
    return []
  }
  const { resolution } = config.hyperparameters
  return writeSamples({
    modelUrl: model.url,
    prompts: config.samplePrompts,
    apiKey: config.apiKey,
    outputDir,
    size: typeof resolution === 'number' ? resolution : DEFAULT_RESOLUTION,
    requestTimeoutMs: config.requestTimeoutMs,
    retry
  })
}
