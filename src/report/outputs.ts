// The run's result as step outputs. No output holds the API key or an upload URL, every value
// from elsewhere is redacted and cut to a sane length, and only the JSON outputs may hold a line
// break (escaped, inside their strings).
import { runner } from '../shared/runner-commands.js'
import { LIMITS, plainLine, shownText } from './markdown.js'
import type { RunReport, RunStatus } from './report.js'

/** Models listed in the `models` output; a service could answer with any number. */
export const MAX_OUTPUT_MODELS = 100

/** Output name → value, for every output that applies. */
/** The status output: "cancelled" is not a status of the contract; the job goes on, so it is still running. */
export function outputStatus(report: RunReport): Exclude<RunStatus, 'cancelled'> | undefined {
  return report.status === 'cancelled' ? 'running' : report.status
}

export function reportOutputs(report: RunReport): Record<string, string> {
  const outputs: Record<string, string> = {}
  const set = (name: string, value: string | number | boolean | undefined | null, max: number = LIMITS.name): void => {
    if (value !== undefined && value !== null) outputs[name] = plainLine(value, max)
  }
  set('status', outputStatus(report))
  set('job-id', report.jobId)
  set('error-message', report.errorMessage, LIMITS.text)
  // in JSON a line break is escaped: the values are only redacted and cut
  const models = report.models.slice(0, MAX_OUTPUT_MODELS).map((model) => ({
    vendor: shownText(model.vendor, LIMITS.name),
    version: shownText(model.version, LIMITS.name),
    name: shownText(model.name, LIMITS.name),
    url: shownText(model.url, LIMITS.url),
    modelCard: shownText(model.modelCard, LIMITS.url)
  }))
  const [first] = models
  if (first) {
    set('model-url', first.url, LIMITS.url)
    set('model-card', first.modelCard, LIMITS.url)
    set('model-name', first.name)
    set('model-version', first.version)
    set('model-vendor', first.vendor)
  }
  if (report.models.length > 0 || report.status === 'done') outputs.models = JSON.stringify(models)
  set('created', report.jobStatus?.created)
  set('finished', report.jobStatus?.finished)
  set('zip-path', report.zip?.path, Infinity) // the action's own path: cut, it would be wrong
  set('zip-sha256', report.zip?.sha256)
  set('zip-bytes', report.zip?.bytes)
  set('instance-image-count', report.instanceImageCount)
  set('class-image-count', report.classImageCount)
  set('class-images-cache-hit', report.classImagesCacheHit)
  set('artifact-id', report.artifactId)
  if (report.sampleImages) outputs['sample-images'] = JSON.stringify(report.sampleImages.map((sample) => sample.path))
  return outputs
}

export function writeOutputs(report: RunReport): void {
  for (const [name, value] of Object.entries(reportOutputs(report))) runner.setOutput(name, value)
}
