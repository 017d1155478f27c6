// Starts Azurite's blob service as a child process, for tests that need real Azure Blob
// storage behind SAS URLs (the runner's cache and artifact services store bytes there).
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import type { Socket } from 'node:net'
import path from 'node:path'

/** Azurite's published development account (the same in every install, not a secret). */
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1'
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

export interface Azurite {
  /** Blob endpoint including the account, e.g. `http://127.0.0.1:41234/devstoreaccount1`. */
  blobUrl: string
  accountName: string
  accountKey: string
  stop(): Promise<void>
}

// generous: on a loaded two-core machine Azurite has taken over 20 s to listen
const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 3_000
const LISTENING = /successfully listens on (http:\/\/\S+)/

/** The script `node_modules/.bin/azurite-blob` links to, run with the current Node. */
function azuriteBlobScript(): string {
  const packageJson = createRequire(import.meta.url).resolve('azurite/package.json')
  return path.join(path.dirname(packageJson), 'dist', 'src', 'blob', 'main.js')
}

export async function startAzurite(): Promise<Azurite> {
  // Port 0: the OS picks a free port and Azurite prints the one it got, so there is no race.
  const args = [
    azuriteBlobScript(),
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    '0',
    '--inMemoryPersistence',
    '--skipApiVersionCheck',
    '--silent',
    '--disableTelemetry'
  ]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const killOnExit = (): void => {
    child.kill('SIGKILL')
  }
  process.on('exit', killOnExit)

  let output = ''
  let listening = false
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`Azurite did not start in ${START_TIMEOUT_MS} ms:\n${output}`)),
      START_TIMEOUT_MS
    )
    const onData = (chunk: Buffer): void => {
      if (listening) return
      output += chunk.toString()
      const match = LISTENING.exec(output)
      if (match?.[1]) {
        listening = true
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    const onExit = (code: number | null): void =>
      fail(new Error(`Azurite exited (${code}) before listening:\n${output}`))
    function fail(error: Error): void {
      clearTimeout(timer)
      child.kill('SIGKILL')
      process.off('exit', killOnExit)
      reject(error)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', onExit)
    child.once('error', fail)
  })
  child.removeAllListeners('exit')

  // Keep draining its output (so the pipe never fills) without keeping jest alive.
  child.unref()
  ;(child.stdout as unknown as Socket).unref()
  ;(child.stderr as unknown as Socket).unref()

  let stopped: Promise<void> | undefined
  return {
    blobUrl: `${origin}/${AZURITE_ACCOUNT_NAME}`,
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        process.off('exit', killOnExit)
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve()
          return
        }
        const forceKill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
        child.once('exit', () => {
          clearTimeout(forceKill)
          resolve()
        })
        child.kill('SIGTERM')
      })
      return stopped
    }
  }
}
