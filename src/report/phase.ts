// A phase of the run: one log group, and its time in the report's timings.
import { log } from '../shared/log.js'
import type { RunReport } from './report.js'

/** Times a phase and shows it as one log group. */
export async function phase<T>(report: RunReport, name: string, body: () => Promise<T>): Promise<T> {
  const started = Date.now()
  try {
    return await log.group(name, body)
  } finally {
    report.timings.push({ phase: name, ms: Date.now() - started })
  }
}
