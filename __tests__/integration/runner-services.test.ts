// The real @actions/cache, @actions/artifact and @actions/github against the local stand-ins.
import { beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { DefaultArtifactClient } from '@actions/artifact'
import { restoreCache, saveCache } from '@actions/cache'
import { getOctokit } from '@actions/github'
import {
  useEnv,
  useExitCodeReset,
  useGitHubApi,
  useRunnerServices,
  useStdoutCapture,
  useTempDir
} from '../../test-support/fixtures.js'

const root = useTempDir('runner-services-')
const runnerTemp = path.join(root, 'runner-temp')
const services = useRunnerServices()
const env = useEnv('all')
// core.setFailed and friends set the real exit code; jest would then exit 1 after a PASS.
useExitCodeReset()
// The libraries log through process.stdout (`::warning::` and the like): keep it for assertions.
const stdout = useStdoutCapture()

beforeAll(async () => {
  await mkdir(runnerTemp)
  await mkdir(path.join(root, 'workspace'))
  env.set({ ...services.env, RUNNER_TEMP: runnerTemp, GITHUB_WORKSPACE: path.join(root, 'workspace') })
})

async function writeFolder(folder: string, files: Record<string, string | Buffer>): Promise<void> {
  await rm(folder, { recursive: true, force: true })
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(folder, name)), { recursive: true })
    await writeFile(path.join(folder, name), content)
  }
}

/** A folder in a subfolder of RUNNER_TEMP: one directly in it races the library's own tar. */
function cachedFolder(name: string): string {
  return path.join(runnerTemp, 'cached', name)
}

describe('cache service (real @actions/cache)', () => {
  it('saves a folder and restores it by its exact key', async () => {
    const folder = cachedFolder('exact')
    const files = { 'a.txt': 'class image A', 'nested/b.bin': randomBytes(200_000) }
    await writeFolder(folder, files)

    const id = await saveCache([folder], 'exact-key-1')
    expect(id).toBeGreaterThan(0)
    await rm(folder, { recursive: true })

    expect(await restoreCache([folder], 'exact-key-1')).toBe('exact-key-1')
    expect(await readFile(path.join(folder, 'a.txt'), 'utf8')).toBe('class image A')
    expect((await readFile(path.join(folder, 'nested/b.bin'))).equals(files['nested/b.bin'])).toBe(true)
    const entry = services.cacheEntries().find((e) => e.key === 'exact-key-1')
    expect(entry).toMatchObject({ id, finalized: true })
    expect(entry?.sizeBytes).toBeGreaterThan(0)
  })

  it('restores the newest entry matching a restore key, keys tried in order', async () => {
    const folder = cachedFolder('prefix')
    await writeFolder(folder, { 'which.txt': 'older' })
    expect(await saveCache([folder], 'classes-v1-aaa')).toBeGreaterThan(0)
    await writeFolder(folder, { 'which.txt': 'newer' })
    expect(await saveCache([folder], 'classes-v1-bbb')).toBeGreaterThan(0)

    await rm(folder, { recursive: true })
    expect(await restoreCache([folder], 'classes-v1-zzz', ['classes-v1-'])).toBe('classes-v1-bbb')
    expect(await readFile(path.join(folder, 'which.txt'), 'utf8')).toBe('newer')

    expect(await restoreCache([folder], 'unrelated', ['classes-v1-aaa', 'classes-v1-'])).toBe('classes-v1-aaa')
    expect(await readFile(path.join(folder, 'which.txt'), 'utf8')).toBe('older')
    // GitHub also matches the primary key as a prefix before trying restore keys.
    expect(await restoreCache([folder], 'classes-v1-', ['classes-v1-aaa'])).toBe('classes-v1-bbb')
  })

  it('misses with undefined, and entries are scoped by version (the paths)', async () => {
    const folder = cachedFolder('miss')
    expect(await restoreCache([folder], 'never-saved', ['nothing-like-it-'])).toBeUndefined()
    // exact-key-1 exists, but was saved for other paths: another version, so a miss.
    expect(await restoreCache([folder], 'exact-key-1')).toBeUndefined()
    expect(stdout.text()).not.toContain('::warning::')
  })

  it('lets two jobs race to save one key: both end without an error or a warning', async () => {
    const folder = cachedFolder('race')
    await writeFolder(folder, { 'c.txt': 'raced' })

    const ids = await Promise.all([saveCache([folder], 'race-key'), saveCache([folder], 'race-key')])

    expect(ids.filter((id) => id > 0)).toHaveLength(1)
    expect(ids).toContain(-1)
    const log = stdout.text()
    expect(log).toContain('another job may be creating this cache')
    expect(log).not.toContain('::warning::')
    expect(log).not.toContain('::error::')
    expect(services.cacheEntries().filter((e) => e.key === 'race-key')).toHaveLength(1)
    const conflict = services.requests.find((r) => r.method === 'CreateCacheEntry' && r.status === 409)
    expect(conflict?.answer).toMatchObject({ code: 'already_exists' })
  })
})

describe('artifact service (real @actions/artifact)', () => {
  it('uploads two files and downloads them back byte-identical', async () => {
    const source = path.join(root, 'workspace', 'out')
    const model = randomBytes(5 * 1024 * 1024)
    const result = JSON.stringify({ status: 'done' })
    await writeFolder(source, { 'model.bin': model, 'result.json': result })
    const client = new DefaultArtifactClient()

    const uploaded = await client.uploadArtifact(
      'dreambooth-result',
      [path.join(source, 'model.bin'), path.join(source, 'result.json')],
      source
    )

    expect(uploaded.id).toBeGreaterThan(0)
    expect(services.artifacts()).toEqual([
      expect.objectContaining({ id: uploaded.id, name: 'dreambooth-result', size: uploaded.size })
    ])
    const zip = await services.downloadArtifact(uploaded.id ?? 0)
    expect(zip.subarray(0, 2).toString()).toBe('PK')
    expect(zip.length).toBe(uploaded.size)

    const listed = await client.listArtifacts()
    expect(listed.artifacts).toEqual([
      expect.objectContaining({ id: uploaded.id, name: 'dreambooth-result', size: uploaded.size })
    ])
    const found = await client.getArtifact('dreambooth-result')
    // GitHub hands the digest back prefixed, as download-artifact's expectedHash expects.
    expect(found.artifact).toMatchObject({ id: uploaded.id, digest: `sha256:${uploaded.digest}` })

    const target = path.join(root, 'downloaded')
    const downloaded = await client.downloadArtifact(uploaded.id ?? 0, {
      path: target,
      expectedHash: found.artifact.digest
    })
    expect(downloaded.digestMismatch).toBe(false)
    expect((await readFile(path.join(target, 'model.bin'))).equals(model)).toBe(true)
    expect(await readFile(path.join(target, 'result.json'), 'utf8')).toBe(result)
  })

  it('shows an artifact of another job of the run (a matrix leg) to this job', async () => {
    const source = path.join(root, 'workspace', 'leg')
    await writeFolder(source, { 'leg.txt': 'leg two' })
    const client = new DefaultArtifactClient()
    const ownToken = process.env['ACTIONS_RUNTIME_TOKEN']
    process.env['ACTIONS_RUNTIME_TOKEN'] = services.envForJob('matrix-leg-2')['ACTIONS_RUNTIME_TOKEN']
    try {
      await client.uploadArtifact('leg-2', [path.join(source, 'leg.txt')], source)
    } finally {
      process.env['ACTIONS_RUNTIME_TOKEN'] = ownToken
    }

    expect((await client.listArtifacts()).artifacts.map((a) => a.name)).toEqual(['dreambooth-result', 'leg-2'])
    expect(services.artifacts().find((a) => a.name === 'leg-2')?.workflowJobRunBackendId).toBe('matrix-leg-2')
    const target = path.join(root, 'leg-download')
    await client.downloadArtifact((await client.getArtifact('leg-2')).artifact.id, { path: target })
    expect(await readFile(path.join(target, 'leg.txt'), 'utf8')).toBe('leg two')
  })

  it('refuses a second artifact of the same name in the run, and deletes by name', async () => {
    const source = path.join(root, 'workspace', 'again')
    await writeFolder(source, { 'x.txt': 'x' })
    const client = new DefaultArtifactClient()

    await expect(client.uploadArtifact('dreambooth-result', [path.join(source, 'x.txt')], source)).rejects.toThrow(
      /409/
    )
    const deleted = await client.deleteArtifact('dreambooth-result')
    expect(services.artifacts().map((a) => a.id)).not.toContain(deleted.id)
    expect((await client.listArtifacts()).artifacts.map((a) => a.name)).toEqual(['leg-2'])
  })
})

describe('GitHub REST stand-in (real @actions/github)', () => {
  const api = useGitHubApi({ token: 'ghs_test' })
  const repo = { owner: 'octo', repo: 'dreams' }

  it('creates, lists and updates a pull-request comment', async () => {
    const octokit = getOctokit('ghs_test', { baseUrl: api.url })

    const created = await octokit.rest.issues.createComment({ ...repo, issue_number: 12, body: 'training: running' })
    expect(created.status).toBe(201)
    expect(created.data.user?.login).toBe('github-actions[bot]')

    const listed = await octokit.rest.issues.listComments({ ...repo, issue_number: 12 })
    expect(listed.data.map((c) => c.id)).toEqual([created.data.id])

    const updated = await octokit.rest.issues.updateComment({
      ...repo,
      comment_id: created.data.id,
      body: 'training: done'
    })
    expect(updated.data.body).toBe('training: done')
    expect(api.comments.filter((c) => c.issueNumber === 12).map((c) => c.body)).toEqual(['training: done'])
  })

  it('pages through comments with Link headers', async () => {
    for (let i = 0; i < 45; i++) {
      api.addComment({
        ...repo,
        issueNumber: 13,
        body: `chatter ${i}`,
        user: { login: 'someone', id: 7, type: 'User' }
      })
    }
    const octokit = getOctokit('ghs_test', { baseUrl: api.url })
    const before = api.requests.length

    const all = await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: 13, per_page: 20 })

    expect(all.map((c) => c.body)).toEqual(Array.from({ length: 45 }, (_, i) => `chatter ${i}`))
    // The first page is asked for without `page`; the next ones follow the Link header.
    expect(api.requests.slice(before).map((r) => new URL(r.url, api.url).searchParams.get('page'))).toEqual([
      null,
      '2',
      '3'
    ])
  })

  it('lists the pull request a pushed commit merged', async () => {
    api.addPullForCommit('abc123', 12)
    const octokit = getOctokit('ghs_test', { baseUrl: api.url })

    const pulls = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: 'abc123' })

    expect(pulls.data.map((p) => [p.number, p.state])).toEqual([[12, 'closed']])
    expect(pulls.data[0]?.merged_at).toBeTruthy()
  })

  it('answers 403 to a read-only token and 401 to a wrong one', async () => {
    const octokit = getOctokit('ghs_test', { baseUrl: api.url })
    api.permission = 'read'
    try {
      await expect(octokit.rest.issues.createComment({ ...repo, issue_number: 12, body: 'x' })).rejects.toMatchObject({
        status: 403,
        message: expect.stringContaining('Resource not accessible by integration')
      })
      const [existing] = api.comments
      await expect(
        octokit.rest.issues.updateComment({ ...repo, comment_id: existing?.id ?? 0, body: 'x' })
      ).rejects.toMatchObject({ status: 403 })
      expect((await octokit.rest.issues.listComments({ ...repo, issue_number: 12 })).status).toBe(200)
    } finally {
      api.permission = 'write'
    }
    const stranger = getOctokit('not-the-token', { baseUrl: api.url })
    await expect(stranger.rest.issues.listComments({ ...repo, issue_number: 12 })).rejects.toMatchObject({
      status: 401
    })
  })
})
