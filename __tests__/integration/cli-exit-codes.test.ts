// The command's exit codes and refusals, through the bundle: 1 for a failed job, 2 for bad input
// (nothing sent) or usage, 3 for a timeout (with the way to wait), 130 for Ctrl-C; an unknown
// option named; a key on the command line refused; the idempotency file preventing a second
// training.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TiyaroServer } from '../../server/tiyaro-server.js'
import {
  DEMO_CLASS,
  DEMO_INSTANCE,
  TEST_API_KEY,
  operationsSeen,
  useServers
} from '../../test-support/action-fixture.js'
import { useTempDir } from '../../test-support/fixtures.js'
import { jsonOutputs, removeCliTemps, runCli } from '../../test-support/run-cli.js'

// every run of the command is scanned for the key and the upload URLs when the file ends
const startServer = useServers()
const scratch = useTempDir('tiyaro-cli-exit-')
afterAll(removeCliTemps)
let server: TiyaroServer
let stuck: TiyaroServer

beforeAll(async () => {
  server = await startServer({ trainingMs: 300 })
  // its trainings never end unless a test says so
  stuck = await startServer({ outcome: 'never' })
})

const env = { TIYARO_API_KEY: TEST_API_KEY }

function train(on: TiyaroServer, ...more: string[]): string[] {
  return [
    'train',
    '--api-url',
    on.graphqlUrl,
    '--instance-images',
    DEMO_INSTANCE,
    '--class-images',
    DEMO_CLASS,
    '--name',
    'toy-robot',
    '--instance-prompt',
    'a photo of sks toy robot',
    '--class-prompt',
    'a photo of a toy robot',
    '--poll-interval-seconds',
    '0.1',
    '--timeout-minutes',
    '1',
    '--json',
    ...more
  ]
}

describe('exit codes', () => {
  it('1: the job failed; the service message is the error', async () => {
    const failing = await startServer({ outcome: 'failed', failMessage: 'CUDA out of memory' })
    const run = await runCli(train(failing), { env })
    expect(run.exitCode).toBe(1)
    expect(jsonOutputs(run)).toMatchObject({ status: 'failed', 'error-message': 'CUDA out of memory' })
    expect(run.stderr).toMatch(/error: Training job \S+ failed: CUDA out of memory/)
  })

  it('2: bad input, every problem named by its option, and not one request sent', async () => {
    const before = server.requests.length
    const run = await runCli(train(server, '--max-train-steps', '1.5', '--lr-scheduler', 'cosine-ish'), { env })
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('error: 2 problems with the options:')
    expect(run.stderr).toMatch(/^ {2}--max-train-steps: "1\.5" /m)
    expect(run.stderr).toMatch(/^ {2}--lr-scheduler: "cosine-ish" /m)
    expect(server.requests.length).toBe(before)
  })

  it('2: no key at all says where the key comes from', async () => {
    const before = server.requests.length
    const run = await runCli(train(server))
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('error: API key (TIYARO_API_KEY or --api-key-file): is required')
    expect(server.requests.length).toBe(before)
  })

  it('3: timed out; the job goes on and the message says how to wait for it', async () => {
    const run = await runCli(train(stuck, '--timeout-minutes', '0.03'), { env })
    expect(run.exitCode).toBe(3)
    const outputs = jsonOutputs(run)
    expect(outputs.status).toBe('timed-out')
    const hint = `tiyaro-dreambooth wait ${outputs['job-id']}`
    expect(outputs['error-message']).toContain(hint)
    expect(run.stderr).toContain(hint)

    // what the message says works: wait attaches, and the job ends done
    stuck.setOutcome('done', { jobId: outputs['job-id'] })
    const waited = await runCli(['wait', outputs['job-id'], '--api-url', stuck.graphqlUrl, '--json'], { env })
    expect(waited.exitCode).toBe(0)
    expect(jsonOutputs(waited)).toMatchObject({ status: 'done', 'job-id': outputs['job-id'] })
    expect(stuck.job(outputs['job-id'])?.startCount).toBe(1)
  })

  it('130: Ctrl-C while waiting stops the command, not the job, and says how to wait for it', async () => {
    let sent = false
    const run = await runCli(train(stuck), {
      env,
      onSpawn: (child) =>
        child.stderr?.on('data', (chunk: Buffer) => {
          if (!sent && chunk.toString().includes('check 1:')) {
            sent = true
            child.kill('SIGINT')
          }
        })
    })
    expect(sent).toBe(true)
    expect(run.exitCode).toBe(130)
    const outputs = jsonOutputs(run)
    expect(outputs.status).toBe('running')
    expect(run.stderr).toContain('Received SIGINT')
    expect(run.stderr).toContain(`tiyaro-dreambooth wait ${outputs['job-id']}`)
  })
})

describe('refusals', () => {
  it('an unknown option is named, with the option it probably meant', async () => {
    const run = await runCli([...train(server), '--instance-image', DEMO_INSTANCE], { env })
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('unknown option --instance-image; did you mean --instance-images?')
    expect(run.stdout).toBe('')
  })

  it('an option of another command is refused as a flag', async () => {
    const run = await runCli(['status', 'job-1', '--instance-images', DEMO_INSTANCE], { env })
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('--instance-images is not an option of status')
  })

  it.each([[['--api-key', 'tk-typed-on-the-command-line-1234']], [['--api-key=tk-typed-on-the-command-line-1234']]])(
    'a key on the command line (%j) is refused, saying why, and never shown',
    async (flag) => {
      const before = server.requests.length
      const run = await runCli([...train(server), ...flag])
      expect(run.exitCode).toBe(2)
      expect(run.stderr).toContain('--api-key: refused: a value on the command line can be read by every user')
      expect(run.stderr).toContain('TIYARO_API_KEY')
      expect(run.stderr).toContain('--api-key-file FILE')
      expect(`${run.stdout}${run.stderr}`).not.toContain('tk-typed-on-the-command-line-1234')
      expect(server.requests.length).toBe(before)
    }
  )
})

describe('--idempotency-file', () => {
  it('a second train with the same file, zip and parameters attaches instead of training again', async () => {
    const file = join(scratch, 'job.json')
    const startedBefore = server.trainingsStarted()
    const first = await runCli(train(server, '--idempotency-file', file), { env })
    expect(first.exitCode).toBe(0)
    const jobId = jsonOutputs(first)['job-id']
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      jobId,
      zipSha256: jsonOutputs(first)['zip-sha256']
    })
    expect(await readFile(file, 'utf8')).not.toContain(TEST_API_KEY)

    const before = server.requests.length
    const second = await runCli(train(server, '--idempotency-file', file), { env })
    expect(second.exitCode).toBe(0)
    expect(jsonOutputs(second)).toMatchObject({ status: 'done', 'job-id': jobId })
    expect(second.stderr).toContain(`job ${jobId} was started with the same zip and parameters; attaching to it`)
    const seen = operationsSeen(server, before)
    for (const operation of ['newJobID', 'upload', 'startRetrainingJob']) expect(seen).not.toContain(operation)
    expect(server.trainingsStarted()).toBe(startedBefore + 1)

    // other parameters are another training, which the file then records
    const third = await runCli(train(server, '--idempotency-file', file, '--max-train-steps', '500'), { env })
    expect(third.exitCode).toBe(0)
    expect(jsonOutputs(third)['job-id']).not.toBe(jobId)
    expect(server.trainingsStarted()).toBe(startedBefore + 2)
    expect(JSON.parse(await readFile(file, 'utf8')).jobId).toBe(jsonOutputs(third)['job-id'])
  })

  it('a file that holds no record stops the run before anything is started', async () => {
    const file = join(scratch, 'not-a-record.json')
    await writeFile(file, 'hello')
    const startedBefore = server.trainingsStarted()
    const run = await runCli(train(server, '--idempotency-file', file), { env })
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain(`--idempotency-file: ${file} holds no job record of tiyaro-dreambooth`)
    expect(server.trainingsStarted()).toBe(startedBefore)
  })
})
