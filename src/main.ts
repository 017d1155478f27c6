// The whole run: inputs → dataset → archive → api → upload → wait → report.
import * as core from '@actions/core'
import { mkdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { TiyaroApi, type DreamBoothInput } from './tiyaro/api.js'
import { buildArchive } from './dataset/archive.js'
import { uploadResultArtifact } from './github/artifact.js'
import { restoreClassImages, saveClassImages } from './github/class-cache.js'
import { generateMissingClassImages } from './extras/class-generator.js'
import { checkDataset, scanDataset, type Dataset } from './dataset/scan.js'
import { closeHttp } from './shared/http.js'
import { InputError, getConfig, type Config } from './inputs/index.js'
import { commentOnPullRequest } from './github/pr-comment.js'
import { newReport, writeOutputs, writeSummary, type RunReport } from './report/report.js'
import { findEarlierAttemptJob, isReRun, recordStartedJob } from './github/rerun.js'
import type { RetryOptions } from './shared/retry.js'
import { SAMPLES_TIME_LIMIT_MS, sampleTrainedModel, samplesDir } from './extras/samples.js'
import { startJobOnce } from './tiyaro/start-job.js'
import { UploadRefusedError, uploadZip } from './tiyaro/upload.js'
import { waitForJob, type WaitOutcome } from './tiyaro/wait.js'
import { workDir } from './shared/paths.js'
import { errorMessage } from './shared/errors.js'
import { formatDuration } from './shared/format.js'

/** Raised to end the run with a failed step; its message is the step's error. */
class RunFailure extends Error {}

export async function run(): Promise<void> {
  const report = newReport()
  const cancel = new AbortController()
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!cancel.signal.aborted) core.warning(`Received ${signal}: stopping.`)
    cancel.abort(new Error(`cancelled by ${signal}`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let config: Config | undefined
  try {
    config = getConfig()
    await execute(config, report, cancel.signal)
  } catch (error) {
    fail(report, error)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    // after a failure too: the artifact and the comment say what went wrong; neither throws
    if (config) {
      await uploadResultArtifact(config, report)
      await commentOnPullRequest(config, report)
    }
    writeOutputs(report)
    await writeSummary(report).catch((error: Error) =>
      core.warning(`Could not write the job summary: ${error.message}`)
    )
    await closeHttp()
  }
}

function fail(report: RunReport, error: unknown): void {
  const message = errorMessage(error)
  report.errorMessage ??= message
  if (error instanceof Error && !(error instanceof RunFailure) && !(error instanceof InputError) && error.stack) {
    core.debug(error.stack)
  }
  core.setFailed(message)
}

/** Times a phase and shows it as one log group. */
async function phase<T>(report: RunReport, name: string, body: () => Promise<T>): Promise<T> {
  const started = Date.now()
  try {
    return await core.group(name, body)
  } finally {
    report.timings.push({ phase: name, ms: Date.now() - started })
  }
}

async function execute(config: Config, report: RunReport, signal: AbortSignal): Promise<void> {
  const runStarted = Date.now()
  const deadline = runStarted + config.timeoutMs
  const retry = retryOptions(deadline, signal)
  const api = new TiyaroApi({
    url: config.apiUrl,
    apiKey: config.apiKey,
    requestTimeoutMs: config.requestTimeoutMs,
    retry
  })
  // Once the images have passed their checks, the job is created (and the API revision asked)
  // while the zip is being written: a created job costs nothing until it is started.
  let newJob: Promise<string> | undefined
  const createJobEarly = (): void => {
    if (config.dryRun || isReRun()) return
    newJob = api.newJobId()
    newJob.catch(() => undefined) // awaited in 'Create job'; a failure is reported there
    api.detectRevision().catch(() => undefined)
  }
  if (config.jobId) {
    report.jobId = config.jobId
    report.attachedTo = 'job-id'
    core.info(`Attaching to job ${config.jobId}: no images are uploaded and no training is started.`)
  } else {
    await prepareZip(config, report, retry, createJobEarly)
    report.parametersSent = dreamboothInput(config)
    if (config.dryRun) {
      report.status = 'dry-run'
      core.info('Dry run: inputs and images are valid and the zip is built. No request was made.')
      return
    }
  }

  if (!config.jobId && isReRun()) {
    const earlierJob = await phase(report, 'Find the job of an earlier attempt', () =>
      findEarlierAttemptJob(report, (id) => api.getJobStatus(id))
    )
    if (earlierJob) {
      report.jobId = earlierJob
      report.attachedTo = 're-run'
      if (!config.wait) {
        report.status = 'running'
        core.info(`Not waiting (wait: false). Attach to the job later with job-id: ${earlierJob}`)
        return
      }
    }
  }
  if (!config.jobId && !report.attachedTo) {
    await phase(report, 'Create job', async () => {
      report.jobId = await (newJob ?? api.newJobId())
      core.info(`Job ID: ${report.jobId}`)
    })
    const jobId = report.jobId as string
    await phase(report, 'Upload', () => uploadDataset(api, config, report, jobId, retry))
    await phase(report, 'Start training', () =>
      startJobOnce(api, jobId, report.parametersSent as DreamBoothInput, { deadline, signal })
    )
    await recordStartedJob(report)
    report.apiRevision = api.apiRevision
    core.info(`Training started (API revision: ${report.apiRevision}).`)
    if (!config.wait) {
      report.status = 'running'
      core.info(`Not waiting (wait: false). Attach to the job later with job-id: ${jobId}`)
      return
    }
  }
  const jobId = report.jobId as string
  const outcome = await phase(report, 'Wait for training', () => waitWithLog(api, config, jobId, deadline, signal))
  report.apiRevision = api.apiRevision
  await finish(api, report, outcome, config, signal)
}

function retryOptions(deadline: number, signal: AbortSignal): Omit<RetryOptions, 'what'> {
  return {
    deadline,
    signal,
    onRetry: ({ what, attempt, delayMs, error }) => {
      // errors made here already start with the call's name
      const reason = error.message.startsWith(`${what}:`) ? error.message : `${what}: ${error.message}`
      core.info(`${reason}; trying again in ${formatDuration(delayMs)} (attempt ${attempt + 1})`)
    }
  }
}

async function prepareZip(
  config: Config,
  report: RunReport,
  retry: Omit<RetryOptions, 'what'>,
  onImagesChecked: () => void
): Promise<void> {
  // Class images, in this order: cache restore → generate the missing ones → scan → (after the
  // zip) cache save, so generated images are zipped and cached like supplied ones.
  const restored = await restoreClassImages(config)
  report.classImagesCacheHit = restored.fromCache
  const generationDir = restored.classDir ?? join(workDir(), 'class-images')
  const generation = config.classImageGeneratorUrl
    ? await phase(report, 'Generate class images', () => generateMissingClassImages(config, generationDir, retry))
    : undefined
  const generated = generation?.generated.length ?? 0
  // a restored set that got more images is a new set: it is saved under its own key
  const classImages = generated > 0 ? { classDir: generationDir, fromCache: false } : restored
  const dataset = await phase(report, 'Check images', async () => {
    const scanned = await scanDataset({ instanceDir: config.instanceImages, classDir: classImages.classDir })
    core.info(`${scanned.instance.length} instance images, ${scanned.class.length} class images`)
    return scanned
  })
  report.instanceImageCount = dataset.instance.length
  report.classImageCount = dataset.class.length
  onImagesChecked()
  const fromCache = restored.fromCache ? dataset.class.length - generated : 0
  report.classImageSources = { supplied: dataset.class.length - generated - fromCache, restored: fromCache, generated }
  if (dataset.class.length > 0 || generation) {
    core.info(
      `Class images: ${dataset.class.length} (${report.classImageSources.supplied} supplied, ${fromCache} restored from the cache, ${generated} generated)`
    )
  }
  const archive = await phase(report, 'Build zip', async () => {
    const dir = workDir()
    await mkdir(dir, { recursive: true })
    const archive = await buildArchive(dataset, { outputPath: join(dir, config.zipName) })
    report.zip = { path: archive.path, sha256: archive.sha256, bytes: archive.bytes }
    core.info(`${archive.path}: ${archive.bytes} bytes, sha256 ${archive.sha256}`)
    annotate(dataset, archive, config)
    return archive
  })
  // after the zip: the archive step took each image's sha256, which the cache key reuses
  await saveClassImages(config, dataset, archive, classImages)
}

/** Warnings that save a paid training, as file annotations. */
function annotate(dataset: Dataset, archive: Awaited<ReturnType<typeof buildArchive>>, config: Config): void {
  const resolution = typeof config.hyperparameters.resolution === 'number' ? config.hyperparameters.resolution : 512
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd()
  for (const warning of checkDataset(dataset, archive, { resolution })) {
    core.warning(warning.message, warning.file ? { file: relative(workspace, warning.file) } : undefined)
  }
}

/** The DreamBoothInput sent to the start: the required fields, then what the user set. */
export function dreamboothInput(config: Config): DreamBoothInput {
  return {
    name: config.name,
    version: config.version,
    ...(config.description ? { desc: config.description } : {}),
    datasetS3ObjName: config.zipName,
    class_prompt: config.classPrompt,
    instance_prompt: config.instancePrompt,
    ...config.hyperparameters
  }
}

async function uploadDataset(
  api: TiyaroApi,
  config: Config,
  report: RunReport,
  jobId: string,
  retry: Omit<RetryOptions, 'what'>
): Promise<void> {
  const zip = report.zip as NonNullable<RunReport['zip']>
  let url = await api.getJobInputUrl(jobId, config.zipName)
  try {
    await uploadZip(url, { path: zip.path, bytes: zip.bytes, idleTimeoutMs: config.requestTimeoutMs, retry })
  } catch (error) {
    if (!(error instanceof UploadRefusedError)) throw error
    // An expired or refused URL gets one fresh one: the storage said no, not the network.
    core.info(`${error.message}; asking for a fresh upload URL`)
    url = await api.getJobInputUrl(jobId, config.zipName)
    await uploadZip(url, { path: zip.path, bytes: zip.bytes, idleTimeoutMs: config.requestTimeoutMs, retry })
  }
  core.info(`Uploaded ${zip.bytes} bytes as ${config.zipName}`)
}

async function waitWithLog(
  api: TiyaroApi,
  config: Config,
  jobId: string,
  deadline: number,
  signal: AbortSignal
): Promise<WaitOutcome> {
  core.info(
    `Checking job ${jobId} every ${formatDuration(config.pollIntervalMs)}, until ${new Date(deadline).toISOString()}`
  )
  return waitForJob(api, {
    jobId,
    deadline,
    pollIntervalMs: config.pollIntervalMs,
    signal,
    onCheck: ({ check, elapsedMs, status, error }) => {
      const elapsed = formatDuration(elapsedMs)
      if (error)
        core.info(
          `[${elapsed}] check ${check}: no answer (${error.message}); next check in ${formatDuration(config.pollIntervalMs)}`
        )
      else core.info(`[${elapsed}] check ${check}: ${status?.statusEnum ?? 'unknown'}`)
    }
  })
}

async function finish(
  api: TiyaroApi,
  report: RunReport,
  outcome: WaitOutcome,
  config: Config,
  signal: AbortSignal
): Promise<void> {
  report.jobStatus = outcome.status
  const jobId = report.jobId as string
  const attachHint = `Attach to it later with the input job-id: ${jobId}`
  switch (outcome.kind) {
    case 'done': {
      report.models = await phase(report, 'Read models', () => api.getModels(jobId))
      report.apiRevision = api.apiRevision
      if (report.models.length === 0) {
        report.status = 'failed'
        throw new RunFailure(`Job ${jobId} is done but the service lists no retrained model for it.`)
      }
      report.status = 'done'
      for (const model of report.models)
        core.info(`Model ${model.name} ${model.version}: ${model.url} (card: ${model.modelCard})`)
      if (config.samplePrompts.length > 0) {
        // a failed sample only warns: the training has succeeded
        const retry = retryOptions(Date.now() + SAMPLES_TIME_LIMIT_MS, signal)
        const dir = samplesDir(workDir(), jobId)
        report.sampleImages = await phase(report, 'Sample images', () =>
          sampleTrainedModel(config, report.models[0]!, dir, retry)
        )
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
