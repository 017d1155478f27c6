// The run itself: inputs → dataset → archive → tiyaro (create, upload, start, wait) → report,
// with the services its face passes in (class-image cache, record of started jobs: the Actions
// cache for the action, local files for the command) and the paid extras (class-image
// generation, sample images) beside it. `obtainJob` decides how this run gets its job; the rest
// of the run follows from the mode it returns. The zip's passes are in zip-upload.ts, the shared
// context in run-context.ts, the wait and its outcome in run-end.ts.
import { join } from 'node:path'
import { DatasetZip, scanDataset } from './dataset/index.js'
import { phase } from './report/index.js'
import { RunFailure, newRunContext, type RunContext } from './run-context.js'
import { finish, waitWithLog } from './run-end.js'
import { log } from './shared/log.js'
import { workDir } from './shared/paths.js'
import { isFinal, startJobOnce, dreamboothInput, type DreamBoothInput } from './tiyaro/index.js'
import { buildZip, uploadDataset, type PreparedZip } from './zip-upload.js'

export { RunFailure, newRunContext } from './run-context.js'

/** How this run got its job. */
export type RunMode =
  /** dry-run: the zip is built, no request is made */
  | { readonly kind: 'dry-run' }
  /** the job-id input: no images are uploaded and no training is started */
  | { readonly kind: 'attached'; readonly jobId: string }
  /** a job an earlier run recorded with the same zip and parameters (a workflow's re-run, the idempotency file) */
  | { readonly kind: 're-run'; readonly jobId: string }
  /** this run created the job, uploaded the zip and started the training */
  | { readonly kind: 'started'; readonly jobId: string }

/** A face's way in: what it hands over (config, report, signal, services) becomes the run's context. */
function entry(body: (context: RunContext) => Promise<void>) {
  return async (...args: Parameters<typeof newRunContext>): Promise<void> => body(newRunContext(...args))
}

/** The run: gets the job as obtainJob decides, then waits for it unless told not to. */
export const runPipeline = entry(async (context) => {
  const { config, report, api, services } = context
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
    log.info(`Not waiting for the training to end. ${services.attachHint(mode.jobId)}`)
    return
  }
  const outcome = await phase(report, 'Wait for training', () => waitWithLog(context, mode.jobId))
  report.apiRevision = api.apiRevision
  await finish(context, mode.jobId, outcome)
})

/** One status check of the job given as job-id (the command's `status`): its state, and its models when done. */
export const checkJob = entry(async (context) => {
  const { config, report, api } = context
  const jobId = config.jobId
  if (jobId === undefined) throw new RunFailure('No job ID to check.')
  report.jobId = jobId
  const status = await phase(report, 'Check status', () => api.getJobStatus(jobId))
  log.info(`Job ${jobId}: ${status.statusEnum ?? 'no status yet'}`)
  if (isFinal(status)) return finish(context, jobId, { kind: status.statusEnum, status })
  report.jobStatus = status
  report.status = 'running'
})

/** Decides how this run gets its job, and does what that takes (zip, create, upload, start). */
export async function obtainJob(context: RunContext): Promise<RunMode> {
  const { config, report, api, services } = context
  if (config.jobId) {
    report.jobId = config.jobId
    log.info(`Attaching to job ${config.jobId}: no images are uploaded and no training is started.`)
    return { kind: 'attached', jobId: config.jobId }
  }
  // The moment the images have passed their checks (no request is made before), the job is
  // created and its upload URL asked for (the API revision too) while the rest of the
  // preparation goes on: a created job costs nothing until it is started. Not when an earlier run
  // may have recorded this run's job: that one is looked for first.
  const reRun = !config.dryRun && services.jobRecord.mayHoldEarlierJob()
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
    // the earlier run's record is found by the zip's sha256: a pass for the hash comes first
    await phase(report, 'Build zip', () => buildZip(context, prepared))
    const earlierJob = await phase(report, 'Find the job of an earlier run', () =>
      services.jobRecord.findEarlier(report, (id) => api.getJobStatus(id))
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
  await services.jobRecord.record(report)
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

async function prepareZip(
  { config, report, retry, signal, services }: RunContext,
  onImagesChecked: () => void
): Promise<PreparedZip> {
  // Class images, in this order: cache restore → generate the missing ones → scan → (after the
  // zip's pass) cache save, so generated images are zipped and cached like supplied ones.
  const restored = await services.classImageCache.restore(config)
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
