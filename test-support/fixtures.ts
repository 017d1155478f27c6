// Test fixtures that own their cleanup: each registers the jest hooks that make or start what it
// gives and the ones that stop or remove it, so a test file states what it needs in a line and
// leaves nothing running, no variable changed and nothing in the temp folder. The local Tiyaro
// server's fixtures (useServer, useServers) are in action-fixture.ts.
//
// Call them at the top of a test file or of a describe block, never inside a test or a hook
// (jest refuses hooks there); what they start lives as long as that block.
import { afterAll, afterEach, beforeAll, beforeEach, jest } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type GitHubApi, type GitHubApiOptions, startGitHubApi } from './github-api.js'
import { type ProxyProcess, startProxyProcess } from './proxy-process.js'
import { type RequestRecorder, startRequestRecorder } from './request-recorder.js'
import type { RunnerServices } from './runner-services.js'

/**
 * Starts something in beforeAll and stops it in afterAll. Returns a stand-in that forwards every
 * property, method and assignment to what `start` made, so the block can hold it in a constant;
 * reading it before beforeAll ran throws.
 */
export function useStarted<T extends object>(what: string, start: () => Promise<T>, stop: (value: T) => unknown): T {
  let current: T | undefined
  beforeAll(async () => {
    current = await start()
  })
  afterAll(async () => {
    if (current) await stop(current)
  })
  const started = (): T => {
    if (!current) throw new Error(`${what} starts in beforeAll: use it in a hook or a test`)
    return current
  }
  return new Proxy({} as T, {
    get(_stand, property) {
      const target = started()
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
    set: (_stand, property, value) => Reflect.set(started(), property, value),
    has: (_stand, property) => Reflect.has(started(), property),
    ownKeys: () => Reflect.ownKeys(started()),
    getOwnPropertyDescriptor(_stand, property) {
      const descriptor = Reflect.getOwnPropertyDescriptor(started(), property)
      return descriptor && { ...descriptor, configurable: true }
    }
  })
}

/**
 * The runner's cache and artifact services (Azurite behind Twirp) for the block. Their module is
 * loaded here, not with this file: it brings in the Azure SDK, which most users of this file need not.
 */
export function useRunnerServices(): RunnerServices {
  const start = async () => (await import('./runner-services.js')).startRunnerServices()
  return useStarted('useRunnerServices()', start, (services) => services.stop())
}

/** The local GitHub REST stand-in for the block. */
export function useGitHubApi(options: GitHubApiOptions = {}): GitHubApi {
  return useStarted(
    'useGitHubApi()',
    () => startGitHubApi(options),
    (api) => api.stop()
  )
}

/** test-support/forward-proxy.mjs as a process for the block; `auth` ("user:password") makes it want those. */
export function useProxyProcess(options: { auth?: string } = {}): ProxyProcess {
  return useStarted(
    'useProxyProcess()',
    () => startProxyProcess(options),
    (proxy) => proxy.stop()
  )
}

/** A loopback server that records what reaches it (test-support/request-recorder.ts), for the block. */
export function useRequestRecorder(): RequestRecorder {
  return useStarted('useRequestRecorder()', startRequestRecorder, (recorder) => recorder.close())
}

/**
 * A folder in the system temp folder (os.tmpdir()) for the block: made in beforeAll, removed
 * with everything in it in afterAll. Its path is known at once (a random name, not made yet), so
 * the block can hold it in a constant.
 */
export function useTempDir(prefix: string): string {
  const path = join(tmpdir(), `${prefix}${randomBytes(6).toString('hex')}`)
  beforeAll(async () => {
    await mkdir(path)
  })
  afterAll(async () => {
    await rm(path, { recursive: true, force: true })
  })
  return path
}

/** Environment variables set for a while; restore() puts back what each was before the first change. */
export interface EnvScope {
  /** Sets each variable to its value, or removes it for undefined. */
  set(values: Readonly<Record<string, string | undefined>>): void
  /** The INPUT_* variables the runner sets for these inputs (name upper-cased, spaces as _). */
  setInputs(inputs: Readonly<Record<string, string | undefined>>): void
  /** Removes every INPUT_* variable. */
  clearInputs(): void
  restore(): void
}

export function envScope(): EnvScope {
  const saved = new Map<string, string | undefined>()
  const scope: EnvScope = {
    set(values) {
      for (const [name, value] of Object.entries(values)) {
        if (!saved.has(name)) saved.set(name, process.env[name])
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    },
    setInputs(inputs) {
      scope.set(Object.fromEntries(Object.entries(inputs).map(([name, value]) => [inputVariable(name), value])))
    },
    clearInputs() {
      const inputs = Object.keys(process.env).filter((name) => name.startsWith('INPUT_'))
      scope.set(Object.fromEntries(inputs.map((name) => [name, undefined])))
    },
    restore() {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
      saved.clear()
    }
  }
  return scope
}

/** How the runner names the variable of an input (as @actions/core reads it). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/**
 * An EnvScope for the block: what is set is put back after each test (`'each'`), or after the
 * block (`'all'`, for variables set in beforeAll).
 */
export function useEnv(until: 'each' | 'all' = 'each'): EnvScope {
  const scope = envScope()
  if (until === 'each') afterEach(() => scope.restore())
  else afterAll(() => scope.restore())
  return scope
}

/** Runs `body` with these variables set, then puts back what was there. */
export async function withEnv<T>(
  values: Readonly<Record<string, string | undefined>>,
  body: () => Promise<T>
): Promise<T> {
  const scope = envScope()
  scope.set(values)
  try {
    return await body()
  } finally {
    scope.restore()
  }
}

/**
 * Puts process.exitCode back after each test: code under test that calls core.setFailed (or sets
 * it itself) would otherwise make jest exit 1 after every test passed.
 */
export function useExitCodeReset(): void {
  let before: typeof process.exitCode
  beforeEach(() => {
    before = process.exitCode
  })
  afterEach(() => {
    process.exitCode = before
  })
}

/**
 * Catches what code under test writes to process.stdout (the toolkit's `::warning::` lines and
 * the like) from beforeAll to afterAll; text() is what the current test wrote, chunks() the
 * same write by write.
 */
export function useStdoutCapture(): { text(): string; chunks(): readonly string[] } {
  let chunks: string[] = []
  let spy: { mockRestore(): void } | undefined
  beforeAll(() => {
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(chunk.toString())
      return true
    })
  })
  afterEach(() => {
    chunks = []
  })
  afterAll(() => {
    spy?.mockRestore()
  })
  return { text: () => chunks.join(''), chunks: () => chunks }
}
