// Keeps secrets out of what the action shows: masks for the runner's log, redaction for the rest.
// The rules of redaction live in redaction.ts; this is the face the other layers use.
import { log } from './log.js'
import { redactSecrets } from './redaction.js'

export { PARTIAL_RUN, REDACTED, redactDeep, redactSecrets } from './redaction.js'

/**
 * Masks a presigned URL before anything can print it: the whole URL, its query string and
 * each query value long enough to be a credential (signatures, tokens, credentials).
 */
export function maskUrl(url: string): void {
  log.setSecret(url)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return
  }
  if (parsed.search.length > 1) {
    log.setSecret(parsed.search.slice(1))
    log.setSecret(parsed.search)
  }
  for (const value of parsed.searchParams.values()) {
    if (value.length >= 16) {
      log.setSecret(value)
      const encoded = encodeURIComponent(value)
      if (encoded !== value) log.setSecret(encoded)
    }
  }
}

/**
 * `text` without the given secrets, nor any the run registered or storage errors carry
 * (see redactSecrets): for errors built from others' text.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  return redactSecrets(text, secrets)
}
