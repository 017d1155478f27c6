// The runner's protocol (workflow commands on stdout, the GITHUB_OUTPUT and GITHUB_STEP_SUMMARY
// files), written by us: importing @actions/core at start-up loads its whole graph (OIDC client,
// http-client, node:http, undici, child_process), ~70 ms and ~10 MB for these few calls. Each
// function writes byte for byte what @actions/core 3.0.1 writes (lib/core.js, command.js,
// file-command.js, utils.js, summary.js); __tests__/unit/runner-commands.test.ts compares them.
import { appendFileSync, constants, existsSync, promises } from 'node:fs'
import { EOL } from 'node:os'
import { nodeCrypto } from './builtins.js'

/** A command's `key=value` pairs; empty values are left out, as the runner expects. */
export type CommandProperties = Record<string, unknown>

/** Where an annotation points (core's AnnotationProperties). */
export interface AnnotationProperties {
  readonly title?: string
  readonly file?: string
  readonly startLine?: number
  readonly endLine?: number
  readonly startColumn?: number
  readonly endColumn?: number
}

/** An input as the runner passes it, untrimmed; '' when it is missing. */
export function getInput(name: string): string {
  return process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || ''
}

function toCommandValue(input: unknown): string {
  if (input === null || input === undefined) return ''
  if (typeof input === 'string' || input instanceof String) return input.toString()
  return JSON.stringify(input)
}

function escapeData(value: unknown): string {
  return toCommandValue(value).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

function escapeProperty(value: unknown): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

/** `::command key=value,key=value::message` and a line end, in one write. */
export function issueCommand(command: string, properties: CommandProperties, message: unknown): void {
  let line = `::${command || 'missing.command'}`
  const keys = Object.keys(properties ?? {})
  if (keys.length > 0) {
    // a space even when every value is empty, as core writes it
    line += ` ${keys
      .filter((key) => properties[key])
      .map((key) => `${key}=${escapeProperty(properties[key])}`)
      .join(',')}`
  }
  process.stdout.write(`${line}::${escapeData(message)}${EOL}`)
}

function toCommandProperties(annotation: AnnotationProperties): CommandProperties {
  if (Object.keys(annotation).length === 0) return {}
  const { title, file, startLine, endLine, startColumn, endColumn } = annotation
  return { title, file, line: startLine, endLine, col: startColumn, endColumn }
}

export function info(message: string): void {
  process.stdout.write(message + EOL)
}

export function debug(message: string): void {
  issueCommand('debug', {}, message)
}

export function warning(message: string, annotation: AnnotationProperties = {}): void {
  issueCommand('warning', toCommandProperties(annotation), message)
}

export function error(message: string, annotation: AnnotationProperties = {}): void {
  issueCommand('error', toCommandProperties(annotation), message)
}

/** The step fails when the process ends (exit code 1); the message is an error annotation. */
export function setFailed(message: string): void {
  process.exitCode = 1
  error(message)
}

/** The runner masks `secret` in every later line of the log. */
export function setSecret(secret: string): void {
  issueCommand('add-mask', {}, secret)
}

/** `fn` inside a collapsible group of the log, ended whatever `fn` does. */
export async function group<T>(name: string, fn: () => Promise<T>): Promise<T> {
  issueCommand('group', {}, name)
  try {
    return await fn()
  } finally {
    issueCommand('endgroup', {}, '')
  }
}

/** A step output: a heredoc in GITHUB_OUTPUT, or the old `::set-output` command without it. */
export function setOutput(name: string, value: unknown): void {
  const filePath = process.env.GITHUB_OUTPUT || ''
  if (!filePath) {
    process.stdout.write(EOL)
    issueCommand('set-output', { name }, toCommandValue(value))
    return
  }
  // a delimiter no one can guess, and neither the name nor the value may hold it
  const delimiter = `ghadelimiter_${nodeCrypto().randomUUID()}`
  const converted = toCommandValue(value)
  if (name.includes(delimiter)) {
    throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`)
  }
  if (converted.includes(delimiter)) {
    throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`)
  }
  if (!existsSync(filePath)) throw new Error(`Missing file at path: ${filePath}`)
  appendFileSync(filePath, `${name}<<${delimiter}${EOL}${converted}${EOL}${delimiter}${EOL}`, { encoding: 'utf8' })
}

/**
 * What `core.summary.addRaw(text, true).write()` does: appends `text` and a line end to the step
 * summary (core also remembers the checked path and keeps a failed write's text; we write once).
 */
export async function appendSummary(text: string): Promise<void> {
  const filePath = process.env.GITHUB_STEP_SUMMARY
  const unset = 'Unable to find environment variable for $GITHUB_STEP_SUMMARY.'
  if (!filePath) throw new Error(`${unset} Check if your runtime environment supports job summaries.`)
  try {
    await promises.access(filePath, constants.R_OK | constants.W_OK)
  } catch {
    const access = `Unable to access summary file: '${filePath}'.`
    throw new Error(`${access} Check if the file has correct read/write permissions.`)
  }
  await promises.appendFile(filePath, text + EOL, { encoding: 'utf8' })
}

/**
 * The calls the action makes, through this object: `npm run local-action` (src/local-action.ts)
 * swaps them for @actions/core's, which @github/local-action stands in for to show the run.
 */
export const runner = { getInput, info, debug, warning, setFailed, setSecret, group, setOutput, appendSummary }
