// The run's result as step outputs. No output holds the API key or an upload URL.
import * as core from '@actions/core'
import type { RunReport } from './report.js'

/** Output name → value, for every output that applies. */
export function reportOutputs(report: RunReport): Record<string, string> {
  const outputs: Record<string, string> = {}
  const set = (name: string, value: string | number | boolean | undefined | null): void => {
    if (value !== undefined && value !== null) outputs[name] = String(value)
  }
  // "cancelled" is not a status of the contract: the job goes on, so it is still running.
  set('status', report.status === 'cancelled' ? 'running' : report.status)
  set('job-id', report.jobId)
  set('error-message', report.errorMessage)
  const [first] = report.models
  if (first) {
    set('model-url', first.url)
    set('model-card', first.modelCard)
    set('model-name', first.name)
    set('model-version', first.version)
    set('model-vendor', first.vendor)
  }
  if (report.models.length > 0 || report.status === 'done') {
    set(
      'models',
      JSON.stringify(
        report.models.map(({ vendor, version, name, url, modelCard }) => ({ vendor, version, name, url, modelCard }))
      )
    )
  }
  set('created', report.jobStatus?.created)
  set('finished', report.jobStatus?.finished)
  set('zip-path', report.zip?.path)
  set('zip-sha256', report.zip?.sha256)
  set('zip-bytes', report.zip?.bytes)
  set('instance-image-count', report.instanceImageCount)
  set('class-image-count', report.classImageCount)
  set('class-images-cache-hit', report.classImagesCacheHit)
  set('artifact-id', report.artifactId)
  if (report.sampleImages) set('sample-images', JSON.stringify(report.sampleImages.map((sample) => sample.path)))
  return outputs
}

export function writeOutputs(report: RunReport): void {
  for (const [name, value] of Object.entries(reportOutputs(report))) core.setOutput(name, value)
}
