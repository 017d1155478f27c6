// Every HTTP request of the action goes through here: the proxy from HTTPS_PROXY / HTTP_PROXY /
// NO_PROXY (through it: http-proxied.ts; without: http-direct.ts), a time limit per try, a size
// limit per answer, no redirects, and the sorting of failures into transient or not.
import { readLimited } from './answer-body.js'
import { errorCode } from './errors.js'
import { closeDirect, sendDirect } from './http-direct.js'
import { ConnectionError, type HttpAnswer, type HttpRequest } from './http-types.js'
import { TransientError, parseRetryAfter } from './retry.js'
import { redactSecrets } from './redaction.js'

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000

/** Set once a request went through a proxy: that module (and undici) is loaded only then. */
let proxied: Promise<typeof import('./http-proxied.js')> | undefined

/**
 * The proxy for a URL from HTTPS_PROXY / HTTP_PROXY (either case), unless NO_PROXY lists its
 * host; undefined for a direct connection. Loopback hosts are proxied like any other unless
 * NO_PROXY names them, as curl does.
 */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const proxy = target.protocol === 'https:' ? env.https_proxy || env.HTTPS_PROXY : env.http_proxy || env.HTTP_PROXY
  if (!proxy) return undefined
  const noProxy = (env.no_proxy || env.NO_PROXY || '').split(/[\s,]+/).filter(Boolean)
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const port = target.port || (target.protocol === 'https:' ? '443' : '80')
  for (const entry of noProxy) {
    if (entry === '*') return undefined
    const [entryHost, entryPort] = splitHostPort(entry.toLowerCase())
    if (entryPort && entryPort !== port) continue
    const bare = entryHost.replace(/^\*?\./, '')
    if (host === bare || host.endsWith(`.${bare}`)) return undefined
  }
  return /^[a-z]+:\/\//i.test(proxy) ? proxy : `http://${proxy}`
}

function splitHostPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry)
  if (bracketed) return [bracketed[1], bracketed[2]]
  const parts = entry.split(':')
  return parts.length === 2 ? [parts[0], parts[1]] : [entry, undefined]
}

/** Sends one request, through the proxy the environment names for its URL or direct. */
export async function send(url: string | URL, request: HttpRequest): Promise<HttpAnswer> {
  const target = new URL(url)
  const proxy = proxyFor(target)
  try {
    if (!proxy) return await sendDirect(target, request)
    proxied ??= import('./http-proxied.js')
    return await (await proxied).sendProxied(proxy, target, request)
  } catch (error) {
    // a system or TLS error before any answer is the connection's; a cancel, a time limit or
    // the body's own failure says so itself
    const cancelled = request.signal?.aborted || (error as Error | undefined)?.name === 'TimeoutError'
    throw !cancelled && error instanceof Error && errorCode(error) !== undefined ? new ConnectionError(error) : error
  }
}

/** Ends the run's connection pools. */
export async function closeHttp(): Promise<void> {
  closeDirect()
  const loaded = proxied
  proxied = undefined
  await (await loaded)?.closeProxied()
}

/** A signal that fires on the caller's signal or after timeoutMs, whichever comes first. */
function requestSignal(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs)
  return signal ? AbortSignal.any([signal, timeout]) : timeout
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT'
])

/**
 * Turns a failed request into a TransientError when repeating it may help (connection lost,
 * request timed out); other errors come back as they are. A cancelled run is not transient.
 */
export function classifyRequestError(error: unknown, what: string, cancelled?: AbortSignal): unknown {
  if (cancelled?.aborted || error instanceof TransientError || error instanceof ProxyError) return error
  const proxied = proxyRefusal(error, what)
  if (proxied) return proxied
  const name = (error as Error | undefined)?.name
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new TransientError(`${what}: no answer within the request timeout`, { cause: error })
  }
  const code = errorCode(error)
  if (code && TRANSIENT_CODES.has(code)) {
    return new TransientError(`${what}: connection failed (${code})`, { cause: error })
  }
  // the rest of what failed before an answer (a name that does not resolve, TLS) may pass
  if (error instanceof ConnectionError) {
    return new TransientError(`${what}: connection failed (${code ?? error.message})`, { cause: error })
  }
  return error
}

/** HTTP 429 and 5xx are transient; the error carries Retry-After when the service sent it. */
export function transientStatusError(
  what: string,
  status: number,
  retryAfter: string | null
): TransientError | undefined {
  if (status !== 429 && (status < 500 || status > 599)) return undefined
  return new TransientError(`${what}: HTTP ${status}`, { retryAfterMs: parseRetryAfter(retryAfter) })
}

/** The proxy said no: repeating will not help until its settings change. */
export class ProxyError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message)
    this.name = 'ProxyError'
  }
}

/**
 * A proxy's answer to the tunnel (CONNECT) or to the request, from undici's error: 407 and 403 are
 * the proxy's refusal (a ProxyError), anything else a transient failure of the proxy.
 */
function proxyRefusal(error: unknown, what: string): Error | undefined {
  for (let e = error as Error | undefined, depth = 0; e && depth < 5; depth++, e = e.cause as Error | undefined) {
    const status = /Proxy response \((\d{3})\)|Proxy Authentication Required \((407)\)/.exec(String(e.message))
    if (!status) continue
    const code = Number(status[1] ?? status[2])
    if (code === 407) {
      return new ProxyError(
        `${what}: proxy authentication required (the proxy answered HTTP 407); give its user and password in the proxy URL (http://user:password@host:port)`,
        code
      )
    }
    if (code === 403) return new ProxyError(`${what}: the proxy refused the connection (HTTP 403)`, code)
    return new TransientError(`${what}: the proxy failed to connect (HTTP ${code})`, { cause: error })
  }
  return undefined
}

export interface FetchOptions {
  /** the time limit of the whole try: connecting, sending, and the answer to its last byte */
  readonly timeoutMs?: number
  /** the run's cancellation */
  readonly signal?: AbortSignal
}

/** An answer's headers, looked up by name (any case). */
export interface AnswerHeaders {
  get(name: string): string | null
}

export interface LimitedAnswer {
  readonly status: number
  readonly headers: AnswerHeaders
  readonly body: Buffer
}

/** A request whose body is known whole. */
export type LimitedRequest = Omit<HttpRequest, 'body' | 'signal' | 'idleTimeoutMs'> & { readonly body?: string }

/**
 * One try of a request through the run's proxy: the answer is read whole, but never more than
 * `maxBytes` of it, and all within `timeoutMs` (an endless or trickling answer is a transient
 * failure). Redirects are answered as they are, never followed: a credential stays with the
 * URL it was meant for.
 */
export async function fetchLimited(
  url: string | URL,
  request: LimitedRequest,
  { what, maxBytes, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, signal }: FetchOptions & { what: string; maxBytes: number }
): Promise<LimitedAnswer> {
  const trySignal = requestSignal(timeoutMs, signal)
  try {
    const answer = await send(url, { ...request, signal: trySignal })
    let body: Buffer
    try {
      body = await readLimited(answer.body, { what, maxBytes, signal: trySignal })
    } catch (error) {
      const classified = classifyRequestError(error, what, signal)
      throw classified instanceof TransientError ? new AnswerBrokenError(classified) : classified
    }
    return { status: answer.status, headers: headerLookup(answer.headers), body }
  } catch (error) {
    throw classifyRequestError(error, what, signal)
  }
}

/** The first value of a header, by its name in any case. */
export function headerValue(headers: HttpAnswer['headers'], name: string): string | null {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null)
}

function headerLookup(headers: HttpAnswer['headers']): AnswerHeaders {
  return { get: (name) => headerValue(headers, name) }
}

/** The service answered, then its answer broke off or never ended: it was reached. */
export class AnswerBrokenError extends TransientError {
  constructor(broken: TransientError) {
    super(broken.message, { retryAfterMs: broken.retryAfterMs, cause: broken.cause })
    this.name = 'AnswerBrokenError'
  }
}

/** What a redirect said, without its target's path or query (a presigned URL may be in them). */
export function describeRedirect(status: number, location: string | null | undefined): string {
  let target = 'no Location'
  try {
    if (location) target = new URL(location).origin
  } catch {
    target = 'an unreadable Location'
  }
  return `answered with a redirect (HTTP ${status} to ${target}), which is not followed`
}

/** The first line of a body, without markup, short enough for a log line; redacted before it is cut. */
export function bodyGist(body: string, max = 200): string {
  const text = redactSecrets(body)
    .replace(/<[^<>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return text.length > max ? `${text.slice(0, max)}…` : text
}
