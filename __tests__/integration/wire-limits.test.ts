// The wire, bounded and plain about what went wrong, through the bundled action: an endless or
// trickling answer ends as a transient failure within request-timeout-seconds with memory flat;
// the end of the log is never lost; a proxy that wants credentials and an upload answered with a
// redirect say so and are not retried or followed.
import { describe, expect, it } from '@jest/globals'
import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { cp, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { TiyaroServer } from '../../server/tiyaro-server.js'
import { DEMO_CLASS, operationsSeen, runWith, useServers } from '../../test-support/action-fixture.js'
import { useProxyProcess, useRequestRecorder, useTempDir } from '../../test-support/fixtures.js'
import { REPO_ROOT, type ActionRun } from '../../test-support/run-action.js'
import { ANSWER_LIMITS } from '../../src/shared/answer-body.js'

const PROXY_PASSWORD = 'proxy-pass-5f4e3d2c1b'
const serverWith = useServers({ secrets: [PROXY_PASSWORD] })
const proxy = useProxyProcess({ auth: `tester:${PROXY_PASSWORD}` })
const elsewhere = useRequestRecorder()
const scratch = useTempDir('tiyaro-wire-limits-')

const FAST = { 'request-timeout-seconds': '1', 'poll-interval-seconds': '0.1', 'timeout-minutes': '1' }
const MiB = 1024 * 1024
/** Whatever the socket buffers hold past the point where the action stopped reading. */
const SOCKET_SLACK = 32 * MiB

/** Runs with a preload that writes the run's peak memory (KiB) to a file; returns the run and that peak. */
async function runMeasured(server: TiyaroServer, inputs: Record<string, string>) {
  const file = join(scratch, `max-rss-${randomUUID()}`)
  const run = await runWith(server, inputs, {
    nodeArgs: ['--import', join(REPO_ROOT, 'test-support/report-max-rss.mjs')],
    env: { MAX_RSS_FILE: file },
    timeoutMs: 60_000
  })
  return { run, maxRssMiB: Number(await readFile(file, 'utf8')) / 1024 }
}

/**
 * The run is done although one answer never ended: the action said `message`, stopped reading
 * it after more than `above` and fewer than `below` bytes, and its memory stayed flat.
 */
function expectEndlessCut(
  server: TiyaroServer,
  { run, maxRssMiB }: { run: ActionRun; maxRssMiB: number },
  message: RegExp,
  { above = 0, below }: { above?: number; below: number }
): void {
  expect(run.exitCode).toBe(0)
  expect(run.outputs.status).toBe('done')
  expect(run.stdout).toMatch(message)
  const endless = server.requests.find((entry) => entry.fault === 'endless')
  expect(endless?.answerBytes).toBeGreaterThan(above)
  expect(endless?.answerBytes).toBeLessThan(below)
  expect(maxRssMiB).toBeLessThan(400)
}

/** An endless image answer (`what` starts the log line) cut at the inference cap, tried again, no warning. */
function expectImageCutAtCap(
  server: TiyaroServer,
  measured: { run: ActionRun; maxRssMiB: number },
  what: RegExp
): void {
  const message = new RegExp(`${what.source}the answer is larger than 64 MiB; not read further; trying again in `, 'm')
  const cap = ANSWER_LIMITS.inference
  expectEndlessCut(server, measured, message, { above: cap, below: cap + SOCKET_SLACK })
  expect(measured.run.stdout).not.toMatch(/^::warning::/m)
}

describe('every answer is bounded in size and time', () => {
  it.concurrent('a status answer that never ends is cut at its cap: a transient failure, memory flat', async () => {
    const server = await serverWith()
    server.injectFault('getJobStatus', { kind: 'endless' })
    // the cap, not the time limit, ends this one
    const measured = await runMeasured(server, { ...FAST, 'request-timeout-seconds': '20' })
    // the action stopped reading soon after its 1 MiB cap (socket buffers hold a few MiB more)
    expectEndlessCut(
      server,
      measured,
      /check 1: no answer \(getJobStatus: the answer is larger than 1 MiB; not read further\)/,
      { below: SOCKET_SLACK }
    )
  })

  it.concurrent('an upload answer that never ends is cut at its 64 KiB cap: retried, memory flat', async () => {
    const server = await serverWith()
    server.injectFault('upload', { kind: 'endless' })
    // the cap, not the time limit, ends this one
    const measured = await runMeasured(server, { ...FAST, 'request-timeout-seconds': '20' })
    expectEndlessCut(
      server,
      measured,
      /^upload: the answer is larger than 64 KiB; not read further; trying again in /m,
      {
        above: ANSWER_LIMITS.upload,
        below: SOCKET_SLACK
      }
    )
    // the zip went twice, the second time stored; one training
    expect(server.requests.filter((entry) => entry.kind === 'upload').map((entry) => entry.upload?.stored)).toEqual([
      false,
      true
    ])
    expect(server.trainingsStarted()).toBe(1)
  })

  it.concurrent('a sample image answer that never ends is cut at its 64 MiB cap: retried, memory flat', async () => {
    const server = await serverWith()
    server.injectFault('inference', { kind: 'endless' })
    const measured = await runMeasured(server, {
      ...FAST,
      'request-timeout-seconds': '20',
      'sample-prompts': 'a photo of sks toy robot'
    })
    expectImageCutAtCap(server, measured, /^sample 1: /m)
    expect(JSON.parse(measured.run.outputs['sample-images'])).toHaveLength(1)
  })

  it.concurrent(
    'a generated class image whose answer never ends is cut at its 64 MiB cap: retried, then zipped',
    async () => {
      const server = await serverWith()
      const classDir = join(scratch, `class-${randomUUID()}`)
      await cp(DEMO_CLASS, classDir, { recursive: true })
      const supplied = (await readdir(classDir)).length
      server.injectFault('inference', { kind: 'endless' })
      const measured = await runMeasured(server, {
        ...FAST,
        'request-timeout-seconds': '20',
        'class-images': classDir,
        'num-class-images': String(supplied + 1),
        'class-image-generator-url': server.baseModelUrl()
      })
      expectImageCutAtCap(server, measured, /^class image \d+: /m)
      expect(measured.run.outputs['class-image-count']).toBe(String(supplied + 1))
      expect(server.requests.filter((entry) => entry.kind === 'inference').map((entry) => entry.fault)).toEqual([
        'endless',
        undefined
      ])
    }
  )

  it.concurrent(
    'an upload answer that trickles forever ends within request-timeout-seconds and is retried',
    async () => {
      const server = await serverWith()
      server.injectFault('upload', { kind: 'trickle', intervalMs: 100 })
      const run = await runWith(server, FAST, { timeoutMs: 45_000 })
      expect(run.exitCode).toBe(0)
      expect(run.outputs.status).toBe('done')
      expect(run.stdout).toMatch(/upload: the answer did not end within 1\.0 s; trying again/)
      expect(server.requests.filter((entry) => entry.kind === 'upload')).toHaveLength(2)
      expect(server.trainingsStarted()).toBe(1)
    }
  )

  it.concurrent('a status answer that trickles forever ends within request-timeout-seconds', async () => {
    const server = await serverWith()
    server.injectFault('getJobStatus', { kind: 'trickle', intervalMs: 100 })
    const run = await runWith(server, FAST, { timeoutMs: 45_000 })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    expect(run.stdout).toMatch(/check 1: no answer \(getJobStatus: no answer within the request timeout\)/)
  })
})

describe('the end of the log', () => {
  it.concurrent('a run whose last lines are long still has them all', async () => {
    const server = await serverWith()
    // 1500 models: the run ends by logging ~250 KB, far more than a pipe holds
    const models = Array.from({ length: 1500 }, (_, index) => ({
      vendor: 'local',
      version: 'v1',
      name: `toy-robot-${String(index).padStart(4, '0')}`,
      url: `${server.url}/v1/ent/local/1/toy-robot-${index}?version=v1&padding=${'p'.repeat(60)}`,
      modelCard: `${server.url}/models/local/toy-robot-${index}/v1`
    }))
    server.injectFault('getRetrainedModels', { kind: 'answer', body: { data: { getRetrainedModels: models } } })
    // a slow reader, as a busy runner is: it stops reading for 3 s once the model lines begin, so
    // the pipe fills up and the rest waits in the action's own buffer when the run is over
    const slowReader = (child: ChildProcess): void => {
      let paused = false
      child.stdout?.on('data', (chunk: string) => {
        if (paused || !chunk.includes('Model toy-robot-')) return
        paused = true
        child.stdout?.pause()
        setTimeout(() => child.stdout?.resume(), 3000)
      })
    }
    const run = await runWith(server, FAST, { onSpawn: slowReader })
    expect(run.exitCode).toBe(0)
    const logged = run.stdout.match(/^Model toy-robot-\d{4} v1: /gm) ?? []
    expect(logged).toHaveLength(1500)
    expect(run.stdout).toContain('Model toy-robot-1499 v1: ')
  })
})

describe('proxies and redirects', () => {
  it.concurrent('a proxy answering 407 says "proxy authentication required" and is not retried', async () => {
    const server = await serverWith()
    const before = proxy.log.filter((entry) => entry.kind === 'refused').length
    const run = await runWith(server, FAST, { env: { HTTP_PROXY: proxy.url } })
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toMatch(/proxy authentication required/)
    expect(run.outputs['error-message']).not.toMatch(/connection failed/)
    expect(run.stdout).not.toMatch(/trying again/)
    await new Promise((resolve) => setTimeout(resolve, 200))
    // one refusal per call that was under way (the job and the revision probe), none repeated
    const refused = proxy.log.filter((entry) => entry.kind === 'refused').length - before
    expect(refused).toBeGreaterThanOrEqual(1)
    expect(refused).toBeLessThanOrEqual(2)
    expect(server.requests).toHaveLength(0)
  })

  it.concurrent('the same proxy with its credentials in HTTP_PROXY carries the whole run', async () => {
    const server = await serverWith()
    const url = new URL(proxy.url)
    url.username = 'tester'
    url.password = PROXY_PASSWORD
    const run = await runWith(server, FAST, { env: { HTTP_PROXY: url.href } })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    expect(`${run.stdout}${run.stderr}`).not.toContain(PROXY_PASSWORD)
  })

  it.concurrent('an upload answered with a redirect says so, is not followed and not retried', async () => {
    const server = await serverWith()
    const before = elsewhere.requests.length
    server.injectFault('upload', { kind: 'redirect', status: 307, location: `${elsewhere.url}/bucket/dataset.zip` })
    const run = await runWith(server, FAST)
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toMatch(
      /^upload failed \(HTTP 307\): answered with a redirect \(HTTP 307 to http:\/\/127\.0\.0\.1:\d+\), which is not followed$/
    )
    expect(elsewhere.requests.slice(before)).toEqual([])
    expect(operationsSeen(server).filter((op) => op === 'upload')).toHaveLength(1)
    expect(server.trainingsStarted()).toBe(0)
  })
})
