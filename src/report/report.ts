// The run's result as outputs, and as a job summary a person reads: status, model links,
// the parameters sent and the timings. Neither holds the API key or an upload URL.
import * as core from '@actions/core'
import { basename, dirname } from 'node:path'
import type { ApiRevision, DreamBoothInput, JobStatus, RetrainedModel } from '../tiyaro/api.js'
import { formatDuration } from '../shared/format.js'

export type RunStatus = 'done' | 'failed' | 'running' | 'notfound' | 'timed-out' | 'dry-run' | 'cancelled'

export interface PhaseTiming {
  readonly phase: string
  readonly ms: number
}

export interface ZipInfo {
  readonly path: string
  readonly sha256: string
  readonly bytes: number
}

/** Everything the run learned; filled in as it goes, so a failure or a cancel still reports it. */
export interface RunReport {
  status?: RunStatus
  jobId?: string
  errorMessage?: string
  /** the job was not created by this run (job-id input, or a re-run's record) */
  attachedTo?: 'job-id' | 're-run'
  jobStatus?: JobStatus
  models: RetrainedModel[]
  zip?: ZipInfo
  instanceImageCount?: number
  classImageCount?: number
  classImagesCacheHit?: boolean
  parametersSent?: DreamBoothInput
  apiRevision?: ApiRevision
  artifactId?: number
  sampleImages?: readonly { prompt: string; path: string }[]
  /** where the zip's class images came from (class-images, the cache, class-image-generator-url) */
  classImageSources?: ClassImageSources
  readonly timings: PhaseTiming[]
  readonly notes: string[]
}

export interface ClassImageSources {
  readonly supplied: number
  readonly restored: number
  readonly generated: number
}

/** "2 supplied, 4 generated": the sources that gave images; undefined when none did. */
export function describeClassImageSources(sources: ClassImageSources): string | undefined {
  const parts = [
    sources.supplied > 0 ? `${sources.supplied} supplied` : '',
    sources.restored > 0 ? `${sources.restored} restored from the cache` : '',
    sources.generated > 0 ? `${sources.generated} generated` : ''
  ].filter(Boolean)
  return parts.length > 0 ? parts.join(', ') : undefined
}

export function newReport(): RunReport {
  return { models: [], timings: [], notes: [] }
}

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

export const STATUS_ICON: Record<RunStatus, string> = {
  done: '✅',
  failed: '❌',
  notfound: '❌',
  'timed-out': '⏱️',
  running: '🏃',
  cancelled: '🛑',
  'dry-run': '🧪'
}

/** Markdown cell text: no line breaks, no table pipes, no HTML. */
export function cell(value: unknown): string {
  return String(value)
    .replace(/[\\`*_{}[\]<>|]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ⏎ ')
}

/** The job summary as Markdown. */
export function renderSummary(report: RunReport, title = 'DreamBooth training'): string {
  const lines: string[] = []
  const status = report.status ?? 'failed'
  lines.push(`## ${STATUS_ICON[status] ?? ''} ${cell(title)}: ${status}`, '')
  // [label, value]; a value made by code() is Markdown already, anything else is escaped.
  const facts: [string, unknown][] = [
    ['Job', report.jobId && code(report.jobId)],
    ['Status', status],
    [
      'Attached to',
      report.attachedTo === 'job-id'
        ? 'an existing job (job-id)'
        : report.attachedTo === 're-run'
          ? 'the job an earlier attempt started'
          : undefined
    ],
    ['Created', report.jobStatus?.created],
    ['Finished', report.jobStatus?.finished],
    ['Error', report.errorMessage],
    ['Zip', report.zip && new Markdown(`${report.zip.bytes} bytes, sha256 ${code(report.zip.sha256).text}`)],
    [
      'Images',
      report.instanceImageCount !== undefined
        ? `${report.instanceImageCount} instance, ${report.classImageCount ?? 0} class`
        : undefined
    ],
    [
      'Class images from cache',
      report.classImagesCacheHit === undefined ? undefined : report.classImagesCacheHit ? 'yes' : 'no'
    ],
    ['Class images', report.classImageSources && describeClassImageSources(report.classImageSources)],
    ['API revision', report.apiRevision],
    ['Artifact', report.artifactId]
  ]
  lines.push('| | |', '| --- | --- |')
  for (const [label, value] of facts) {
    if (value === undefined || value === null || value === '') continue
    lines.push(`| ${label} | ${value instanceof Markdown ? value.text : cell(value)} |`)
  }
  lines.push('')
  if (report.models.length > 0) {
    lines.push('### Models', '', '| Name | Version | Vendor | API | Model card |', '| --- | --- | --- | --- | --- |')
    for (const model of report.models) {
      lines.push(
        `| ${cell(model.name)} | ${cell(model.version)} | ${cell(model.vendor)} | ${link(model.url)} | ${link(model.modelCard)} |`
      )
    }
    lines.push('')
  }
  if (report.sampleImages && report.sampleImages.length > 0) {
    lines.push('### Sample images', '', '| Prompt | File |', '| --- | --- |')
    for (const sample of report.sampleImages)
      lines.push(`| ${cell(sample.prompt)} | ${code(basename(sample.path)).text} |`)
    // A job summary cannot show files from the runner: say where they are.
    const where =
      report.artifactId !== undefined
        ? `The images are in the samples folder of the run's artifact (ID ${report.artifactId}), under the run's Artifacts.`
        : `The images are on the runner in ${dirname(report.sampleImages[0]!.path)}; set artifact-name to keep them with the run.`
    lines.push('', `> ${cell(where)}`, '')
  } else if (report.sampleImages) {
    lines.push('### Sample images', '', '> No sample image was made: the warnings in the log say why.', '')
  }
  if (report.parametersSent) {
    const heading = report.status === 'dry-run' ? 'Parameters to send (dry run: nothing was sent)' : 'Parameters sent'
    lines.push(`### ${heading}`, '', '| Field | Value |', '| --- | --- |')
    for (const [key, value] of Object.entries(report.parametersSent)) {
      if (value !== undefined) lines.push(`| ${cell(key)} | ${cell(JSON.stringify(value))} |`)
    }
    lines.push('')
  }
  if (report.jobStatus?.jobInput) {
    lines.push(
      '### Input the service recorded',
      '',
      '```json',
      report.jobStatus.jobInput.replaceAll('```', '`\u200b``'),
      '```',
      ''
    )
  }
  if (report.timings.length > 0) {
    lines.push('### Timings', '', '| Phase | Time |', '| --- | --- |')
    for (const { phase, ms } of report.timings) lines.push(`| ${cell(phase)} | ${formatDuration(ms)} |`)
    lines.push('')
  }
  for (const note of report.notes) lines.push(`> ${cell(note)}`, '')
  return lines.join('\n')
}

/** Text that is Markdown already. */
class Markdown {
  constructor(readonly text: string) {}
}

function code(text: string): Markdown {
  return new Markdown(`\`${text.replaceAll('`', "'")}\``)
}

function link(url: string): string {
  return /^https?:\/\//.test(url) ? `[link](${url.replace(/[()\s]/g, encodeURIComponent)})` : cell(url)
}

export async function writeSummary(report: RunReport): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  await core.summary.addRaw(renderSummary(report), true).write()
}
