// Every `yaml` block of README.md is something a user can copy as it stands: a complete workflow
// or a complete list of steps, valid for GitHub's own workflow parser (@actions/workflow-parser,
// the parser behind the Actions editor and language server), whose steps of this action use only
// inputs of action.yml and give every input their run needs (src/inputs/requirements.ts), and
// whose shell steps take values through env:, never as ${{ }} inside run: (GitHub's security
// hardening guide: a value with $(…) in it would run). The checks are shown to catch the faults
// the README once had.
import { describe, expect, it } from '@jest/globals'
import {
  NoOperationTraceWriter,
  convertWorkflowTemplate,
  parseWorkflow,
  type TemplateParseResult
} from '@actions/workflow-parser'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { INPUT_MODES, inputMode, neededInputs, type InputMode } from '../../src/inputs/requirements.js'
import { readActionYaml } from '../../scripts/action-tables.js'
import { REPO_ROOT } from '../../test-support/run-action.js'

const ACTION = 'org/tiyaro-dreambooth@'
const action = readActionYaml(REPO_ROOT)

/** The body of every ```yaml block, with the line it starts on. */
function yamlBlocks(markdown: string): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = []
  const fence = /^```yaml\n([\s\S]*?)^```$/gm
  for (let match = fence.exec(markdown); match; match = fence.exec(markdown)) {
    blocks.push({ line: markdown.slice(0, match.index).split('\n').length + 1, text: match[1] })
  }
  return blocks
}

type Kind = 'workflow' | 'steps'

/** A complete workflow (a mapping with jobs), or a list of steps wrapped into one; else an error. */
function asWorkflow(text: string): { kind: Kind; workflow: string } {
  // copied as it stands, an indented block lands at the wrong depth of the user's file
  if (/^[ \t]/.test(text)) throw new Error('indented, as if cut out of a larger file: start it at column 0')
  let parsed: unknown
  try {
    parsed = parseYaml(text)
  } catch (error) {
    throw new Error(`not valid YAML: ${(error as Error).message}`)
  }
  if (Array.isArray(parsed)) {
    const steps = text.replace(/^(?=.)/gm, '      ')
    return { kind: 'steps', workflow: `on: push\njobs:\n  example:\n    runs-on: ubuntu-latest\n    steps:\n${steps}` }
  }
  if (parsed !== null && typeof parsed === 'object' && 'jobs' in parsed) return { kind: 'workflow', workflow: text }
  throw new Error('neither a complete workflow (with on: and jobs:) nor a list of steps')
}

/** What GitHub's parser says about a workflow: its schema errors, then the conversion's. */
async function parserErrors(workflow: string): Promise<string[]> {
  const result: TemplateParseResult = parseWorkflow(
    { name: 'example.yml', content: workflow },
    new NoOperationTraceWriter()
  )
  if (result.value && result.context.errors.count === 0) {
    await convertWorkflowTemplate(result.context, result.value)
  }
  return result.context.errors.getErrors().map((error) => error.message)
}

interface Step {
  readonly uses?: string
  readonly run?: string
  readonly with?: Record<string, unknown>
}

function stepsOf(workflow: string): Step[] {
  const parsed = parseYaml(workflow) as { jobs: Record<string, { steps?: Step[] }> }
  return Object.values(parsed.jobs).flatMap((job) => job.steps ?? [])
}

const isExpression = (value: unknown): boolean => typeof value === 'string' && value.includes('${{')

/** The modes a step of this action may run in: an expression in dry-run may go either way. */
function modesOf(inputs: Record<string, unknown>): InputMode[] {
  if (inputs['job-id'] !== undefined) return ['attach']
  const dryRun = inputs['dry-run']
  if (isExpression(dryRun)) return ['dry-run', 'start']
  return [inputMode(undefined, String(dryRun) === 'true')]
}

/** What is wrong with the steps of this action and the shell steps of one workflow. */
function stepProblems(workflow: string): string[] {
  const problems: string[] = []
  for (const step of stepsOf(workflow)) {
    if (typeof step.run === 'string' && step.run.includes('${{')) {
      problems.push(`run: ${JSON.stringify(step.run)} has \${{ }} inside; pass the value through env:`)
    }
    if (!step.uses?.startsWith(ACTION)) continue
    const inputs = step.with ?? {}
    for (const name of Object.keys(inputs)) {
      if (!(name in action.inputs)) problems.push(`${step.uses}: with: ${name} is not an input of action.yml`)
    }
    const given = new Set(Object.keys(inputs).filter((name) => String(inputs[name]).trim() !== ''))
    const required = Object.entries(action.inputs).filter(([, input]) => input.required === true)
    for (const [name] of required) if (!given.has(name)) problems.push(`${step.uses}: required input ${name} missing`)
    for (const mode of modesOf(inputs)) {
      for (const name of neededInputs(mode)) {
        if (!given.has(name)) problems.push(`${step.uses}: ${name} is needed in mode ${mode} and not given`)
      }
    }
  }
  return problems
}

/** Every fault of one README block. */
async function blockProblems(text: string): Promise<string[]> {
  let workflow: string
  try {
    workflow = asWorkflow(text).workflow
  } catch (error) {
    return [(error as Error).message]
  }
  const parser = await parserErrors(workflow)
  return parser.length > 0 ? parser : stepProblems(workflow)
}

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
const blocks = yamlBlocks(readme)

describe('README.md examples', () => {
  it('has examples, some of them complete workflows and some lists of steps', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8)
    const kinds = new Set(blocks.map((block) => asWorkflow(block.text).kind))
    expect([...kinds].sort()).toEqual(['steps', 'workflow'])
  })

  it.each(blocks.map((block) => [block.line, block.text] as const))(
    'the yaml block at line %i is valid for GitHub and for action.yml',
    async (_line, text) => {
      expect(await blockProblems(text)).toEqual([])
    }
  )

  it('uses this action in every block, so every block is checked against action.yml', () => {
    for (const { text } of blocks) {
      expect(stepsOf(asWorkflow(text).workflow).some((step) => step.uses?.startsWith(ACTION))).toBe(true)
    }
  })

  it('shows every mode the inputs know: a start, a dry run and an attach', () => {
    const modes = new Set<InputMode>()
    for (const { text } of blocks) {
      for (const step of stepsOf(asWorkflow(text).workflow)) {
        if (step.uses?.startsWith(ACTION)) for (const mode of modesOf(step.with ?? {})) modes.add(mode)
      }
    }
    expect([...modes].sort()).toEqual([...INPUT_MODES].sort())
  })
})

describe('the checks catch what the README once had', () => {
  /** A step of this action with the `first` inputs, the dataset and prompts, then the `last` inputs. */
  function actionStep(first: readonly string[], last: readonly string[]): string {
    const dataset = ['instance-images: data', 'name: dog', 'instance-prompt: a photo of sks dog']
    const inputs = [...first, ...dataset, 'class-prompt: a photo of dog', ...last]
    return ['- uses: org/tiyaro-dreambooth@v1', '  with:', ...inputs.map((input) => `    ${input}`)].join('\n')
  }

  it('the first Quick start: an unquoted ": " in a plain value is not YAML', async () => {
    const quickStart = [
      '- uses: actions/checkout@v4',
      '- id: train',
      '  uses: org/tiyaro-dreambooth@v1',
      '  with:',
      '    api-key: ${{ secrets.TIYARO_API_KEY }}',
      '    api-url: ${{ vars.TIYARO_API_URL }}',
      '    instance-images: data/my-dog',
      '    name: my-dog',
      '    instance-prompt: a photo of sks dog',
      '    class-prompt: a photo of dog',
      '- run: echo "Model API: ${{ steps.train.outputs.model-url }}"'
    ].join('\n')
    expect((await blockProblems(quickStart))[0]).toMatch(/^not valid YAML: .*compact mappings/s)
  })

  it('a fragment that is only jobs: (no on:) fails GitHub’s schema', async () => {
    const fragment = 'jobs:\n  train:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n'
    expect((await blockProblems(fragment)).join('\n')).toMatch(/Required property is missing: on/)
  })

  it('a step list indented as if cut out of a workflow is not a list of steps', async () => {
    expect(await blockProblems('      - uses: actions/checkout@v4\n')).toEqual([
      'indented, as if cut out of a larger file: start it at column 0'
    ])
    expect(await blockProblems('name: x\n')).toEqual([
      'neither a complete workflow (with on: and jobs:) nor a list of steps'
    ])
  })

  it('an output put into run: with ${{ }}', async () => {
    const steps = '- id: x\n  uses: actions/checkout@v4\n- run: echo "${{ steps.x.outputs.ref }}"\n'
    expect(await blockProblems(steps)).toEqual([
      'run: "echo \\"${{ steps.x.outputs.ref }}\\"" has ${{ }} inside; pass the value through env:'
    ])
  })

  it('an input action.yml does not have, a start without api-url, an attach without api-key', async () => {
    const start = actionStep(['api-key: ${{ secrets.KEY }}'], ['wiat: false'])
    expect(await blockProblems(start)).toEqual([
      'org/tiyaro-dreambooth@v1: with: wiat is not an input of action.yml',
      'org/tiyaro-dreambooth@v1: api-url is needed in mode start and not given'
    ])
    const attach = '- uses: org/tiyaro-dreambooth@v1\n  with:\n    api-url: https://x.example/graphql\n    job-id: j1\n'
    expect(await blockProblems(attach)).toEqual([
      'org/tiyaro-dreambooth@v1: api-key is needed in mode attach and not given'
    ])
  })

  it('a dry run decided by an expression must be able to start a training too', async () => {
    const steps = actionStep([], ["dry-run: ${{ github.event_name == 'pull_request' }}"])
    expect(await blockProblems(steps)).toEqual([
      'org/tiyaro-dreambooth@v1: api-key is needed in mode start and not given',
      'org/tiyaro-dreambooth@v1: api-url is needed in mode start and not given'
    ])
  })

  it('an expression GitHub cannot parse', async () => {
    const steps = '- uses: actions/checkout@v4\n  with:\n    ref: ${{ github.ref ) }}\n'
    expect((await blockProblems(steps)).join('\n')).toMatch(/Unexpected symbol|Unexpected end|Unrecognized|Expected/)
  })
})
