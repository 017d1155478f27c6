// The action's inputs: the only module that calls getInput. It reads every input of action.yml,
// checks them all, and either returns one typed Config or throws one InputError that lists
// every problem, so the user fixes the workflow in one go. No I/O beyond reading the env.
import * as core from '@actions/core'
import { resolve } from 'node:path'
import { isMap, isScalar, parseDocument, type Node as YamlNode } from 'yaml'
import type { Config } from './config.js'
import {
  HYPERPARAMETERS,
  type HyperparameterSpec,
  type HyperparameterValue,
  type Hyperparameters
} from './hyperparameters.js'
import { redact } from '../shared/secrets.js'

export const DEFAULT_API_URL = 'https://tbi56pnorvhbzbalsqal2is7dy.appsync-api.us-west-2.amazonaws.com/graphql'
export const MAX_SAMPLE_PROMPTS = 20
/** a week: longer waits are a mistake in the workflow, not a training run */
export const MAX_TIMEOUT_MINUTES = 360 * 24
export const MIN_POLL_INTERVAL_SECONDS = 0.1
export const MAX_POLL_INTERVAL_SECONDS = 3600
export const MIN_REQUEST_TIMEOUT_SECONDS = 0.5
export const MAX_REQUEST_TIMEOUT_SECONDS = 600

/** One thing wrong with one input; `message` is a whole line that names the input. */
export interface InputProblem {
  readonly input: string
  readonly message: string
}

/** Bad inputs. Carries every problem found; the message lists them one a line. */
export class InputError extends Error {
  override readonly name = 'InputError'
  readonly problems: readonly InputProblem[]

  constructor(problems: InputProblem | readonly InputProblem[]) {
    const list = Array.isArray(problems) ? (problems as readonly InputProblem[]) : [problems as InputProblem]
    if (list.length === 0) throw new RangeError('an InputError needs at least one problem')
    super(
      list.length === 1
        ? list[0].message
        : [`${list.length} problems with the inputs:`, ...list.map((p) => p.message)].join('\n')
    )
    this.problems = list
  }

  /** the input of the first problem (the only one when there is one) */
  get input(): string {
    return this.problems[0].input
  }
}

const problem = (input: string, message: string, label = input): InputError =>
  new InputError({ input, message: `${label}: ${message}` })

/** A value as the user wrote it, quoted so that spaces, line breaks and control characters show. */
const show = (value: string): string => JSON.stringify(value)

/**
 * Reads and checks every input. `env` supplies GITHUB_SHA and GITHUB_WORKSPACE; the inputs
 * themselves come through @actions/core, which reads `INPUT_*` from process.env.
 */
export function getConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Mask the secrets before anything can print them, even an error about them.
  const rawApiKey = core.getInput('api-key')
  maskSecret(rawApiKey)
  const rawGithubToken = core.getInput('github-token')
  maskSecret(rawGithubToken)

  const problems: InputProblem[] = []
  // Runs one check; on failure records its problems and returns a placeholder that is never
  // seen, since getConfig throws once any problem is recorded.
  const check = <T>(read: () => T): T => {
    try {
      return read()
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      problems.push(...error.problems)
      return undefined as T
    }
  }
  const workspace = env.GITHUB_WORKSPACE || process.cwd()

  const jobId = check(() => optional(readInput('job-id'), parseJobId))
  // Attaching to a job skips the dataset, so what only describes the dataset may be left out.
  const needed = (name: string, value: string): string =>
    jobId !== undefined && value.trim() === '' ? '' : required(name, value)

  const apiKey = check(() => parseApiKey(rawApiKey))
  const githubToken = check(() => (rawGithubToken === '' ? undefined : withoutNul('github-token', rawGithubToken)))
  const apiUrl = check(() => parseServiceUrl('api-url', readInput('api-url') || DEFAULT_API_URL))
  const instanceImages = check(() => {
    const given = needed('instance-images', readInput('instance-images'))
    return given === '' ? '' : resolve(workspace, given)
  })
  const classImages = check(() => optional(readInput('class-images'), (path) => resolve(workspace, path)))
  const name = check(() => needed('name', readInput('name')))
  const version = check(() => readInput('version') || defaultVersion(env))
  const description = check(() => optional(readInput('description', { trim: false }), (text) => text))
  const instancePrompt = check(() => needed('instance-prompt', readInput('instance-prompt', { trim: false })))
  const classPrompt = check(() => needed('class-prompt', readInput('class-prompt', { trim: false })))
  const hyperparameters = check(() => readHyperparameters())
  const zipName = check(() => {
    const given = readInput('zip-name')
    if (given !== '') return parseZipName(given)
    // Without a valid name and version the default means nothing; their own problems say why.
    if (name === undefined || name === '' || version === undefined) return ''
    return defaultZipName(name, version)
  })
  const wait = check(() => parseBoolean('wait', readInput('wait') || 'true'))
  const timeoutMinutes = check(() =>
    parseBoundedNumber('timeout-minutes', readInput('timeout-minutes') || '120', 0, MAX_TIMEOUT_MINUTES, true)
  )
  const pollIntervalSeconds = check(() =>
    parseBoundedNumber(
      'poll-interval-seconds',
      readInput('poll-interval-seconds') || '30',
      MIN_POLL_INTERVAL_SECONDS,
      MAX_POLL_INTERVAL_SECONDS,
      false
    )
  )
  const requestTimeoutSeconds = check(() =>
    parseBoundedNumber(
      'request-timeout-seconds',
      readInput('request-timeout-seconds') || '60',
      MIN_REQUEST_TIMEOUT_SECONDS,
      MAX_REQUEST_TIMEOUT_SECONDS,
      false
    )
  )
  const cacheClassImages = check(() => parseBoolean('cache-class-images', readInput('cache-class-images') || 'true'))
  const dryRun = check(() => parseBoolean('dry-run', readInput('dry-run') || 'false'))
  const artifactName = check(() => optional(readInput('artifact-name'), parseArtifactName))
  const commentOnPr = check(() => parseBoolean('comment-on-pr', readInput('comment-on-pr') || 'false'))
  const samplePrompts = check(() => parseSamplePrompts(readInput('sample-prompts', { trim: false })))
  const classImageGeneratorUrl = check(() =>
    optional(readInput('class-image-generator-url'), (url) => parseServiceUrl('class-image-generator-url', url))
  )

  if (jobId !== undefined && dryRun === true) {
    problems.push({
      input: 'job-id',
      message:
        'job-id: cannot be used with dry-run: true, since a dry run makes no network call and so has no job to attach to; remove one of them'
    })
  }

  if (problems.length > 0) {
    throw new InputError(
      problems.map((p) => ({ input: p.input, message: hideSecrets(p.message, [rawApiKey, rawGithubToken]) }))
    )
  }
  return {
    apiKey,
    apiUrl,
    instanceImages,
    classImages,
    name,
    version,
    description,
    instancePrompt,
    classPrompt,
    hyperparameters,
    zipName,
    wait,
    timeoutMs: Math.round(timeoutMinutes * 60_000),
    pollIntervalMs: Math.round(pollIntervalSeconds * 1000),
    requestTimeoutMs: Math.round(requestTimeoutSeconds * 1000),
    jobId,
    cacheClassImages,
    dryRun,
    artifactName,
    githubToken,
    commentOnPr,
    samplePrompts,
    classImageGeneratorUrl
  }
}

function maskSecret(secret: string): void {
  if (secret === '') return
  core.setSecret(secret)
  // The runner may not match a multi-line mask on the lines it prints one by one.
  for (const line of secret.split(/\r?\n/)) if (line.trim() !== '' && line !== secret) core.setSecret(line)
}

/** Removes the secrets from a message, both as given and as JSON-quoted by `show`. */
function hideSecrets(message: string, secrets: readonly string[]): string {
  const forms = secrets.filter((s) => s !== '').flatMap((s) => [s, JSON.stringify(s).slice(1, -1)])
  // the longest first, so a secret that contains another is hidden whole
  return redact(
    message,
    [...new Set(forms)].sort((a, b) => b.length - a.length)
  )
}

/** core.getInput (trimmed unless told), refusing a NUL character, which no field can carry. */
function readInput(name: string, options: { trim?: boolean } = {}): string {
  return withoutNul(name, core.getInput(name, { trimWhitespace: options.trim ?? true }))
}

function withoutNul(name: string, value: string): string {
  if (value.includes('\0')) throw problem(name, 'contains a NUL character (\\u0000); remove it')
  return value
}

/** Whitespace-only counts as missing; otherwise the value is kept exactly as given. */
function required(name: string, value: string): string {
  if (value.trim() === '') throw problem(name, 'is required and was not given (or only whitespace)')
  return value
}

function optional<T>(value: string, parse: (value: string) => T): T | undefined {
  return value.trim() === '' ? undefined : parse(value)
}

function parseApiKey(raw: string): string {
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

/** Model version when the input is empty: the commit's short SHA, else `1`. */
export function defaultVersion(env: NodeJS.ProcessEnv): string {
  const sha = (env.GITHUB_SHA ?? '').trim()
  return sha === '' ? '1' : sha.slice(0, 7)
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

/** True for the hosts where plain http cannot leave the machine. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    // WHATWG URL has already normalised IPv4 forms such as 127.1 to dotted quads
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  )
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
const BOOLEAN_ALLOWED = 'true or false (also True, TRUE, False, FALSE)'

/** The values core.getBooleanInput accepts. */
export function parseBoolean(inputName: string, raw: string, label = inputName): boolean {
  if (BOOLEAN_TRUE.includes(raw)) return true
  if (BOOLEAN_FALSE.includes(raw)) return false
  throw problem(inputName, `${show(raw)} is not a boolean; use ${BOOLEAN_ALLOWED}`, label)
}

const INTEGER = /^[+-]?\d+$/
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** A finite decimal number such as `5`, `.5`, `1e-6`; no hex, NaN or Infinity. */
function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined
  const value = Number(text)
  return Number.isFinite(value) ? value : undefined
}

/** A decimal number in (min, max] when minExclusive, else [min, max]. */
function parseBoundedNumber(inputName: string, raw: string, min: number, max: number, minExclusive: boolean): number {
  const allowed = `a number ${minExclusive ? 'above' : 'from'} ${min} ${minExclusive ? 'and up to' : 'to'} ${max} (fractions allowed)`
  const value = parseDecimal(raw)
  if (value === undefined) throw problem(inputName, `${show(raw)} is not a decimal number; use ${allowed}`)
  if (value > max || value < min || (minExclusive && value === min)) {
    throw problem(inputName, `${raw} is out of range; use ${allowed}`)
  }
  return value
}

const JOB_ID = /^[A-Za-z0-9._:-]{1,128}$/

function parseJobId(raw: string): string {
  if (!JOB_ID.test(raw)) {
    throw problem('job-id', `${show(raw)} is not a job ID; use 1 to 128 letters, digits, ".", "_", ":" or "-"`)
  }
  return raw
}

// The characters actions/artifact refuses in an artifact name.
const ARTIFACT_NAME_FORBIDDEN = ['"', ':', '<', '>', '|', '*', '?', '\\', '/', '\r', '\n']

function parseArtifactName(raw: string): string {
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

// ---------------------------------------------------------------------------------------------
// Hyperparameters: the 21 optional DreamBoothInput fields, each its own input and a key of the
// `hyperparameters` mapping.

const SPEC_BY_KEY = new Map(HYPERPARAMETERS.map((s) => [s.key, s]))

/** In words, what a hyperparameter accepts. */
export function describeAllowed(spec: HyperparameterSpec): string {
  switch (spec.type) {
    case 'Boolean':
      return BOOLEAN_ALLOWED
    case 'String':
      return spec.oneOf ? `one of ${spec.oneOf.join(', ')}` : 'a non-empty string'
    case 'Int': {
      const multiple = spec.multipleOf === undefined ? '' : `, a multiple of ${spec.multipleOf}`
      return `an integer (decimal digits, optional sign)${describeRange(spec)}${multiple}`
    }
    case 'Float':
      return `a decimal number (like 0.5 or 5e-6)${describeRange(spec)}`
  }
}

function describeRange(spec: HyperparameterSpec): string {
  const { min, max, minExclusive, maxExclusive } = spec
  if (min !== undefined && max !== undefined) {
    if (!minExclusive && !maxExclusive) return ` from ${min} to ${max}`
    return ` with ${min} ${minExclusive ? '<' : '<='} x ${maxExclusive ? '<' : '<='} ${max}`
  }
  if (min !== undefined) return ` ${minExclusive ? '>' : '>='} ${min}`
  if (max !== undefined) return ` ${maxExclusive ? '<' : '<='} ${max}`
  return ''
}

function inRange(spec: HyperparameterSpec, value: number): boolean {
  const { min, max, minExclusive, maxExclusive } = spec
  if (min !== undefined && (value < min || (minExclusive && value === min))) return false
  if (max !== undefined && (value > max || (maxExclusive && value === max))) return false
  return true
}

/**
 * Parses one hyperparameter from its text, as written in its input (already trimmed) or as a
 * string in the `hyperparameters` mapping. `inputName` names it in the error.
 */
export function parseHyperparameterValue(
  spec: HyperparameterSpec,
  raw: string,
  inputName: string
): HyperparameterValue {
  const fail = (what: string): InputError => problem(inputName, `${what}; allowed: ${describeAllowed(spec)}`)
  switch (spec.type) {
    case 'Boolean':
      return parseBoolean(inputName, raw)
    case 'String': {
      if (raw.trim() === '') throw fail('is empty')
      if (spec.oneOf && !spec.oneOf.includes(raw)) {
        const near = suggest(raw, spec.oneOf)
        throw fail(`${show(raw)} is not allowed${near === undefined ? '' : ` (did you mean ${show(near)}?)`}`)
      }
      return raw
    }
    case 'Int': {
      if (!INTEGER.test(raw)) throw fail(`${show(raw)} is not an integer`)
      const value = Number(raw) || 0 // no -0
      if (!inRange(spec, value)) throw fail(`${raw} is out of range`)
      if (spec.multipleOf !== undefined && value % spec.multipleOf !== 0) {
        throw fail(`${raw} is not a multiple of ${spec.multipleOf}`)
      }
      return value
    }
    case 'Float': {
      const parsed = parseDecimal(raw)
      if (parsed === undefined) throw fail(`${show(raw)} is not a finite decimal number`)
      const value = parsed || 0 // no -0
      if (!inRange(spec, value)) throw fail(`${raw} is out of range`)
      return value
    }
  }
}

/** The 21 hyperparameter inputs, then the `hyperparameters` mapping, merged; a key set twice is an error. */
function readHyperparameters(): Hyperparameters {
  const problems: InputProblem[] = []
  const fromInputs = new Map<string, HyperparameterValue>()
  const inputsGiven = new Set<string>() // even those whose value is refused
  for (const spec of HYPERPARAMETERS) {
    try {
      const raw = readInput(spec.input)
      if (raw === '') continue
      inputsGiven.add(spec.key)
      fromInputs.set(spec.key, parseHyperparameterValue(spec, raw, spec.input))
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      problems.push(...error.problems)
    }
  }
  let fromMapping: MappingResult = { values: new Map(), keysGiven: [], problems: [] }
  try {
    fromMapping = readMapping(readInput('hyperparameters', { trim: false }))
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    problems.push(...error.problems)
  }
  problems.push(...fromMapping.problems)
  for (const key of fromMapping.keysGiven) {
    if (inputsGiven.has(key)) {
      problems.push({
        input: INPUT,
        message: `${INPUT}: ${key} is set twice, by the input ${SPEC_BY_KEY.get(key)?.input} and by the key ${key} in hyperparameters; keep one`
      })
    }
  }
  if (problems.length > 0) throw new InputError(problems)
  // In the seed's order, so the parameters sent read the same way every run.
  const merged: Record<string, HyperparameterValue> = {}
  for (const { key } of HYPERPARAMETERS) {
    const value = fromInputs.get(key) ?? fromMapping.values.get(key)
    if (value !== undefined) merged[key] = value
  }
  return merged
}

/**
 * Parses the `hyperparameters` input: a YAML or JSON mapping of snake_case keys to values.
 * Returns only the keys set; throws an InputError listing every problem.
 */
export function parseHyperparameters(text: string): Hyperparameters {
  const { values, problems } = readMapping(text)
  if (problems.length > 0) throw new InputError(problems)
  return Object.fromEntries(values)
}

interface MappingResult {
  readonly values: Map<string, HyperparameterValue>
  /** every valid key present with a value, even when the value itself was refused */
  readonly keysGiven: readonly string[]
  readonly problems: readonly InputProblem[]
}

const INPUT = 'hyperparameters'
const EXAMPLE = 'like "learning_rate: 5e-6" on each line, or {"learning_rate": 5e-6}'

// DreamBoothInput fields that have their own inputs and are not training parameters.
const FIELDS_WITH_OWN_INPUT: Readonly<Record<string, string>> = {
  name: 'name',
  version: 'version',
  desc: 'description',
  instance_prompt: 'instance-prompt',
  class_prompt: 'class-prompt',
  datasets3objname: 'zip-name'
}

function readMapping(text: string): MappingResult {
  const values = new Map<string, HyperparameterValue>()
  const keysGiven: string[] = []
  const problems: InputProblem[] = []
  const add = (message: string): void => void problems.push({ input: INPUT, message: `${INPUT}: ${message}` })
  if (text.trim() === '') return { values, keysGiven, problems }

  // uniqueKeys (the default) makes a duplicate key an error
  const doc = parseDocument(text, { prettyErrors: true })
  for (const error of [...doc.errors, ...doc.warnings]) {
    // the first line names the fault and its line and column; the rest quotes the text
    add(`not valid YAML or JSON: ${error.message.split('\n')[0]}`)
  }
  if (problems.length > 0) return { values, keysGiven, problems }
  const contents = doc.contents
  if (contents === null) return { values, keysGiven, problems } // only comments
  if (!isMap(contents)) {
    add(`must be a mapping of parameter names to values (${EXAMPLE}), not ${describeNode(contents)}`)
    return { values, keysGiven, problems }
  }

  for (const pair of contents.items) {
    const keyNode = pair.key
    if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
      add(
        `the key ${isScalar(keyNode) ? show(String(keyNode.value)) : describeNode(keyNode)} is not a parameter name; use snake_case names (${EXAMPLE})`
      )
      continue
    }
    const key = keyNode.value
    const spec = SPEC_BY_KEY.get(key)
    if (!spec) {
      add(unknownKeyMessage(key))
      continue
    }
    const label = `${INPUT}.${key}`
    const valueNode = pair.value as YamlNode | null
    if (valueNode === null || (isScalar(valueNode) && valueNode.value === null)) continue // no value: not sent
    if (!isScalar(valueNode)) {
      keysGiven.push(key)
      add(`${key} is ${describeNode(valueNode)}; allowed: ${describeAllowed(spec)}`)
      continue
    }
    const value = valueNode.value
    if (typeof value === 'string' && value.trim() === '') continue // empty, as for an input: not sent
    keysGiven.push(key)
    try {
      values.set(key, parseMappingScalar(spec, value, valueNode.source, label))
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      problems.push(...error.problems.map((p) => ({ input: INPUT, message: p.message })))
    }
  }
  return { values, keysGiven, problems }
}

/**
 * A YAML scalar keeps its type: a string is read like the input's text, a number must suit an
 * Int or Float as written (so 0x10 or 1.0 is no Int), a boolean only suits a Boolean.
 */
function parseMappingScalar(
  spec: HyperparameterSpec,
  value: unknown,
  source: string | undefined,
  label: string
): HyperparameterValue {
  const wrongType = (what: string): InputError =>
    problem(INPUT, `${what}; allowed: ${describeAllowed(spec)}${spec.type === 'String' ? ' (quote it)' : ''}`, label)
  if (typeof value === 'string') return parseHyperparameterValue(spec, value.trim(), label)
  if (typeof value === 'number') {
    if (spec.type !== 'Int' && spec.type !== 'Float') throw wrongType(`${source ?? value} is a number`)
    return parseHyperparameterValue(spec, source ?? String(value), label)
  }
  if (typeof value === 'boolean') {
    if (spec.type !== 'Boolean') throw wrongType(`${source ?? value} is a boolean`)
    return value
  }
  throw wrongType(`${show(String(source ?? value))} is not a number, boolean or string`)
}

function describeNode(node: unknown): string {
  if (isMap(node)) return 'a mapping'
  if (isScalar(node)) return `the single value ${show(String(node.source ?? node.value))}`
  if (node && typeof node === 'object' && 'items' in node) return 'a list'
  return 'an alias or other YAML node'
}

function unknownKeyMessage(key: string): string {
  const snake = key.toLowerCase().replaceAll('-', '_')
  if (SPEC_BY_KEY.has(snake)) return `unknown key ${show(key)}; did you mean ${show(snake)}? (keys are snake_case)`
  const ownInput = FIELDS_WITH_OWN_INPUT[snake]
  if (ownInput) return `${show(key)} is not a training parameter; set it with the input ${ownInput}`
  const near = suggest(snake, [...SPEC_BY_KEY.keys()])
  const hint = near === undefined ? `use one of ${[...SPEC_BY_KEY.keys()].join(', ')}` : `did you mean ${show(near)}?`
  return `unknown key ${show(key)}; ${hint}`
}

// ---------------------------------------------------------------------------------------------

/**
 * The candidate nearest to `word` (case-insensitive edit distance, a swap of two neighbours
 * counting as one edit), when it is near enough to be a likely typo.
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const target = word.toLowerCase()
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const distance = editDistance(target, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return bestDistance <= Math.max(2, Math.floor(target.length / 3)) ? best : undefined
}

/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0))
  )
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
      }
    }
  }
  return d[rows - 1][cols - 1]
}
