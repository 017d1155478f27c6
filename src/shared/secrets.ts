import * as core from '@actions/core'

/**
 * Masks a presigned URL before anything can print it: the whole URL, its query string and
 * each query value long enough to be a credential (signatures, tokens, credentials).
 */
export function maskUrl(url: string): void {
  core.setSecret(url)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return
  }
  if (parsed.search.length > 1) {
    core.setSecret(parsed.search.slice(1))
    core.setSecret(parsed.search)
  }
  for (const value of parsed.searchParams.values()) {
    if (value.length >= 16) {
      core.setSecret(value)
      const encoded = encodeURIComponent(value)
      if (encoded !== value) core.setSecret(encoded)
    }
  }
}

/** Replaces every occurrence of the given secrets in a message, for errors built from others' text. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join('***')
  }
  return result
}
