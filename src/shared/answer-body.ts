// Reading an answer's body without trusting it: a size cap suited to what is expected and a time
// limit for the whole of it, so an endless or trickling body ends as a transient failure and
// memory stays flat whatever the other side sends.
import type { Readable } from 'node:stream'
import { formatBytes, formatDuration } from './format.js'
import { TransientError } from './retry.js'

/** Caps for the answers the action reads (a generous multiple of what a sane answer needs). */
export const ANSWER_LIMITS = {
  /** a GraphQL answer of the retraining API: a few IDs, a status, a short list of models */
  graphql: 1024 * 1024,
  /** storage's answer to a PUT: empty, or a short XML error */
  upload: 64 * 1024,
  /** an inference answer: base64 images */
  inference: 64 * 1024 * 1024
} as const

export interface BodyLimits {
  /** for messages: the call whose answer this is */
  readonly what: string
  readonly maxBytes: number
  /** the whole body must have arrived within this time */
  readonly timeoutMs?: number
  /** aborts the read (the try's time limit, or the run's cancellation) with its reason */
  readonly signal?: AbortSignal
}

/** The whole body, or a TransientError once it passes `maxBytes` or `timeoutMs`. */
export async function readLimited(body: Readable, { what, maxBytes, timeoutMs, signal }: BodyLimits): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  const stop = (reason: unknown): void => {
    body.destroy(reason instanceof Error ? reason : new Error(String(reason)))
  }
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(
          () => stop(new TransientError(`${what}: the answer did not end within ${formatDuration(timeoutMs)}`)),
          timeoutMs
        )
  const onAbort = (): void => stop(signal?.reason)
  if (signal?.aborted) onAbort()
  else signal?.addEventListener('abort', onAbort, { once: true })
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > maxBytes) {
        const error = new TransientError(
          `${what}: the answer is larger than ${formatBytes(maxBytes)}; not read further`
        )
        stop(error)
        throw error
      }
      chunks.push(chunk)
    }
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
  return Buffer.concat(chunks, size)
}
