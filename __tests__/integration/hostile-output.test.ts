// What a hostile or broken service sends must reach the log, the outputs, the summary and the PR
// comment harmlessly, through the bundled action: no workflow command the runner would obey, no
// Markdown or HTML outside its cell, no forged comment marker, every string cut to a sane length,
// the summary under 1 MiB, at most 10 warning annotations a step, and the summary switched off
// by job-summary: false.
import { describe, expect, it } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { cp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ServerOptions, TiyaroServer } from '../../server/tiyaro-server.js'
import { DEMO_CLASS, DEMO_INSTANCE, runWith, useServers } from '../../test-support/action-fixture.js'
import { useGitHubApi, useTempDir } from '../../test-support/fixtures.js'
import { pngBytes, writeImageTree } from '../../test-support/images.js'
import type { ActionRun } from '../../test-support/run-action.js'
import { type AnswerScript, useScriptedServers } from '../../test-support/scripted-api.js'

const GITHUB_TOKEN = 'ghs_hostileTestToken0123456789abcdef'
const REPOSITORY = { owner: 'octo', repo: 'dreams' }
/** Every workflow command a hostile value could try; the runner must obey none of them. */
const INJECTION =
  '\n::set-output name=pwned::PWNED\r::add-mask::PWNED\n  ::stop-commands::PWNED\r\n::error::PWNED%0A::warning::PWNED ##[set-output name=pwned;]PWNED'
/** Markdown and HTML a hostile value could try in a table cell. */
const MARKUP =
  'evil | <img src=x onerror=alert(1)> `tick` [click](https://phish.example) <!-- tiyaro-dreambooth:other -->\r| fake | row |'

const serverWith = useServers({ secrets: [GITHUB_TOKEN] })
const scripted = useScriptedServers()
const github = useGitHubApi({ token: GITHUB_TOKEN })
const scratch = useTempDir('tiyaro-hostile-')

/** The local server behind a scripted API that rewrites the answers of some root fields. */
async function hostileApi(
  scripts: Record<string, AnswerScript>,
  options: ServerOptions = {}
): Promise<{ server: TiyaroServer; apiUrl: string }> {
  const server = await serverWith(options)
  const proxy = await scripted.api(server.graphqlUrl, scripts)
  return { server, apiUrl: proxy.url }
}

/** The models of the real answer, changed by `change`. */
function modelsRewritten(change: (model: Record<string, unknown>) => Record<string, unknown>[]): AnswerScript {
  return (real) => {
    const data = (real as { data: Record<string, Record<string, unknown>[]> }).data
    const [field] = Object.keys(data)
    return { json: { data: { [field!]: data[field!]!.flatMap(change) } } }
  }
}

/**
 * The injected commands the runner would obey in a run's output (their data starts with PWNED),
 * parsing each line as it does: `::cmd::data` after leading blanks, else `##[cmd]data` anywhere.
 */
function injectedCommands(run: ActionRun): string[] {
  return `${run.stdout}\n${run.stderr}`.split(/\r\n|\r|\n/).filter((line) => {
    const trimmed = line.trimStart()
    const end = trimmed.startsWith('::') ? trimmed.indexOf('::', 2) : -1
    if (end > 0) return trimmed.slice(end + 2).startsWith('PWNED')
    return line.includes('##[')
  })
}

function expectHarmless(run: ActionRun): void {
  expect(injectedCommands(run)).toEqual([])
  expect(run.outputs.pwned).toBeUndefined()
  const multiLine = Object.entries(run.outputs).filter(([name, value]) => name !== 'models' && /[\r\n]/.test(value))
  expect(multiLine).toEqual([])
}

/** The cells of a Markdown table row as GFM splits them: at pipes that are not escaped. */
function cellCounts(markdown: string): number[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((row) => row.split(/(?<!\\)\|/).length - 2)
}

/** Markdown outside code spans (where HTML is text): an escaped backtick opens none. */
function outsideCode(markdown: string): string {
  return markdown.replace(/(?<!\\)`[^`\n]*`/g, '')
}

async function pullRequestEnv(number: number): Promise<Record<string, string>> {
  const path = join(scratch, `event-${randomUUID()}.json`)
  await writeFile(path, JSON.stringify({ action: 'synchronize', number, pull_request: { number } }))
  return {
    ...github.env,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: path,
    GITHUB_REPOSITORY: `${REPOSITORY.owner}/${REPOSITORY.repo}`,
    GITHUB_RUN_ID: '7000002'
  }
}

const commentInputs = { 'comment-on-pr': 'true', 'github-token': GITHUB_TOKEN }

describe('no workflow command from a value the action did not write', () => {
  it.concurrent('an errMsg with line breaks, ::commands, %0A and ##[ is shown as text', async () => {
    const server = await serverWith({ outcome: 'failed', failMessage: `CUDA out of memory${INJECTION}` })
    const run = await runWith(server)
    expect(run.exitCode).toBe(1)
    expectHarmless(run)
    expect(run.outputs['error-message']).toContain('CUDA out of memory ⏎ ::set-output name=pwned::PWNED')
    // the step's error: @actions/core escapes the data, so %0A stays text (%250A)
    const error = run.stdout.split('\n').find((line) => line.startsWith('::error::'))
    expect(error).toContain('CUDA out of memory%0A::set-output name=pwned::PWNED%0D::add-mask::PWNED')
    expect(error).toContain('::error::PWNED%250A::warning::PWNED #\\#[set-output')
  })

  it.concurrent('a job ID from newJobID with a command in it', async () => {
    const { server, apiUrl } = await hostileApi({
      newJobID: () => ({ json: { data: { newJobID: `job-7${INJECTION}` } } })
    })
    const run = await runWith(server, { 'api-url': apiUrl })
    expect(run.exitCode).toBe(1)
    expectHarmless(run)
  })

  it.concurrent('a GraphQL error text with a command in it', async () => {
    const { server, apiUrl } = await hostileApi({
      getJobInputURL: () => ({ json: { data: null, errors: [{ errorType: 'Forbidden', message: `no${INJECTION}` }] } })
    })
    const run = await runWith(server, { 'api-url': apiUrl })
    expect(run.exitCode).toBe(1)
    expectHarmless(run)
    expect(run.outputs['error-message']).toContain('::set-output name=pwned::PWNED')
  })

  it.concurrent('model names, versions and vendors with commands in them are logged on one line', async () => {
    const { server, apiUrl } = await hostileApi({
      getRetrainedModels: modelsRewritten((model) => [
        { ...model, name: `toy${INJECTION}`, version: `v1${INJECTION}`, vendor: `local${INJECTION}` }
      ])
    })
    const run = await runWith(server, { 'api-url': apiUrl })
    expect(run.exitCode).toBe(0)
    expectHarmless(run)
    expect(run.stdout).toContain('Model toy\\n::set-output name=pwned::PWNED\\r::add-mask::PWNED')
    expect(run.outputs['model-name']).toBe(
      'toy ⏎ ::set-output name=pwned::PWNED ⏎ ::add-mask::PWNED ⏎   ::stop-commands::PWNED ⏎ ::error::PWNED%0A::warning::PWNED ##[set-output name=pwned;]PWNED'
    )
  })
})

describe('no workflow command from a file name or an input', () => {
  /** A copy of the demo instance images with `extra` added (paths relative to the folder, `/` between parts). */
  async function instanceFolderWith(extra: Record<string, Uint8Array>): Promise<string> {
    const dir = join(scratch, `names-${randomUUID()}`)
    await cp(DEMO_INSTANCE, dir, { recursive: true })
    await writeImageTree(dir, extra)
    return dir
  }

  /** The step's error line as the runner reads it: core escapes CR, LF and % in it. */
  const errorLine = (run: ActionRun): string | undefined =>
    run.stdout.split('\n').find((line) => line.startsWith('::error::'))

  it.concurrent('a file whose name holds line breaks, ::commands and ##[ is named as text', async () => {
    const server = await serverWith()
    const name = `a${INJECTION}.png`
    const dir = await instanceFolderWith({ [name]: pngBytes({ width: 512, height: 512, seed: 3 }) })
    const run = await runWith(server, { 'instance-images': dir, 'class-images': DEMO_CLASS })
    expect(run.exitCode).toBe(1)
    expectHarmless(run)
    // named in the outputs on one line, in the log escaped, in the step's error escaped by core
    expect(run.outputs['error-message']).toContain('a ⏎ ::set-output name=pwned::PWNED ⏎ ::add-mask::PWNED')
    expect(errorLine(run)).toContain('a%0A::set-output name=pwned::PWNED%0D::add-mask::PWNED')
    expect(run.summary).toContain('set-output name=pwned')
    expect(server.requests).toEqual([])
  })

  it.concurrent(
    'warnings about images in a folder whose name holds ::commands name it as text: annotations and plain log lines',
    async () => {
      const server = await serverWith()
      // 11 images below the resolution: 9 annotations, then 2 warnings as plain log lines (no escaping by core)
      const small = Object.fromEntries(
        Array.from({ length: 11 }, (_, i) => [
          `sub${INJECTION}/small-${i}.png`,
          pngBytes({ width: 64, height: 64, seed: i + 10 })
        ])
      )
      const dir = await instanceFolderWith(small)
      const run = await runWith(server, { 'instance-images': dir, 'class-images': DEMO_CLASS, 'dry-run': 'true' })
      expect(run.exitCode).toBe(0)
      expectHarmless(run)
      const lines = run.stdout.split('\n')
      const annotated = lines.filter((line) => line.startsWith('::warning') && line.includes('small-'))
      const plain = lines.filter((line) => line.startsWith('Warning: ') && line.includes('small-'))
      expect([annotated.length, plain.length]).toEqual([9, 2])
      for (const line of [...annotated, ...plain]) {
        // the message escaped by the action
        expect(line).toContain('sub\\n::set-output name=pwned::PWNED\\r::add-mask::PWNED')
        expect(line).toContain('#\\#[set-output')
        expect(line).toContain('below the training resolution')
      }
      // the file= property escaped by core (`:` is %3A there)
      expect(annotated[0]).toMatch(/^::warning file=[^:]*sub\\n%3A%3Aset-output name=pwned%3A%3APWNED/)
      const listed = run.summary.split('\n').filter((line) => line.includes('small-'))
      expect(listed).toHaveLength(11)
      expect(server.requests).toEqual([])
    }
  )

  it.concurrent.each([
    [
      'lr-scheduler',
      `cosine${INJECTION}`,
      'lr-scheduler: "cosine\\n::set-output name=pwned::PWNED\\r::add-mask::PWNED'
    ],
    ['zip-name', '::set-output name=pwned::PWNED.zip', 'zip-name: "::set-output name=pwned::PWNED.zip"'],
    [
      'hyperparameters',
      JSON.stringify({ [`seed${INJECTION}`]: 1 }),
      'unknown key "seed\\n::set-output name=pwned::PWNED\\r::add-mask::PWNED'
    ],
    // not quoted by the check of inputs: the step's error escapes it (core writes CR and LF as %0D and %0A)
    ['instance-images', `missing${INJECTION}`, 'missing%0A::set-output name=pwned::PWNED%0D::add-mask::PWNED']
  ])('an input %s echoed back in its error is shown as text, never obeyed', async (input, value, shown) => {
    const server = await serverWith()
    const run = await runWith(server, { [input]: value })
    expect(run.exitCode).toBe(1)
    expectHarmless(run)
    expect(run.stdout).toContain(shown)
    expect(run.outputs['error-message']).toContain(input)
    expect(server.requests).toEqual([])
  })

  it.concurrent('a name and prompts with ::commands, trained and logged back, are shown as text', async () => {
    const server = await serverWith()
    const name = `::set-output name=pwned::PWNED${INJECTION}`
    const run = await runWith(server, {
      name,
      description: `::error::PWNED${INJECTION}`,
      'instance-prompt': `sks${INJECTION}`,
      'class-prompt': `toy${INJECTION}`
    })
    expect(run.exitCode).toBe(0)
    expectHarmless(run)
    // the service trained the model under that name, byte for byte; the log shows it on one line
    const inputs = server.jobs.map((job) => (job.input as { dreamboothInput?: { name?: string } }).dreamboothInput)
    expect(inputs.map((input) => input?.name)).toEqual([name])
    expect(run.stdout).toMatch(
      /^Model ::set-output name=pwned::PWNED\\n::set-output name=pwned::PWNED\\r::add-mask::PWNED\\n {2}::stop/m
    )
    expect(run.outputs['model-name']).toContain('::set-output name=pwned::PWNED ⏎ ::set-output name=pwned::PWNED')
  })
})

describe('no Markdown or HTML from a value the action did not write', () => {
  it.concurrent('model fields and an error with pipes, HTML, links and line breaks stay in their cells', async () => {
    const { server, apiUrl } = await hostileApi({
      getRetrainedModels: modelsRewritten((model) => [{ ...model, name: MARKUP, version: MARKUP, vendor: MARKUP }])
    })
    const env = await pullRequestEnv(11)
    const run = await runWith(server, { 'api-url': apiUrl, ...commentInputs }, { env })
    expect(run.exitCode).toBe(0)
    const [comment] = github.comments.filter((c) => c.issueNumber === 11)
    expect(comment).toBeDefined()
    // the comment's first line is our marker, the only HTML we write
    for (const markdown of [run.summary, comment!.body.split('\n').slice(1).join('\n')]) {
      // every row has the cells of its table: facts 2, models 5 (summary) or 4 (comment)
      for (const count of cellCounts(markdown)) expect([2, 4, 5]).toContain(count)
      expect(outsideCode(markdown)).not.toMatch(/(?<!\\)[<>]/)
      expect(outsideCode(markdown)).not.toMatch(/(?<!\\)\]\(https:\/\/phish/)
      expect(markdown).not.toContain('fake | row')
    }
    expect(comment!.body.split('\n')[0]).toBe('<!-- tiyaro-dreambooth:toy-robot -->')
    expect(comment!.body.split('\n').filter((line) => line.includes('<!-- tiyaro-dreambooth:other'))).toEqual([])
  })

  it.concurrent(
    "a job ID holding another model's marker does not make that model's run update our comment",
    async () => {
      const env = await pullRequestEnv(12)
      const { server, apiUrl } = await hostileApi({
        newJobID: () => ({ json: { data: { newJobID: 'job-8 <!-- tiyaro-dreambooth:other -->' } } })
      })
      await runWith(server, { 'api-url': apiUrl, ...commentInputs }, { env })
      const other = await runWith(server, { ...commentInputs, name: 'other' }, { env })
      expect(other.exitCode).toBe(0)
      const comments = github.comments.filter((c) => c.issueNumber === 12)
      expect(comments.map((c) => c.body.split('\n')[0])).toEqual([
        '<!-- tiyaro-dreambooth:toy-robot -->',
        '<!-- tiyaro-dreambooth:other -->'
      ])
    }
  )
})

describe("GitHub's limits", () => {
  it.concurrent('a 40 KB errMsg is cut in the outputs, the summary and the log', async () => {
    const server = await serverWith({ outcome: 'failed', failMessage: `out of memory ${'x'.repeat(40_000)} end` })
    const run = await runWith(server)
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message'].length).toBeLessThanOrEqual(2000)
    expect(run.outputs['error-message']).toMatch(/^Job .* failed: out of memory x+…$|^out of memory x+…$/)
    const errorRow = run.summary.split('\n').find((line) => line.startsWith('| Error |'))
    expect(errorRow!.length).toBeLessThan(2100)
    expect(Math.max(...run.stdout.split('\n').map((line) => line.length))).toBeLessThan(17 * 1024)
  })

  it.concurrent(
    '80 models with long escaped names and URLs: the summary stays under 1 MiB and says what it left out',
    async () => {
      // Escaped, each row would take about 13 KB of Markdown: 80 rows are over 1 MiB.
      const long = '|<'.repeat(300)
      const { server, apiUrl } = await hostileApi({
        getRetrainedModels: modelsRewritten((model) =>
          Array.from({ length: 80 }, (_, i) => ({
            ...model,
            name: `${i}${long}`,
            version: long,
            vendor: long,
            url: `https://models.example/${'('.repeat(1900)}`,
            modelCard: `https://models.example/card/${')'.repeat(1900)}`
          }))
        )
      })
      const run = await runWith(server, { 'api-url': apiUrl })
      expect(run.exitCode).toBe(0)
      expect(Buffer.byteLength(run.summary)).toBeLessThan(1024 * 1024)
      expect(run.summary).toMatch(/> … and \d+ more models not shown here\./)
      expect(run.summary).not.toContain('The summary was cut here')
      expect(JSON.parse(run.outputs.models)).toHaveLength(80)
      expect(run.outputs['model-name'].length).toBeLessThanOrEqual(200)
    }
  )

  /** A dry run on 15 images of 64 px: one warning each, as they are below the resolution. */
  async function smallImagesRun(inputs: Record<string, string> = {}): Promise<ActionRun> {
    const dir = join(scratch, `small-${randomUUID()}`)
    const files = Object.fromEntries(
      Array.from({ length: 15 }, (_, i) => [`img-${i}.png`, pngBytes({ width: 64, height: 64, seed: i + 1 })])
    )
    await writeImageTree(dir, files)
    return runWith(await serverWith(), {
      'instance-images': dir,
      'class-images': DEMO_CLASS,
      'dry-run': 'true',
      ...inputs
    })
  }

  const annotations = (run: ActionRun): string[] => run.stdout.split('\n').filter((l) => l.startsWith('::warning'))

  it.concurrent('15 warnings: 9 annotations, then one that sums up 6 more; the summary lists all 15', async () => {
    const run = await smallImagesRun()
    expect(run.exitCode).toBe(0)
    expect(annotations(run)).toHaveLength(10)
    expect(annotations(run).at(-1)).toBe(
      '::warning::6 more warnings than GitHub shows as annotations (10 a step): the job summary lists them all, and the log shows each on a line starting with "Warning:".'
    )
    expect(run.stdout.split('\n').filter((l) => l.startsWith('Warning: '))).toHaveLength(6)
    const listed = run.summary.split('\n').filter((line) => line.startsWith('- '))
    expect(listed).toHaveLength(15)
    expect(listed.every((line) => line.includes('below the training resolution'))).toBe(true)
  })

  it.concurrent('job-summary: false writes no summary, and the sum-up points at the log', async () => {
    const run = await smallImagesRun({ 'job-summary': 'false' })
    expect(run.exitCode).toBe(0)
    expect(run.summary).toBe('')
    expect(annotations(run)).toHaveLength(10)
    expect(annotations(run).at(-1)).toMatch(
      /6 more warnings .*: the log shows each on a line starting with "Warning:"\.$/
    )
  })
})
