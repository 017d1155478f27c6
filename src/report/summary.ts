// The job summary a person reads: status, model links, the parameters sent and the timings.
// Every value that came from outside is redacted, cut and escaped (markdown.ts); long lists are
// cut with a note, and the whole stays under GitHub's 1 MiB limit for a step's summary.
import { basename, dirname } from 'node:path'
import { formatDuration, plural } from '../shared/format.js'
import { runner } from '../shared/runner-commands.js'
import { LIMITS, Markdown, cell, code, codeBlock, firstRows, link, shownText } from './markdown.js'
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

/** GitHub refuses a step summary over 1 MiB: ours stays below, with room to spare. */
export const SUMMARY_MAX_BYTES = 1000 * 1024
/** Rows of a list shown before the rest is summed up in a note, and the bytes a list may take. */
export const MAX_ROWS = { models: 100, samples: 100, parameters: 200, warnings: 100 } as const
const MAX_LIST_BYTES = 256 * 1024
/** The service's record of the job's input, shown up to this length. */
const MAX_JOB_INPUT = 64 * 1024

/** The job summary as Markdown. */
export function renderSummary(report: RunReport, title = 'DreamBooth training'): string {
  const status = report.status ?? 'failed'
  const sections = [
    [`## ${STATUS_ICON[status] ?? ''} ${cell(title)}: ${status}`, '', ...factsTable(report, status), ''],
    modelsSection(report),
    samplesSection(report),
    parametersSection(report),
    jobInputSection(report),
    timingsSection(report),
    warningsSection(report),
    report.notes.flatMap((note) => [`> ${cell(note)}`, ''])
  ]
  return fitSections(sections, SUMMARY_MAX_BYTES)
}

function factsTable(report: RunReport, status: RunStatus): string[] {
  // [label, value]; a Markdown value is shown as it is, anything else is escaped.
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
    ['Created', report.jobStatus?.created && cell(report.jobStatus.created, LIMITS.name)],
    ['Finished', report.jobStatus?.finished && cell(report.jobStatus.finished, LIMITS.name)],
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
  const lines = ['| | |', '| --- | --- |']
  for (const [label, value] of facts) {
    if (value === undefined || value === null || value === '') continue
    lines.push(`| ${label} | ${value instanceof Markdown ? value.text : cell(value)} |`)
  }
  return lines
}

function modelsSection(report: RunReport): string[] {
  if (report.models.length === 0) return []
  const { shown } = firstRows(report.models, MAX_ROWS.models)
  const rows = shown.map((model) => {
    const name = cell(model.name, LIMITS.name)
    const version = cell(model.version, LIMITS.name)
    const vendor = cell(model.vendor, LIMITS.name)
    return `| ${name} | ${version} | ${vendor} | ${link('link', model.url)} | ${link('link', model.modelCard)} |`
  })
  const head = ['### Models', '', '| Name | Version | Vendor | API | Model card |', '| --- | --- | --- | --- | --- |']
  return [...head, ...listRows(rows, report.models.length, 'model'), '']
}

function samplesSection(report: RunReport): string[] {
  if (!report.sampleImages) return []
  if (report.sampleImages.length === 0) {
    return ['### Sample images', '', '> No sample image was made: the warnings in the log say why.', '']
  }
  const { shown } = firstRows(report.sampleImages, MAX_ROWS.samples)
  const rows = shown.map((sample) => `| ${cell(sample.prompt)} | ${code(basename(sample.path)).text} |`)
  // A job summary cannot show files from the runner: say where they are.
  const where =
    report.artifactId !== undefined
      ? `The images are in the samples folder of the run's artifact (ID ${report.artifactId}), under the run's Artifacts.`
      : `The images are on the runner in ${dirname(report.sampleImages[0]!.path)}; set artifact-name to keep them with the run.`
  const head = ['### Sample images', '', '| Prompt | File |', '| --- | --- |']
  return [...head, ...listRows(rows, report.sampleImages.length, 'sample image'), '', `> ${cell(where)}`, '']
}

function parametersSection(report: RunReport): string[] {
  if (!report.parametersSent) return []
  const heading = report.status === 'dry-run' ? 'Parameters to send (dry run: nothing was sent)' : 'Parameters sent'
  const entries = Object.entries(report.parametersSent).filter(([, value]) => value !== undefined)
  const { shown } = firstRows(entries, MAX_ROWS.parameters)
  const rows = shown.map(([key, value]) => `| ${cell(key, LIMITS.name)} | ${cell(JSON.stringify(value))} |`)
  return [`### ${heading}`, '', '| Field | Value |', '| --- | --- |', ...listRows(rows, entries.length, 'field'), '']
}

function jobInputSection(report: RunReport): string[] {
  if (!report.jobStatus?.jobInput) return []
  const text = shownText(report.jobStatus.jobInput, MAX_JOB_INPUT)
  return ['### Input the service recorded', '', ...codeBlock('json', text), '']
}

function timingsSection(report: RunReport): string[] {
  if (report.timings.length === 0) return []
  const lines = ['### Timings', '', '| Phase | Time |', '| --- | --- |']
  for (const { phase, ms } of report.timings) lines.push(`| ${cell(phase, LIMITS.name)} | ${formatDuration(ms)} |`)
  return [...lines, '']
}

/** Every warning of the run: GitHub annotates only the first ten of a step. */
function warningsSection(report: RunReport): string[] {
  const warnings = report.warnings
  if (!warnings || warnings.total === 0) return []
  const { shown } = firstRows(warnings.messages, MAX_ROWS.warnings)
  const rows = shown.map((warning) => `- ${cell(warning)}`)
  return ['### Warnings', '', ...listRows(rows, warnings.total, 'warning', ' (the log has them all)'), '']
}

/** The rows that fit in MAX_LIST_BYTES, and a note that says how many of `total` are not shown. */
function listRows(rows: readonly string[], total: number, noun: string, where = ''): string[] {
  const fitting: string[] = []
  let bytes = 0
  for (const row of rows) {
    bytes += Buffer.byteLength(row) + 1
    if (bytes > MAX_LIST_BYTES) break
    fitting.push(row)
  }
  const more = total - fitting.length
  return more > 0
    ? [...fitting, '', `> … and ${plural(more, `more ${noun}`, `more ${noun}s`)} not shown here${where}.`]
    : fitting
}

/** The sections in order, as many as fit in `maxBytes`; a note says where the rest was cut. */
export function fitSections(sections: readonly (readonly string[])[], maxBytes: number): string {
  const note = `> The summary was cut here: GitHub refuses a job summary over 1 MiB. The log has the rest.`
  const budget = maxBytes - Buffer.byteLength(note) - 2
  let text = ''
  for (const section of sections) {
    if (section.length === 0) continue
    const part = `${section.join('\n')}\n`
    if (Buffer.byteLength(text) + Buffer.byteLength(part) > budget) return `${text}${note}\n`
    text += part
  }
  return text.replace(/\n$/, '')
}

/** Writes the summary unless `enabled` is false (the job-summary input). */
export async function writeSummary(report: RunReport, enabled = true): Promise<void> {
  if (!enabled || !process.env.GITHUB_STEP_SUMMARY) return
  await runner.appendSummary(renderSummary(report))
}
