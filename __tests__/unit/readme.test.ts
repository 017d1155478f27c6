import { describe, expect, it } from '@jest/globals'
import { NoOperationTraceWriter } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/action-parser'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import semver from 'semver'
import { parse as parseYaml } from 'yaml'
import { renderReadme, readActionYaml } from '../../scripts/action-tables.js'
import { parseCliArgs } from '../../server/cli-args.js'
import { DEFAULT_API_KEY } from '../../server/tiyaro-server.js'
import { INPUT_MODES, NEEDED_IN, neededInputs } from '../../src/inputs/requirements.js'
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

describe('README: Try it on your own images', () => {
  const readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8')
  const start = readme.indexOf('\n### Try it on your own images\n')
  const section = readme.slice(start, readme.indexOf('\n#', start + 1))
  const pkg = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as {
    scripts: Record<string, string>
    devDependencies: Record<string, string>
  }
  const example = readFileSync(`${REPO_ROOT}/.env.example`, 'utf8')
  /** The variables .env.example sets, NAME → value. */
  const variables = new Map(
    [...example.matchAll(/^([A-Z][A-Z0-9_-]*)=(.*)$/gm)].map(([, name, value]) => [name!, value!] as const)
  )
  const ignored = readFileSync(`${REPO_ROOT}/.gitignore`, 'utf8')
    .split('\n')
    .map((line) => line.trim().replace(/^\//, ''))
  const isIgnored = (path: string): boolean =>
    ignored.includes(path) || ignored.some((entry) => entry.endsWith('/') && path.startsWith(entry))
  const shBlocks = [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map(([, text]) => text!)

  it('has one sh block, and every line of it is a command that works here', () => {
    expect(start).toBeGreaterThan(0)
    expect(shBlocks).toHaveLength(1)
    const commands = shBlocks[0]!
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== '')
    expect(commands.length).toBeGreaterThanOrEqual(3)
    for (const command of commands) {
      const words = command.split(/\s+/)
      if (words[0] === 'npm' && words[1] === 'run') {
        expect([command, pkg.scripts[words[2]!] !== undefined]).toEqual([command, true])
      } else if (words[0] === 'cp' && words.length === 3) {
        // copies a committed file to one that is never committed (it may hold a real key)
        expect([command, existsSync(join(REPO_ROOT, words[1]!))]).toEqual([command, true])
        expect([command, isIgnored(words[2]!)]).toEqual([command, true])
      } else {
        throw new Error(`a command the test does not know how to check: ${command}`)
      }
    }
  })

  it('names only npm scripts, files and folders that exist', () => {
    for (const [, script] of section.matchAll(/npm run ([\w:-]+)/g)) {
      expect([script, pkg.scripts[script!] !== undefined]).toEqual([script, true])
    }
    // files of the repository (src/main.ts, .env.example); `.env` is the user's copy, ignored by git
    const paths = [...section.matchAll(/(?<![\w./-])((?:src|server|scripts|fixtures)\/[\w./-]*\w|\.env\.\w+)/g)].map(
      ([, path]) => path!
    )
    expect(paths).toEqual(expect.arrayContaining(['src/main.ts', '.env.example']))
    for (const path of paths) expect([path, existsSync(join(REPO_ROOT, path))]).toEqual([path, true])
    expect(section).toContain('`.env` is not committed')
    expect(isIgnored('.env')).toBe(true)
    // the tool it names runs the sources it names, with the .env file
    expect(section).toContain('@github/local-action')
    expect(pkg.devDependencies['@github/local-action']).toBeDefined()
    expect(pkg.scripts['local-action']).toBe('local-action run . src/local-action.ts .env')
  })

  it('tells the user to edit variables that .env.example sets, each an input of action.yml', () => {
    const action = readActionYaml(REPO_ROOT) as unknown as { inputs: Record<string, unknown> }
    const told = [...section.matchAll(/INPUT_[A-Z0-9-]+/g)].map(([name]) => name)
    expect(told).toEqual(expect.arrayContaining(['INPUT_INSTANCE-IMAGES', 'INPUT_API-URL', 'INPUT_API-KEY']))
    for (const name of told) expect([name, variables.has(name)]).toEqual([name, true])
    // "INPUT_DRY-RUN=true checks the images …": the line it shows is one .env.example has, with another value
    for (const [, name, value] of section.matchAll(/`(INPUT_[A-Z0-9-]+)=([^`]*)`/g)) {
      expect([name, variables.get(name!)]).toEqual([name, expect.any(String)])
      expect(['true', 'false']).toContain(value)
    }
    const inputs = [...variables.keys()].filter((name) => name.startsWith('INPUT_'))
    for (const name of inputs) {
      const input = name.slice('INPUT_'.length).toLowerCase()
      expect([name, input in action.inputs]).toEqual([name, true])
    }
    // "the name and prompts", and the rest a start needs, are all there to edit
    for (const input of neededInputs('start')) {
      expect([input, variables.has(`INPUT_${input.toUpperCase()}`)]).toEqual([input, true])
    }
  })

  it('gives the address and key npm run server uses, and the folders .env.example points at exist', () => {
    const { port, host } = parseCliArgs([]).options
    expect(section).toContain(`on ${host ?? '127.0.0.1'}:${port} with the key ${DEFAULT_API_KEY}`)
    expect(variables.get('INPUT_API-URL')).toBe(`http://${host ?? '127.0.0.1'}:${port}/graphql`)
    expect(variables.get('INPUT_API-KEY')).toBe(DEFAULT_API_KEY)
    // relative paths are taken from the repository's folder
    expect(variables.get('GITHUB_WORKSPACE')).toBe('.')
    for (const name of ['INPUT_INSTANCE-IMAGES', 'INPUT_CLASS-IMAGES']) {
      const folder = join(REPO_ROOT, variables.get(name)!)
      expect([name, existsSync(folder) && statSync(folder).isDirectory()]).toEqual([name, true])
    }
    // "the zip and sample images go under .tmp/local-action/", a folder git ignores
    expect(section).toContain(`\`${variables.get('RUNNER_TEMP')}/\``)
    expect(isIgnored(`${variables.get('RUNNER_TEMP')}/`)).toBe(true)
  })
})
