import { describe, expect, it } from '@jest/globals'
import { formatDuration } from '../../src/shared/format.js'
import { cell, newReport, renderSummary, reportOutputs } from '../../src/report/index.js'
import { retrainedModel } from '../../test-support/models.js'

const model = retrainedModel('dog')

describe('reportOutputs', () => {
  it('sets the model outputs from the first model and lists every model', () => {
    const report = { ...newReport(), status: 'done' as const, jobId: 'j1', models: [model, { ...model, name: 'dog2' }] }
    const outputs = reportOutputs(report)
    expect(outputs['model-url']).toBe(model.url)
    expect(outputs['model-card']).toBe(model.modelCard)
    expect(outputs['model-name']).toBe('dog')
    expect(JSON.parse(outputs.models)).toHaveLength(2)
    expect(outputs.status).toBe('done')
  })

  it('leaves out what is not known', () => {
    const outputs = reportOutputs({
      ...newReport(),
      status: 'dry-run',
      zip: { path: '/t/a.zip', sha256: 'ff', bytes: 3 }
    })
    expect(outputs).toEqual({ status: 'dry-run', 'zip-path': '/t/a.zip', 'zip-sha256': 'ff', 'zip-bytes': '3' })
  })

  it('reports a cancelled wait as running: the job goes on', () => {
    expect(reportOutputs({ ...newReport(), status: 'cancelled', jobId: 'j' }).status).toBe('running')
  })
})

describe('renderSummary', () => {
  it('shows the status, the models, the parameters sent and the timings', () => {
    const report = {
      ...newReport(),
      status: 'done' as const,
      jobId: 'job-1',
      models: [model],
      parametersSent: {
        name: 'dog',
        version: '1',
        datasetS3ObjName: 'a.zip',
        class_prompt: 'a | dog',
        instance_prompt: 'sks\ndog',
        resolution: 512
      },
      timings: [{ phase: 'Upload', ms: 1500 }],
      notes: []
    }
    const markdown = renderSummary(report)
    expect(markdown).toContain('done')
    expect(markdown).toContain('`job-1`')
    expect(markdown).toContain(`[link](${model.url})`)
    expect(markdown).toContain('| resolution | 512 |')
    expect(markdown).toContain('a \\| dog')
    expect(markdown).toContain('| Upload | 1.5 s |')
  })
})

describe('helpers', () => {
  it('escapes table cells', () => {
    expect(cell('a|b\nc')).toBe('a\\|b ⏎ c')
  })
  it('formats durations', () => {
    expect(formatDuration(250)).toBe('250 ms')
    expect(formatDuration(61_000)).toBe('1 min 1 s')
  })
})
