// The run itself: inputs → dataset → archive → tiyaro (create, upload, start, wait) → report,
// with the GitHub-side extras (class-image cache, re-run record) and the paid extras (class-image
// generation, sample images) beside it. `obtainJob` decides how this run gets its job; the rest
// of the run follows from the mode it returns. The zip's passes are in zip-upload.ts.
import { join } from 'node:path'
import { DatasetZip, scanDataset } from './dataset/index.js'
import { findEarlierAttemptJob, isReRun, recordStartedJob, restoreClassImages } from './github/index.js'
import type { Config } from './inputs/index.js'
import { phase, type RunReport } from './report/index.js'
import { formatDuration } from './shared/format.js'
import { log } from './shared/log.js'
import { workDir } from './shared/paths.js'
import type { RetryOptions } from './shared/retry.js'
import {
  TiyaroApi,
  startJobOnce,
  waitForJob,
  dreamboothInput,
  type DreamBoothInput,
  type WaitOutcome
} from './tiyaro/index.js'
import { buildZip, uploadDataset, type PreparedZip } from './zip-upload.js'

/** Raised to end the run with a failed step; its message is the step's error. */
export class RunFailure extends Error {}

/** How this run got its job. */
export type RunMode =
  /** dry-run: the zip is built, no request is made */
  | { readonly kind: 'dry-run' }
  /** the job-id input: no images are uploaded and no training is started */
  | { readonly kind: 'attached'; readonly jobId: string }
  /** a re-run of a workflow run whose earlier attempt started the same job */
  | { readonly kind: 're-run'; readonly jobId: string }
  /** this run created the job, uploaded the zip and started the training */
  | { readonly kind: 'started'; readonly jobId: string }

type Retry = Omit<RetryOptions, 'what'>

/** What every step of one run shares. */
export interface RunContext {
  readonly config: Config
  readonly report: RunReport
  readonly api: TiyaroApi
  readonly signal: AbortSignal
  /** epoch ms: the end of timeout-minutes, for the whole run */
  readonly deadline: number
  readonly retry: Retry
}

/** The run's shared parts; the deadline starts now. */
export function newRunContext(config: Config, report: RunReport, signal: AbortSignal): RunContext {
  const deadline = Date.now() + config.timeoutMs
  const retry = retryOptions(deadline, signal)
  const { apiUrl: url, apiKey, requestTimeoutMs } = config
  const api = new TiyaroApi({ url, apiKey, requestTimeoutMs, retry })
  return { config, report, api, signal, deadline, retry }
}

export async function runPipeline(config: Config, report: RunReport, signal: AbortSignal): Promise<void> {
  const context = newRunContext(config, report, signal)
  const { api } = context
  const mode = await obtainJob(context)
  switch (mode.kind) {
    case 'dry-run':
      report.status = 'dry-run'
      log.info('Dry run: inputs and images are valid and the zip is built. No request was made.')
      return
    case 'attached':
    case 're-run':
      report.attachedTo = mode.kind === 'attached' ? 'job-id' : 're-run'
      break
    case 'started':
      break
  }
  report.jobId = mode.jobId
  // a job given as job-id is attached to in order to wait for it; wait: false is for new starts
  if (!config.wait && mode.kind !== 'attached') {
    report.status = 'running'
    log.info(`Not waiting (wait: false). Attach to the job later with job-id: ${mode.jobId}`)
    return
  }
  const outcome = await phase(report, 'Wait for training', () => waitWithLog(context, mode.jobId))
  report.apiRevision = api.apiRevision
  await finish(context, mode.jobId, outcome)
}

/** Decides how this run gets its job, and does what that takes (zip, create, upload, start). */
export async function obtainJob(context: RunContext): Promise<RunMode> {
  const { config, report, api } = context
  if (config.jobId) {
    report.jobId = config.jobId
    log.info(`Attaching to job ${config.jobId}: no images are uploaded and no training is started.`)
    return { kind: 'attached', jobId: config.jobId }
  }
  // The moment the images have passed their checks (no request is made before), the job is
  // created and its upload URL asked for (the API revision too) while the rest of the
  // preparation goes on: a created job costs nothing until it is started.
  const reRun = isReRun()
  let early: NewJob | undefined
  const prepared = await prepareZip(context, () => {
    if (!config.dryRun && !reRun) early = createJob(context)
  })
  const parameters = dreamboothInput(config)
  report.parametersSent = parameters
  if (config.dryRun) {
    await phase(report, 'Build zip', () => buildZip(context, prepared))
    return { kind: 'dry-run' }
  }

  if (reRun) {
    // the earlier attempt's record is found by the zip's sha256: a pass for the hash comes first
    await phase(report, 'Build zip', () => buildZip(context, prepared))
    const earlierJob = await phase(report, 'Find the job of an earlier attempt', () =>
      findEarlierAttemptJob(report, (id) => api.getJobStatus(id))
    )
    if (earlierJob) return { kind: 're-run', jobId: earlierJob }
  }
  const job = early ?? createJob(context)
  const jobId = await phase(report, 'Create job', async () => {
    const id = await job.id
    log.info(`Job ID: ${id}`)
    return id
  })
  report.jobId = jobId
  await phase(report, 'Zip and upload', () => uploadDataset(context, jobId, job.url, prepared))
  // Recorded before the start is sent: a run cut off while the start is in flight (cancelled, or
  // the runner lost) leaves the record, and a re-run asks that job's status before starting one.
  await recordStartedJob(report)
  await phase(report, 'Start training', () => startTraining(context, jobId, parameters))
  report.apiRevision = api.apiRevision
  log.info(`Training started (API revision: ${report.apiRevision}).`)
  return { kind: 'started', jobId }
}

/** A job being created, and its upload URL being asked for once it is. */
interface NewJob {
  readonly id: Promise<string>
  readonly url: Promise<string>
}

function createJob({ config, api }: RunContext): NewJob {
  const id = api.newJobId()
  const url = id.then((jobId) => api.getJobInputUrl(jobId, config.zipName))
  // awaited in 'Create job' and 'Zip and upload'; a failure is reported there
  id.catch(() => undefined)
  url.catch(() => undefined)
  api.detectRevision().catch(() => undefined)
  return { id, url }
}

/** The one start; a cancel while it is in flight says what became of the job as far as is known. */
async function startTraining(context: RunContext, jobId: string, parameters: DreamBoothInput): Promise<void> {
  const { api, report, deadline, signal } = context
  try {
    await startJobOnce(api, jobId, parameters, { deadline, signal })
  } catch (error) {
    if (!signal.aborted) throw error
    report.status = 'cancelled'
    report.errorMessage =
      `The run was cancelled while the start of job ${jobId} was in flight: the job may be training. ` +
      `A re-run of this workflow run attaches to it if it started; or attach with the input job-id: ${jobId}`
    throw new RunFailure(report.errorMessage)
  }
}

function retryOptions(deadline: number, signal: AbortSignal): Retry {
  return {
    deadline,
    signal,
    onRetry: ({ what, attempt, delayMs, error }) => {
      // errors made here already start with the call's name
      const reason = error.message.startsWith(`${what}:`) ? error.message : `${what}: ${error.message}`
      log.info(`${reason}; trying again in ${formatDuration(delayMs)} (attempt ${attempt + 1})`)
    }
  }
}

async function prepareZip(
  { config, report, retry, signal }: RunContext,
  onImagesChecked: () => void
): Promise<PreparedZip> {
  // Class images, in this order: cache restore → generate the missing ones → scan → (after the
  // zip's pass) cache save, so generated images are zipped and cached like supplied ones.
  const restored = await restoreClassImages(config)
  report.classImagesCacheHit = restored.fromCache
  const generationDir = restored.classDir ?? join(workDir(), 'class-images')
  if (config.classImageGeneratorUrl) {
    // generation costs credits: every image given must pass its checks first
    await phase(report, 'Check images before generating class images', () =>
      scanDataset({ instanceDir: config.instanceImages, classDir: restored.classDir })
    )
  }
  const generation = config.classImageGeneratorUrl
    ? await phase(report, 'Generate class images', async () => {
        // loaded only by the runs that call the inference API
        const { generateMissingClassImages } = await import('./extras/index.js')
        return generateMissingClassImages(config, generationDir, retry)
      })
    : undefined
  const generated = generation?.generated.length ?? 0
  // a restored set that got more images is a new set: it is saved under its own key
  const classImages = generated > 0 ? { classDir: generationDir, fromCache: false } : restored
  const dataset = await phase(report, 'Check images', async () => {
    const scanned = await scanDataset({ instanceDir: config.instanceImages, classDir: classImages.classDir })
    log.info(`${scanned.instance.length} instance images, ${scanned.class.length} class images`)
    return scanned
  })
  report.instanceImageCount = dataset.instance.length
  report.classImageCount = dataset.class.length
  onImagesChecked()
  const fromCache = restored.fromCache ? dataset.class.length - generated : 0
  const supplied = dataset.class.length - generated - fromCache
  report.classImageSources = { supplied, restored: fromCache, generated }
  if (dataset.class.length > 0 || generation) {
    log.info(
      `Class images: ${dataset.class.length} (${supplied} supplied, ${fromCache} restored from the cache, ${generated} generated)`
    )
  }
  // The zip is on disk only when the run needs it there: a dry run, an artifact, or keep-zip.
  const keep = config.dryRun || config.artifactName !== undefined || config.keepZip
  const zip = new DatasetZip(dataset, { keepAt: keep ? join(workDir(), config.zipName) : undefined, signal })
  return { dataset, zip, classImages, followedUp: false }
}

async function waitWithLog({ config, api, deadline, signal }: RunContext, jobId: string): Promise<WaitOutcome> {
  const every = formatDuration(config.pollIntervalMs)
  log.info(`Checking job ${jobId} every ${every}, until ${new Date(deadline).toISOString()}`)
  return waitForJob(api, {
    jobId,
    deadline,
    pollIntervalMs: config.pollIntervalMs,
    signal,
    onCheck: ({ check, elapsedMs, status, error }) => {
      const elapsed = formatDuration(elapsedMs)
      if (error) log.info(`[${elapsed}] check ${check}: no answer (${error.message}); next check in ${every}`)
      else log.info(`[${elapsed}] check ${check}: ${status?.statusEnum ?? 'unknown'}`)
    }
  })
}

async function finish(context: RunContext, jobId: string, outcome: WaitOutcome): Promise<void> {
  const { config, report, api, signal } = context
  report.jobStatus = outcome.status
  const attachHint = `Attach to it later with the input job-id: ${jobId}`
  switch (outcome.kind) {
    case 'done': {
      report.models = await phase(report, 'Read models', () => api.getModels(jobId))
      report.apiRevision = api.apiRevision
      const [first] = report.models
      if (!first) {
        report.status = 'failed'
        throw new RunFailure(`Job ${jobId} is done but the service lists no retrained model for it.`)
      }
      report.status = 'done'
      for (const model of report.models)
        log.info(`Model ${model.name} ${model.version}: ${model.url} (card: ${model.modelCard})`)
      if (config.samplePrompts.length > 0) {
        // a failed sample only warns: the training has succeeded
        const { SAMPLES_TIME_LIMIT_MS, sampleTrainedModel, samplesDir } = await import('./extras/index.js')
        const retry = retryOptions(Date.now() + SAMPLES_TIME_LIMIT_MS, signal)
        const dir = samplesDir(workDir(), jobId)
        report.sampleImages = await phase(report, 'Sample images', () => sampleTrainedModel(config, first, dir, retry))
      }
      return
    }
    case 'failed':
      report.status = 'failed'
      report.errorMessage = outcome.status.errMsg || 'the service gave no reason'
      throw new RunFailure(`Training job ${jobId} failed: ${report.errorMessage}`)
    case 'notfound':
      report.status = 'notfound'
      report.errorMessage = outcome.status.errMsg || `job ${jobId} not found`
      throw new RunFailure(`Job ${jobId} was not found by the service: ${report.errorMessage}`)
    case 'timed-out':
      report.status = 'timed-out'
      report.errorMessage = `Job ${jobId} did not end within ${config.timeoutMs / 60000} minutes; it goes on running at the service. ${attachHint}`
      throw new RunFailure(report.errorMessage)
    case 'cancelled':
      report.status = 'cancelled'
      report.errorMessage = `The run was cancelled while job ${jobId} was running; the job goes on. ${attachHint}`
      throw new RunFailure(report.errorMessage)
  }
}
