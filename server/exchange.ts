// One request to the local server, its entry in the request log and its answer (JSON, S3-style
// XML errors, or a dropped connection), plus the helpers that read request bodies.

import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { crc32 } from 'node:zlib'
import type { Fault, FaultKind } from './faults.js'
import { s3ErrorAnswer, type S3Error } from './s3-errors.js'

export type RequestKind = 'graphql' | 'upload' | 'inference' | 'model-card' | 'other'

export interface UploadLog {
  /** from the path; undefined when the path names none */
  readonly objName?: string
  readonly bytes: number
  readonly sha256: string
  /** the object was stored (false when refused or faulted) */
  readonly stored: boolean
  /** the request's Content-Length and Transfer-Encoding headers as sent, to tell how the body came */
  readonly contentLength?: string
  readonly transferEncoding?: string
}

export interface RequestLogEntry {
  readonly time: Date
  readonly method: string
  /** the path without its query string (a presigned URL's query is a credential) */
  readonly path: string
  readonly kind: RequestKind
  /** the operation name the request or document gives, if any */
  readonly operationName?: string
  /** root fields of the executed operation, e.g. ['newJobID'] */
  readonly operations: readonly string[]
  /** GraphQL variables as sent */
  readonly variables?: unknown
  /** the `input` of an inference request as sent */
  readonly inferenceInput?: unknown
  /** whether the credential was right (API key, or an upload URL's signature and expiry) */
  readonly authorized?: boolean
  /** the HTTP status answered; undefined when the connection was dropped without an answer */
  readonly status?: number
  readonly fault?: FaultKind
  readonly upload?: UploadLog
  /** bytes of an endless or trickling answer sent before the client went away */
  readonly answerBytes?: number
  /** GraphQL error messages, or why a request was refused */
  readonly errors?: readonly string[]
  readonly durationMs?: number
}

export type MutableEntry = { -readonly [K in keyof RequestLogEntry]: RequestLogEntry[K] }

/** A request body over its limit; the server answers 413 (uploads answer EntityTooLarge themselves). */
export class RequestTooLarge extends Error {}

/** One request and its answer; honours 'reset-after' by dropping the answer, 'delay-after' by holding it. */
export class Exchange {
  dropAnswer = false
  /** the answer leaves `ms` after it is ready; its timer goes into `timers` for the server to clear */
  delayAnswer?: { readonly ms: number; readonly timers: Set<NodeJS.Timeout> }
  /** a 'partial' fault for the GraphQL handler to apply to the executed answer */
  partialFailure?: Extract<Fault, { kind: 'partial' }>
  readonly #started = performance.now()
  #completed = false

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly entry: MutableEntry,
    readonly onComplete?: (entry: RequestLogEntry) => void
  ) {}

  /**
   * Closes the log entry, once. Called before the answer leaves (or the connection is dropped),
   * so the entry is whole by the time the client sees anything.
   */
  complete(): void {
    if (this.#completed) return
    this.#completed = true
    this.entry.durationMs = Math.round(performance.now() - this.#started)
    this.onComplete?.(this.entry)
  }

  send(status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
    if (this.dropAnswer) return this.reset()
    if (this.delayAnswer) {
      const { ms, timers } = this.delayAnswer
      this.delayAnswer = undefined
      const timer = setTimeout(() => {
        timers.delete(timer)
        this.send(status, body, headers)
      }, ms)
      timers.add(timer)
      return
    }
    if (this.res.headersSent || this.res.destroyed) return
    this.entry.status = status
    this.complete()
    this.res.writeHead(status, { 'Content-Length': String(Buffer.byteLength(body)), ...headers })
    this.res.end(body)
  }

  sendJson(status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.send(status, JSON.stringify(body), { 'Content-Type': 'application/json; charset=utf-8', ...headers })
  }

  /** An S3-style error document. */
  sendXml(status: number, code: string, message: string, headers: Record<string, string> = {}): void {
    this.sendS3Error({ status, code, message }, headers)
  }

  sendS3Error(error: S3Error, headers: Record<string, string> = {}): void {
    const answer = s3ErrorAnswer(error)
    this.send(error.status, answer.body, { ...answer.headers, ...headers })
  }

  /** Drops the connection with a TCP reset, answering nothing. */
  reset(): void {
    this.complete()
    this.req.socket.resetAndDestroy()
  }
}

export interface ReceivedBody {
  readonly size: number
  readonly sha256: string
  readonly md5: string
  readonly crc32: number
}

/**
 * Reads a request body, hashing as it arrives, and hands each chunk to `sink` (awaited, so a slow
 * sink slows the sender down instead of filling memory); without a sink the bytes are dropped.
 */
export async function receiveBody(
  req: IncomingMessage,
  limit: number,
  sink?: (chunk: Buffer) => Promise<void> | void
): Promise<ReceivedBody> {
  const sha256 = createHash('sha256')
  const md5 = createHash('md5')
  let size = 0
  let crc = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new RequestTooLarge(`request body exceeds ${limit} bytes`)
    sha256.update(chunk)
    md5.update(chunk)
    crc = crc32(chunk, crc)
    await sink?.(chunk)
  }
  return { size, sha256: sha256.digest('hex'), md5: md5.digest('hex'), crc32: crc }
}

/** Reads a small request body whole (GraphQL, inference), up to `limit` bytes; nothing hashed. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new RequestTooLarge(`request body exceeds ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}

export async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
  }
}
