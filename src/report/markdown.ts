// Markdown made from values the action did not write (server answers, file names, inputs), for
// the job summary and the PR comment: every value redacted, cut to a sane length and escaped so
// that it stays inside its table cell, links only to https, and no HTML.
import { clip } from '../shared/format.js'
import { redactSecrets } from '../shared/secrets.js'

/** How long a value from elsewhere may be where it is shown. */
export const LIMITS = {
  /** names, versions, vendors, job IDs, times */
  name: 200,
  /** error messages, notes, prompts */
  text: 2000,
  url: 2048
} as const

/** Text that is Markdown already. */
export class Markdown {
  constructor(readonly text: string) {}
}

// every line break CommonMark knows (CR alone is one), and the Unicode separators
const LINE_BREAKS = /\r\n|[\r\n\u2028\u2029\u0085]/g
// all other controls but the tab
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u0084\u0086-\u009f]/g

/** A value from elsewhere, redacted before it is cut to at most `max` characters. */
export function shownText(value: unknown, max: number = LIMITS.text): string {
  return clip(redactSecrets(String(value)), max)
}

/** A value from elsewhere as one line: redacted, cut, line breaks shown as ⏎, controls replaced. */
export function plainLine(value: unknown, max: number = LIMITS.text): string {
  return shownText(value, max).replace(LINE_BREAKS, ' ⏎ ').replace(CONTROLS, '�')
}

/**
 * Markdown cell text: no line breaks, no table pipes, no HTML, no emphasis or links, and no
 * bare URL that GitHub would turn into a link.
 */
export function cell(value: unknown, max: number = LIMITS.text): string {
  return plainLine(value, max)
    .replace(/[\\`*_{}[\]<>|~!]/g, (c) => `\\${c}`)
    .replace(/:\/\//g, ':\\/\\/')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`)
}

/** A value in a code span: shown as it is, but it cannot end the span, the cell or the line. */
export function code(value: unknown, max: number = LIMITS.name): Markdown {
  const text = plainLine(value, max).replaceAll('`', "'").replaceAll('|', '\\|')
  return new Markdown(`\`${text}\``)
}

/**
 * A link with escaped text, when `url` is an https URL that holds no secret; anything else is
 * shown as code, never as a link.
 */
export function link(text: string, url: string): string {
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    parsed = undefined
  }
  if (!parsed || parsed.protocol !== 'https:' || url.length > LIMITS.url || redactSecrets(url) !== url) {
    return code(url, LIMITS.url).text
  }
  // the serialised URL, with whatever Markdown or a table would read percent-encoded
  const href = parsed.href.replace(/[^A-Za-z0-9\-._~:/?#&=%+,;@$']/g, percentEncode)
  return `[${cell(text, LIMITS.name)}](${href})`
}

function percentEncode(c: string): string {
  const code = c.charCodeAt(0)
  return code < 0x80 ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : encodeURIComponent(c)
}

/** Shown rows of a long list: the first `max`, and a note that says how many more there are. */
export function firstRows<T>(items: readonly T[], max: number): { shown: readonly T[]; more: number } {
  return { shown: items.slice(0, max), more: Math.max(0, items.length - max) }
}

/** A fenced code block that no line of `text` can close. */
export function codeBlock(language: string, text: string): string[] {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return [`${fence}${language}`, text.replace(LINE_BREAKS, '\n'), fence]
}
