// What to tell a user whose service cannot be reached. A client may say only "fetch failed" or
// "socket hang up"; the cause (the name does not resolve, refused, TLS, timed out) sits in the
// error or its causes as a system code. This module turns that into words, names the host (only
// the host: a presigned URL's path and query are credentials, and the key is never part of an
// error), and, for the seed's endpoint that no longer answers, says what to do instead.
import { errorCode } from './errors.js'
import { proxyFor } from './http.js'
import { ConnectionError } from './http-types.js'

/** The seed's hosted endpoint. The vendor's platform was retired and it no longer answers. */
export const SEED_API_URL = 'https://tbi56pnorvhbzbalsqal2is7dy.appsync-api.us-west-2.amazonaws.com/graphql'

const SEED_HINT =
  "This is the seed's hosted Tiyaro endpoint, which no longer answers: set api-url to the GraphQL endpoint of a compatible service."

const CAUSES: Readonly<Record<string, string>> = {
  ENOTFOUND: 'the name does not resolve',
  EAI_NONAME: 'the name does not resolve',
  EAI_NODATA: 'the name does not resolve',
  EAI_AGAIN: 'the name does not resolve for now, a temporary DNS failure',
  ECONNREFUSED: 'connection refused, nothing listens on that port',
  ETIMEDOUT: 'timed out while connecting',
  UND_ERR_CONNECT_TIMEOUT: 'timed out while connecting',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for an answer',
  UND_ERR_BODY_TIMEOUT: 'timed out while reading the answer',
  ECONNRESET: 'the connection was closed before an answer',
  ECONNABORTED: 'the connection was closed before an answer',
  EPIPE: 'the connection was closed before an answer',
  UND_ERR_SOCKET: 'the connection was closed before an answer',
  UND_ERR_CLOSED: 'the connection was closed before an answer',
  ENETUNREACH: 'the network is unreachable',
  EHOSTUNREACH: 'the host is unreachable'
}

const TLS_CAUSES: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chain ends in a self-signed certificate',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate is for another host name',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate is not signed by a trusted authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate is not signed by a trusted authority',
  ERR_SSL_WRONG_VERSION_NUMBER: 'it does not speak TLS on that port, plain http perhaps',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'it does not speak TLS on that port, plain http perhaps'
}

const isTlsCode = (code: string): boolean =>
  code in TLS_CAUSES || /^(ERR_TLS_|ERR_SSL_)|CERT|SELF_SIGNED|UNABLE_TO_/.test(code)

/**
 * Node's https client reports a failed TLS handshake as EPROTO with OpenSSL's reason in the
 * message ("SSL routines:…:wrong version number:"): that reason as the code tls gives it
 * (ERR_SSL_WRONG_VERSION_NUMBER).
 */
function opensslCode(error: unknown): string | undefined {
  if (errorCode(error) !== 'EPROTO') return undefined
  const reason = /SSL routines:[^:]*:([a-z0-9 ]+):/i.exec((error as Error).message)?.[1]
  return reason ? `ERR_SSL_${reason.trim().toUpperCase().replace(/ +/g, '_')}` : 'ERR_SSL_PROTOCOL'
}

/** The cause of a failed connection in words, with its code; undefined when it is not one. */
export function connectionCause(error: unknown, depth = 0): string | undefined {
  // a wrapper (the retry policy's TransientError) tells less than what it wraps
  const wrapped = (error as { cause?: unknown } | undefined)?.cause
  if (wrapped !== undefined && wrapped !== error && depth < 5) {
    const inner = connectionCause(wrapped, depth + 1)
    if (inner !== undefined) return inner
  }
  const name = (error as Error | undefined)?.name
  // the request's own timeout (a cancelled run never gets here: the caller checks first)
  if (name === 'TimeoutError' || name === 'AbortError') return 'timed out: no answer within the request timeout'
  const code = opensslCode(error) ?? errorCode(error)
  if (code === undefined) return undefined
  if (isTlsCode(code)) return `TLS error: ${TLS_CAUSES[code] ?? 'the secure connection could not be set up'} (${code})`
  const cause = CAUSES[code] ?? (error instanceof ConnectionError ? 'the connection failed' : undefined)
  return cause === undefined ? undefined : `${cause} (${code})`
}

/** The host and port of a URL, never its path or query; the text as given when it is no URL. */
function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return 'the service'
  }
}

/** True for the seed's endpoint, however it is written (host and path compared). */
export function isSeedEndpoint(url: string): boolean {
  try {
    const given = new URL(url)
    const seed = new URL(SEED_API_URL)
    return given.host === seed.host && given.pathname.replace(/\/+$/, '') === seed.pathname
  } catch {
    return false
  }
}

/**
 * `<what>: connection failed: cannot reach <host>: <cause>`, with the proxy when one is used and
 * the seed hint for the seed's endpoint; undefined when `error` is no connection failure.
 */
export function connectionFailureMessage(
  what: string,
  url: string,
  error: unknown,
  env: NodeJS.ProcessEnv = process.env
): string | undefined {
  const cause = connectionCause(error)
  if (cause === undefined) return undefined
  let via = ''
  try {
    // the proxy's own URL may hold a password: only say that one is used
    if (proxyFor(new URL(url), env))
      via = ` through the proxy (${url.startsWith('https:') ? 'HTTPS_PROXY' : 'HTTP_PROXY'})`
  } catch {
    // no URL, no proxy
  }
  const message = `${what}: connection failed: cannot reach ${hostOf(url)}${via}: ${cause}.`
  return isSeedEndpoint(url) ? `${message} ${SEED_HINT}` : message
}
