import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { renderReadme, readActionYaml } from '../../scripts/action-tables.js'
import { REPO_ROOT } from '../../test-support/run-action.js'

describe('README.md', () => {
  it('lists every input and output of action.yml, as action.yml says (npm run docs rewrites them)', () => {
    const readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8')
    expect(readme).toBe(renderReadme(REPO_ROOT))
  })

  it('declares node24 and dist/index.js', () => {
    const action = readActionYaml(REPO_ROOT) as unknown as { runs: { using: string; main: string } }
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })

  it('gives the two contributor commands, and .ci/run runs the same test command', () => {
    const readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8')
    expect(readme).toContain('npm ci && npm run demo')
    expect(readme).toContain('npm test')
    expect(readFileSync(`${REPO_ROOT}/.ci/run`, 'utf8')).toMatch(/^npm test$/m)
  })
})
