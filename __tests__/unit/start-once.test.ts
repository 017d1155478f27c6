import { describe, expect, it } from '@jest/globals'
import { AnswerLostError, ApiError, type JobStatus } from '../../src/api.js'
import { startJobOnce } from '../../src/main.js'

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

const far = Date.now() + 60_000
const signal = new AbortController().signal

describe('startJobOnce', () => {
  it('does not start again when the lost start went through', async () => {
    const api = fakeApi([new AnswerLostError('reset')], [{ statusEnum: 'running' }])
    await startJobOnce(api, 'j', input, far, signal)
    expect(api.calls).toEqual({ start: 1, status: 1 })
  })

  it('starts again when the status shows the job never started', async () => {
    const api = fakeApi([new AnswerLostError('reset'), undefined], [{ statusEnum: 'notfound' }])
    await startJobOnce(api, 'j', input, far, signal)
    expect(api.calls).toEqual({ start: 2, status: 1 })
  })

  it('fails at once when the service refuses the start', async () => {
    const api = fakeApi([new ApiError('bad input', 'startRetrainingJob')], [])
    await expect(startJobOnce(api, 'j', input, far, signal)).rejects.toThrow('bad input')
    expect(api.calls.start).toBe(1)
  })
})
