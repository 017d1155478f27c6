import { describe, expect, it } from '@jest/globals'
import { dotenvLines, formatOutputs } from '../../src/cli/results.js'
import { TerminalLog, type TextStream } from '../../src/cli/terminal.js'

function stream(isTTY: boolean): TextStream & { text: string } {
  const sink = {
    text: '',
    isTTY,
    columns: 100,
    write(chunk: string) {
      sink.text += chunk
      return true
    }
  }
  return sink
}

describe('TerminalLog', () => {
  it('prints lines, "warning:" with the file, headings for groups, debug only when verbose', async () => {
    const out = stream(false)
    const quiet = new TerminalLog(out)
    quiet.info('hello')
    quiet.warning('small image', { file: 'data/a.png' })
    quiet.debug('hidden')
    expect(await quiet.group('Upload', async () => 7)).toBe(7)
    expect(out.text).toBe('hello\nwarning: data/a.png: small image\n==> Upload\n')

    const loud = stream(false)
    new TerminalLog(loud, true).debug('shown')
    expect(loud.text).toBe('debug: shown\n')
  })

  it('replaces every secret in what it prints, the longest first', () => {
    const out = stream(false)
    const log = new TerminalLog(out)
    log.setSecret('abcd')
    log.setSecret('https://storage/put?X-Signature=abcdef0123456789')
    log.info('url https://storage/put?X-Signature=abcdef0123456789 and key abcd')
    log.warning('abcd again')
    expect(out.text).toBe('url *** and key ***\nwarning: *** again\n')
    expect(log.hide('{"k":"abcd"}')).toBe('{"k":"***"}')
  })

  it('off a terminal, reports the upload at each quarter as a plain line', () => {
    const out = stream(false)
    const log = new TerminalLog(out)
    const total = 4 * 1024 * 1024
    for (const sent of [0, 1, total / 4, total / 3, total / 2, total]) log.progress(sent, total)
    expect(out.text).toBe('Upload: 25% (1 MiB of 4 MiB)\nUpload: 50% (2 MiB of 4 MiB)\n')
    // a new try starts from 0 again
    log.progress(0, total)
    log.progress((3 * total) / 4, total)
    expect(out.text).toContain('Upload: 75% (3 MiB of 4 MiB)\n')
    expect(out.text).not.toMatch(/[\r\x1b]/)
  })

  it('on a terminal, redraws one bar in place and ends it with a line break', () => {
    const out = stream(true)
    let time = 0
    const log = new TerminalLog(out, false, () => time)
    log.progress(0, 1000)
    time += 500
    log.progress(500, 1000)
    // a log line clears the bar and draws it again below
    log.info('retrying')
    time += 500
    log.progress(1000, 1000)
    const frames = out.text.split('\r\x1b[2K')
    expect(frames[1]).toBe(`Upload [${'-'.repeat(30)}]   0% 0 bytes of 1000 bytes`)
    expect(frames[2]).toBe(`Upload [${'#'.repeat(15)}${'-'.repeat(15)}]  50% 500 bytes of 1000 bytes`)
    expect(frames[3]).toBe(`retrying\nUpload [${'#'.repeat(15)}${'-'.repeat(15)}]  50% 500 bytes of 1000 bytes`)
    expect(frames[4]).toBe(`Upload [${'#'.repeat(30)}] 100% 1000 bytes of 1000 bytes\n`)
    log.info('after')
    expect(out.text.endsWith('\nafter\n')).toBe(true)
  })
})

describe('results', () => {
  const outputs = { status: 'failed', 'job-id': 'j-1', 'error-message': 'line one\nline two', models: '[]' }

  it('--json is one JSON object; without it one "name: value" line each', () => {
    expect(JSON.parse(formatOutputs(outputs, true))).toEqual(outputs)
    expect(formatOutputs(outputs, true).trimEnd()).not.toContain('\n')
    expect(formatOutputs(outputs, false)).toBe(
      'status: failed\njob-id: j-1\nerror-message: line one line two\nmodels: []\n'
    )
  })

  it('--dotenv writes KEY=value lines in upper snake case, one line per output', () => {
    expect(dotenvLines(outputs)).toBe('STATUS=failed\nJOB_ID=j-1\nERROR_MESSAGE=line one line two\nMODELS=[]\n')
  })
})
