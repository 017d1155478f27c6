// Where the command puts its result: the outputs on stdout (one JSON object with --json, else
// one "name: value" line each), as KEY=value lines for --dotenv, and the Markdown summary for
// --summary. The outputs are the action's (reportOutputs), under the same names.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { renderSummary, reportOutputs, type RunReport } from '../report/index.js'

/** The outputs as stdout shows them. */
export function formatOutputs(outputs: Record<string, string>, json: boolean): string {
  if (json) return `${JSON.stringify(outputs)}\n`
  return Object.entries(outputs)
    .map(([name, value]) => `${name}: ${value.replace(/\r?\n/g, ' ')}\n`)
    .join('')
}

/**
 * KEY=value lines as GitLab's dotenv report reads them: names in upper snake case, one line each
 * (it keeps no line break and no quoting, so a line break in a value becomes a space).
 */
export function dotenvLines(outputs: Record<string, string>): string {
  return Object.entries(outputs)
    .map(([name, value]) => `${name.toUpperCase().replaceAll('-', '_')}=${value.replace(/\s*\r?\n\s*/g, ' ').trim()}\n`)
    .join('')
}

export interface ResultFiles {
  readonly dotenv?: string
  readonly summary?: string
}

/** Writes the files asked for; `hide` removes the secrets, as from everything the command prints. */
export async function writeResultFiles(
  report: RunReport,
  files: ResultFiles,
  hide: (text: string) => string
): Promise<void> {
  const write = async (path: string, text: string): Promise<void> => {
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, hide(text))
  }
  if (files.dotenv) await write(files.dotenv, dotenvLines(reportOutputs(report)))
  if (files.summary) await write(files.summary, renderSummary(report, 'DreamBooth training'))
}
