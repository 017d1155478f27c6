// shared/runner-commands.ts against @actions/core 3.0.1 itself: for hostile values, the same bytes
// on stdout, in GITHUB_OUTPUT and in GITHUB_STEP_SUMMARY, and the same errors.
import { describe, expect, it, jest } from '@jest/globals'
import * as realCrypto from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { useEnv, useExitCodeReset, useTempDir } from '../../test-support/fixtures.js'

// Both delimiters come from randomUUID: a fixed one makes core's and ours comparable byte for
// byte and lets a value hold the very delimiter. Core imports 'crypto', we take node:crypto
// through shared/builtins.ts.
let fixedUUID: string | undefined
const crypto = { ...realCrypto, randomUUID: () => fixedUUID ?? realCrypto.randomUUID() }
jest.unstable_mockModule('crypto', () => ({ ...crypto, default: crypto }))
const builtins = await import('../../src/shared/builtins.js')
jest.unstable_mockModule('../../src/shared/builtins.js', () => ({ ...builtins, nodeCrypto: () => crypto }))
const core = await import('@actions/core')
const ours = await import('../../src/shared/runner-commands.js')

const FIXED = '01234567-89ab-4cde-8f01-23456789abcd'
const HOSTILE: readonly [string, string][] = [
  ['plain', 'plain text'],
  ['percent signs and escapes', '100% done %0A %25 %3A'],
  ['a carriage return', 'a\rb'],
  ['a line break', 'a\nb'],
  ['CRLF and a command', 'a\r\n::set-output name=pwned::x'],
  ['colons', 'key: value::'],
  ['commas', 'a,b,,c'],
  ['a command', '::add-mask::secret'],
  ['a delimiter-like text', 'x\nghadelimiter_00000000-0000-4000-8000-000000000000\ny'],
  ['unicode', 'ünïcödé 🚀 \u2028 \u0000'],
  ['blanks around', '  spaced  '],
  ['empty', '']
]

/** What `body` writes to stdout, write by write. */
async function stdoutOf(body: () => unknown): Promise<string[]> {
  const writes: string[] = []
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    writes.push(chunk.toString())
    return true
  })
  try {
    await body()
  } finally {
    spy.mockRestore()
  }
  return writes
}

/** Core's and our stdout for the same call: equal, and returned for more checks. */
async function sameStdout(call: (api: typeof ours) => unknown): Promise<string[]> {
  const expected = await stdoutOf(() => call(core as unknown as typeof ours))
  const actual = await stdoutOf(() => call(ours))
  expect(actual).toEqual(expected)
  return actual
}

describe('workflow commands on stdout', () => {
  it.each(HOSTILE)('issueCommand with %s in the message and the properties', async (_label, value) => {
    // core's own issueCommand, which its package does not export
    const { issueCommand } = await import('../../node_modules/@actions/core/lib/command.js')
    const properties = { name: value, empty: '', missing: undefined, other: `${value}!`, line: 3 }
    for (const [command, props] of [
      ['warning', properties],
      ['error', {}],
      ['debug', { missing: undefined, empty: '' }],
      ['', { name: value }]
    ] as const) {
      const expected = await stdoutOf(() => issueCommand(command, props, value))
      expect(await stdoutOf(() => ours.issueCommand(command, props, value))).toEqual(expected)
    }
  })

  it.each(HOSTILE)('info, debug, setSecret, warning and error with %s', async (_label, value) => {
    await sameStdout((api) => api.info(value))
    await sameStdout((api) => api.debug(value))
    await sameStdout((api) => api.setSecret(value))
    await sameStdout((api) => api.error(value))
    await sameStdout((api) => api.warning(value))
    await sameStdout((api) => api.warning(value, {}))
    await sameStdout((api) => api.warning(value, { file: value }))
    await sameStdout((api) => api.warning(value, { file: undefined }))
    await sameStdout((api) => api.warning(value, { title: value, file: 'a.png', startLine: 3, endColumn: 0 }))
  })

  it('escapes as the runner reads it', async () => {
    const lines = await sameStdout((api) => api.warning('50%\r\n::x', { file: 'a:b,c.png' }))
    expect(lines).toEqual(['::warning file=a%3Ab%2Cc.png::50%25%0D%0A::x\n'])
    expect(await sameStdout((api) => api.warning('x', { file: undefined }))).toEqual(['::warning ::x\n'])
  })

  describe('setFailed', () => {
    useExitCodeReset()
    it('sets exit code 1 and writes the error', async () => {
      const written = []
      for (const api of [core, ours]) {
        process.exitCode = 0
        written.push(await stdoutOf(() => api.setFailed('broke\n::x%')))
        expect(process.exitCode).toBe(1)
      }
      expect(written[1]).toEqual(written[0])
      expect(written[1]).toEqual(['::error::broke%0A::x%25\n'])
    })
  })

  it('group: ends the group after the body and returns its value', async () => {
    let value: number | undefined
    const lines = await sameStdout(async (api) => {
      value = await api.group('a\nname%', async () => 42)
    })
    expect(value).toBe(42)
    expect(lines).toEqual(['::group::a%0Aname%25\n', '::endgroup::\n'])
  })

  it('group: ends the group when the body throws, and passes the error on', async () => {
    const lines = await sameStdout(async (api) => {
      const error = await api.group('g', () => Promise.reject(new Error('body failed'))).catch((e: unknown) => e)
      expect(error).toEqual(new Error('body failed'))
    })
    expect(lines).toEqual(['::group::g\n', '::endgroup::\n'])
  })
})

it('the action calls these same functions, through `runner` (which npm run local-action swaps)', () => {
  const { getInput, info, debug, warning, setFailed, setSecret, group, setOutput, appendSummary } = ours
  const expected = { getInput, info, debug, warning, setFailed, setSecret, group, setOutput, appendSummary }
  expect(ours.runner).toEqual(expected)
})

describe('getInput', () => {
  const env = useEnv()
  it.each([
    ['api-key', 'INPUT_API-KEY', '  key with blanks  '],
    ['class prompt', 'INPUT_CLASS_PROMPT', 'a photo of\na dog'],
    ['Mixed Case-name x', 'INPUT_MIXED_CASE-NAME_X', '%0A::x'],
    ['missing-input', 'INPUT_MISSING-INPUT', undefined],
    ['empty', 'INPUT_EMPTY', '']
  ])('%s is read from %s, untrimmed', (name, variable, value) => {
    env.clearInputs()
    env.set({ [variable]: value })
    expect(ours.getInput(name)).toBe(core.getInput(name, { trimWhitespace: false }))
    expect(ours.getInput(name)).toBe(value ?? '')
  })
})

describe('setOutput', () => {
  const dir = useTempDir('runner-commands-')
  const env = useEnv()

  /** The GITHUB_OUTPUT bytes each writes for the same calls. */
  async function outputFiles(calls: (api: typeof ours) => void): Promise<[string, string]> {
    const files: string[] = []
    for (const [which, api] of [
      ['core', core as unknown as typeof ours],
      ['ours', ours]
    ] as const) {
      const path = join(dir, `${which}-${realCrypto.randomUUID()}`)
      await writeFile(path, '')
      env.set({ GITHUB_OUTPUT: path })
      calls(api)
      files.push(await readFile(path, 'latin1'))
    }
    return [files[0]!, files[1]!]
  }

  it('writes the same heredocs for every hostile name and value (fixed delimiter)', async () => {
    fixedUUID = FIXED
    try {
      const [expected, actual] = await outputFiles((api) => {
        for (const [label, value] of HOSTILE) api.setOutput(label.includes('command') ? value : 'out', value)
        api.setOutput('number', 3 as unknown as string)
      })
      expect(actual).toBe(expected)
      expect(actual).toContain(`out<<ghadelimiter_${FIXED}\na\nb\nghadelimiter_${FIXED}\n`)
    } finally {
      fixedUUID = undefined
    }
  })

  it('takes a new random delimiter for each output', async () => {
    const [expected, actual] = await outputFiles((api) => {
      for (const [, value] of HOSTILE) api.setOutput('out', value)
    })
    const normalised = (text: string): string => text.replace(/ghadelimiter_[0-9a-f-]{36}/g, 'ghadelimiter_UUID')
    expect(normalised(actual)).toBe(normalised(expected))
    const delimiters = actual.match(/<<ghadelimiter_[0-9a-f-]{36}/g)!
    expect(new Set(delimiters).size).toBe(HOSTILE.length)
  })

  it.each([
    ['name', `out-ghadelimiter_${FIXED}`, 'v'],
    ['value', 'out', `a\nghadelimiter_${FIXED}\nb`]
  ])('refuses a %s holding the delimiter, as core does', async (_which, name, value) => {
    fixedUUID = FIXED
    try {
      env.set({ GITHUB_OUTPUT: join(dir, 'unused') })
      const expected = (() => {
        try {
          core.setOutput(name, value)
        } catch (error) {
          return error
        }
      })()
      expect(expected).toBeInstanceOf(Error)
      expect(() => ours.setOutput(name, value)).toThrow((expected as Error).message)
    } finally {
      fixedUUID = undefined
    }
  })

  it('throws as core does when the GITHUB_OUTPUT file is missing', () => {
    const path = join(dir, 'no-such-file')
    env.set({ GITHUB_OUTPUT: path })
    expect(() => core.setOutput('a', 'b')).toThrow(`Missing file at path: ${path}`)
    expect(() => ours.setOutput('a', 'b')).toThrow(`Missing file at path: ${path}`)
  })

  it.each(HOSTILE)('without GITHUB_OUTPUT: a line end, then ::set-output (%s)', async (_label, value) => {
    env.set({ GITHUB_OUTPUT: undefined })
    const lines = await sameStdout((api) => api.setOutput('out,name:x', value))
    expect(lines[0]).toBe('\n')
  })
})

describe('appendSummary', () => {
  const dir = useTempDir('runner-summary-')
  const env = useEnv()

  /** Core's error and ours for the same environment. */
  async function sameError(): Promise<string> {
    const expected = await core.summary
      .addRaw('x', true)
      .write()
      .then(
        () => undefined,
        (error: Error) => error.message
      )
    core.summary.emptyBuffer() // a failed write keeps its text for the next
    expect(expected).toEqual(expect.any(String))
    await expect(ours.appendSummary('x')).rejects.toThrow(expected!)
    return expected!
  }

  // core remembers the first path it writes to: the errors come first
  it('throws as core does when GITHUB_STEP_SUMMARY is unset', async () => {
    env.set({ GITHUB_STEP_SUMMARY: undefined })
    expect(await sameError()).toMatch(/^Unable to find environment variable for \$GITHUB_STEP_SUMMARY\./)
  })

  it('throws as core does when the summary file is missing', async () => {
    const path = join(dir, 'no-such-file')
    env.set({ GITHUB_STEP_SUMMARY: path })
    expect(await sameError()).toContain(`Unable to access summary file: '${path}'.`)
  })

  it('appends each text and a line end, as core.summary.addRaw(text, true).write() does', async () => {
    const files = [join(dir, 'core.md'), join(dir, 'ours.md')] as const
    for (const file of files) await writeFile(file, 'before\n')
    for (const [, value] of HOSTILE) {
      env.set({ GITHUB_STEP_SUMMARY: files[0] })
      await core.summary.addRaw(value, true).write()
      env.set({ GITHUB_STEP_SUMMARY: files[1] })
      await ours.appendSummary(value)
    }
    const [expected, actual] = await Promise.all(files.map((file) => readFile(file)))
    expect(actual!.equals(expected!)).toBe(true)
    expect(actual!.toString()).toBe(`before\n${HOSTILE.map(([, value]) => `${value}\n`).join('')}`)
  })
})
