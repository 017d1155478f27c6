// The action's inputs: the only module that reads them, from the runner's INPUT_* variables
// (shared/runner-commands.ts's getInput, the only call of it) or from any other InputSource. It
// reads every input of action.yml, checks them all, and either returns one typed Config or throws
// one InputError that lists every problem, so the user fixes the workflow in one go. No I/O beyond
// reading the env.
// The values are parsed by parsers.ts and hyperparameter-inputs.ts.
import { resolve } from 'node:path'
import { log } from '../shared/log.js'
import { runner } from '../shared/runner-commands.js'
import { redact } from '../shared/secrets.js'
import type { Config } from './config.js'
import { readHyperparameters, yamlParserFor, type YamlParser } from './hyperparameter-inputs.js'
import {
  defaultZipName,
  optional,
  parseApiKey,
  parseArtifactName,
  parseBoolean,
  parseBoundedNumber,
  parseJobId,
  parseSamplePrompts,
  parseServiceUrl,
  parseZipName,
  withoutNul,
  type NumberBounds,
  type ReadInput
} from './parsers.js'
import { InputError, collectProblems, type InputProblem } from './problems.js'
import { inputMode, neededFor } from './requirements.js'

/** a week: longer waits are a mistake in the workflow, not a training run */
export const MAX_TIMEOUT_MINUTES = 360 * 24
export const MIN_POLL_INTERVAL_SECONDS = 0.1
export const MAX_POLL_INTERVAL_SECONDS = 3600
export const MIN_REQUEST_TIMEOUT_SECONDS = 0.5
export const MAX_REQUEST_TIMEOUT_SECONDS = 600

const TIMEOUT_MINUTES: NumberBounds = { min: 0, max: MAX_TIMEOUT_MINUTES, minExclusive: true }
const POLL_INTERVAL_SECONDS: NumberBounds = { min: MIN_POLL_INTERVAL_SECONDS, max: MAX_POLL_INTERVAL_SECONDS }
const REQUEST_TIMEOUT_SECONDS: NumberBounds = { min: MIN_REQUEST_TIMEOUT_SECONDS, max: MAX_REQUEST_TIMEOUT_SECONDS }

/**
 * Where the inputs come from: an input's value as given, untrimmed, or '' when it is missing
 * (what @actions/core's getInput returns with trimWhitespace: false). getConfig trims and checks it.
 */
export type InputSource = (name: string) => string

/** The action's inputs: the runner's INPUT_* variables. */
export const actionInputs: InputSource = (name) => runner.getInput(name)

/**
 * Reads and checks every input from `source`. `env` supplies GITHUB_SHA and GITHUB_WORKSPACE.
 */
export async function getConfig(
  source: InputSource = actionInputs,
  env: NodeJS.ProcessEnv = process.env
): Promise<Config> {
  return readConfig(source, env, await yamlParserFor(source('hyperparameters')))
}

/** getConfig's checks with the YAML parser given (it is needed only when the hyperparameters input holds text). */
export function readConfig(source: InputSource, env: NodeJS.ProcessEnv, yaml: YamlParser | undefined): Config {
  // trimmed unless told, as @actions/core's getInput does by default
  const raw = (name: string, trim = true): string => (trim ? source(name).trim() : source(name))
  const readInput: ReadInput = (name, options = {}) => withoutNul(name, raw(name, options.trim ?? true))

  // Mask the secrets before anything can print them, even an error about them.
  const rawApiKey = raw('api-key')
  maskSecret(rawApiKey)
  const rawGithubToken = raw('github-token')
  maskSecret(rawGithubToken)

  const problems: InputProblem[] = []
  // Runs one check; on failure records its problems and returns a placeholder that is never
  // seen, since getConfig throws once any problem is recorded.
  const check = <T>(read: () => T): T => collectProblems(problems, read) as T
  const flag = (name: string, fallback: 'true' | 'false'): boolean =>
    check(() => parseBoolean(name, readInput(name) || fallback))
  const boundedNumber = (name: string, fallback: string, bounds: NumberBounds): number =>
    check(() => parseBoundedNumber(name, readInput(name) || fallback, bounds))
  const workspace = env.GITHUB_WORKSPACE || process.cwd()

  const jobId = check(() => optional(readInput('job-id'), parseJobId))
  const dryRun = flag('dry-run', 'false')
  // A dry run sends nothing and attaching skips the dataset: what a mode does not use may be
  // left out (requirements.ts); '' stands for it then.
  const mode = inputMode(jobId, dryRun)
  const needed = (name: string, value: string): string => neededFor(mode, name, value)

  const apiKey = check(() => (needed('api-key', rawApiKey) === '' ? '' : parseApiKey(rawApiKey)))
  const githubToken = check(() => (rawGithubToken === '' ? undefined : withoutNul('github-token', rawGithubToken)))
  const apiUrl = check(() => {
    const given = needed('api-url', readInput('api-url'))
    return given === '' ? '' : parseServiceUrl('api-url', given)
  })
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
  const hyperparameters = check(() => readHyperparameters(readInput, yaml))
  const zipName = check(() => {
    const given = readInput('zip-name')
    if (given !== '') return parseZipName(given)
    // Without a valid name and version the default means nothing; their own problems say why.
    if (name === undefined || name === '' || version === undefined) return ''
    return defaultZipName(name, version)
  })
  const wait = flag('wait', 'true')
  const timeoutMinutes = boundedNumber('timeout-minutes', '120', TIMEOUT_MINUTES)
  const pollIntervalSeconds = boundedNumber('poll-interval-seconds', '30', POLL_INTERVAL_SECONDS)
  const requestTimeoutSeconds = boundedNumber('request-timeout-seconds', '60', REQUEST_TIMEOUT_SECONDS)
  const cacheClassImages = flag('cache-class-images', 'true')
  const keepZip = flag('keep-zip', 'false')
  const artifactName = check(() => optional(readInput('artifact-name'), parseArtifactName))
  const commentOnPr = flag('comment-on-pr', 'false')
  const jobSummary = flag('job-summary', 'true')
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
    keepZip,
    artifactName,
    githubToken,
    commentOnPr,
    jobSummary,
    samplePrompts,
    classImageGeneratorUrl
  }
}

function maskSecret(secret: string): void {
  if (secret === '') return
  // through the log: it masks for the runner and keeps the secret out of every text shown
  log.setSecret(secret)
  // The runner may not match a multi-line mask on the lines it prints one by one.
  for (const line of secret.split(/\r?\n/)) if (line.trim() !== '' && line !== secret) log.setSecret(line)
}

/** Removes the secrets from a message, both as given and as JSON-quoted by `show`. */
function hideSecrets(message: string, secrets: readonly string[]): string {
  const forms = secrets.filter((s) => s !== '').flatMap((s) => [s, JSON.stringify(s).slice(1, -1)])
  // redact takes the longest first, so a secret that contains another is hidden whole
  return redact(message, [...new Set(forms)])
}

/** Model version when the input is empty: the commit's short SHA, else `1`. */
export function defaultVersion(env: NodeJS.ProcessEnv): string {
  const sha = (env.GITHUB_SHA ?? '').trim()
  return sha === '' ? '1' : sha.slice(0, 7)
}
