// What runAction and runCli share: a node child with piped output collected whole, killed
// after a timeout; the environment changes a test asks for; the temporary folders a run makes
// and a later call removes. One place, so the action's runs and the command's runs are run alike.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface ChildRun {
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly durationMs: number
}

export interface ChildRunOptions {
  readonly env: Record<string, string>
  readonly cwd: string
  /** called once the child started, e.g. to send it a signal */
  readonly onSpawn?: (child: ChildProcess) => void
  /** SIGKILL after this long; 120 s by default */
  readonly timeoutMs?: number
}

/** Runs `command args` with stdin closed and waits for it to close, its stdout and stderr read whole. */
export async function runChild(command: string, args: readonly string[], options: ChildRunOptions): Promise<ChildRun> {
  const started = Date.now()
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
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
  return { exitCode, signal, stdout, stderr, durationMs: Date.now() - started }
}

/** `env` with each change applied in place: a value sets the variable, undefined removes it. */
export function applyEnv(
  env: Record<string, string>,
  changes: Readonly<Record<string, string | undefined>> = {}
): void {
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }
}

/** Folders in os.tmpdir() named `prefix…`, made one by one and removed all at once. */
export function tempFolders(prefix: string): { make(): Promise<string>; removeAll(): Promise<void> } {
  const folders = new Set<string>()
  return {
    async make() {
      const folder = await mkdtemp(join(tmpdir(), prefix))
      folders.add(folder)
      return folder
    },
    async removeAll() {
      const made = [...folders]
      folders.clear()
      await Promise.all(made.map((folder) => rm(folder, { recursive: true, force: true })))
    }
  }
}
