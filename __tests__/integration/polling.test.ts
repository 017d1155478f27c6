// Waiting costs nothing: while a job runs the bundled action asks for its status at most once
// per interval, never bunches checks up after a failed one, and sees the end within one
// interval. Judged from the local server's request log (arrival times), not from the clock of
// the test.
import { describe, expect, it } from '@jest/globals'
import type { RequestLogEntry, TiyaroServer } from '../../server/tiyaro-server.js'
import { runWith, useServers } from '../../test-support/action-fixture.js'

const TRAINING_MS = 1500
const INTERVAL_MS = 500
/**
 * Timers and a loaded machine (CI runs test files side by side on two cores) may make a check a
 * little early or late; a skipped interval would make it late by a whole one.
 */
const EARLY_MS = 0.1 * INTERVAL_MS
const LATE_MS = 0.8 * INTERVAL_MS

const startServer = useServers()

interface WaitSeen {
  readonly checks: readonly RequestLogEntry[]
  readonly finishedAt: number
}

/** Trains once with a 0.3 s poll interval; the status requests the server saw, and the job's end. */
async function trainAndWatch(server: TiyaroServer): Promise<WaitSeen> {
  const before = server.requests.length
  const run = await runWith(server, { 'poll-interval-seconds': String(INTERVAL_MS / 1000) })
  expect(run.exitCode).toBe(0)
  expect(run.outputs.status).toBe('done')
  const job = server.job(run.outputs['job-id'])
  expect(job?.finishedAt).toBeDefined()
  const checks = server.requests.slice(before).filter((entry) => entry.operations.includes('getJobStatus'))
  return { checks, finishedAt: job!.finishedAt!.getTime() }
}

function gapsBetween(checks: readonly RequestLogEntry[]): number[] {
  return checks.slice(1).map((check, index) => check.time.getTime() - checks[index]!.time.getTime())
}

/** The checks come one per interval, and the first after the job's end is the last. */
function expectCalmWait({ checks, finishedAt }: WaitSeen): void {
  expect(checks.length).toBeGreaterThanOrEqual(2)
  for (const gap of gapsBetween(checks)) {
    expect(gap).toBeGreaterThanOrEqual(INTERVAL_MS - EARLY_MS) // never two in one interval
    expect(gap).toBeLessThan(INTERVAL_MS + LATE_MS) // and no interval skipped
  }
  const span = checks.at(-1)!.time.getTime() - checks[0]!.time.getTime()
  expect(checks.length).toBeLessThanOrEqual(Math.floor(span / (INTERVAL_MS - EARLY_MS)) + 1)

  const last = checks.at(-1)!.time.getTime()
  const beforeLast = checks.at(-2)!.time.getTime()
  expect(beforeLast).toBeLessThan(finishedAt) // no check was wasted after the end…
  expect(last).toBeGreaterThanOrEqual(finishedAt)
  expect(last - finishedAt).toBeLessThan(INTERVAL_MS + LATE_MS) // …and the end was seen within one interval
}

describe('waiting for a job', () => {
  it('checks once per interval and sees the end within one interval', async () => {
    const server = await startServer({ trainingMs: TRAINING_MS })
    const seen = await trainAndWatch(server)
    expectCalmWait(seen)
    // a 1.5 s training at 0.3 s: about six checks, never a burst
    expect(seen.checks.length).toBeLessThanOrEqual(TRAINING_MS / INTERVAL_MS + 2)
    expect(seen.checks.every((check) => check.status === 200)).toBe(true)
  })

  it('does not repeat a failed check at once: the next interval is the retry', async () => {
    const server = await startServer({ trainingMs: TRAINING_MS })
    server.injectFault('getJobStatus', { kind: 'status', status: 503 }, 2)
    const seen = await trainAndWatch(server)
    const failed = seen.checks.filter((check) => check.status === 503)
    expect(failed).toHaveLength(2)
    expect(server.pendingFaults('getJobStatus')).toBe(0)
    // each failed check is followed by the next one an interval later, not by a quick retry
    for (const check of failed) {
      const next = seen.checks[seen.checks.indexOf(check) + 1]!
      expect(next.time.getTime() - check.time.getTime()).toBeGreaterThanOrEqual(INTERVAL_MS - EARLY_MS)
    }
    expectCalmWait(seen)
  })
})
