// startRetrainingJob is not idempotent and a second start is a second paid training. A start
// whose answer was lost is therefore never simply repeated: the job's status says first
// whether it went through.
import { AnswerLostError, ApiError, type DreamBoothInput, type TiyaroApi } from './api.js'
import { TransientError, backoffDelay, sleep } from '../shared/retry.js'
import { log } from '../shared/log.js'

export interface StartOptions {
  /** epoch ms after which no new try starts */
  readonly deadline: number
  readonly signal: AbortSignal
  readonly maxAttempts?: number
  readonly baseDelayMs?: number
}

type StartApi = Pick<TiyaroApi, 'startJob' | 'getJobStatus'>

export async function startJobOnce(
  api: StartApi,
  jobId: string,
  input: DreamBoothInput,
  options: StartOptions
): Promise<void> {
  const { deadline, signal, maxAttempts = 6, baseDelayMs } = options
  for (let attempt = 1; ; attempt++) {
    try {
      await api.startJob(jobId, input)
      return
    } catch (error) {
      // A refusal after an unconfirmed try may only mean that try went through after all.
      if (error instanceof ApiError && attempt > 1 && (await isStarted(api, jobId))) return
      if (!(error instanceof TransientError) || attempt >= maxAttempts || signal.aborted) throw error
      const why = error instanceof AnswerLostError ? 'its answer was lost' : error.message
      log.info(`Start of job ${jobId} unconfirmed (${why}); checking its status before trying again`)
      const delayMs = Math.max(error.retryAfterMs ?? 0, backoffDelay(attempt, baseDelayMs))
      if (Date.now() + delayMs >= deadline) throw error
      await sleep(delayMs, signal)
      if (await isStarted(api, jobId)) return
    }
  }
}

/** A started job has a status; one that was only created is `notfound`. */
async function isStarted(api: StartApi, jobId: string): Promise<boolean> {
  const status = await api.getJobStatus(jobId)
  if (!status.statusEnum || status.statusEnum === 'notfound') return false
  log.info(`Job ${jobId} is ${status.statusEnum}: the start went through.`)
  return true
}
