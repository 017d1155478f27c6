// The fault matrix: every call of the workflow meets every transient fault the local server can
// inject, through the bundled action. Each run must end done with exactly one training started.
import { describe, expect, it } from '@jest/globals'
import type { Fault } from '../../server/faults.js'
import { WORKFLOW_CALLS, operationsSeen, runWith, useServers } from '../../test-support/action-fixture.js'

const serverWith = useServers({ secrets: ['wrong-key-0123456789'] })

/** A short request timeout so that a hang costs a second, a fast poll. */
const FAST = { 'request-timeout-seconds': '1', 'poll-interval-seconds': '0.1', 'timeout-minutes': '1' }

const FAULTS: [string, Fault, number][] = [
  ['two HTTP 503s', { kind: 'status', status: 503 }, 2],
  ['HTTP 429 with Retry-After: 1', { kind: 'rate-limit', retryAfter: '1' }, 1],
  ['a connection reset', { kind: 'reset' }, 1],
  ['a hang longer than the request timeout', { kind: 'hang', ms: 3000 }, 1],
  ['a malformed (non-JSON) answer', { kind: 'malformed' }, 1]
]

const matrix = WORKFLOW_CALLS.flatMap((call) =>
  FAULTS.map(([label, fault, times]) => [call, label, fault, times] as const)
)

describe('fault matrix', () => {
  it.concurrent.each(matrix)('%s: %s → done, one training', async (call, _label, fault, times) => {
    const server = await serverWith()
    server.injectFault(call, fault, times)
    const run = await runWith(server, FAST)
    expect(run.stdout).not.toMatch(/^::error::/m)
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    expect(server.pendingFaults(call)).toBe(0)
    expect(server.trainingsStarted()).toBe(1)
    expect(server.jobs.filter((job) => job.startCount > 0)).toHaveLength(1)
    expect(run.outputs['model-url']).toBeTruthy()
  })

  it.concurrent('startRetrainingJob: the server starts the job and the answer is lost → one training', async () => {
    const server = await serverWith()
    server.injectFault('startRetrainingJob', { kind: 'reset-after' })
    const run = await runWith(server, FAST)
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    expect(server.trainingsStarted()).toBe(1)
    expect(server.job(run.outputs['job-id'])?.startCount).toBe(1)
    expect(run.stdout).toContain('the start went through')
  })

  it.concurrent('upload: a refused URL (403) gets one fresh URL', async () => {
    const server = await serverWith()
    server.injectFault('upload', { kind: 'status', status: 403 })
    const run = await runWith(server, FAST)
    expect(run.exitCode).toBe(0)
    expect(operationsSeen(server).filter((op) => op === 'getJobInputURL')).toHaveLength(2)
    expect(server.trainingsStarted()).toBe(1)
  })

  it.concurrent('upload: an URL that expired before the upload gets one fresh URL', async () => {
    // The service's clock jumps two hours as it hands out the first URL: that one is expired
    // when the upload arrives; the second one, made after the jump, is good.
    let offset = 0
    let jumped = false
    const server = await serverWith({
      clock: () => Date.now() + offset,
      onRequest: (entry) => {
        if (!jumped && entry.operations.includes('getJobInputURL')) {
          jumped = true
          offset += 2 * 60 * 60 * 1000
        }
      }
    })
    const run = await runWith(server, FAST)
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/upload refused \(HTTP 403\).*expired.*asking for a fresh upload URL/i)
    const uploads = server.requests.filter((entry) => entry.kind === 'upload')
    expect(uploads.map((entry) => entry.status)).toEqual([403, 200])
    expect(server.trainingsStarted()).toBe(1)
  })

  it.concurrent('upload: a URL refused twice fails with the status, and nothing is started', async () => {
    const server = await serverWith({ uploadUrlTtlMs: -60_000 })
    const run = await runWith(server, FAST)
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toMatch(/upload refused \(HTTP 403\)/)
    expect(run.outputs['job-id']).toBeTruthy()
    expect(server.trainingsStarted()).toBe(0)
  })
})

describe('failures that must fail', () => {
  it.concurrent('a refused API key fails at once, says so and does not show it', async () => {
    const server = await serverWith()
    const run = await runWith(server, { ...FAST, 'api-key': 'wrong-key-0123456789' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toMatch(/API key was refused \(HTTP 401\)/)
    expect(run.outputs['error-message']).not.toContain('wrong-key')
    // an auth failure is not retried: each call (the job and the revision probe) is sent once
    const operations = server.requests.map((entry) => entry.operations.join())
    expect(new Set(operations).size).toBe(operations.length)
    expect(server.requests.every((entry) => entry.status === 401)).toBe(true)
  })

  it.concurrent('a service that keeps failing gives up within the timeout and says why', async () => {
    const server = await serverWith()
    server.injectFault('newJobID', { kind: 'status', status: 503 }, 1000)
    const run = await runWith(server, { ...FAST, 'timeout-minutes': '0.05' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toMatch(/newJobID: HTTP 503/)
    expect(server.trainingsStarted()).toBe(0)
  })

  it.concurrent('a job that never ends times out within timeout-minutes plus one interval', async () => {
    const server = await serverWith({ outcome: 'never' })
    const run = await runWith(server, { ...FAST, 'timeout-minutes': '0.02', 'poll-interval-seconds': '0.5' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.status).toBe('timed-out')
    const jobId = run.outputs['job-id']
    expect(jobId).toBeTruthy()
    expect(run.outputs['error-message']).toContain(`job-id: ${jobId}`)
    // From the first request to the last status check: at most 1.2 s + one interval (0.5 s),
    // with 100 ms for a loaded machine's timers.
    const times = server.requests.map((entry) => entry.time.getTime())
    expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(1200 + 500 + 100)
    expect(server.trainingsStarted()).toBe(1)
  })
})

describe('API revisions', () => {
  it.concurrent('speaks the later revision: startTrainingJob, getTrainedModels, jobInput in the summary', async () => {
    const server = await serverWith({ revision: 'later' })
    const run = await runWith(server, FAST)
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    const ops = operationsSeen(server)
    expect(ops).toContain('startTrainingJob')
    expect(ops).toContain('getTrainedModels')
    expect(ops).not.toContain('startRetrainingJob')
    expect(run.stdout).toContain('API revision: later')
    expect(run.summary).toContain('Input the service recorded')
    expect(run.summary).toContain('"instance_prompt":"a photo of sks toy robot"')
  })

  it.concurrent('finds the later revision by its validation error when the schema is hidden', async () => {
    const server = await serverWith({ revision: 'later', introspection: false })
    const run = await runWith(server, FAST)
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    expect(run.stdout).toContain('API revision: later')
    expect(server.trainingsStarted()).toBe(1)
    // the original name was refused in validation, so nothing ran twice
    expect(operationsSeen(server)).toEqual(expect.arrayContaining(['startTrainingJob', 'getTrainedModels']))
  })

  it.concurrent('speaks the original revision', async () => {
    const server = await serverWith({ revision: 'original' })
    const run = await runWith(server, FAST)
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('API revision: original')
    expect(operationsSeen(server)).toContain('getRetrainedModels')
  })
})
