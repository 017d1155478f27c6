// startRetrainingJob is not idempotent and a second start is a second paid training. A start
// whose outcome is unknown (its answer was lost, or its resolver failed) is therefore never
// simply repeated: the job's status is asked until it shows the start, for a grace period,
// since a status can lag a few seconds behind a start; only a `notfound` at the end of the grace
// period lets the start be sent again.
import { AnswerLostError, ApiError, type DreamBoothInput, type JobStatus, type TiyaroApi } from './api.js'
import { formatDuration } from '../shared/format.js'
import { TransientError, backoffDelay, sleep } from '../shared/retry.js'
import { log } from '../shared/log.js'

/** How long a status may lag behind a start that went through. */
const START_CONFIRM_GRACE_MS = 15_000
const CONFIRM_INTERVAL_MS = 2_000

export interface StartOptions {
  /** epoch ms after which no new try starts */
  readonly deadline: number
  readonly signal: AbortSignal
  readonly maxAttempts?: number
  readonly baseDelayMs?: number
  readonly graceMs?: number
  readonly confirmIntervalMs?: number
}

type StartApi = Pick<TiyaroApi, 'startJob' | 'getJobStatus'>

/** The start's outcome is unknown and the deadline came before the status said. */
export class StartUnconfirmedError extends Error {
  constructor(jobId: string, cause: unknown) {
    super(
      `The start of job ${jobId} is unconfirmed: its answer was lost and its status did not show it before the deadline. It may be training; attach to it with the input job-id: ${jobId}`,
      { cause }
    )
    this.name = 'StartUnconfirmedError'
  }
}

export async function startJobOnce(
  api: StartApi,
  jobId: string,
  input: DreamBoothInput,
  options: StartOptions
): Promise<void> {
  const { deadline, signal, maxAttempts = 6, baseDelayMs, graceMs = START_CONFIRM_GRACE_MS } = options
  /** an earlier try's outcome is unknown */
  let unconfirmed = false
  for (let attempt = 1; ; attempt++) {
    const sentAt = Date.now()
    try {
      await api.startJob(jobId, input)
      return
    } catch (error) {
      // A refusal after an unconfirmed try may only mean that try went through after all (and
      // the status still lags): it gets a grace period of its own.
      if (error instanceof ApiError && unconfirmed) {
        if ((await awaitStart(api, jobId, Date.now() + graceMs, options, error)) === 'started') return
        throw error
      }
      if (!(error instanceof TransientError) || signal.aborted) throw error
      const firstDelayMs = Math.max(error.retryAfterMs ?? 0, backoffDelay(attempt, baseDelayMs))
      if (!(error instanceof AnswerLostError)) {
        // refused at the door ("not now", HTTP 429): it did not run, so it is sent again
        if (attempt >= maxAttempts || Date.now() + firstDelayMs >= deadline) throw error
        await sleep(firstDelayMs, signal)
        continue
      }
      unconfirmed = true
      log.info(
        `Start of job ${jobId} unconfirmed (${error.message}); asking its status for up to ${formatDuration(graceMs)} before sending it again`
      )
      if ((await awaitStart(api, jobId, sentAt + graceMs, options, error, firstDelayMs)) === 'started') return
      if (attempt >= maxAttempts) throw error
      log.info(
        `Job ${jobId} is still not started ${formatDuration(graceMs)} after the start was sent; sending it again`
      )
    }
  }
}

/**
 * Asks the status until it shows the job started, or until a status asked at or after
 * `graceEnd` says it is not. A check that gets no answer decides nothing; past the deadline the
 * start stays unconfirmed (an error: starting again blindly could pay twice).
 */
async function awaitStart(
  api: StartApi,
  jobId: string,
  graceEnd: number,
  { deadline, signal, confirmIntervalMs = CONFIRM_INTERVAL_MS }: StartOptions,
  startError: unknown,
  firstDelayMs = 0
): Promise<'started' | 'not-started'> {
  let delayMs = firstDelayMs
  for (;;) {
    if (Date.now() + delayMs >= deadline) throw new StartUnconfirmedError(jobId, startError)
    await sleep(delayMs, signal)
    const status = await statusIfAnswered(api, jobId, signal)
    if (status && status.statusEnum !== 'notfound') {
      log.info(`Job ${jobId} is ${status.statusEnum}: the start went through.`)
      return 'started'
    }
    const left = graceEnd - Date.now()
    if (status && left <= 0) return 'not-started'
    // the last check falls on the end of the grace period
    delayMs = left > 0 ? Math.min(confirmIntervalMs, left) : confirmIntervalMs
  }
}

/** The job's status, or undefined when the check got no answer (it decides nothing). */
async function statusIfAnswered(api: StartApi, jobId: string, signal: AbortSignal): Promise<JobStatus | undefined> {
  try {
    return await api.getJobStatus(jobId, { maxAttempts: 1 })
  } catch (error) {
    if (signal.aborted || !(error instanceof TransientError)) throw error
    log.info(`Status of job ${jobId}: no answer (${error.message})`)
    return undefined
  }
}
