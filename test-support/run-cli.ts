// Runs the bundled command (dist/cli/index.js) as a user does: real arguments, a real
// environment (without the developer's TIYARO_* variables), its own temporary and cache folders.
// Every run is recorded for the secret scan of action-fixture.ts, like the action's runs; the
// temporary folders it makes go with removeCliTemps().
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { applyEnv, runChild, tempFolders } from './child-run.js'
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
  const tmp = options.tmp ?? (await cliTemps.make())
  // the cache goes to a folder of this run unless the test names one
  const env: Record<string, string> = { ...baseEnv(), TMPDIR: tmp, XDG_CACHE_HOME: join(tmp, 'cache') }
  applyEnv(env, options.env)
  const child = await runChild(process.execPath, [CLI_ENTRY, ...args], {
    env,
    cwd: options.cwd ?? REPO_ROOT,
    onSpawn: options.onSpawn,
    timeoutMs: options.timeoutMs
  })
  const run: CliRun = { ...child, tmp }
  // scanned with the action's runs: the command's stdout and stderr are its whole log
  recordedRuns.push({ ...run, outputs: {}, state: {}, summary: '', runnerTemp: tmp })
  return run
}

/** The TMPDIR folders runCli made, until removeCliTemps() removes them. */
const cliTemps = tempFolders('tiyaro-cli-')

/** Removes the folders runCli made (not the ones it was given), with the zips and caches in them. */
export const removeCliTemps = (): Promise<void> => cliTemps.removeAll()

/** The one JSON object of a --json run's stdout. */
export function jsonOutputs(run: CliRun): Record<string, string> {
  return JSON.parse(run.stdout) as Record<string, string>
}
