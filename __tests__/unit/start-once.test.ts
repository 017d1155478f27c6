import { describe, expect, it } from '@jest/globals'
import { AnswerLostError, ApiError, type JobStatus } from '../../src/tiyaro/api.js'
import { startJobOnce } from '../../src/tiyaro/start-job.js'

const input = { name: 'n', version: '1', datasetS3ObjName: 'a.zip', class_prompt: 'c', instance_prompt: 'i' }

function fakeApi(startAnswers: (Error | undefined)[], statuses: JobStatus[]) {
  const calls = { start: 0, status: 0 }
  return {
    calls,
    async startJob(): Promise<void> {
      const answer = startAnswers[calls.start++]
      if (answer) throw answer
    },
    async getJobStatus(): Promise<JobStatus> {
      return statuses[Math.min(calls.status++, statuses.length - 1)]
    }
  }
}

const options = { deadline: Date.now() + 60_000, signal: new AbortController().signal, baseDelayMs: 5 }

describe('startJobOnce', () => {
  it('does not start again when the lost start went through', async () => {
    const api = fakeApi([new AnswerLostError('reset')], [{ statusEnum: 'running' }])
    await startJobOnce(api, 'j', input, options)
    expect(api.calls).toEqual({ start: 1, status: 1 })
  })

  it('starts again when the status shows the job never started', async () => {
    const api = fakeApi([new AnswerLostError('reset'), undefined], [{ statusEnum: 'notfound' }])
    await startJobOnce(api, 'j', input, options)
    expect(api.calls).toEqual({ start: 2, status: 1 })
  })

  it('takes a refusal after an unconfirmed try as the start going through when the job runs', async () => {
    // the status lagged behind the first start; the second start is refused as a duplicate
    const api = fakeApi(
      [new AnswerLostError('reset'), new ApiError('job j already started', 'startRetrainingJob')],
      [{ statusEnum: 'notfound' }, { statusEnum: 'running' }]
    )
    await startJobOnce(api, 'j', input, options)
    expect(api.calls).toEqual({ start: 2, status: 2 })
  })

  it('fails at once when the service refuses the start', async () => {
    const api = fakeApi([new ApiError('bad input', 'startRetrainingJob')], [])
    await expect(startJobOnce(api, 'j', input, options)).rejects.toThrow('bad input')
    expect(api.calls.start).toBe(1)
  })
})
