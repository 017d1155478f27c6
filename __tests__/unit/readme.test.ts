import { describe, expect, it } from '@jest/globals'
import { NoOperationTraceWriter } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/action-parser'
import { readFileSync } from 'node:fs'
import semver from 'semver'
import { parse as parseYaml } from 'yaml'
import { renderReadme, readActionYaml } from '../../scripts/action-tables.js'
import { INPUT_MODES, NEEDED_IN } from '../../src/inputs/requirements.js'
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

describe('action.yml', () => {
  const text = readFileSync(`${REPO_ROOT}/action.yml`, 'utf8')
  const action = parseYaml(text) as {
    description: string
    inputs: Record<string, { description: string; required?: boolean; default?: string }>
  }

  it("is valid for GitHub's action schema", () => {
    const result = parseAction({ name: 'action.yml', content: text }, new NoOperationTraceWriter())
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([])
  })

  it('has a description the Marketplace accepts: 124 characters at most', () => {
    expect(action.description.length).toBeGreaterThan(20)
    expect(action.description.length).toBeLessThanOrEqual(124)
  })

  it('marks required only what every run needs, and says in the description when the others are needed', () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      const modes = NEEDED_IN[name] ?? []
      expect([name, input.required === true]).toEqual([name, modes.length === INPUT_MODES.length])
      const says = /Required, except (for a dry run|with job-id)\.$/.exec(input.description)?.[1]
      const expected = modes.length === 0 ? undefined : modes.includes('dry-run') ? 'with job-id' : 'for a dry run'
      expect([name, says]).toEqual([name, expected])
      // a default would stand in for a value the run needs
      if (modes.length > 0) expect([name, input.default]).toEqual([name, undefined])
    }
    expect(Object.keys(NEEDED_IN).every((name) => name in action.inputs)).toBe(true)
  })
})

describe('the Node version contributors need', () => {
  const pkg = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as {
    engines: { node: string }
    allowScripts?: Record<string, boolean>
  }
  const lock = JSON.parse(readFileSync(`${REPO_ROOT}/package-lock.json`, 'utf8')) as {
    packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean; hasInstallScript?: boolean }>
  }
  const nvmrc = readFileSync(`${REPO_ROOT}/.nvmrc`, 'utf8').trim()
  const locked = Object.entries(lock.packages).filter(([path]) => path !== '')
  const nameOf = (path: string): string => path.replace(/^.*node_modules\//, '')

  it('is one major version in .nvmrc, engines and the runner the action declares', () => {
    expect(nvmrc).toMatch(/^\d+$/)
    expect(semver.satisfies(`${nvmrc}.0.0`, pkg.engines.node)).toBe(true)
    expect(readActionYaml(REPO_ROOT)).toMatchObject({ runs: { using: `node${nvmrc}` } })
    expect(readFileSync(`${REPO_ROOT}/README.md`, 'utf8')).toContain(`on Node.js ${nvmrc}`)
  })

  it('satisfies every locked package, from the lowest version engines allows: npm ci prints no EBADENGINE', () => {
    const lowest = semver.minVersion(pkg.engines.node)!.version
    const refused = locked
      .filter(([, entry]) => !entry.optional && !Array.isArray(entry.engines) && entry.engines?.node)
      .filter(([, entry]) => !semver.satisfies(lowest, (entry.engines as { node: string }).node))
      .map(([path, entry]) => `${nameOf(path)} needs ${(entry.engines as { node: string }).node}`)
    expect(refused).toEqual([])
  })

  it('reviews every install script in allowScripts: npm ci prints no advisory about them', () => {
    const unreviewed = locked
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([path]) => nameOf(path))
      .filter((name) => pkg.allowScripts?.[name] === undefined)
    expect(unreviewed).toEqual([])
  })
})
