// The parsers for single input values: each takes the text as given and returns the typed value
// or throws an InputError whose message names the input, says what is wrong and what is allowed.
// No reading here (read.ts hands the text in) and nothing about hyperparameters beyond the
// number and boolean rules they share (hyperparameter-inputs.ts).
import { JOB_ID_RULE, isJobId } from '../shared/job-id.js'
import { isLoopbackHost } from '../shared/urls.js'
import { problem, show } from './problems.js'

export const MAX_SAMPLE_PROMPTS = 20

/** An input read through its source: trimmed unless told, a NUL character refused. */
export type ReadInput = (name: string, options?: { trim?: boolean }) => string

export function withoutNul(name: string, value: string): string {
  if (value.includes('\0')) throw problem(name, 'contains a NUL character (\\u0000); remove it')
  return value
}

/** Whitespace-only counts as missing; otherwise the value is kept exactly as given. */
export function required(name: string, value: string): string {
  if (value.trim() === '') throw problem(name, 'is required and was not given (or only whitespace)')
  return value
}

export function optional<T>(value: string, parse: (value: string) => T): T | undefined {
  return value.trim() === '' ? undefined : parse(value)
}

export function parseApiKey(raw: string): string {
  const key = required('api-key', raw)
  // fetch refuses such a header value later, with a less helpful error; never echo the key
  if (/[^\x20-\x7e]/.test(key)) {
    throw problem(
      'api-key',
      'contains a line break, control or non-ASCII character, which an Authorization header cannot carry; check the secret (its value is not shown)'
    )
  }
  return key
}

const ZIP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.zip$/
const ZIP_NAME_ALLOWED = 'letters, digits, ".", "_" and "-", starting with a letter or digit and ending in ".zip"'

/**
 * `<name>-<version>.zip` reduced to [A-Za-z0-9._-]: each run of other characters (with the
 * dashes beside it) becomes one `-`, leading dots and dashes go, `.zip` is added if missing.
 */
export function defaultZipName(name: string, version: string): string {
  const stem = `${name}-${version}`.replace(/[^A-Za-z0-9._]*[^A-Za-z0-9._-][^A-Za-z0-9._]*/g, '-').replace(/^[.-]+/, '')
  const zipName = stem.endsWith('.zip') ? stem : `${stem}.zip`
  if (!ZIP_NAME.test(zipName)) {
    throw problem(
      'zip-name',
      `the default made from name and version, ${show(zipName)}, is not usable (it needs ${ZIP_NAME_ALLOWED}); set zip-name`
    )
  }
  return zipName
}

/** An explicit zip-name is used as given or refused, never changed. */
export function parseZipName(raw: string): string {
  if (!ZIP_NAME.test(raw)) throw problem('zip-name', `${show(raw)} is not allowed; use ${ZIP_NAME_ALLOWED}`)
  return raw
}

/** An absolute https URL, or http on a loopback host, without credentials. Returns its href. */
export function parseServiceUrl(inputName: string, raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw problem(inputName, `${show(raw)} is not an absolute URL; give an https:// URL`)
  }
  if (url.username !== '' || url.password !== '') {
    url.username = url.username && '***'
    url.password = url.password && '***'
    throw problem(
      inputName,
      `${show(url.href)} holds a user name or password, which would show in logs; remove it (the API key goes in api-key)`
    )
  }
  if (url.protocol === 'https:') return url.href
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url.href
  const why =
    url.protocol === 'http:'
      ? 'http is only allowed for localhost, 127.0.0.0/8 and [::1]'
      : `${url.protocol} is not supported`
  throw problem(inputName, `${show(raw)}: https is required (${why})`)
}

const BOOLEAN_TRUE = ['true', 'True', 'TRUE']
const BOOLEAN_FALSE = ['false', 'False', 'FALSE']
export const BOOLEAN_ALLOWED = 'true or false (also True, TRUE, False, FALSE)'

/** The values core.getBooleanInput accepts. */
export function parseBoolean(inputName: string, raw: string, label = inputName): boolean {
  if (BOOLEAN_TRUE.includes(raw)) return true
  if (BOOLEAN_FALSE.includes(raw)) return false
  throw problem(inputName, `${show(raw)} is not a boolean; use ${BOOLEAN_ALLOWED}`, label)
}

export const INTEGER = /^[+-]?\d+$/
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** A finite decimal number such as `5`, `.5`, `1e-6`; no hex, NaN or Infinity. */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined
  const value = Number(text)
  return Number.isFinite(value) ? value : undefined
}

/** Where a number input may lie: [min, max], or (min, max] when minExclusive. */
export interface NumberBounds {
  readonly min: number
  readonly max: number
  readonly minExclusive?: boolean
}

/** A decimal number within `bounds`. */
export function parseBoundedNumber(inputName: string, raw: string, { min, max, minExclusive }: NumberBounds): number {
  const allowed = `a number ${minExclusive ? 'above' : 'from'} ${min} ${minExclusive ? 'and up to' : 'to'} ${max} (fractions allowed)`
  const value = parseDecimal(raw)
  if (value === undefined) throw problem(inputName, `${show(raw)} is not a decimal number; use ${allowed}`)
  if (value > max || value < min || (minExclusive && value === min)) {
    throw problem(inputName, `${raw} is out of range; use ${allowed}`)
  }
  return value
}

export function parseJobId(raw: string): string {
  if (!isJobId(raw)) throw problem('job-id', `${show(raw)} is not a job ID; use ${JOB_ID_RULE}`)
  return raw
}

// The characters actions/artifact refuses in an artifact name.
const ARTIFACT_NAME_FORBIDDEN = ['"', ':', '<', '>', '|', '*', '?', '\\', '/', '\r', '\n']

export function parseArtifactName(raw: string): string {
  const found = ARTIFACT_NAME_FORBIDDEN.filter((c) => raw.includes(c))
  if (found.length > 0) {
    throw problem(
      'artifact-name',
      `${show(raw)} contains ${found.map(show).join(', ')}; an artifact name cannot contain " : < > | * ? \\ / or line breaks`
    )
  }
  return raw
}

/** One prompt a non-empty line, kept as written except a trailing \r. */
export function parseSamplePrompts(raw: string): string[] {
  const prompts = raw
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '')
  if (prompts.length > MAX_SAMPLE_PROMPTS) {
    throw problem(
      'sample-prompts',
      `has ${prompts.length} prompts; at most ${MAX_SAMPLE_PROMPTS} are allowed (one a line)`
    )
  }
  return prompts
}
