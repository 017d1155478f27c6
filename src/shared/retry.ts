// One retry policy for every call the action makes: connection errors, request timeouts,
// HTTP 5xx and 429 are retried with exponential backoff and jitter (honouring Retry-After),
// never past the run's deadline. Anything else fails at once.

/** A fault worth trying again: the request may not have reached the service, or it was busy. */
export class TransientError extends Error {
  /** the wait the service asked for (Retry-After), in ms */
  readonly retryAfterMs?: number

  constructor(message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'TransientError'
    this.retryAfterMs = options.retryAfterMs
  }
}

export interface RetryOptions {
  /** what is being done, for the log: "getJobStatus", "upload" */
  readonly what: string
  /** attempts in all, the first included */
  readonly maxAttempts?: number
  readonly baseDelayMs?: number
  readonly maxDelayMs?: number
  /** epoch ms after which no attempt starts */
  readonly deadline?: number
  readonly signal?: AbortSignal
  /** told before each wait; the action logs it */
  readonly onRetry?: (info: { what: string; attempt: number; delayMs: number; error: Error }) => void
  /** decides what may be repeated; TransientError by default */
  readonly isRetryable?: (error: unknown) => boolean
  readonly random?: () => number
  readonly now?: () => number
}

export const DEFAULT_MAX_ATTEMPTS = 6
export const DEFAULT_BASE_DELAY_MS = 1000
export const DEFAULT_MAX_DELAY_MS = 30_000

/** Full-jitter exponential backoff: a random wait in [base*2^(n-1)/2, base*2^(n-1)], capped. */
export function backoffDelay(
  attempt: number,
  baseDelayMs = DEFAULT_BASE_DELAY_MS,
  maxDelayMs = DEFAULT_MAX_DELAY_MS,
  random: () => number = Math.random
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined
  const text = value.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason as Error)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export async function withRetries<T>(options: RetryOptions, attemptOnce: (attempt: number) => Promise<T>): Promise<T> {
  const {
    what,
    maxAttempts = DEFAULT_MAX_ATTEMPTS,
    baseDelayMs = DEFAULT_BASE_DELAY_MS,
    maxDelayMs = DEFAULT_MAX_DELAY_MS,
    deadline,
    signal,
    onRetry,
    isRetryable = (error: unknown) => error instanceof TransientError,
    random = Math.random,
    now = Date.now
  } = options
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce(attempt)
    } catch (error) {
      if (signal?.aborted || !isRetryable(error) || attempt >= maxAttempts) throw error
      const requested = error instanceof TransientError ? error.retryAfterMs : undefined
      const delayMs = Math.max(requested ?? 0, backoffDelay(attempt, baseDelayMs, maxDelayMs, random))
      if (deadline !== undefined && now() + delayMs >= deadline) throw error
      onRetry?.({ what, attempt, delayMs, error: error as Error })
      await sleep(delayMs, signal)
    }
  }
}
