import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  ANNOTATION_LIMIT,
  MAX_LOG_MESSAGE,
  actionsLogger,
  createActionsLogger,
  failureText,
  log,
  logText,
  loggedWarnings,
  neutralise,
  setLogger,
  type Logger
} from '../../src/shared/log.js'
import { addSecret } from '../../src/shared/redaction.js'

/** The runner's rule: a line is a command when, after leading blanks, it starts with `::`, or holds `##[`. */
function runnerWouldObey(line: string): boolean {
  return /^\s*::/.test(line) || line.includes('##[')
}

describe('neutralise', () => {
  it.each([
    ['a line break and a command', 'job-1\n::set-output name=x::y', 'job-1\\n::set-output name=x::y'],
    ['a carriage return and a command', 'job-1\r::add-mask::secret', 'job-1\\r::add-mask::secret'],
    ['CRLF', 'a\r\n::error::b', 'a\\r\\n::error::b'],
    ['a leading command', '::set-output name=x::y', '\\::set-output name=x::y'],
    ['a leading command after blanks', '  \t::warning::x', '\\  \t::warning::x'],
    ['a leading command after a no-break space', '\u00a0::stop-commands::t', '\\\u00a0::stop-commands::t'],
    ['a legacy command anywhere', 'see ##[set-output name=x;]y', 'see #\\#[set-output name=x;]y'],
    ['a run of hashes', '###[add-mask]k', '##\\#[add-mask]k'],
    ['escape and other controls', 'a\u001b[2Kb\u0085c\u2028d', 'a\\u001b[2Kb\\u0085c\\u2028d'],
    ['percent escapes, which the runner reads only inside commands', 'a%0A::set-output', 'a%0A::set-output']
  ])('%s', (_label, input, shown) => {
    const line = neutralise(input)
    expect(line).toBe(shown)
    expect(line).not.toMatch(/[\r\n]/)
    expect(runnerWouldObey(line)).toBe(false)
  })

  it('leaves ordinary text and tabs alone', () => {
    expect(neutralise('Job ID: 8f1c\tdone (100%) :: ok')).toBe('Job ID: 8f1c\tdone (100%) :: ok')
  })
})

describe('logText', () => {
  it('redacts before it cuts: no part of a key at the cut', () => {
    const key = 'sk-live-0a1b2c3d4e5f6a7b8c9d'
    const text = `${'x'.repeat(MAX_LOG_MESSAGE - 10)}${key}`
    addSecret(key)
    const shown = logText(text)
    expect(shown.length).toBeLessThanOrEqual(MAX_LOG_MESSAGE)
    expect(shown).not.toContain(key.slice(0, 8))
  })
})

describe('failureText', () => {
  it('keeps line breaks (core escapes them in ::error::), breaks ##[ and cuts after redacting', () => {
    expect(failureText('a\nb ##[set-output name=x;]y')).toBe('a\nb #\\#[set-output name=x;]y')
    const key = 'sk-fail-0a1b2c3d4e5f6a7b8c9d'
    addSecret(key)
    const text = failureText(`${'x'.repeat(MAX_LOG_MESSAGE - 10)}${key}`)
    expect(text.length).toBeLessThanOrEqual(MAX_LOG_MESSAGE)
    expect(text).not.toContain(key.slice(0, 8))
  })
})

describe('the log front', () => {
  const lines: string[] = []
  const capture: Logger = {
    info: (message) => lines.push(`info ${message}`),
    warning: (message, location) => lines.push(`warning ${location?.file ?? ''} ${message}`),
    debug: (message) => lines.push(`debug ${message}`),
    group: (name, body) => (lines.push(`group ${name}`), body()),
    setSecret: (secret) => lines.push(`secret ${secret.length}`)
  }
  beforeEach(() => {
    lines.length = 0
    setLogger(capture)
  })
  afterEach(() => setLogger(actionsLogger))

  it('neutralises every level, the group name, the namespace and the warning file', async () => {
    const hostile = 'x\n::set-output name=model-url::https://evil.example'
    const area = log.withNamespace(`area\r::add-mask::`)
    area.info(hostile)
    area.warning(hostile, { file: 'dir/\n::error::f.png' })
    area.debug(hostile)
    await area.group(hostile, async () => undefined)
    expect(lines).toHaveLength(4)
    for (const line of lines) {
      expect(line).not.toMatch(/[\r\n]/)
      expect(line).toContain('x\\n::set-output')
    }
    expect(lines[1]).toContain('dir/\\n::error::f.png')
  })

  it('redacts a secret registered through setSecret from every later message, whole or in part', () => {
    const key = 'tk-front-5e6f7a8b9c0d1e2f3a4b'
    log.setSecret(key)
    log.info(`key ${key} and a cut one ${key.slice(0, 14)}`)
    expect(lines).toEqual([`secret ${key.length}`, 'info key *** and a cut one ***'])
  })

  it('keeps the warnings for the summary', () => {
    const before = loggedWarnings().total
    log.warning('first\nsecond')
    const after = loggedWarnings()
    expect(after.total).toBe(before + 1)
    expect(after.messages.at(-1)).toBe('first\\nsecond')
  })
})

describe('the runner log', () => {
  let written: string[]
  beforeEach(() => {
    written = []
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk))
      return true
    })
  })
  afterEach(() => {
    jest.restoreAllMocks()
  })

  const annotations = (): string[] => written.filter((line) => line.startsWith('::warning'))

  it(`annotates at most ${ANNOTATION_LIMIT} warnings; the rest are log lines, summed up in the last annotation`, () => {
    const logger = createActionsLogger()
    for (let i = 1; i <= 15; i++) logger.warning(`warning ${i}`)
    expect(annotations()).toHaveLength(ANNOTATION_LIMIT - 1)
    expect(written.filter((line) => line.startsWith('Warning: warning '))).toHaveLength(6)
    logger.annotateHeldWarnings('the job summary lists them all.')
    expect(annotations()).toHaveLength(ANNOTATION_LIMIT)
    expect(annotations().at(-1)).toBe(
      '::warning::6 more warnings than GitHub shows as annotations (10 a step): the job summary lists them all.\n'
    )
  })

  it('shows a single held-back warning as itself', () => {
    const logger = createActionsLogger()
    for (let i = 1; i <= ANNOTATION_LIMIT; i++) logger.warning(`warning ${i}`)
    logger.annotateHeldWarnings('anywhere')
    expect(annotations()).toHaveLength(ANNOTATION_LIMIT)
    expect(annotations().at(-1)).toBe('::warning::warning 10\n')
  })

  it('adds nothing when every warning was annotated', () => {
    const logger = createActionsLogger()
    logger.warning('only one')
    logger.annotateHeldWarnings('anywhere')
    expect(annotations()).toEqual(['::warning::only one\n'])
  })
})
