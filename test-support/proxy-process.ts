// Starts test-support/forward-proxy.mjs as a separate process and collects what it logs.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from './run-action.js'

export interface ProxyLogEntry {
  /** a tunnel, a forwarded request, or a request refused with `status` (407) */
  readonly kind: 'connect' | 'forward' | 'refused'
  readonly status?: number
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

/** `auth` ("user:password"): the proxy answers 407 to any request without those credentials. */
export async function startProxyProcess(options: { auth?: string } = {}): Promise<ProxyProcess> {
  const args = [join(REPO_ROOT, 'test-support/forward-proxy.mjs'), ...(options.auth ? ['--auth', options.auth] : [])]
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
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
