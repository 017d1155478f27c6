// Starts test-support/forward-proxy.mjs as a separate process and collects what it logs.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from './run-action.js'

export interface ProxyLogEntry {
  readonly kind: 'connect' | 'forward'
  /** host:port */
  readonly host: string
  /** bytes from the client through the proxy */
  readonly sent: number
  readonly received?: number
}

export interface ProxyProcess {
  readonly url: string
  /** connections that have ended */
  readonly log: readonly ProxyLogEntry[]
  stop(): Promise<void>
}

export async function startProxyProcess(): Promise<ProxyProcess> {
  const child: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'test-support/forward-proxy.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const log: ProxyLogEntry[] = []
  let buffered = ''
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk
      let newline: number
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const entry = JSON.parse(buffered.slice(0, newline)) as ProxyLogEntry & { listening?: number }
        buffered = buffered.slice(newline + 1)
        if (entry.listening) resolve(entry.listening)
        else log.push(entry)
      }
    })
  })
  child.unref()
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      })
  }
}
