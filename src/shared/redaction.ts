// Takes secrets out of text before anyone shows it: the values the run was told to keep secret
// (the API key, signed URLs and their parts), runs of 12 characters or more of a key or a
// signature (a secret cut in half is still a leak), and what storage services put in their
// error bodies (signatures, credential scopes, access key IDs, whole presigned URLs). Every
// place that shows text from elsewhere (the log, outputs, summary, comment, result.json) and
// every place that shortens such text goes through redactSecrets first.

export const REDACTED = '***'
/** A run this long of a key or a signature counts as a leak, wherever it appears. */
export const PARTIAL_RUN = 12

const whole = new Set<string>()
/** every PARTIAL_RUN-character window of the token-like secrets */
const windows = new Set<string>()

/**
 * Keeps `secret` out of every text redactSecrets sees from now on. A token (a key, a signature:
 * long, no separators) is also kept out in part; a URL or a list is kept out whole, since its
 * host or names are shared with text that is no secret.
 */
export function addSecret(secret: string): void {
  if (secret.length < 4 || whole.has(secret)) return
  whole.add(secret)
  if (secret.length < 16 || /[\s:&;,?]/.test(secret)) return
  for (let i = 0; i + PARTIAL_RUN <= secret.length; i++) windows.add(secret.slice(i, i + PARTIAL_RUN))
}

// The query parameters and XML elements of signed requests that are credentials (AWS SigV4 and
// SigV2, the local server's signer), and the shapes of AWS access key IDs and credential scopes.
// Every pattern is bounded or consumes what it scans, so a hostile text costs linear time.
const SIGNED_PARAMS =
  'X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|X-Tiyaro-Signature|Signature|Credential|AWSAccessKeyId|sig'
const URL_TOKEN = /\b[a-z][a-z0-9+.-]{0,30}:\/\/[^\s"'<>]*/gi
const HAS_SIGNED_PARAM = new RegExp(`[?&;](?:${SIGNED_PARAMS})=`, 'i')
const SIGNED_PARAM = new RegExp(`\\b(${SIGNED_PARAMS})=[^&\\s"'<>,]*`, 'gi')
const SECRET_ELEMENTS =
  'SignatureProvided|StringToSign|StringToSignBytes|CanonicalRequest|CanonicalRequestBytes|AWSAccessKeyId|Signature|Credential|SecurityToken'
// an element cut off before its end tag is redacted to the end of the text
const SECRET_ELEMENT = new RegExp(`<(${SECRET_ELEMENTS})>[\\s\\S]*?(?:</\\1>|$)`, 'g')
const ACCESS_KEY_ID = /(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/g
const CREDENTIAL_SCOPE = /(?<!\d)\d{8}(?:\/|%2F)[a-z0-9-]{1,32}(?:\/|%2F)[a-z0-9-]{1,32}(?:\/|%2F)aws4_request\b/gi

/**
 * `text` without any secret: the given and the registered ones whole, the runs of PARTIAL_RUN
 * characters of token-like ones, and the credentials of signed URLs and storage error bodies.
 */
export function redactSecrets(text: string, extra: readonly (string | undefined)[] = []): string {
  // the known secrets first, whole, the longest first (a secret may contain another), then the
  // patterns: a pattern that cut a known secret in two would leave the rest of it behind
  let result = text
  const secrets = [...whole, ...extra.filter((s): s is string => !!s && s.length >= 4)]
  for (const secret of secrets.sort((a, b) => b.length - a.length)) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED)
  }
  result = result
    .replace(URL_TOKEN, (url) => (HAS_SIGNED_PARAM.test(url) ? REDACTED : url))
    .replace(SECRET_ELEMENT, `<$1>${REDACTED}</$1>`)
    .replace(SIGNED_PARAM, `$1=${REDACTED}`)
    .replace(ACCESS_KEY_ID, REDACTED)
    .replace(CREDENTIAL_SCOPE, REDACTED)
  return windows.size === 0 ? result : redactRuns(result)
}

/** Replaces every stretch of text covered by a window of a registered token. */
function redactRuns(text: string): string {
  const ranges: [number, number][] = []
  for (let i = 0; i + PARTIAL_RUN <= text.length; i++) {
    if (!windows.has(text.slice(i, i + PARTIAL_RUN))) continue
    const last = ranges.at(-1)
    if (last && i <= last[1]) last[1] = i + PARTIAL_RUN
    else ranges.push([i, i + PARTIAL_RUN])
  }
  if (ranges.length === 0) return text
  let out = ''
  let copied = 0
  for (const [from, to] of ranges) {
    out += text.slice(copied, from) + REDACTED
    copied = to
  }
  return out + text.slice(copied)
}

/** Every string in a JSON-like value (keys too), redacted: for result.json. */
export function redactDeep<T>(value: T, extra: readonly (string | undefined)[] = []): T {
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return redactSecrets(item, extra)
    if (Array.isArray(item)) return item.map(walk)
    if (item && typeof item === 'object') {
      return Object.fromEntries(Object.entries(item).map(([key, inner]) => [redactSecrets(key, extra), walk(inner)]))
    }
    return item
  }
  return walk(value) as T
}
