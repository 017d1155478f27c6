// README's "Command line" section: its examples (.gitlab-ci.yml, a ```yml block so that the GitHub
// workflow checks of readme-examples.test.ts leave it alone; Jenkinsfile; the terminal) parse,
// and every command line in them is one the command accepts, with options that exist; its
// variables are ones the command reads. The options table is checked by readme.test.ts.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { parseCommandLine } from '../../src/cli/args.js'
import { OPTIONS, envName } from '../../src/cli/options.js'
import { REPO_ROOT } from '../../test-support/run-action.js'

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
const section = readme.slice(readme.indexOf('\n## Command line\n'), readme.indexOf('\n## Contributing\n'))
const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, language, text]) => ({ language, text }))
const blockOf = (language: string): string => {
  const found = blocks.filter((block) => block.language === language)
  expect(found).toHaveLength(1)
  return found[0].text
}

/** Shell words, with quotes removed, up to a redirection; `$VAR` stays as written. */
function shellWords(line: string): string[] {
  const words: string[] = []
  for (const [, single, double, bare] of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) {
    if (bare !== undefined && /^[<>|&]|^2>/.test(bare)) break
    words.push(single ?? double ?? bare)
  }
  return words
}

/** The arguments of every run of the command in `text` (node …/dist/cli/index.js, "$TOOL", npx …). */
function invocations(text: string): string[][] {
  const found: string[][] = []
  for (const line of text.replace(/\\\n\s*/g, ' ').split('\n')) {
    const words = shellWords(line)
    const at = words.findIndex((word) => /dist\/cli\/index\.js$|^\$TOOL$|^tiyaro-dreambooth$/.test(word))
    if (at < 0 || (words[at] === 'tiyaro-dreambooth' && words[at - 1] !== 'npx')) continue
    const args = words.slice(at + 1)
    found.push(args[0] === '--' ? args.slice(1) : args)
  }
  return found
}

function expectAccepted(args: string[]): void {
  expect(() => parseCommandLine(args, {})).not.toThrow()
}

function expectKnownVariables(text: string): void {
  const known = new Set([...OPTIONS.map(envName), 'TIYARO_API_KEY'])
  for (const [name] of text.matchAll(/TIYARO_[A-Z0-9_]+/g)) expect([name, known.has(name)]).toEqual([name, true])
}

describe('README: Command line', () => {
  it('the .gitlab-ci.yml parses, and its jobs run the command with options that exist', () => {
    const text = blockOf('yml')
    const pipeline = parse(text) as Record<string, { script?: string[]; before_script?: string[] }>
    const scripts = Object.values(pipeline).flatMap((job) => [...(job?.script ?? []), ...(job?.before_script ?? [])])
    const runs = scripts.flatMap((script) => invocations(script))
    expect(runs.map((args) => args[0]).sort()).toEqual(['check', 'train'])
    runs.forEach(expectAccepted)
    expect(pipeline.train).toMatchObject({ artifacts: { reports: { dotenv: 'train.env' } } })
    expect(runs.find((args) => args[0] === 'train')).toEqual(expect.arrayContaining(['--dotenv', 'train.env']))
    expectKnownVariables(text)
  })

  it('the Jenkinsfile is balanced, and its steps run the command with options that exist', () => {
    const text = blockOf('groovy')
    for (const [open, close] of ['{}', '()', '[]']) {
      expect(text.split(open).length).toBe(text.split(close).length)
    }
    expect(text.split("'''").length % 2).toBe(1)
    // the shell scripts of its sh steps
    const scripts = [...text.matchAll(/\bsh\s*'([^']*)'|script:\s*'''([\s\S]*?)'''/g)].map(
      ([, one, many]) => one ?? many
    )
    expect(scripts.length).toBeGreaterThanOrEqual(3)
    const runs = scripts.flatMap((script) => invocations(script))
    expect(runs.map((args) => args[0]).sort()).toEqual(['check', 'train'])
    runs.forEach(expectAccepted)
    // the exit codes it acts on are the command's
    expect(text).toContain('code == 3')
    expectKnownVariables(text)
  })

  it('the terminal example runs the command with options that exist', () => {
    const text = blockOf('sh')
    const runs = invocations(text)
    expect(runs.length).toBeGreaterThanOrEqual(2)
    runs.forEach(expectAccepted)
    expectKnownVariables(text)
  })

  it('names every exit code of --help', async () => {
    const { EXIT_CODES } = await import('../../src/cli/help.js')
    for (const [code] of EXIT_CODES) expect(section).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'))
  })
})
