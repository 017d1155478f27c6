// What every step of one run shares (config, report, API client, deadline, retries, the face's
// services), and the error that ends a run with its message. Both halves of the run, getting a
// job (pipeline.ts, zip-upload.ts) and ending it (run-end.ts), build on this one.
import type { Config } from './inputs/index.js'
import type { RunReport } from './report/index.js'
import type { RunServices } from './services/index.js'
import { formatDuration } from './shared/format.js'
import { log } from './shared/log.js'
import type { RetryOptions } from './shared/retry.js'
import { TiyaroApi } from './tiyaro/index.js'

/** Raised to end the run with a failed step; its message is the step's error. */
export class RunFailure extends Error {}

export type Retry = Omit<RetryOptions, 'what'>

/** What every step of one run shares. */
export interface RunContext {
  readonly config: Config
  readonly report: RunReport
  readonly api: TiyaroApi
  readonly signal: AbortSignal
  /** epoch ms: the end of timeout-minutes, for the whole run */
  readonly deadline: number
  readonly retry: Retry
  readonly services: RunServices
}

/** The run's shared parts; the deadline starts now. */
export function newRunContext(
  config: Config,
  report: RunReport,
  signal: AbortSignal,
  services: RunServices
): RunContext {
  const deadline = Date.now() + config.timeoutMs
  const retry = retryOptions(deadline, signal)
  const { apiUrl: url, apiKey, requestTimeoutMs } = config
  const api = new TiyaroApi({ url, apiKey, requestTimeoutMs, retry })
  return { config, report, api, signal, deadline, retry, services }
}

/** Retries that end at `deadline` or when `signal` aborts, each one logged with its reason. */
export function retryOptions(deadline: number, signal: AbortSignal): Retry {
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
