// One request to the local server, its entry in the request log and its answer (JSON, S3-style
// XML errors, or a dropped connection), plus the helpers that read request bodies.

import { createHash, randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FaultKind } from './faults.js'

export type RequestKind = 'graphql' | 'upload' | 'inference' | 'model-card' | 'other'

export interface UploadLog {
  /** from the path; undefined when the path names none */
  readonly objName?: string
  readonly bytes: number
  readonly sha256: string
  /** the object was stored (false when refused or faulted) */
  readonly stored: boolean
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
  /** GraphQL error messages, or why a request was refused */
  readonly errors?: readonly string[]
  readonly durationMs?: number
}

export type MutableEntry = { -readonly [K in keyof RequestLogEntry]: RequestLogEntry[K] }

/** A request body over its limit; the server answers 413 (uploads answer EntityTooLarge themselves). */
export class RequestTooLarge extends Error {}

/** One request and its answer; honours a 'reset-after' fault by dropping the answer. */
export class Exchange {
  dropAnswer = false
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
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(code)}</Code>` +
      `<Message>${escapeXml(message)}</Message><RequestId>${randomUUID()}</RequestId></Error>`
    this.send(status, body, { 'Content-Type': 'application/xml', ...headers })
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
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new RequestTooLarge(`request body exceeds ${limit} bytes`)
    sha256.update(chunk)
    md5.update(chunk)
    await sink?.(chunk)
  }
  return { size, sha256: sha256.digest('hex'), md5: md5.digest('hex') }
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  await receiveBody(req, limit, (chunk) => void chunks.push(chunk))
  return Buffer.concat(chunks)
}

export async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
  }
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`)
}
