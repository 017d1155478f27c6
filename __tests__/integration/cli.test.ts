// The tiyaro-dreambooth command, bundled (dist/cli/index.js), run as a user runs it against the
// local Tiyaro server: a whole train with --json, --dotenv and --summary, check (no key, no
// network, the same zip twice), status and wait, the local class-image cache, --help, --version.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TiyaroServer } from '../../server/tiyaro-server.js'
import { OPTIONS, envName } from '../../src/cli/options.js'
import { usageOf } from '../../src/cli/help.js'
import {
  DEMO_CLASS,
  DEMO_INSTANCE,
  TEST_API_KEY,
  operationsSeen,
  useServer
} from '../../test-support/action-fixture.js'
import { useTempDir } from '../../test-support/fixtures.js'
import { REPO_ROOT } from '../../test-support/run-action.js'
import { CLI_ENTRY, jsonOutputs, removeCliTemps, runCli, type CliRun } from '../../test-support/run-cli.js'

// every run of the command is scanned for the key and the upload URLs when the block ends
const server: TiyaroServer = useServer({ trainingMs: 300 })
const scratch = useTempDir('tiyaro-cli-test-')
afterAll(removeCliTemps)

/** The dataset and a fast poll as flags; `more` adds to them. */
function trainArgs(...more: string[]): string[] {
  return [
    '--api-url',
    server.graphqlUrl,
    '--instance-images',
    DEMO_INSTANCE,
    '--class-images',
    DEMO_CLASS,
    '--instance-prompt',
    'a photo of sks toy robot',
    '--poll-interval-seconds',
    '0.1',
    '--timeout-minutes',
    '1',
    ...more
  ]
}

describe('train --json --dotenv --summary', () => {
  let run: CliRun
  let dotenv: string
  let summary: string

  beforeAll(async () => {
    const keyFile = join(scratch, 'api-key')
    await writeFile(keyFile, `${TEST_API_KEY}\n`, { mode: 0o600 })
    const dotenvFile = join(scratch, 'train.env')
    const summaryFile = join(scratch, 'out', 'summary.md')
    run = await runCli(
      [
        'train',
        ...trainArgs('--name', 'toy-robot', '--max-train-steps', '400'),
        '--api-key-file',
        keyFile,
        '--json',
        '--dotenv',
        dotenvFile,
        '--summary',
        summaryFile
      ],
      // a flag wins over its variable; a variable alone is used
      { env: { TIYARO_NAME: 'from-the-environment', TIYARO_CLASS_PROMPT: 'a photo of a toy robot' } }
    )
    dotenv = await readFile(dotenvFile, 'utf8')
    summary = await readFile(summaryFile, 'utf8')
  })

  it('trains, prints one JSON object of the outputs on stdout and exits 0', () => {
    expect(run.stderr).not.toContain('error:')
    expect(run.exitCode).toBe(0)
    const outputs = jsonOutputs(run)
    expect(outputs).toMatchObject({
      status: 'done',
      'model-name': 'toy-robot',
      'model-version': '1',
      'instance-image-count': '5',
      'class-image-count': '4',
      'class-images-cache-hit': 'false'
    })
    expect(outputs['job-id']).toMatch(/\S/)
    expect(outputs['model-url']).toContain(server.graphqlUrl.replace('/graphql', ''))
    expect(outputs['zip-sha256']).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.parse(outputs.models)).toHaveLength(1)
    const sent = server.job(outputs['job-id'])?.input as { dreamboothInput: Record<string, unknown> }
    expect(sent.dreamboothInput).toMatchObject({
      name: 'toy-robot',
      class_prompt: 'a photo of a toy robot',
      max_train_steps: 400
    })
    expect(server.trainingsStarted()).toBe(1)
  })

  it('shows the progress on stderr as plain lines when stderr is not a terminal', () => {
    expect(run.stderr).toContain('==> Zip and upload')
    expect(run.stderr).toMatch(/Uploaded \d+ bytes as toy-robot-1\.zip/)
    expect(run.stderr).toMatch(/check \d+: done/)
    expect(run.stderr).not.toMatch(/[\r\x1b]/)
    expect(run.stderr).not.toContain('::')
  })

  it('writes the outputs as KEY=value lines for a dotenv report', () => {
    const lines = dotenv.trimEnd().split('\n')
    for (const line of lines) expect(line).toMatch(/^[A-Z][A-Z0-9_]*=[^\n]*$/)
    const values = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
    )
    const outputs = jsonOutputs(run)
    expect(values.STATUS).toBe('done')
    expect(values.JOB_ID).toBe(outputs['job-id'])
    expect(values.MODEL_URL).toBe(outputs['model-url'])
    expect(JSON.parse(values.MODELS)).toEqual(JSON.parse(outputs.models))
    expect(Object.keys(values)).toHaveLength(Object.keys(outputs).length)
    expect(dotenv).not.toContain(TEST_API_KEY)
  })

  it('writes the Markdown summary', () => {
    expect(summary).toContain('DreamBooth training: done')
    expect(summary).toContain(jsonOutputs(run)['job-id'])
    expect(summary).not.toContain(TEST_API_KEY)
  })

  it('saved the class images in the cache folder, and a train without class images restores them', async () => {
    const cacheDir = join(run.tmp, 'cache', 'tiyaro-dreambooth', 'class-images')
    expect((await readdir(cacheDir)).filter((name) => !name.startsWith('.'))).toHaveLength(1)
    const classDir = join(scratch, 'empty-class-folder')
    const again = await runCli(
      [
        'train',
        ...trainArgs('--name', 'toy-robot-2', '--class-prompt', 'a photo of a toy robot', '--json'),
        '--class-images',
        classDir
      ],
      { env: { TIYARO_API_KEY: TEST_API_KEY, XDG_CACHE_HOME: join(run.tmp, 'cache') } }
    )
    expect(again.exitCode).toBe(0)
    expect(jsonOutputs(again)).toMatchObject({ 'class-images-cache-hit': 'true', 'class-image-count': '4' })
    expect(again.stderr).toMatch(/Class-image cache: restored 4 class images from key tiyaro-dreambooth-class-v1-/)
  })
})

describe('on a terminal', () => {
  // script(1) gives the command a terminal, as a person at a shell has
  const hasScript = existsSync('/usr/bin/script')
  ;(hasScript ? it : it.skip)('the upload is a progress bar redrawn in place', async () => {
    const quote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`
    const command = [process.execPath, CLI_ENTRY, 'train', ...trainArgs('--name', 'tty', '--class-prompt', 'a toy')]
    const { NODE_OPTIONS: _jestOptions, ...shellEnv } = process.env
    const child = spawn('/usr/bin/script', ['-qefc', command.map(quote).join(' '), '/dev/null'], {
      env: {
        ...shellEnv,
        TIYARO_API_KEY: TEST_API_KEY,
        TMPDIR: scratch,
        XDG_CACHE_HOME: join(scratch, 'tty-cache')
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let text = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
    const code = await new Promise<number | null>((done) => child.on('close', done))
    expect(code).toBe(0)
    expect(text).toContain('\r\x1b[2KUpload [')
    expect(text).toMatch(/Upload \[#{30}\] 100% /)
    expect(text).not.toContain(TEST_API_KEY)
  })
})

describe('check', () => {
  it('validates and builds the zip with no key and no request; twice gives the same zip-sha256', async () => {
    const before = server.requests.length
    const args = ['check', ...trainArgs('--name', 'toy-robot', '--class-prompt', 'a photo of a toy robot', '--json')]
    const first = await runCli(args)
    const second = await runCli(args)
    for (const run of [first, second]) {
      expect(run.exitCode).toBe(0)
      expect(jsonOutputs(run).status).toBe('dry-run')
    }
    expect(jsonOutputs(first)['zip-sha256']).toMatch(/^[0-9a-f]{64}$/)
    expect(jsonOutputs(second)['zip-sha256']).toBe(jsonOutputs(first)['zip-sha256'])
    // two zips in two temporary folders, byte for byte the same
    expect(jsonOutputs(first)['zip-path']).not.toBe(jsonOutputs(second)['zip-path'])
    expect(await readFile(jsonOutputs(second)['zip-path'])).toEqual(await readFile(jsonOutputs(first)['zip-path']))
    expect(server.requests.length).toBe(before)
  })
})

describe('status and wait', () => {
  it('status checks a job once and prints it; wait attaches to it and reads its models', async () => {
    const env = { TIYARO_API_KEY: TEST_API_KEY, TIYARO_API_URL: server.graphqlUrl }
    const started = await runCli(
      ['train', ...trainArgs('--name', 'later', '--class-prompt', 'a photo of a toy robot', '--no-wait', '--json')],
      { env }
    )
    expect(started.exitCode).toBe(0)
    const jobId = jsonOutputs(started)['job-id']
    expect(jsonOutputs(started).status).toBe('running')
    expect(started.stderr).toContain(`Wait for it later with: tiyaro-dreambooth wait ${jobId}`)

    const before = server.requests.length
    const status = await runCli(['status', jobId, '--json'], { env })
    expect(status.exitCode).toBe(0)
    expect(['running', 'done']).toContain(jsonOutputs(status).status)
    expect(operationsSeen(server, before)[0]).toBe('getJobStatus')

    const waited = await runCli(['wait', jobId, '--poll-interval-seconds', '0.1'], { env })
    expect(waited.exitCode).toBe(0)
    // without --json: one "name: value" line per output
    expect(waited.stdout).toContain('status: done\n')
    expect(waited.stdout).toContain(`job-id: ${jobId}\n`)
    expect(waited.stdout).toMatch(/^model-url: http/m)
    expect(server.trainingsStarted()).toBeGreaterThanOrEqual(1)
    expect(server.job(jobId)?.startCount).toBe(1)
  })
})

describe('--help and --version', () => {
  it('--help lists every option with its default and its variable', async () => {
    const run = await runCli(['--help'])
    expect(run.exitCode).toBe(0)
    const help = run.stdout.replace(/\s+/g, ' ')
    for (const option of OPTIONS) {
      expect(run.stdout).toContain(`  ${usageOf(option)}\n`)
      if (option.default) expect(help).toContain(`Default: ${option.default}.`)
      expect(envName(option) === undefined || help.includes('TIYARO_<NAME>')).toBe(true)
    }
    for (const command of ['train', 'check', 'status <job-id>', 'wait <job-id>']) expect(run.stdout).toContain(command)
  })

  it('--version prints the version of package.json', async () => {
    const run = await runCli(['--version'])
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toBe(`${version}\n`)
  })
})
