// npm run demo prints what a person would see in the Actions log: groups as headings, masks
// applied, no debug lines and no raw workflow command, the sample images labelled as the local
// server's placeholders, and a closing table of both runs.
import { describe, expect, it } from '@jest/globals'
import { runDemo } from '../../scripts/demo.js'

describe('npm run demo', () => {
  it('prints the runs as the Actions log shows them, and closes with a table', async () => {
    const printed: string[] = []
    expect(await runDemo((text) => printed.push(text))).toBe(true)
    const lines = printed.join('\n').split('\n')

    expect(lines.filter((line) => /^\s*::/.test(line))).toEqual([])
    expect(lines).toContain('▸ Check images')
    expect(lines).toContain('▸ Wait for training')
    expect(lines.some((line) => /^ {2}\[.*\] check \d+: done$/.test(line))).toBe(true)
    // the key is masked (and never printed), debug lines with signed storage URLs are hidden
    const all = lines.join('\n')
    expect(all).not.toContain('demo-api-key-0123456789')
    expect(all).not.toMatch(/[?&](sig|se|sp|sv)=/)
    expect(all).toContain('sample images (placeholders from the local server)')
    expect(lines.filter((line) => line.endsWith('bytes, placeholder)'))).toHaveLength(2)

    const header = lines.findIndex((line) =>
      /^job +status +images \(instance \+ class\) +class images +time +model URL$/.test(line)
    )
    expect(header).toBeGreaterThan(0)
    expect(lines[header + 1]).toMatch(/^─+( +─+)+$/)
    expect(lines[header + 2]).toMatch(/^1 demo-toy-robot +done +5 \+ 4 +saved +\d+\.\d s +http:\/\/127\.0\.0\.1:\d+\//)
    expect(lines[header + 3]).toMatch(
      /^2 demo-toy-robot-2 +done +5 \+ 4 +restored +\d+\.\d s +http:\/\/127\.0\.0\.1:\d+\//
    )
  })
})
