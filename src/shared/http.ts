// Every HTTP request of the action goes through here: the proxy from HTTPS_PROXY / HTTP_PROXY /
// NO_PROXY, a timeout per request, and the sorting of failures into transient or not.
import { Agent, ProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici'
import { TransientError, parseRetryAfter } from './retry.js'
import { errorCode } from './errors.js'
import { redactSecrets } from './redaction.js'

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000

const dispatchers = new Map<string, Dispatcher>()

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

/** The connection pool for a URL: through its proxy, or direct. One per proxy for the run. */
export function httpDispatcher(url: string | URL): Dispatcher {
  const proxy = proxyFor(new URL(url))
  const key = proxy ?? 'direct'
  let dispatcher = dispatchers.get(key)
  if (!dispatcher) {
    dispatcher = proxy ? new ProxyAgent(proxy) : new Agent()
    dispatchers.set(key, dispatcher)
  }
  return dispatcher
}

export async function closeHttp(): Promise<void> {
  const all = [...dispatchers.values()]
  dispatchers.clear()
  await Promise.all(all.map((dispatcher) => dispatcher.close().catch(() => undefined)))
}

/** A signal that fires on the caller's signal or after timeoutMs, whichever comes first. */
export function requestSignal(timeoutMs: number, signal?: AbortSignal): AbortSignal {
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
  if (cancelled?.aborted || error instanceof TransientError) return error
  const name = (error as Error | undefined)?.name
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new TransientError(`${what}: no answer within the request timeout`, { cause: error })
  }
  const code = errorCode(error)
  if (code && TRANSIENT_CODES.has(code)) {
    return new TransientError(`${what}: connection failed (${code})`, { cause: error })
  }
  if (error instanceof TypeError && /fetch failed|terminated|other side closed/i.test(error.message)) {
    return new TransientError(`${what}: connection failed (${error.message})`, { cause: error })
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

export interface FetchOptions {
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
}

/** fetch through the run's proxy dispatcher with a per-request timeout. */
export function fetchWithTimeout(
  url: string | URL,
  init: RequestInit & { duplex?: 'half' },
  { timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, signal }: FetchOptions = {}
): Promise<Response> {
  const merged = init.signal
    ? AbortSignal.any([init.signal, requestSignal(timeoutMs, signal)])
    : requestSignal(timeoutMs, signal)
  return undiciFetch(url, {
    ...(init as Parameters<typeof undiciFetch>[1]),
    signal: merged,
    dispatcher: httpDispatcher(url)
  }) as unknown as Promise<Response>
}

/** The first line of a body, without markup, short enough for a log line; redacted before it is cut. */
export function bodyGist(body: string, max = 200): string {
  const text = redactSecrets(body)
    .replace(/<[^<>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return text.length > max ? `${text.slice(0, max)}…` : text
}
