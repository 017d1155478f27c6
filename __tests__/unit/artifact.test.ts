import { describe, expect, it } from '@jest/globals'
import { resultJson, sampleFileNames } from '../../src/github/artifact.js'
import { newReport, type RunReport } from '../../src/report/index.js'

const config = { apiKey: 'tk-secret-key-123456', githubToken: 'ghs_token_abcdef', zipName: 'dog-1.zip' }

describe('sampleFileNames', () => {
  it('puts samples under samples/, numbering a repeated name', () => {
    expect(sampleFileNames([{ path: '/t/a/1.png' }, { path: '/t/b/1.png' }, { path: 'rel/2.png' }])).toEqual([
      'samples/1.png',
      'samples/2-1.png',
      'samples/2.png'
    ])
  })
})

describe('resultJson', () => {
  const report: RunReport = {
    ...newReport(),
    status: 'timed-out',
    jobId: 'job-1',
    errorMessage: 'the service said tk-secret-key-123456 is odd',
    jobStatus: { statusEnum: 'running', created: '2024-01-01T00:00:00Z', finished: null },
    zip: { path: '/runner/temp/tiyaro-dreambooth/dog-1.zip', sha256: 'ab'.repeat(32), bytes: 1234 },
    parametersSent: {
      name: 'dog',
      version: '1',
      datasetS3ObjName: 'dog-1.zip',
      class_prompt: 'a dog',
      instance_prompt: 'sks dog'
    },
    instanceImageCount: 5,
    classImageCount: 0,
    classImagesCacheHit: false,
    sampleImages: [{ prompt: 'a sks dog on the moon', path: '/runner/temp/samples/1.png' }],
    timings: [{ phase: 'Upload', ms: 12 }]
  }

  it('holds the job, status, times, parameters and zip, with no runner path', () => {
    expect(resultJson(report, config)).toEqual({
      jobId: 'job-1',
      status: 'timed-out',
      jobStatus: 'running',
      errorMessage: 'the service said *** is odd',
      attachedTo: null,
      created: '2024-01-01T00:00:00Z',
      finished: null,
      models: [],
      parametersSent: report.parametersSent,
      zip: { name: 'dog-1.zip', sha256: 'ab'.repeat(32), bytes: 1234 },
      instanceImageCount: 5,
      classImageCount: 0,
      classImagesCacheHit: false,
      apiRevision: null,
      sampleImages: [{ prompt: 'a sks dog on the moon', file: 'samples/1.png' }],
      timings: [{ phase: 'Upload', ms: 12 }]
    })
  })

  it('never holds the API key or the token', () => {
    const text = JSON.stringify(resultJson(report, config))
    expect(text).not.toContain(config.apiKey)
    expect(text).not.toContain(config.githubToken)
  })

  it('reports a cancelled wait as the contract does: running', () => {
    expect(resultJson({ ...report, status: 'cancelled' }, config).status).toBe('running')
  })
})
