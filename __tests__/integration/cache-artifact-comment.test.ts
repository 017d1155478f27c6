// The bundled action with the real @actions/cache, @actions/artifact and @actions/github, against
// the local runner services (Azurite behind a Twirp cache and artifact service), a local GitHub
// REST stand-in and the local Tiyaro server.
import { describe, expect, it, jest } from '@jest/globals'
import { createHash, randomUUID } from 'node:crypto'
import { cp, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TiyaroServer } from '../../server/tiyaro-server.js'
import { readZip } from '../../server/zip-entries.js'
import { JOB_RECORD_FOLDER, jobRecordKeyPrefix } from '../../src/github/rerun.js'
import { runFingerprint } from '../../src/services/keys.js'
import { restoreFolder } from '../../src/github/cache-store.js'
import {
  DEMO_CLASS,
  TEST_API_KEY,
  operationsSeen,
  runWith,
  useServer,
  useServers
} from '../../test-support/action-fixture.js'
import { useGitHubApi, useRunnerServices, useTempDir, withEnv } from '../../test-support/fixtures.js'
import type { ActionRun } from '../../test-support/run-action.js'

const GITHUB_TOKEN = 'ghs_localTestToken0123456789abcdef'
const REPOSITORY = { owner: 'octo', repo: 'dreams' }

const startServer = useServers({ secrets: [GITHUB_TOKEN] })
const server = useServer()
const services = useRunnerServices()
const github = useGitHubApi({ token: GITHUB_TOKEN })
const scratch = useTempDir('tiyaro-cache-artifact-')

/** The environment of a job on github.com: runner services, the REST API and the run's context. */
function runnerEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...services.env,
    ...github.env,
    GITHUB_REPOSITORY: `${REPOSITORY.owner}/${REPOSITORY.repo}`,
    GITHUB_RUN_ID: '7000001',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    ...extra
  }
}

function runOn(
  target: TiyaroServer,
  inputs: Record<string, string | undefined>,
  env: Record<string, string> = {}
): Promise<ActionRun> {
  return runWith(target, inputs, { env: runnerEnv(env) })
}

/** The class images of the zip the server received for the run's job: entry name → bytes. */
async function uploadedClassImages(target: TiyaroServer, run: ActionRun): Promise<Map<string, Buffer>> {
  const upload = target.job(run.outputs['job-id'])?.uploads.at(-1)
  if (!upload) throw new Error(`no upload for job ${run.outputs['job-id']}`)
  const files = await zipFiles(await readFile(upload.path))
  return new Map([...files].filter(([name]) => name.startsWith('dataset_class/')))
}

/** The files of a zip: entry name → bytes. */
async function zipFiles(zip: Buffer): Promise<Map<string, Buffer>> {
  const entries = await readZip(zip)
  return new Map(await Promise.all(entries.map(async (entry) => [entry.name, await entry.data()] as const)))
}

/** Annotations (::warning:: / ::error::) a run printed. */
function annotations(run: ActionRun): string[] {
  return run.stdout.split('\n').filter((line) => /^::(warning|error)\b/.test(line))
}

/** Runs `body` with the test process set up like a job of the local runner services. */
async function asRunnerJob<T>(body: () => Promise<T>): Promise<T> {
  const env = { ...services.env, RUNNER_TEMP: await mkdtemp(join(scratch, 'reader-')) }
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true) // the library's ::debug:: lines
  try {
    return await withEnv(env, body)
  } finally {
    write.mockRestore()
  }
}

describe('class-image cache', () => {
  it('saves the class images on a first run, and a run with empty class-images restores them into the same zip entries', async () => {
    const inputs = { 'class-prompt': 'a photo of a toy robot, cache round trip' }
    const first = await runOn(server, inputs)
    expect(first.exitCode).toBe(0)
    expect(first.outputs['class-images-cache-hit']).toBe('false')
    const saved =
      /Class-image cache: saved 4 class images under key (tiyaro-dreambooth-class-v1-[0-9a-f]{16}-[0-9a-f]{32}) in /.exec(
        first.stdout
      )
    expect(saved).not.toBeNull()
    const key = saved?.[1] ?? ''
    expect(services.cacheEntries().filter((entry) => entry.key === key)).toEqual([
      expect.objectContaining({ finalized: true })
    ])

    const second = await runOn(server, { ...inputs, 'class-images': '' })
    expect(second.exitCode).toBe(0)
    expect(second.outputs.status).toBe('done')
    expect(second.outputs['class-images-cache-hit']).toBe('true')
    expect(second.outputs['class-image-count']).toBe('4')
    expect(second.stdout).toContain(`Class-image cache: restored 4 class images from key ${key} into `)
    // exact hit: nothing to save again
    expect(second.stdout).not.toContain('Class-image cache: saved')
    expect(second.summary).toMatch(/\| Class images from cache \| yes \|/)

    const before = await uploadedClassImages(server, first)
    const after = await uploadedClassImages(server, second)
    expect([...after.keys()]).toEqual([...before.keys()])
    expect([...before.keys()]).toEqual([
      'dataset_class/toy-robot-01.jpg',
      'dataset_class/toy-robot-02.jpg',
      'dataset_class/toy-robot-03.jpg',
      'dataset_class/toy-robot-04.jpg'
    ])
    for (const [name, bytes] of before) expect(after.get(name)?.equals(bytes)).toBe(true)
    expect(second.outputs['zip-sha256']).toBe(first.outputs['zip-sha256'])
  })

  it('restores into a class-images folder that is missing, then uses it as given', async () => {
    const inputs = { 'class-prompt': 'a photo of a toy robot, into a folder' }
    expect((await runOn(server, inputs)).exitCode).toBe(0)
    const folder = join(scratch, 'not-yet-there', 'class')

    const run = await runOn(server, { ...inputs, 'class-images': folder })

    expect(run.exitCode).toBe(0)
    expect(run.outputs['class-images-cache-hit']).toBe('true')
    expect((await readdir(folder)).sort()).toEqual([
      'toy-robot-01.jpg',
      'toy-robot-02.jpg',
      'toy-robot-03.jpg',
      'toy-robot-04.jpg'
    ])
    for (const name of await readdir(folder)) {
      expect((await readFile(join(folder, name))).equals(await readFile(join(DEMO_CLASS, name)))).toBe(true)
    }
  })

  it('keeps one entry per model, class prompt and resolution: another resolution misses', async () => {
    const inputs = { 'class-prompt': 'a photo of a toy robot, per resolution' }
    expect((await runOn(server, inputs)).exitCode).toBe(0)

    const run = await runOn(server, { ...inputs, 'class-images': '', resolution: '768' })

    expect(run.exitCode).toBe(0)
    expect(run.outputs['class-images-cache-hit']).toBe('false')
    expect(run.outputs['class-image-count']).toBe('0')
    expect(run.stdout).toMatch(/Class-image cache: no entry for tiyaro-dreambooth-class-v1-[0-9a-f]{16}-\*/)
  })

  it('lets two runs save the same key at once: both succeed, one entry, no warning or error about the cache', async () => {
    const inputs = { 'class-prompt': 'a photo of a toy robot, raced' }
    // Each run has a checkout of its own, as two jobs have: the same images, not the same files.
    // The action hard-links the images it saves, and a link one run makes or removes while the
    // other's tar reads that file fails the tar ("file changed as we read it").
    const checkouts = ['race-a', 'race-b'].map((name) => join(scratch, name))
    await Promise.all(checkouts.map((folder) => cp(DEMO_CLASS, folder, { recursive: true })))
    const requestsBefore = services.requests.length

    const runs = await Promise.all(checkouts.map((folder) => runOn(server, { ...inputs, 'class-images': folder })))

    for (const run of runs) {
      expect(run.exitCode).toBe(0)
      expect(run.outputs.status).toBe('done')
      expect(annotations(run).filter((line) => /cache/i.test(line))).toEqual([])
    }
    const keys = runs.map((run) => /under key ([\w-]+)/.exec(run.stdout)?.[1])
    expect(keys[0]).toBeDefined()
    expect(keys[1]).toBe(keys[0])
    expect(services.cacheEntries().filter((entry) => entry.key === keys[0])).toEqual([
      expect.objectContaining({ finalized: true })
    ])
    // One saved; the other either lost the reservation (409, logged as info) or found the entry made.
    const saves = runs.filter((run) => run.stdout.includes('Class-image cache: saved 4 class images'))
    expect(saves).toHaveLength(1)
    const conflicts = services.requests
      .slice(requestsBefore)
      .filter((r) => r.method === 'CreateCacheEntry' && r.status === 409)
    const loser = runs.find((run) => run !== saves[0])
    if (conflicts.length > 0) expect(loser?.stdout).toContain('another job may be creating this cache')
    else expect(loser?.stdout).toContain('are cached already under key')
  })

  it('makes no class-image cache call with cache-class-images: false, and no call at all on a dry run', async () => {
    const classCacheCalls = (since: number): unknown[] =>
      services.requests
        .slice(since)
        .filter((r) => String((r.body as { key?: unknown } | undefined)?.key).startsWith('tiyaro-dreambooth-class-'))
    const inputs = { 'class-prompt': 'a photo of a toy robot, cache round trip', 'class-images': '' }
    const before = services.requests.length
    const off = await runOn(server, { ...inputs, 'cache-class-images': 'false' })
    expect(off.exitCode).toBe(0)
    expect(off.outputs['class-image-count']).toBe('0')
    expect(off.outputs['class-images-cache-hit']).toBe('false')
    expect(classCacheCalls(before)).toEqual([])

    const servicesBefore = services.requests.length
    const githubBefore = github.requests.length
    const serverBefore = server.requests.length
    const dry = await runOn(server, {
      ...inputs,
      'dry-run': 'true',
      'artifact-name': 'dry',
      'comment-on-pr': 'true',
      'github-token': GITHUB_TOKEN
    })
    expect(dry.exitCode).toBe(0)
    expect(dry.outputs.status).toBe('dry-run')
    expect(dry.outputs['artifact-id']).toBeUndefined()
    expect(services.requests.length).toBe(servicesBefore)
    expect(github.requests.length).toBe(githubBefore)
    expect(server.requests.length).toBe(serverBefore)
  })
})

describe('artifact', () => {
  it('uploads the zip and result.json, which download back intact', async () => {
    const run = await runOn(server, { 'artifact-name': 'toy-robot-result' })
    expect(run.exitCode).toBe(0)
    const id = Number(run.outputs['artifact-id'])
    expect(id).toBeGreaterThan(0)
    expect(services.artifacts()).toContainEqual(expect.objectContaining({ id, name: 'toy-robot-result' }))

    const files = await zipFiles(await services.downloadArtifact(id))
    expect([...files.keys()].sort()).toEqual(['result.json', 'toy-robot-v1.zip'])
    const zip = files.get('toy-robot-v1.zip') ?? Buffer.alloc(0)
    expect(createHash('sha256').update(zip).digest('hex')).toBe(run.outputs['zip-sha256'])

    const text = files.get('result.json')?.toString('utf8') ?? ''
    const result = JSON.parse(text) as Record<string, unknown>
    expect(result).toMatchObject({
      jobId: run.outputs['job-id'],
      status: 'done',
      jobStatus: 'done',
      created: run.outputs.created,
      finished: run.outputs.finished,
      models: JSON.parse(run.outputs.models),
      zip: { name: 'toy-robot-v1.zip', sha256: run.outputs['zip-sha256'], bytes: Number(run.outputs['zip-bytes']) },
      instanceImageCount: 5,
      classImageCount: 4,
      parametersSent: expect.objectContaining({
        name: 'toy-robot',
        datasetS3ObjName: 'toy-robot-v1.zip',
        instance_prompt: 'a photo of sks toy robot'
      })
    })
    expect(text).not.toContain(TEST_API_KEY)
    for (const url of server.issuedUploadUrls) expect(text).not.toContain(new URL(url).pathname)
    expect(run.summary).toMatch(new RegExp(`\\| Artifact \\| ${id} \\|`))
  })

  it('is uploaded after a failed training too, with the status and the message', async () => {
    const failing = await startServer({ outcome: 'failed', failMessage: 'CUDA out of memory at step 3' })
    const run = await runOn(failing, { 'artifact-name': 'failed-result' })
    expect(run.exitCode).toBe(1)
    const id = Number(run.outputs['artifact-id'])
    const files = await zipFiles(await services.downloadArtifact(id))
    expect(JSON.parse(files.get('result.json')?.toString('utf8') ?? '{}')).toMatchObject({
      status: 'failed',
      errorMessage: 'CUDA out of memory at step 3',
      models: []
    })
  })

  it('warns, and does not fail the run, when the artifact cannot be made', async () => {
    const run = await runOn(server, { 'artifact-name': 'toy-robot-result' }) // taken by the first test of this group
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    expect(run.outputs['artifact-id']).toBeUndefined()
    expect(run.stdout).toMatch(/^::warning::Could not upload the artifact "toy-robot-result": /m)
  })
})

describe('pull-request comment', () => {
  async function pullRequestEvent(number: number): Promise<Record<string, string>> {
    const path = join(scratch, `event-${randomUUID()}.json`)
    await writeFile(
      path,
      JSON.stringify({ action: 'synchronize', number, pull_request: { number, head: { sha: 'feedface' } } })
    )
    return { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: path }
  }

  const commentInputs = { 'comment-on-pr': 'true', 'github-token': GITHUB_TOKEN }
  const ours = (issueNumber: number): string[] =>
    github.comments
      .filter((c) => c.issueNumber === issueNumber && c.body.includes('<!-- tiyaro-dreambooth:'))
      .map((c) => c.body)

  it('creates one comment on the first run and updates it, not duplicates it, on the second', async () => {
    // Enough chatter that the action's comment is on the second page of 100.
    for (let i = 0; i < 120; i++)
      github.addComment({
        ...REPOSITORY,
        issueNumber: 7,
        body: `looks good ${i}`,
        user: { login: 'reviewer', id: 9, type: 'User' }
      })
    const env = await pullRequestEvent(7)

    const first = await runOn(server, commentInputs, env)
    expect(first.exitCode).toBe(0)
    const [created] = github.comments.filter((c) => c.issueNumber === 7 && c.user.type === 'Bot')
    expect(created?.body).toContain('<!-- tiyaro-dreambooth:toy-robot -->')
    expect(created?.body).toContain(first.outputs['job-id'])

    const second = await runOn(server, commentInputs, env)
    expect(second.exitCode).toBe(0)
    expect(ours(7)).toHaveLength(1)
    const comment = github.comments.find((c) => c.id === created?.id)
    expect(comment?.body).toContain(second.outputs['job-id'])
    expect(comment?.body).not.toContain(first.outputs['job-id'])
    // links are for https URLs only: the local server's http URLs are shown as code
    expect(comment?.body).toContain(`| \`${second.outputs['model-url']}\` |`)
    expect(comment?.body).toContain(`| \`${second.outputs['model-card']}\` |`)
    expect(comment?.body).toContain('| Status | done |')
    expect(comment?.body).toContain('| Images | 5 instance, 4 class |')
    expect(comment?.body).not.toContain(TEST_API_KEY)
    expect(github.comments.filter((c) => c.issueNumber === 7)).toHaveLength(121)
    expect(second.stdout).toMatch(
      /Updated the comment on pull request #7: https:\/\/github\.com\/octo\/dreams\/pull\/7#issuecomment-\d+/
    )
  })

  it('keeps one comment per model name, so a matrix over concepts gets one each', async () => {
    const env = await pullRequestEvent(8)
    await runOn(server, commentInputs, env)
    await runOn(server, { ...commentInputs, name: 'toy-robot-blue' }, env)
    await runOn(server, { ...commentInputs, name: 'toy-robot-blue' }, env)
    const bodies = ours(8)
    expect(bodies).toHaveLength(2)
    expect(bodies.filter((b) => b.includes('<!-- tiyaro-dreambooth:toy-robot-blue -->'))).toHaveLength(1)
  })

  it('comments on the pull request a pushed commit merged, and on none when it merged none', async () => {
    const sha = 'aaaabbbbccccddddeeeeffff0000111122223333'
    github.addPullForCommit(sha, 12)
    const merged = await runOn(server, commentInputs, { GITHUB_EVENT_NAME: 'push', GITHUB_SHA: sha })
    expect(merged.exitCode).toBe(0)
    expect(ours(12)).toHaveLength(1)

    const before = github.comments.length
    const plain = await runOn(server, commentInputs, {
      GITHUB_EVENT_NAME: 'push',
      GITHUB_SHA: '9999999999999999999999999999999999999999'
    })
    expect(plain.exitCode).toBe(0)
    expect(plain.stdout).toContain('comment-on-pr: commit 9999999 did not merge a pull request; no comment.')
    expect(github.comments.length).toBe(before)
  })

  it('warns which permission to grant when the token may not comment, and the step succeeds', async () => {
    const env = await pullRequestEvent(13)
    github.permission = 'read'
    try {
      const run = await runOn(server, commentInputs, env)
      expect(run.exitCode).toBe(0)
      expect(run.outputs.status).toBe('done')
      expect(run.stdout).toMatch(
        /^::warning::comment-on-pr: could not comment on pull request #13: .*HTTP 403.*pull-requests: write.*issues: write/m
      )
      expect(ours(13)).toEqual([])
    } finally {
      github.permission = 'write'
    }
  })
})

describe('re-run safety', () => {
  it('attaches attempt 2 to the job attempt 1 started and timed out on: one training, attempt 2 ends done', async () => {
    const stuck = await startServer({ outcome: 'never' })
    const runId = String(8_000_000 + Math.floor(Math.random() * 1_000_000))
    const inputs = { 'timeout-minutes': '0.05', 'class-prompt': 'a photo of a toy robot, re-run' }

    const attempt1 = await runOn(stuck, inputs, { GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: '1' })
    expect(attempt1.exitCode).toBe(1)
    expect(attempt1.outputs.status).toBe('timed-out')
    const jobId = attempt1.outputs['job-id']
    expect(attempt1.stdout).toContain(
      `Recorded job ${jobId} for re-runs of this run (cache key tiyaro-dreambooth-job-${runId}-`
    )
    expect(stuck.trainingsStarted()).toBe(1)

    // The record holds the job and nothing secret.
    const parameters = stuck.job(jobId)?.input as { dreamboothInput: Parameters<typeof runFingerprint>[1] }
    const prefix = jobRecordKeyPrefix(runId, runFingerprint(attempt1.outputs['zip-sha256'], parameters.dreamboothInput))
    const record = await asRunnerJob(async () => {
      expect(await restoreFolder(JOB_RECORD_FOLDER, prefix)).toBe(`${prefix}1`)
      return readFile(
        join(process.env.RUNNER_TEMP ?? '', 'tiyaro-dreambooth-cache', JOB_RECORD_FOLDER, 'job.json'),
        'utf8'
      )
    })
    expect(JSON.parse(record)).toEqual({
      jobId,
      runId,
      runAttempt: 1,
      zipSha256: attempt1.outputs['zip-sha256'],
      startedAt: expect.any(String)
    })
    expect(record).not.toContain(TEST_API_KEY)

    stuck.setOutcome('done', { jobId })
    const before = stuck.requests.length
    const attempt2 = await runOn(stuck, inputs, { GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: '2' })

    expect(attempt2.exitCode).toBe(0)
    expect(attempt2.outputs.status).toBe('done')
    expect(attempt2.outputs['job-id']).toBe(jobId)
    expect(stuck.trainingsStarted()).toBe(1)
    expect(stuck.jobs.filter((job) => job.startCount > 0)).toHaveLength(1)
    const seen = operationsSeen(stuck, before)
    expect(seen).not.toContain('newJobID')
    expect(seen).not.toContain('upload')
    expect(seen).not.toContain('startRetrainingJob')
    expect(attempt2.stdout).toContain(
      `Re-run (attempt 2): attempt 1 started job ${jobId} with the same zip and parameters; attaching to it`
    )
    expect(attempt2.summary).toContain('| Attached to | the job an earlier attempt started |')
  })

  it('starts a new training on a re-run of a training that failed', async () => {
    const failing = await startServer({ outcome: 'failed', failMessage: 'CUDA out of memory' })
    const runId = String(10_000_000 + Math.floor(Math.random() * 1_000_000))
    const attempt1 = await runOn(failing, {}, { GITHUB_RUN_ID: runId })
    expect(attempt1.outputs.status).toBe('failed')

    const attempt2 = await runOn(failing, {}, { GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: '2' })

    expect(attempt2.outputs['job-id']).not.toBe(attempt1.outputs['job-id'])
    expect(failing.trainingsStarted()).toBe(2)
    expect(attempt2.stdout).toContain(
      `Re-run: job ${attempt1.outputs['job-id']} of attempt 1 is failed; starting a new training.`
    )
  })

  it('starts a new job on a re-run whose parameters changed', async () => {
    const runId = String(9_000_000 + Math.floor(Math.random() * 1_000_000))
    const first = await runOn(server, { wait: 'false' }, { GITHUB_RUN_ID: runId })
    const trainings = server.trainingsStarted()

    const second = await runOn(
      server,
      { wait: 'false', 'max-train-steps': '400' },
      { GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: '2' }
    )

    expect(second.exitCode).toBe(0)
    expect(second.outputs['job-id']).not.toBe(first.outputs['job-id'])
    expect(server.trainingsStarted()).toBe(trainings + 1)
    expect(second.stdout).toContain(
      `Re-run (attempt 2): no earlier attempt of run ${runId} started a job with this zip and these parameters.`
    )
  })
})
