// The report layer's public face: the run's record, its outputs, its summary, and the Markdown
// helpers the PR comment shares with the summary.
export { LIMITS, cell, code, firstRows, link } from './markdown.js'
export { MAX_OUTPUT_MODELS, outputStatus, reportOutputs, writeOutputs } from './outputs.js'
export { phase } from './phase.js'
export {
  describeClassImageSources,
  newReport,
  type ClassImageSources,
  type RunReport,
  type RunStatus,
  type ZipInfo
} from './report.js'
export { STATUS_ICON, SUMMARY_MAX_BYTES, fitSections, renderSummary, writeSummary } from './summary.js'
