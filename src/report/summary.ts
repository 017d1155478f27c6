// The job summary a person reads: status, model links, the parameters sent and the timings.
// Every value that came from outside is escaped; nothing holds the API key or an upload URL.
import * as core from '@actions/core'
import { basename, dirname } from 'node:path'
import { formatDuration } from '../shared/format.js'
import { describeClassImageSources, type RunReport, type RunStatus } from './report.js'

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
