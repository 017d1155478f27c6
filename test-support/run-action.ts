// Runs the bundled action (dist/index.js) as the runner does: inputs as INPUT_* variables,
// outputs, state and summary through files, a fresh RUNNER_TEMP. Used by the integration
// tests and the demo.
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve as resolvePath } from 'node:path'
import { fileURLToPath } from 'node:url'
import { applyEnv, runChild, tempFolders, type ChildRunOptions } from './child-run.js'

/** The folder of action.yml, whether this file runs from test-support/ or from build/test-support/. */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'action.yml'))) return dir
    if (dirname(dir) === dir) throw new Error(`no action.yml above ${from}`)
  }
}

export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)))
/** The bundle users run; TIYARO_ACTION_ENTRY points elsewhere while developing (a private build). */
export const DIST_ENTRY = process.env.TIYARO_ACTION_ENTRY
  ? resolvePath(REPO_ROOT, process.env.TIYARO_ACTION_ENTRY)
  : join(REPO_ROOT, 'dist', 'index.js')

export interface ActionRun {
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly outputs: Record<string, string>
  readonly summary: string
  readonly state: Record<string, string>
  /** RUNNER_TEMP of this run (made by runAction unless given: then removeRunTemps() removes it) */
  readonly runnerTemp: string
  readonly durationMs: number
}

export interface RunActionOptions {
  /** input name as in action.yml → value; undefined values are left out */
  readonly inputs: Record<string, string | undefined>
  /** extra environment (runner services, GITHUB_* context) */
  readonly env?: Record<string, string | undefined>
  /** RUNNER_TEMP to use; by default a new folder in os.tmpdir(), which removeRunTemps() removes */
  readonly runnerTemp?: string
  readonly workspace?: string
  readonly entry?: string
  /** called once the child started, e.g. to send it a signal */
  readonly onSpawn?: ChildRunOptions['onSpawn']
  readonly timeoutMs?: number
  /** node binary; the current one by default */
  readonly node?: string
  /** node options before the entry, e.g. ['--import', preload] or ['--cpu-prof'] */
  readonly nodeArgs?: readonly string[]
}

/** The GITHUB_OUTPUT / GITHUB_STATE file format: `name<<DELIM\nvalue\nDELIM` or `name=value`. */
export function parseCommandFile(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (!line) continue
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delimiter] = heredoc
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i])
      result[name] = value.join('\n')
    } else {
      const eq = line.indexOf('=')
      if (eq > 0) result[line.slice(0, eq)] = line.slice(eq + 1)
    }
  }
  return result
}

/** Environment of a runner step, without the developer's own INPUT_* or GITHUB_* variables. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue
    if (/^(INPUT_|GITHUB_|RUNNER_|ACTIONS_|STATE_)/.test(name)) continue
    if (/^(HTTPS?_PROXY|NO_PROXY)$/i.test(name)) continue
    if (name === 'NODE_OPTIONS') continue
    env[name] = value
  }
  return env
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const runnerTemp = options.runnerTemp ?? (await runTemps.make())
  const files = {
    GITHUB_OUTPUT: join(runnerTemp, 'github-output'),
    GITHUB_STATE: join(runnerTemp, 'github-state'),
    GITHUB_STEP_SUMMARY: join(runnerTemp, 'step-summary.md')
  }
  await Promise.all(Object.values(files).map((file) => writeFile(file, '')))
  const env: Record<string, string> = {
    ...baseEnv(),
    ...files,
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: options.workspace ?? REPO_ROOT,
    GITHUB_ACTIONS: 'true',
    CI: 'true'
  }
  for (const [name, value] of Object.entries(options.inputs)) {
    if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = value
  }
  applyEnv(env, options.env)
  const child = await runChild(
    options.node ?? process.execPath,
    [...(options.nodeArgs ?? []), options.entry ?? DIST_ENTRY],
    {
      env,
      cwd: options.workspace ?? REPO_ROOT,
      onSpawn: options.onSpawn,
      timeoutMs: options.timeoutMs
    }
  )
  const [outputs, state, summary] = await Promise.all([
    readFile(files.GITHUB_OUTPUT, 'utf8'),
    readFile(files.GITHUB_STATE, 'utf8'),
    readFile(files.GITHUB_STEP_SUMMARY, 'utf8')
  ])
  const run: ActionRun = {
    ...child,
    outputs: parseCommandFile(outputs),
    state: parseCommandFile(state),
    summary,
    runnerTemp
  }
  recordRun(run)
  return run
}

/** The RUNNER_TEMP folders runAction made, until removeRunTemps() removes them. */
const runTemps = tempFolders('tiyaro-run-')

/**
 * Removes the RUNNER_TEMP folders runAction made (not the ones it was given), with the zips,
 * samples and caches the runs left in them. For when no test reads those runs any more.
 */
export const removeRunTemps = (): Promise<void> => runTemps.removeAll()

/** Every run of this process, for the secret scan. */
export const recordedRuns: ActionRun[] = []
function recordRun(run: ActionRun): void {
  recordedRuns.push(run)
}

/** A run of this many characters of a key or a signature is a leak (the runner cannot mask a part). */
export const PARTIAL_SECRET_RUN = 12

/** The texts of a run the scan reads: its log (without `::add-mask::` lines), outputs, state and summary. */
export function runTexts(run: ActionRun): [string, string][] {
  return [
    [
      'stdout',
      run.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n')
    ],
    ['stderr', run.stderr],
    ['outputs', JSON.stringify(run.outputs)],
    ['state', JSON.stringify(run.state)],
    ['summary', run.summary]
  ]
}

/**
 * Where a secret appears in the given texts: `secrets` whole, `partialSecrets` (keys,
 * signatures) also as any run of PARTIAL_SECRET_RUN of their characters. Empty when nothing leaked.
 */
export function findSecretsIn(
  places: readonly (readonly [string, string])[],
  secrets: readonly string[],
  partialSecrets: readonly string[] = []
): string[] {
  const leaks: string[] = []
  for (const secret of [...secrets, ...partialSecrets]) {
    if (!secret) continue
    for (const [where, text] of places) {
      if (text.includes(secret)) leaks.push(`${where} contains ${secret.slice(0, 6)}…`)
    }
  }
  const windows = new Map<string, string>()
  for (const secret of partialSecrets) {
    for (let i = 0; i + PARTIAL_SECRET_RUN <= secret.length; i++) {
      windows.set(secret.slice(i, i + PARTIAL_SECRET_RUN), secret)
    }
  }
  if (windows.size === 0) return leaks
  for (const [where, text] of places) {
    const found = new Set<string>()
    for (let i = 0; i + PARTIAL_SECRET_RUN <= text.length; i++) {
      const secret = windows.get(text.slice(i, i + PARTIAL_SECRET_RUN))
      if (secret && !found.has(secret) && !text.includes(secret)) {
        found.add(secret)
        leaks.push(`${where} contains ${PARTIAL_SECRET_RUN} characters of ${secret.slice(0, 6)}… at ${i}`)
      }
    }
  }
  return leaks
}

/**
 * Where a secret appears in a run's log, outputs, state or summary other than inside an
 * `::add-mask::` command, whole or (for `partialSecrets`) in part. Empty when nothing leaked.
 */
export function findLeaks(
  run: ActionRun,
  secrets: readonly string[],
  partialSecrets: readonly string[] = []
): string[] {
  return findSecretsIn(runTexts(run), secrets, partialSecrets)
}
