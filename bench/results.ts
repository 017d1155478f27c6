// Medians, the issue's goals, and the table: printed, and written to bench/RESULTS.md.
import { formatSize, type BenchDataset } from './dataset.js'
import type { Measurement } from './measure.js'

export type Way = 'A' | 'B' | 'C'
export const WAYS: readonly Way[] = ['A', 'B', 'C']
export const WAY_NAMES: Record<Way, string> = {
  A: 'A: the action (dist bundle, wait: true, poll 0.2 s)',
  B: 'B: zip -0 -r + curl -T (physical limit)',
  C: 'C: zip -r (deflate) + curl -T (vendor template)'
}

export type Round = Record<Way, Measurement>

export interface SizeResult {
  /** the size asked for, in bytes */
  readonly requested: number
  readonly dataset: BenchDataset
  readonly rounds: readonly Round[]
}

export interface BenchReport {
  readonly date: Date
  readonly machine: {
    readonly cpus: number
    readonly cpuModel: string
    readonly memoryBytes: number
    readonly os: string
  }
  readonly node: string
  readonly build: string
  readonly command: string
  readonly warmupRounds: number
  readonly sizes: readonly SizeResult[]
  readonly coldStartMs: readonly number[]
}

export interface Goal {
  readonly goal: string
  readonly measured: string
  /** undefined: not measured in this run */
  readonly met?: boolean
}

const MIB = 1024 ** 2
const GIB = 1024 ** 3
const MAX_A_OVER_B = 1.25
const MAX_RSS_MB = 150
const MAX_RSS_GROWTH_MB = 20
const MAX_COLD_START_MS = 300

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** ru_maxrss (KiB) in MB of 10^6 bytes, the unit of the goals. */
export function rssMb(kib: number): number {
  return (kib * 1024) / 1e6
}

export function medianOf(size: SizeResult, way: Way): Measurement {
  return {
    wallMs: median(size.rounds.map((round) => round[way].wallMs)),
    peakRssKb: median(size.rounds.map((round) => round[way].peakRssKb))
  }
}

export function goals(report: BenchReport): Goal[] {
  const at = (bytes: number): SizeResult | undefined => report.sizes.find((size) => size.requested === bytes)
  const small = at(100 * MIB)
  const large = at(GIB)
  const result: Goal[] = []

  if (small) {
    const ratio = medianOf(small, 'A').wallMs / medianOf(small, 'B').wallMs
    result.push({ goal: `A/B ≤ ${MAX_A_OVER_B} on 100 MiB`, measured: ratio.toFixed(2), met: ratio <= MAX_A_OVER_B })
  } else {
    result.push({ goal: `A/B ≤ ${MAX_A_OVER_B} on 100 MiB`, measured: 'not measured (run with --size 100m)' })
  }
  for (const size of report.sizes) {
    const a = medianOf(size, 'A').wallMs
    const c = medianOf(size, 'C').wallMs
    result.push({
      goal: `A faster than C on ${formatSize(size.requested)}`,
      measured: `${ms(a)} vs ${ms(c)} (C/A ${(c / a).toFixed(2)})`,
      met: a < c
    })
  }
  if (large) {
    const rss = rssMb(medianOf(large, 'A').peakRssKb)
    result.push({
      goal: `peak RSS of A ≤ ${MAX_RSS_MB} MB on 1 GiB`,
      measured: `${rss.toFixed(1)} MB`,
      met: rss <= MAX_RSS_MB
    })
    if (small) {
      const growth = rss - rssMb(medianOf(small, 'A').peakRssKb)
      result.push({
        goal: `peak RSS of A on 1 GiB ≤ its 100 MiB value + ${MAX_RSS_GROWTH_MB} MB`,
        measured: `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB`,
        met: growth <= MAX_RSS_GROWTH_MB
      })
    }
  } else {
    result.push({
      goal: `peak RSS of A ≤ ${MAX_RSS_MB} MB on 1 GiB, ≤ +${MAX_RSS_GROWTH_MB} MB over 100 MiB`,
      measured: 'not measured (run with --size 100m,1g)'
    })
  }
  const cold = median(report.coldStartMs)
  const onNode24 = report.node.startsWith('v24.')
  result.push({
    goal: `cold start ≤ ${MAX_COLD_START_MS} ms on Node 24 (median of ${report.coldStartMs.length})`,
    measured: `${Math.round(cold)} ms${onNode24 ? '' : ` on Node ${report.node}: not judged`}`,
    ...(onNode24 ? { met: cold <= MAX_COLD_START_MS } : {})
  })
  return result
}

function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`
}

function cell(measurement: Measurement): string[] {
  return [ms(measurement.wallMs), rssMb(measurement.peakRssKb).toFixed(1)]
}

/** One markdown table per size: every round, then the medians. */
function sizeTable(size: SizeResult): string {
  const header = ['round', ...WAYS.flatMap((way) => [`${way} wall`, `${way} peak RSS (MB)`])]
  const rows = size.rounds.map((round, index) => [String(index + 1), ...WAYS.flatMap((way) => cell(round[way]))])
  const medians = WAYS.map((way) => medianOf(size, way))
  rows.push(['**median**', ...medians.flatMap((measurement) => cell(measurement).map((text) => `**${text}**`))])
  const ratio = (medians[0]!.wallMs / medians[1]!.wallMs).toFixed(2)
  const { dataset } = size
  return [
    `### ${formatSize(size.requested)}: ${dataset.instanceCount} instance + ${dataset.classCount} class images, ${dataset.bytes.toLocaleString('en-US')} bytes`,
    '',
    markdownTable(header, rows),
    '',
    `A/B = ${ratio}, C/A = ${(medians[2]!.wallMs / medians[0]!.wallMs).toFixed(2)}`
  ].join('\n')
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

export function goalsTable(report: BenchReport): string {
  const rows = goals(report).map((goal) => [
    goal.goal,
    goal.measured,
    goal.met === undefined ? '–' : goal.met ? 'met' : '**MISSED**'
  ])
  return markdownTable(['goal', 'measured', ''], rows)
}

export function renderResults(report: BenchReport): string {
  const { machine } = report
  return [
    '# Benchmark results',
    '',
    `Written by \`${report.command}\` (bench/bench.ts) on ${report.date.toISOString()}. See bench/README.md for what is measured and how.`,
    '',
    `- Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${(machine.memoryBytes / GIB).toFixed(1)} GiB memory, ${machine.os}`,
    `- Node: ${report.node} (the action's and the bench's)`,
    `- Build measured: ${report.build}`,
    `- Rounds: ${report.sizes[0]?.rounds.length ?? 0} per size, interleaved A, B, C, A, B, C, …, after ${report.warmupRounds} warm-up round(s) not counted`,
    '',
    ...WAYS.map((way) => `- ${WAY_NAMES[way]}`),
    '',
    "Wall time from the first process's start to the last one's exit; peak RSS is ru_maxrss (for B and C the larger of zip's and curl's), in MB of 10^6 bytes.",
    '',
    '## Goals',
    '',
    goalsTable(report),
    '',
    '## Runs',
    '',
    ...report.sizes.flatMap((size) => [sizeTable(size), '']),
    `Cold start (spawn to the first stdout line, dry run), ${report.coldStartMs.length} runs in ms: ${report.coldStartMs.map((value) => Math.round(value)).join(', ')}; median ${Math.round(median(report.coldStartMs))} ms.`,
    ''
  ].join('\n')
}
