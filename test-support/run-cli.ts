// Runs the bundled command (dist/cli/index.js) as a user does: real arguments, a real
// environment (without the developer's TIYARO_* variables), its own temporary and cache folders.
// Every run is recorded for the secret scan of action-fixture.ts, like the action's runs; the
// temporary folders it makes go with removeCliTemps().
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT, recordedRuns } from './run-action.js'

export const CLI_ENTRY = join(REPO_ROOT, 'dist', 'cli', 'index.js')

export interface CliRun {
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** the folder TMPDIR pointed to (the zip is under it) */
  readonly tmp: string
  readonly durationMs: number
}

export interface RunCliOptions {
  /** added to (or, when undefined, removed from) the environment */
  readonly env?: Record<string, string | undefined>
  readonly cwd?: string
  /** TMPDIR of the run; by default a fresh folder, which removeCliTemps() removes */
  readonly tmp?: string
  /** called once the child started, e.g. to send it a signal */
  readonly onSpawn?: (child: ChildProcess) => void
  readonly timeoutMs?: number
}

/** The environment of a shell, without anything that would steer the command or the proxy. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue
    if (/^(TIYARO_|INPUT_|GITHUB_|RUNNER_|ACTIONS_|XDG_)/.test(name)) continue
    if (/^(HTTPS?_PROXY|NO_PROXY|NODE_OPTIONS)$/i.test(name)) continue
    env[name] = value
  }
  return env
}

export async function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliRun> {
  const tmp = options.tmp ?? (await makeCliTemp())
  // the cache goes to a folder of this run unless the test names one
  const env: Record<string, string> = { ...baseEnv(), TMPDIR: tmp, XDG_CACHE_HOME: join(tmp, 'cache') }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }
  const started = Date.now()
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
    env,
    cwd: options.cwd ?? REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  options.onSpawn?.(child)
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) =>
    child.on('close', (code, sig) => done([code, sig]))
  )
  clearTimeout(timer)
  const run: CliRun = { exitCode, signal, stdout, stderr, tmp, durationMs: Date.now() - started }
  // scanned with the action's runs: the command's stdout and stderr are its whole log
  recordedRuns.push({ ...run, outputs: {}, state: {}, summary: '', runnerTemp: tmp })
  return run
}

/** The TMPDIR folders runCli made, until removeCliTemps() removes them. */
const cliTemps = new Set<string>()

async function makeCliTemp(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'tiyaro-cli-'))
  cliTemps.add(folder)
  return folder
}

/** Removes the folders runCli made (not the ones it was given), with the zips and caches in them. */
export async function removeCliTemps(): Promise<void> {
  const folders = [...cliTemps]
  cliTemps.clear()
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })))
}

/** The one JSON object of a --json run's stdout. */
export function jsonOutputs(run: CliRun): Record<string, string> {
  return JSON.parse(run.stdout) as Record<string, string>
}
