// The README's tables of inputs and outputs, made from action.yml, and of the command's options,
// made from src/cli/options.ts. `npm run docs` rewrites them in README.md between their markers;
// a unit test fails when README.md and its sources differ.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { optionsMarkdown } from '../src/cli/help.js'

interface ActionYaml {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>
  outputs: Record<string, { description: string }>
}

const escape = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function readActionYaml(root: string): ActionYaml {
  return parse(readFileSync(join(root, 'action.yml'), 'utf8')) as ActionYaml
}

export function inputsTable(action: ActionYaml): string {
  const rows = Object.entries(action.inputs).map(([name, input]) => {
    const value = input.required ? '**required**' : input.default ? `\`${input.default}\`` : ''
    return `| \`${name}\` | ${value} | ${escape(input.description)} |`
  })
  return ['| Input | Default | Description |', '| --- | --- | --- |', ...rows].join('\n')
}

export function outputsTable(action: ActionYaml): string {
  const rows = Object.entries(action.outputs).map(([name, output]) => `| \`${name}\` | ${escape(output.description)} |`)
  return ['| Output | Description |', '| --- | --- |', ...rows].join('\n')
}

/** Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->`. */
export function replaceSection(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} section`)
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`
}

export function renderReadme(root: string): string {
  const action = readActionYaml(root)
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const tables = replaceSection(replaceSection(readme, 'inputs', inputsTable(action)), 'outputs', outputsTable(action))
  return replaceSection(tables, 'cli-options', optionsMarkdown())
}

if (process.argv[1]?.endsWith('action-tables.js')) {
  const root = process.cwd()
  writeFileSync(join(root, 'README.md'), renderReadme(root))
  console.log('README.md tables updated from action.yml')
}
