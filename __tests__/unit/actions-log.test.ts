// The Actions log as a person sees it (scripts/actions-log.ts), which the demo prints.
import { describe, expect, it } from '@jest/globals'
import { actionsLogView, textTable } from '../../scripts/actions-log.js'

describe('actionsLogView', () => {
  it('shows groups as headings, applies masks, hides debug lines and every raw command', () => {
    const stdout = [
      '::add-mask::sekret-key-123',
      'before any group',
      '::group::Create job',
      'Job ID: 42 (key sekret-key-123)',
      '::debug::PUT https://storage.example/blob?sig=abcdef0123456789',
      '::endgroup::',
      '::warning file=data/a.png,line=3::image is small%0Asecond line',
      '::error::newJobID: connection failed%3A see above',
      '::notice::Model ready',
      '::save-state name=x::1',
      ''
    ].join('\n')
    expect(actionsLogView(stdout)).toBe(
      [
        'before any group',
        '▸ Create job',
        '  Job ID: 42 (key ***)',
        'Warning (data/a.png:3): image is small',
        'second line',
        'Error: newJobID: connection failed: see above',
        'Notice: Model ready'
      ].join('\n')
    )
  })

  it('shows debug lines when asked, as ACTIONS_STEP_DEBUG does, masked too', () => {
    const stdout = '::add-mask::abcdef0123456789\n::debug::PUT https://storage.example/blob?sig=abcdef0123456789\n'
    expect(actionsLogView(stdout, { debug: true })).toBe('Debug: PUT https://storage.example/blob?sig=***')
  })

  it('hides the longer of two overlapping secrets whole', () => {
    expect(actionsLogView('::add-mask::abc\n::add-mask::abcdef\nabcdef abc\n')).toBe('*** ***')
  })

  it('prints commands as text between ::stop-commands:: and its token', () => {
    const stdout = '::stop-commands::tok123\n::warning::not a command here\n::tok123::\n::warning::now one\n'
    expect(actionsLogView(stdout)).toBe('::warning::not a command here\nWarning: now one')
  })
})

describe('textTable', () => {
  it('aligns the columns under a rule', () => {
    expect(
      textTable(
        ['job', 'status'],
        [
          ['1 long-name', 'done'],
          ['2', 'failed']
        ]
      )
    ).toBe(['job          status', '───────────  ──────', '1 long-name  done', '2            failed'].join('\n'))
  })
})
