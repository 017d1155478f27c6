import { describe, expect, it } from '@jest/globals'
import { AnswerLostError, ApiError, type JobStatus } from '../../src/tiyaro/api.js'
import { StartUnconfirmedError, startJobOnce } from '../../src/tiyaro/start-job.js'
import { TransientError } from '../../src/shared/retry.js'

const input = { name: 'n', version: '1', datasetS3ObjName: 'a.zip', class_prompt: 'c', instance_prompt: 'i' }

type Calls = { start: number; status: number }

/** Start answers in order; status answers in order (the last repeats), or computed from the calls so far. */
function fakeApi(startAnswers: (Error | undefined)[], statuses: (JobStatus | Error)[] | ((calls: Calls) => JobStatus)) {
  const calls: Calls = { start: 0, status: 0 }
  return {
    calls,
    async startJob(): Promise<void> {
      const answer = startAnswers[calls.start++]
      if (answer) throw answer
    },
    async getJobStatus(): Promise<JobStatus> {
      if (typeof statuses === 'function') return statuses({ ...calls, status: calls.status++ })
      const answer = statuses[Math.min(calls.status++, statuses.length - 1)]!
      if (answer instanceof Error) throw answer
      return answer
    }
  }
}

// a grace period of 40 ms, a check every 10 ms
const options = {
  deadline: Date.now() + 60_000,
  signal: new AbortController().signal,
  baseDelayMs: 5,
  graceMs: 40,
  confirmIntervalMs: 10
}
/** a grace period no loaded machine can overrun between two checks */
const longGrace = { ...options, graceMs: 5_000 }
const notfound: JobStatus = { statusEnum: 'notfound' }
const running: JobStatus = { statusEnum: 'running' }

describe('startJobOnce', () => {
  it('does not start again when the lost start went through', async () => {
    const api = fakeApi([new AnswerLostError('reset')], [running])
    await startJobOnce(api, 'j', input, options)
    expect(api.calls).toEqual({ start: 1, status: 1 })
  })

  it('does not start again on the first notfound: a lagging status is asked until the grace period ends', async () => {
    const api = fakeApi([new AnswerLostError('reset')], [notfound, notfound, running])
    await startJobOnce(api, 'j', input, longGrace)
    expect(api.calls).toEqual({ start: 1, status: 3 })
  })

  it('starts again only when the status still says notfound at the end of the grace period', async () => {
    const api = fakeApi([new AnswerLostError('reset'), undefined], [notfound])
    const sent = Date.now()
    await startJobOnce(api, 'j', input, options)
    expect(api.calls.start).toBe(2)
    expect(api.calls.status).toBeGreaterThanOrEqual(2)
    expect(Date.now() - sent).toBeGreaterThanOrEqual(options.graceMs)
  })

  it('takes a status check without an answer as no news', async () => {
    const api = fakeApi([new AnswerLostError('reset')], [new TransientError('getJobStatus: HTTP 503'), running])
    await startJobOnce(api, 'j', input, longGrace)
    expect(api.calls).toEqual({ start: 1, status: 2 })
  })

  it('takes a refusal after an unconfirmed try as the start going through when the job runs', async () => {
    // the status lagged behind the first start past its grace period; the second start is refused
    // as a duplicate, and the status shows the job at the second check after that
    let afterRefusal = 0
    const api = fakeApi(
      [new AnswerLostError('reset'), new ApiError('job j already started', 'startRetrainingJob')],
      (calls) => (calls.start < 2 || afterRefusal++ < 1 ? notfound : running)
    )
    await startJobOnce(api, 'j', input, options)
    expect(api.calls.start).toBe(2)
    expect(afterRefusal).toBe(2)
  })

  it('sends a start refused at the door (HTTP 429) again without asking the status', async () => {
    const api = fakeApi([new TransientError('startRetrainingJob: HTTP 429'), undefined], [notfound])
    await startJobOnce(api, 'j', input, options)
    expect(api.calls).toEqual({ start: 2, status: 0 })
  })

  it('never starts again when the deadline comes before the status could tell', async () => {
    const api = fakeApi([new AnswerLostError('reset')], [new TransientError('getJobStatus: no answer')])
    const error = await startJobOnce(api, 'j', input, { ...options, deadline: Date.now() + 30 }).catch((e) => e)
    expect(error).toBeInstanceOf(StartUnconfirmedError)
    expect((error as Error).message).toMatch(/start of job j is unconfirmed.*job-id: j/)
    expect(api.calls.start).toBe(1)
  })

  it('fails at once when the service refuses the start', async () => {
    const api = fakeApi([new ApiError('bad input', 'startRetrainingJob')], [])
    await expect(startJobOnce(api, 'j', input, options)).rejects.toThrow('bad input')
    expect(api.calls.start).toBe(1)
  })
})
