import { describe, expect, it, jest } from '@jest/globals'
import type { JobStatus } from '../../src/tiyaro/api.js'
import { TransientError } from '../../src/shared/retry.js'
import { waitForJob } from '../../src/tiyaro/wait.js'

/** A job whose status answers come from a list; the last one repeats. */
function fakeApi(answers: (JobStatus | Error)[]) {
  let calls = 0
  return {
    get calls() {
      return calls
    },
    async getJobStatus(): Promise<JobStatus> {
      const answer = answers[Math.min(calls++, answers.length - 1)]
      if (answer instanceof Error) throw answer
      return answer
    }
  }
}

const running: JobStatus = { statusEnum: 'running' }
const far = () => Date.now() + 60_000

describe('waitForJob', () => {
  it('checks until the job is done', async () => {
    const api = fakeApi([running, running, { statusEnum: 'done', finished: 'now' }])
    const checks: number[] = []
    const outcome = await waitForJob(api, {
      jobId: 'j',
      deadline: far(),
      pollIntervalMs: 5,
      onCheck: ({ check }) => checks.push(check)
    })
    expect(outcome.kind).toBe('done')
    expect(api.calls).toBe(3)
    expect(checks).toEqual([1, 2, 3])
  })

  it('returns failed and notfound as they are', async () => {
    expect(
      (
        await waitForJob(fakeApi([{ statusEnum: 'failed', errMsg: 'oom' }]), {
          jobId: 'j',
          deadline: far(),
          pollIntervalMs: 1
        })
      ).kind
    ).toBe('failed')
    expect(
      (await waitForJob(fakeApi([{ statusEnum: 'notfound' }]), { jobId: 'j', deadline: far(), pollIntervalMs: 1 })).kind
    ).toBe('notfound')
  })

  it('goes on after a check that got no answer, without an extra request', async () => {
    const api = fakeApi([new TransientError('HTTP 503'), { statusEnum: 'done' }])
    const errors: string[] = []
    const outcome = await waitForJob(api, {
      jobId: 'j',
      deadline: far(),
      pollIntervalMs: 5,
      onCheck: ({ error }) => error && errors.push(error.message)
    })
    expect(outcome.kind).toBe('done')
    expect(api.calls).toBe(2)
    expect(errors).toEqual(['HTTP 503'])
  })

  it('fails at once on an error that is not transient', async () => {
    const api = fakeApi([new Error('auth refused')])
    await expect(waitForJob(api, { jobId: 'j', deadline: far(), pollIntervalMs: 1 })).rejects.toThrow('auth refused')
  })

  it('times out at the deadline after a last check on it', async () => {
    // the clock is jest's, so a loaded machine cannot stretch an interval past the deadline
    jest.useFakeTimers()
    try {
      const api = fakeApi([running])
      const started = Date.now()
      const waiting = waitForJob(api, { jobId: 'j', deadline: started + 120, pollIntervalMs: 50 })
      await jest.advanceTimersByTimeAsync(500)
      const outcome = await waiting
      expect(outcome.kind).toBe('timed-out')
      expect(Date.now() - started).toBeGreaterThanOrEqual(120)
      // checks at 0, 50, 100 and the deadline (120)
      expect(api.calls).toBe(4)
    } finally {
      jest.useRealTimers()
    }
  })

  it('stops at once when cancelled', async () => {
    const api = fakeApi([running])
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 20)
    const outcome = await waitForJob(api, {
      jobId: 'j',
      deadline: far(),
      pollIntervalMs: 10_000,
      signal: controller.signal
    })
    expect(outcome.kind).toBe('cancelled')
    expect(api.calls).toBe(1)
  })
})
