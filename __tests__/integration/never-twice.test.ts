// Never a second training, through the bundled action with the real Actions cache (the local
// runner services) holding the re-run record: a cancel while the start is in flight, a start
// whose answer is lost while the status lags behind it, and a re-run after either.
import { describe, expect, it } from '@jest/globals'
import type { ChildProcess } from 'node:child_process'
import type { TiyaroServer } from '../../server/tiyaro-server.js'
import { operationsSeen, runWith, useServers } from '../../test-support/action-fixture.js'
import { useRunnerServices } from '../../test-support/fixtures.js'
import type { ActionRun } from '../../test-support/run-action.js'

const serverWith = useServers()
const services = useRunnerServices()

let nextRunId = 20_000_000 + Math.floor(Math.random() * 1_000_000)

/** One attempt of a workflow run on a runner with the Actions cache. */
function attempt(
  server: TiyaroServer,
  runId: number,
  number: number,
  inputs: Record<string, string> = {},
  onSpawn?: (child: ChildProcess) => void
): Promise<ActionRun> {
  return runWith(
    server,
    { 'poll-interval-seconds': '0.1', ...inputs },
    { env: { ...services.env, GITHUB_RUN_ID: String(runId), GITHUB_RUN_ATTEMPT: String(number) }, onSpawn }
  )
}

/** Sends `signal` to the run as soon as `ready()` holds (polled every 20 ms). */
function signalWhen(ready: () => boolean, signal: NodeJS.Signals) {
  return (child: ChildProcess): void => {
    const timer = setInterval(() => {
      if (!ready()) return
      clearInterval(timer)
      child.kill(signal)
    }, 20)
    child.once('exit', () => clearInterval(timer))
  }
}

const startSeen = (server: TiyaroServer) => () =>
  server.requests.some((entry) => entry.operations.includes('startRetrainingJob'))

describe('a cancel while the start is in flight', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s after the service started the job: the job is recorded and reported; the re-run attaches to it',
    async (signal) => {
      const server = await serverWith()
      // the service starts the job, then holds its answer: the run is cancelled waiting for it
      server.injectFault('startRetrainingJob', { kind: 'delay-after', ms: 60_000 })
      const runId = nextRunId++
      const inputs = { 'request-timeout-seconds': '30' }
      const first = await attempt(
        server,
        runId,
        1,
        inputs,
        signalWhen(() => server.trainingsStarted() === 1, signal)
      )
      expect(first.exitCode).toBe(1)
      const jobId = first.outputs['job-id']
      expect(jobId).toMatch(/^[0-9a-f-]{36}$/)
      expect(first.outputs.status).toBe('running')
      expect(first.outputs['error-message']).toBe(
        `The run was cancelled while the start of job ${jobId} was in flight: the job may be training. ` +
          `A re-run of this workflow run attaches to it if it started; or attach with the input job-id: ${jobId}`
      )
      expect(first.stdout).toContain(`Recorded job ${jobId} for re-runs of this run`)
      expect(first.summary).toContain(jobId)

      const before = server.requests.length
      const second = await attempt(server, runId, 2, inputs)
      expect(second.exitCode).toBe(0)
      expect(second.outputs.status).toBe('done')
      expect(second.outputs['job-id']).toBe(jobId)
      expect(operationsSeen(server, before)).not.toContain('startRetrainingJob')
      expect(operationsSeen(server, before)).not.toContain('newJobID')
      expect(server.trainingsStarted()).toBe(1)
    }
  )

  it('SIGINT before the service acted on the start: the re-run sees it never started and starts once', async () => {
    const server = await serverWith()
    // the start is held before the service acts on it
    server.injectFault('startRetrainingJob', { kind: 'hang', ms: 60_000 })
    const runId = nextRunId++
    const inputs = { 'request-timeout-seconds': '30' }
    const first = await attempt(server, runId, 1, inputs, signalWhen(startSeen(server), 'SIGINT'))
    expect(first.exitCode).toBe(1)
    const jobId = first.outputs['job-id']
    expect(jobId).toBeTruthy()
    expect(first.outputs.status).toBe('running')
    expect(first.outputs['error-message']).toMatch(/cancelled while the start of job .* was in flight/)
    expect(server.trainingsStarted()).toBe(0)

    const second = await attempt(server, runId, 2, inputs)
    expect(second.exitCode).toBe(0)
    expect(second.outputs.status).toBe('done')
    expect(second.stdout).toContain(`Re-run: job ${jobId} of attempt 1 is notfound; starting a new training.`)
    expect(second.outputs['job-id']).not.toBe(jobId)
    expect(server.trainingsStarted()).toBe(1)
  })
})

describe('a start whose answer is lost while the status lags', () => {
  it('is not repeated on the first notfound; a re-run after a timeout attaches to the same job', async () => {
    // the service starts the job and the answer is lost; its status reads notfound for 3 s more
    const server = await serverWith({ statusLagMs: 3000, outcome: 'never' })
    server.injectFault('startRetrainingJob', { kind: 'reset-after' })
    const runId = nextRunId++
    const first = await attempt(server, runId, 1, { 'request-timeout-seconds': '2', 'timeout-minutes': '0.25' })
    const jobId = first.outputs['job-id']
    expect(server.job(jobId)?.startCount).toBe(1)
    expect(first.outputs.status).toBe('timed-out')
    expect(first.stdout).toMatch(
      /Start of job .* unconfirmed .*asking its status for up to 15\.0 s before sending it again/
    )
    expect(first.stdout).toContain(`Job ${jobId} is running: the start went through.`)

    server.setOutcome('done', { jobId })
    const before = server.requests.length
    const second = await attempt(server, runId, 2, { 'request-timeout-seconds': '2' })
    expect(second.exitCode).toBe(0)
    expect(second.outputs.status).toBe('done')
    expect(second.outputs['job-id']).toBe(jobId)
    expect(operationsSeen(server, before)).not.toContain('startRetrainingJob')
    expect(server.trainingsStarted()).toBe(1)
    expect(server.jobs.filter((job) => job.startCount > 0)).toHaveLength(1)
  })
})
