import { describe, expect, it } from '@jest/globals'
import { commentMarker, isOurComment, renderComment } from '../../src/github/pr-comment.js'
import {
  LIMITS,
  MAX_OUTPUT_MODELS,
  SUMMARY_MAX_BYTES,
  cell,
  code,
  fitSections,
  link,
  newReport,
  renderSummary,
  reportOutputs,
  type RunReport
} from '../../src/report/index.js'
import { codeBlock } from '../../src/report/markdown.js'

/** The cells of a Markdown table row, split where GFM splits them: at pipes not escaped. */
function cellsOf(row: string): string[] {
  return row.split(/(?<!\\)\|/).slice(1, -1)
}

const HOSTILE =
  'a|b`c<img src=x onerror=alert(1)>\r::set-output\nd\u2028e <!-- tiyaro-dreambooth:other --> [x](javascript:y)'

describe('cell', () => {
  it('keeps a hostile value inside one cell: no pipe, line break, backtick or HTML', () => {
    const text = cell(HOSTILE)
    expect(cellsOf(`| ${text} |`)).toHaveLength(1)
    expect(text).not.toMatch(/[\r\n\u2028]/)
    expect(text).not.toMatch(/(?<!\\)[<>`[\]]/)
    expect(text).not.toContain('<!--')
  })

  it('stops GitHub from turning a bare URL into a link', () => {
    expect(cell('see https://phish.example and www.phish.example')).toBe(
      'see https:\\/\\/phish.example and www\\.phish.example'
    )
  })

  it('redacts before it cuts, and cuts to the limit', () => {
    const text = cell(`${'x'.repeat(LIMITS.text - 5)} AKIAIOSFODNN7EXAMPLE`)
    expect(text).not.toContain('AKIA')
    expect(cell('y'.repeat(10_000)).length).toBe(LIMITS.text)
  })
})

describe('code', () => {
  it('cannot end the code span, the cell or the line', () => {
    const { text } = code('job`1|2\n3')
    expect(text).toBe("`job'1\\|2 ⏎ 3`")
    expect(cellsOf(`| ${text} |`)).toHaveLength(1)
  })
})

describe('link', () => {
  it('links https only; anything else is code', () => {
    expect(link('card', 'https://api.example/models/a b(c)|d')).toBe(
      '[card](https://api.example/models/a%20b%28c%29%7Cd)'
    )
    for (const url of ['javascript:alert(1)', 'http://api.example/x', 'data:text/html,<b>', 'not a url']) {
      expect(link('x', url)).toMatch(/^`[^`]*`$/)
    }
  })

  it('escapes the text, and never links a URL that holds a credential', () => {
    expect(link('a](javascript:x)', 'https://h.example/')).toBe('[a\\](javascript:x)](https://h.example/)')
    expect(link('x', 'https://b.example/k?X-Amz-Signature=abc')).toBe('`***`')
  })
})

describe('codeBlock', () => {
  it('uses a fence longer than any backtick run inside', () => {
    const [open, body, close] = codeBlock('json', '{"a":"```\n````"}')
    expect(open).toBe('`````json')
    expect(close).toBe('`````')
    expect(body).toBe('{"a":"```\n````"}')
  })
})

const hostileModel = { vendor: HOSTILE, version: HOSTILE, name: HOSTILE, url: HOSTILE, modelCard: HOSTILE }

describe('outputs', () => {
  it('hold no line break except inside JSON, and values cut to a sane length', () => {
    const outputs = reportOutputs({
      ...newReport(),
      status: 'failed',
      jobId: 'j\n::set-output name=x::y',
      errorMessage: `${'e'.repeat(50_000)}\nend`,
      models: [hostileModel, ...Array.from({ length: 300 }, () => hostileModel)],
      jobStatus: { statusEnum: 'failed', created: 'c\r\nd', finished: 'f'.repeat(5000) }
    })
    for (const [name, value] of Object.entries(outputs)) {
      if (name !== 'models') expect(value).not.toMatch(/[\r\n\u2028]/)
    }
    expect(outputs['job-id']).toBe('j ⏎ ::set-output name=x::y')
    expect(outputs['error-message'].length).toBe(LIMITS.text)
    expect(outputs.finished.length).toBe(LIMITS.name)
    expect(outputs['model-name'].length).toBeLessThanOrEqual(LIMITS.name)
    const models = JSON.parse(outputs.models) as { name: string }[]
    expect(models).toHaveLength(MAX_OUTPUT_MODELS)
    expect(models[0].name.length).toBeLessThanOrEqual(LIMITS.name)
    expect(outputs.models).not.toMatch(/[\r\n]/) // JSON escapes them
  })
})

describe('summary', () => {
  it('keeps every hostile value in its cell', () => {
    const markdown = renderSummary({
      ...newReport(),
      status: 'failed',
      jobId: HOSTILE,
      errorMessage: HOSTILE,
      models: [hostileModel]
    })
    const rows = markdown.split('\n').filter((line) => line.startsWith('|'))
    for (const row of rows) expect([2, 5]).toContain(cellsOf(row).length)
    // inside a code span (no backtick can end it early) HTML is text; an escaped backtick opens none
    const outsideCode = markdown.replace(/(?<!\\)`[^`\n]*`/g, '')
    expect(outsideCode).not.toMatch(/(?<!\\)[<>]/)
    expect(outsideCode).not.toMatch(/(?<!\\)\]\(/) // no link but ours
    expect(markdown.split('\n').filter((line) => /^\s*::/.test(line))).toEqual([])
  })

  it('stays under 1 MiB however long the lists are, and says what was left out', () => {
    const model = { vendor: 'v', version: '1', name: '|<>'.repeat(400), url: 'https://m.example/x', modelCard: 'x' }
    const report: RunReport = {
      ...newReport(),
      status: 'done',
      models: Array.from({ length: 5000 }, () => model),
      jobStatus: { statusEnum: 'done', jobInput: 'j'.repeat(5_000_000) },
      warnings: { messages: Array.from({ length: 1000 }, (_, i) => `warning ${i} ${'w'.repeat(3000)}`), total: 4000 },
      notes: Array.from({ length: 2000 }, () => 'n'.repeat(3000))
    }
    const markdown = renderSummary(report)
    expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES)
    expect(markdown).toContain('> … and 4900 more models not shown here.')
    expect(markdown).toContain('> … and 3900 more warnings not shown here (the log has them all).')
    expect(markdown).toContain('The summary was cut here')
  })

  it('lists the run’s warnings', () => {
    const markdown = renderSummary({ ...newReport(), warnings: { messages: ['a <b>', 'c'], total: 2 } })
    expect(markdown).toContain('### Warnings\n\n- a \\<b\\>\n- c\n')
  })

  it('fits whole sections, never half a one', () => {
    expect(fitSections([['a'], ['b'.repeat(50)]], 100)).toBe(
      'a\n> The summary was cut here: GitHub refuses a job summary over 1 MiB. The log has the rest.\n'
    )
  })
})

describe('PR comment marker', () => {
  const config = { name: 'toy', version: 'v1', apiKey: 'k', githubToken: 't' }

  it('cannot be forged by a value shown in the comment', () => {
    const forged = `x\n${commentMarker('other')}\n`
    const body = renderComment(
      {
        ...newReport(),
        status: 'failed',
        jobId: forged,
        errorMessage: forged,
        models: [{ ...hostileModel, name: forged }]
      },
      config
    )
    expect(isOurComment(body, 'toy')).toBe(true)
    expect(isOurComment(body, 'other')).toBe(false)
    expect(isOurComment(`quoted:\n${commentMarker('toy')}`, 'toy')).toBe(false)
    expect(isOurComment(`${commentMarker('toy')}\r\nedited on the web`, 'toy')).toBe(true)
  })

  it('stays under GitHub’s 65536 characters with many long models', () => {
    const long = {
      vendor: 'v',
      version: 'v'.repeat(500),
      name: '|'.repeat(500),
      url: `https://m.example/${'p'.repeat(2000)}`,
      modelCard: `https://m.example/${')'.repeat(2000)}`
    }
    const body = renderComment(
      { ...newReport(), status: 'done', models: Array.from({ length: 100 }, () => long) },
      config
    )
    expect(body.length).toBeLessThanOrEqual(65_536)
    expect(body).toMatch(/> … and \d+ more: the run's summary lists them\./)
  })
})
