// The report layer's public face: the run's record, its outputs and its summary.
export { reportOutputs, writeOutputs } from './outputs.js'
export { phase } from './phase.js'
export {
  describeClassImageSources,
  newReport,
  type ClassImageSources,
  type RunReport,
  type RunStatus,
  type ZipInfo
} from './report.js'
export { STATUS_ICON, cell, renderSummary, writeSummary } from './summary.js'
