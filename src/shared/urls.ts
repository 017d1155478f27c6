// Where a secret may travel: the host checks that the inputs (api-url, class-image-generator-url),
// the URLs the service hands back (upload, model, model card) and every call that carries the API
// key or a presigned URL share, so all of them draw the line in one place.

/** True for the hosts where plain http cannot leave the machine. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    // WHATWG URL has already normalised IPv4 forms such as 127.1 to dotted quads
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  )
}

/** True when the URL parses and names a loopback host. */
export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname)
  } catch {
    return false
  }
}

// Cloud instance metadata services hand out the machine's credentials to whoever asks.
const METADATA_HOSTS = new Set(['169.254.169.254', '[fd00:ec2::254]', 'metadata.google.internal', 'metadata.goog'])

/** Why a host must never receive a secret (link-local or a metadata service), or undefined. */
export function forbiddenHost(hostname: string): string | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '')
  const ipv4 = mappedIpv4(host) ?? host
  if (METADATA_HOSTS.has(host) || METADATA_HOSTS.has(ipv4)) return 'a cloud metadata address'
  if (/^169\.254\.\d{1,3}\.\d{1,3}$/.test(ipv4)) return 'a link-local address (169.254.0.0/16)'
  const firstHextet = /^\[([0-9a-f]{1,4}):/.exec(host)?.[1]
  // fe80::/10: the first ten bits are 1111 1110 10
  if (firstHextet !== undefined && (parseInt(firstHextet, 16) & 0xffc0) === 0xfe80) {
    return 'a link-local address (fe80::/10)'
  }
  return undefined
}

/** `[::ffff:a9fe:a9fe]` (how WHATWG URL writes an IPv4-mapped IPv6 address) as `169.254.169.254`. */
function mappedIpv4(host: string): string | undefined {
  const match = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(host)
  if (!match) return undefined
  const [high, low] = [parseInt(match[1]!, 16), parseInt(match[2]!, 16)]
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')
}

export type DestinationCheck =
  { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly reason: string }

/**
 * Whether a URL may receive a secret (the API key, or a presigned URL's own signature): https to
 * any host but a link-local or metadata one; plain http only to this machine, and only when
 * `loopbackHttp` allows it (api-url itself is on this machine). The reason reads after the URL.
 */
export function checkSecretDestination(raw: unknown, { loopbackHttp }: { loopbackHttp: boolean }): DestinationCheck {
  if (typeof raw !== 'string') return { ok: false, reason: 'is not a string' }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { ok: false, reason: 'is not an absolute URL' }
  }
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'holds a user name or password' }
  const forbidden = forbiddenHost(url.hostname)
  if (forbidden) return { ok: false, reason: `points at ${forbidden}` }
  if (url.protocol === 'https:') return { ok: true, url }
  if (url.protocol !== 'http:') return { ok: false, reason: `uses ${url.protocol} where https is required` }
  if (!isLoopbackHost(url.hostname)) return { ok: false, reason: 'is plain http to another machine; https is required' }
  if (!loopbackHttp)
    return { ok: false, reason: 'is plain http, which is only allowed when api-url is on this machine' }
  return { ok: true, url }
}
