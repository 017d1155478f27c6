// The shape of one request and its answer, whichever way it goes (http-direct.ts without a proxy,
// http-proxied.ts through one).
import type { Readable } from 'node:stream'

export interface HttpRequest {
  readonly method: string
  readonly headers?: Readonly<Record<string, string>>
  /**
   * A body known whole, or one made as it is sent: the next chunk is asked for once the one
   * before was handed to the connection, and a Content-Length header must give its size.
   */
  readonly body?: string | Uint8Array | AsyncIterable<Uint8Array>
  /** stops the request: connecting, sending, and the answer */
  readonly signal?: AbortSignal
  /** time without progress (nothing sent or received) before the request fails as timed out */
  readonly idleTimeoutMs?: number
}

export interface HttpAnswer {
  readonly status: number
  /** header names in lower case */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** read it, or destroy it */
  readonly body: Readable
}

/**
 * The request failed before an answer came, for a reason of the connection (refused, reset, a name
 * that does not resolve, TLS): its `cause` is the client's error, with the system code.
 */
export class ConnectionError extends Error {
  override name = 'ConnectionError'
  constructor(override readonly cause: Error) {
    super(`connection failed: ${cause.message}`, { cause })
  }
}
