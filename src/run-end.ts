// How a run ends once it has a job: the wait with one log line per check, then what each outcome
// means — the models read (and sampled) when done, a RunFailure with the service's message when
// failed or unknown, the way to attach later when the time ran out or the run was cancelled.
import { phase } from './report/index.js'
import { RunFailure, retryOptions, type RunContext } from './run-context.js'
import { formatDuration } from './shared/format.js'
import { log } from './shared/log.js'
import { workDir } from './shared/paths.js'
import { waitForJob, type WaitOutcome } from './tiyaro/index.js'

export async function waitWithLog({ config, api, deadline, signal }: RunContext, jobId: string): Promise<WaitOutcome> {
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

export async function finish(context: RunContext, jobId: string, outcome: WaitOutcome): Promise<void> {
  const { config, report, api, signal, services } = context
  report.jobStatus = outcome.status
  const attachHint = services.attachHint(jobId)
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
