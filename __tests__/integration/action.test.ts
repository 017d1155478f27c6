// The bundled action (dist/index.js), run as the runner runs it, against the local server.
import { beforeAll, describe, expect, it } from '@jest/globals'
import { writeFile, copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TiyaroServer } from '../../server/tiyaro-server.js'
import { lastUploadedZip } from '../../test-support/server-fixture.js'
import {
  DEMO_CLASS,
  DEMO_INSTANCE,
  TEST_API_KEY,
  WORKFLOW_CALLS,
  operationsSeen,
  runWith,
  useServer,
  useServers
} from '../../test-support/action-fixture.js'
import { useTempDir } from '../../test-support/fixtures.js'
import { pngBytes } from '../../test-support/images.js'
import { HYPERPARAMETER_INPUTS, HYPERPARAMETER_VALUES } from '../../test-support/hyperparameter-cases.js'

const server = useServer()
const startServer = useServers()

describe('the whole workflow', () => {
  it('trains with every hyperparameter, each sent with its GraphQL type and value', async () => {
    const before = server.requests.length
    const run = await runWith(server, { ...HYPERPARAMETER_INPUTS, description: 'all of them' })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')

    const job = server.job(run.outputs['job-id'])
    expect(job?.state).toBe('done')
    expect(job?.input).toEqual({
      jobType: 'dreambooth',
      dreamboothInput: {
        name: 'toy-robot',
        version: 'v1',
        desc: 'all of them',
        datasetS3ObjName: 'toy-robot-v1.zip',
        class_prompt: 'a photo of a toy robot',
        instance_prompt: 'a photo of sks toy robot',
        ...HYPERPARAMETER_VALUES
      }
    })
    // The seed's order of calls, each once; revision detection asks the schema first.
    expect(operationsSeen(server, before).filter((op, i, all) => op !== all[i - 1])).toEqual([...WORKFLOW_CALLS])
    expect(server.trainingsStarted()).toBeGreaterThanOrEqual(1)

    // The uploaded object is the zip the action reports, in the seed's layout.
    const uploaded = job?.uploads.at(-1)
    expect(uploaded?.sha256).toBe(run.outputs['zip-sha256'])
    expect(uploaded?.contentType).toBe('application/octet-stream')
    // no keep-zip, no artifact, no dry run: the zip went straight into the upload, never to disk
    expect(run.outputs['zip-path']).toBe('')
    const zip = await lastUploadedZip(server, run.outputs['job-id'])
    const names = zip.map((entry) => entry.name)
    expect(names.filter((name) => !name.startsWith('dataset_class/'))).toHaveLength(5)
    expect(names.filter((name) => name.startsWith('dataset_class/'))).toHaveLength(4)

    const models = JSON.parse(run.outputs.models) as { url: string; modelCard: string; name: string }[]
    expect(models).toHaveLength(1)
    expect(run.outputs['model-url']).toBe(models[0].url)
    expect(run.outputs['model-card']).toBe(models[0].modelCard)
    expect(run.outputs['model-name']).toBe('toy-robot')
    expect(run.outputs['model-version']).toBe('v1')
    expect(run.outputs['model-vendor']).toBe('local')
    expect(run.outputs.created).toBeTruthy()
    expect(run.outputs.finished).toBeTruthy()
    expect(run.outputs['instance-image-count']).toBe('5')
    expect(run.outputs['class-image-count']).toBe('4')
    expect(Number(run.outputs['zip-bytes'])).toBe(uploaded?.size)

    // One log group per phase, a line per status check with its elapsed time.
    for (const group of [
      'Check images',
      'Create job',
      'Zip and upload',
      'Start training',
      'Wait for training',
      'Read models'
    ]) {
      expect(run.stdout).toContain(`::group::${group}`)
    }
    expect(run.stdout).toMatch(/^\[\d+(\.\d+)? m?s\] check 1: running$/m)
    // The summary: status, model links, parameters sent, timings.
    expect(run.summary).toContain('DreamBooth training: done')
    // links are for https URLs only: the local server's http URL is shown as code
    expect(run.summary).toContain(`| \`${models[0].url}\` |`)
    expect(run.summary).toContain('| lr\\_scheduler | "cosine\\_with\\_restarts" |')
    expect(run.summary).toContain('### Timings')
  })

  it('sends prompts with quotes, backslashes, newlines and emoji byte-exact', async () => {
    const instancePrompt = 'a "photo" of sks\\dog\nin a {field} 🐶 — naïve \'quote\' $var `tick`'
    const classPrompt = '  leading and trailing spaces, a tab\there, and \\"escaped\\"  '
    const description = 'line one\r\nline two } ] ) " \\u0041'
    const run = await runWith(server, { 'instance-prompt': instancePrompt, 'class-prompt': classPrompt, description })
    expect(run.exitCode).toBe(0)
    const input = server.job(run.outputs['job-id'])?.input as { dreamboothInput: Record<string, unknown> }
    expect(input.dreamboothInput.instance_prompt).toBe(instancePrompt)
    expect(input.dreamboothInput.class_prompt).toBe(classPrompt)
    expect(input.dreamboothInput.desc).toBe(description)
  })

  it('fails the step with errMsg when the training fails', async () => {
    const failing = await startServer({ outcome: 'failed', failMessage: 'CUDA out of memory at step 12' })
    const run = await runWith(failing)
    expect(run.exitCode).toBe(1)
    expect(run.outputs.status).toBe('failed')
    expect(run.outputs['error-message']).toBe('CUDA out of memory at step 12')
    expect(run.stdout).toMatch(/^::error::Training job .* failed: CUDA out of memory at step 12$/m)
    expect(run.outputs['model-url']).toBeUndefined()
  })

  it('returns after the start with wait: false', async () => {
    const before = server.requests.length
    const run = await runWith(server, { wait: 'false' })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('running')
    expect(run.outputs['job-id']).toBeTruthy()
    expect(operationsSeen(server, before)).not.toContain('getJobStatus')
    expect(server.job(run.outputs['job-id'])?.startCount).toBe(1)
  })

  it('attaches to a running job with job-id: no create, upload or start', async () => {
    const slow = await startServer({ trainingMs: 1500 })
    const started = await runWith(slow, { wait: 'false' })
    const jobId = started.outputs['job-id']
    const before = slow.requests.length
    const run = await runAction(slow, {
      'api-key': TEST_API_KEY,
      'api-url': slow.graphqlUrl,
      'job-id': jobId,
      'poll-interval-seconds': '0.2'
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    expect(run.outputs['job-id']).toBe(jobId)
    expect(run.outputs['model-url']).toBeTruthy()
    const seen = operationsSeen(slow, before)
    expect(seen).not.toContain('newJobID')
    expect(seen).not.toContain('upload')
    expect(seen).not.toContain('startRetrainingJob')
    expect(seen).toContain('getJobStatus')
    expect(slow.job(jobId)?.startCount).toBe(1)
  })

  it('makes no request at all on a dry run, and gives the same zip-sha256 twice', async () => {
    const before = server.requests.length
    const first = await runWith(server, { 'dry-run': 'true' })
    const second = await runWith(server, { 'dry-run': 'true' })
    expect(first.exitCode).toBe(0)
    expect(first.outputs.status).toBe('dry-run')
    expect(first.outputs['zip-sha256']).toMatch(/^[0-9a-f]{64}$/)
    expect(second.outputs['zip-sha256']).toBe(first.outputs['zip-sha256'])
    expect(first.outputs['zip-path']).not.toBe(second.outputs['zip-path'])
    expect(server.requests.length).toBe(before)
  })
})

/** Runs with exactly these inputs (no defaults from trainingInputs). */
async function runAction(_server: TiyaroServer, inputs: Record<string, string>) {
  const { runAction: run } = await import('../../test-support/run-action.js')
  return run({ inputs })
}

describe('bad input fails before any network call', () => {
  const workspace = useTempDir('tiyaro-bad-')
  beforeAll(async () => {
    await writeFile(join(workspace, 'notes.txt'), 'not an image')
    await copyFile(join(DEMO_INSTANCE, 'robot-01.jpg'), join(workspace, 'robot-01.jpg'))
    await writeFile(join(workspace, 'image.png'), pngBytes({ width: 8, height: 8 }))
  })

  const cases: [string, Record<string, string>, RegExp][] = [
    ['a missing required input', { 'instance-prompt': '' }, /instance-prompt: is required/],
    ['an Int that is not an integer', { 'max-train-steps': '1.5' }, /max-train-steps: "1\.5"/],
    ['a value out of range', { 'learning-rate': '2' }, /learning-rate: 2 is out of range/],
    ['an enum typo', { 'lr-scheduler': 'cosin' }, /lr-scheduler: "cosin".*cosine/],
    ['a Boolean that is not one', { 'train-text-encoder': 'yes' }, /train-text-encoder: "yes"/],
    ['an unknown hyperparameters key', { hyperparameters: 'learning_rat: 1e-6' }, /learning_rat.*learning_rate/],
    [
      'a key set twice',
      { hyperparameters: '{"max_train_steps": 400}', 'max-train-steps': '400' },
      /max_train_steps.*max-train-steps/
    ],
    ['plain http to another host', { 'api-url': 'http://example.com/graphql' }, /api-url: .*https/],
    [
      'an instance folder that does not exist',
      { 'instance-images': '/nonexistent/images' },
      /instance-images: .*\/nonexistent\/images/
    ],
    ['a file that is not an image', { 'instance-images': '<workspace>' }, /instance-images:[\s\S]*notes\.txt/]
  ]

  it.each(cases)('%s', async (_label, inputs, message) => {
    const before = server.requests.length
    const resolved = Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => [k, v.replace('<workspace>', workspace)])
    )
    const run = await runWith(server, { 'class-images': DEMO_CLASS, ...resolved })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(new RegExp(`^::error::.*${message.source}`, 'ms'))
    expect(run.outputs['error-message']).toMatch(message)
    expect(server.requests.length).toBe(before)
  })
})
