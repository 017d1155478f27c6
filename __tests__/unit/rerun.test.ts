import { describe, expect, it } from '@jest/globals'
import { isReRun, jobRecordKey, jobRecordKeyPrefix, parseJobRecord, runAttempt } from '../../src/github/rerun.js'
import { attachable, runFingerprint } from '../../src/services/keys.js'

const parameters = {
  name: 'dog',
  version: '1',
  datasetS3ObjName: 'dog-1.zip',
  class_prompt: 'a dog',
  instance_prompt: 'sks dog',
  max_train_steps: 400
}
const zipSha = 'f'.repeat(64)

describe('runFingerprint', () => {
  it('is the same for the same zip and parameters, whatever the key order', () => {
    const reordered = Object.fromEntries(Object.entries(parameters).reverse())
    expect(runFingerprint(zipSha, reordered as typeof parameters)).toBe(runFingerprint(zipSha, parameters))
    expect(runFingerprint(zipSha, parameters)).toMatch(/^[0-9a-f]{32}$/)
  })

  it('changes with the zip or any parameter', () => {
    const base = runFingerprint(zipSha, parameters)
    expect(runFingerprint('e'.repeat(64), parameters)).not.toBe(base)
    expect(runFingerprint(zipSha, { ...parameters, max_train_steps: 401 })).not.toBe(base)
    expect(runFingerprint(zipSha, { ...parameters, seed: 1 })).not.toBe(base)
  })
})

describe('record keys', () => {
  it('are the run ID, the fingerprint and the attempt; the prefix finds every attempt of the run', () => {
    expect(jobRecordKeyPrefix('123', 'abc')).toBe('tiyaro-dreambooth-job-123-abc-')
    expect(jobRecordKey('123', 'abc', 2)).toBe('tiyaro-dreambooth-job-123-abc-2')
    expect(jobRecordKey('123', 'abc', 2).startsWith(jobRecordKeyPrefix('123', 'abc'))).toBe(true)
  })
})

describe('runAttempt and isReRun', () => {
  it('reads GITHUB_RUN_ATTEMPT, 1 when unset or not a positive integer', () => {
    expect(runAttempt({ GITHUB_RUN_ATTEMPT: '3' })).toBe(3)
    for (const value of [undefined, '', '0', '-1', '1.5', 'two'])
      expect(runAttempt({ GITHUB_RUN_ATTEMPT: value })).toBe(1)
  })

  it('is a re-run only above attempt 1 and with a run ID', () => {
    expect(isReRun({ GITHUB_RUN_ATTEMPT: '2', GITHUB_RUN_ID: '9' })).toBe(true)
    expect(isReRun({ GITHUB_RUN_ATTEMPT: '1', GITHUB_RUN_ID: '9' })).toBe(false)
    expect(isReRun({ GITHUB_RUN_ATTEMPT: '2' })).toBe(false)
  })
})

describe('parseJobRecord', () => {
  it('reads a record and refuses anything else', () => {
    const record = { jobId: 'j', runId: '9', runAttempt: 1, zipSha256: zipSha, startedAt: '2024-01-01T00:00:00Z' }
    expect(parseJobRecord(JSON.stringify(record))).toEqual(record)
    expect(parseJobRecord('not json')).toBeUndefined()
    expect(parseJobRecord(JSON.stringify({ ...record, jobId: '' }))).toBeUndefined()
    expect(parseJobRecord(JSON.stringify({ jobId: 'j' }))).toBeUndefined()
    expect(parseJobRecord('null')).toBeUndefined()
  })
})

describe('attachable', () => {
  it('attaches to a running or done job, not to a failed or unknown one', () => {
    expect(attachable({ statusEnum: 'running' })).toBe(true)
    expect(attachable({ statusEnum: 'done' })).toBe(true)
    expect(attachable({ statusEnum: 'failed' })).toBe(false)
    expect(attachable({ statusEnum: 'notfound' })).toBe(false)
  })
})
