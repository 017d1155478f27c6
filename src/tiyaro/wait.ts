// The poll loop: one getJobStatus per interval until the job ends, the deadline passes or the
// run is cancelled. A failed check is not retried at once (checks never bunch up); the next
// interval is the retry.
import type { JobStatus, TiyaroApi } from './api.js'
import { TransientError, sleep } from '../shared/retry.js'

export type WaitOutcome =
  | { readonly kind: 'done' | 'failed' | 'notfound'; readonly status: JobStatus }
  | { readonly kind: 'timed-out'; readonly status?: JobStatus }
  | { readonly kind: 'cancelled'; readonly status?: JobStatus }

export interface StatusCheck {
  /** 1-based */
  readonly check: number
  readonly elapsedMs: number
  readonly status?: JobStatus
  /** why this check got no answer; the loop goes on */
  readonly error?: Error
}

export interface WaitOptions {
  readonly jobId: string
  /** epoch ms: no check starts after it */
  readonly deadline: number
  readonly pollIntervalMs: number
  readonly signal?: AbortSignal
  readonly onCheck?: (check: StatusCheck) => void
  readonly now?: () => number
}

type FinalStatus = JobStatus & { readonly statusEnum: 'done' | 'failed' | 'notfound' }

/** The job has ended, one way or another: done, failed, or not found. */
export function isFinal(status: JobStatus): status is FinalStatus {
  return status.statusEnum === 'done' || status.statusEnum === 'failed' || status.statusEnum === 'notfound'
}

export async function waitForJob(api: Pick<TiyaroApi, 'getJobStatus'>, options: WaitOptions): Promise<WaitOutcome> {
  const { jobId, deadline, pollIntervalMs, signal, onCheck, now = Date.now } = options
  const started = now()
  let last: JobStatus | undefined
  for (let check = 1; ; check++) {
    if (signal?.aborted) return { kind: 'cancelled', status: last }
    const checkStarted = now()
    try {
      // One try per check: a check that gets no answer is repeated at the next interval.
      last = await api.getJobStatus(jobId, { maxAttempts: 1 })
      onCheck?.({ check, elapsedMs: now() - started, status: last })
      if (isFinal(last)) return { kind: last.statusEnum, status: last }
    } catch (error) {
      if (signal?.aborted) return { kind: 'cancelled', status: last }
      if (!(error instanceof TransientError)) throw error
      onCheck?.({ check, elapsedMs: now() - started, error })
    }
    if (now() >= deadline) return { kind: 'timed-out', status: last }
    // The next check starts one interval after this one started, not after it ended; the last
    // one falls on the deadline itself, so a job that ends just before it is still seen.
    try {
      await sleepUntil(Math.min(checkStarted + pollIntervalMs, deadline), now, signal)
    } catch {
      return { kind: 'cancelled', status: last }
    }
  }
}

function sleepUntil(when: number, now: () => number, signal?: AbortSignal): Promise<void> {
  return sleep(Math.max(0, when - now()), signal)
}
