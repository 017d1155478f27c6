// Per-round ratios and their medians, the issue's goals, and the tables: printed, and written to
// bench/RESULTS.md with the machine's load average beside them.
import { formatSize, type BenchDataset } from './dataset.js'
import type { Measurement } from './measure.js'

export type Way = 'A' | 'B' | 'C'
export const WAYS: readonly Way[] = ['A', 'B', 'C']
export const WAY_NAMES: Record<Way, string> = {
  A: 'A: the action (dist bundle, wait: true, poll 0.2 s): scan, zip streamed into the upload, the GraphQL calls',
  B: 'B: zip -0 -r to a file + curl -T of it + the same GraphQL calls as curl commands (the tools at their limit)',
  C: 'C: the same with zip -r (deflate), as the vendor template does'
}

export interface Round {
  readonly results: Record<Way, Measurement>
  /** the 1-minute load average as the round began */
  readonly load: number
}

export interface SizeResult {
  /** the size asked for, in bytes */
  readonly requested: number
  readonly dataset: BenchDataset
  readonly rounds: readonly Round[]
  /** load averages (1, 5, 15 min) before the first and after the last round */
  readonly loadBefore: readonly number[]
  readonly loadAfter: readonly number[]
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
  /** process start → first request, ms */
  readonly firstRequestMs: readonly number[]
  /** the same figure for bare Node sending the request at once (bench/floor-request.ts), runs alternating */
  readonly floorRequestMs: readonly number[]
  readonly firstRequestLoad: readonly number[]
}

export interface Goal {
  readonly goal: string
  readonly measured: string
  /** undefined: not measured in this run */
  readonly met?: boolean
}

const MIB = 1024 ** 2
const GIB = 1024 ** 3
const MAX_A_OVER_B = { [100 * MIB]: 0.8, [GIB]: 0.7 } as Record<number, number>
const MAX_RSS_MB = { [100 * MIB]: 90, [GIB]: 100 } as Record<number, number>
const MAX_CPU_RATIO = 1.2
const MAX_FIRST_REQUEST_MS = 100

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** ru_maxrss (KiB) in MB of 10^6 bytes, the unit of the goals. */
export function rssMb(kib: number): number {
  return (kib * 1024) / 1e6
}

/** Per round: A's wall time over B's (or another figure). */
export function ratios(size: SizeResult, of: keyof Measurement = 'wallMs', over: Way = 'B'): number[] {
  return size.rounds.map((round) => round.results.A[of] / round.results[over][of])
}

export function medianOf(size: SizeResult, way: Way, of: keyof Measurement): number {
  return median(size.rounds.map((round) => round.results[way][of]))
}

export function goals(report: BenchReport): Goal[] {
  const result: Goal[] = []
  for (const bytes of [100 * MIB, GIB]) {
    const size = report.sizes.find((candidate) => candidate.requested === bytes)
    const name = formatSize(bytes)
    const limit = MAX_A_OVER_B[bytes]!
    const rssLimit = MAX_RSS_MB[bytes]!
    if (!size) {
      result.push({
        goal: `A/B ≤ ${limit} on ${name}`,
        measured: `not measured (--size ${bytes === GIB ? '1g' : '100m'})`
      })
      continue
    }
    const ratio = median(ratios(size))
    const load = loadText(size.loadBefore, size.loadAfter)
    result.push({
      goal: `A/B ≤ ${limit} on ${name} (median of ${size.rounds.length} per-round ratios)`,
      measured: `${ratio.toFixed(2)} (load ${load})`,
      met: ratio <= limit
    })
    const rss = rssMb(medianOf(size, 'A', 'peakRssKb'))
    result.push({
      goal: `peak RSS of A ≤ ${rssLimit} MB on ${name}`,
      measured: `${rss.toFixed(1)} MB`,
      met: rss <= rssLimit
    })
    if (bytes === 100 * MIB) {
      const cpu = median(ratios(size, 'cpuMs'))
      result.push({
        goal: `CPU time A/B ≤ ${MAX_CPU_RATIO} on ${name} (median of the per-round ratios)`,
        measured: `${cpu.toFixed(2)} (${ms(medianOf(size, 'A', 'cpuMs'))} vs ${ms(medianOf(size, 'B', 'cpuMs'))})`,
        met: cpu <= MAX_CPU_RATIO
      })
    }
  }
  for (const size of report.sizes) {
    const c = median(ratios(size, 'wallMs', 'C'))
    result.push({
      goal: `A faster than C on ${formatSize(size.requested)}`,
      measured: `A/C ${c.toFixed(2)}`,
      met: c < 1
    })
  }
  const first = median(report.firstRequestMs)
  const onNode24 = report.node.startsWith('v24.')
  result.push({
    goal: `process start → first request ≤ ${MAX_FIRST_REQUEST_MS} ms on Node 24 (median of ${report.firstRequestMs.length})`,
    measured: `${Math.round(first)} ms; bare Node's floor ${Math.round(median(report.floorRequestMs))} ms (load ${report.firstRequestLoad.map((load) => load.toFixed(2)).join(' → ')})${onNode24 ? '' : ` on Node ${report.node}: not judged`}`,
    ...(onNode24 ? { met: first <= MAX_FIRST_REQUEST_MS } : {})
  })
  return result
}

function loadText(before: readonly number[], after: readonly number[]): string {
  return `${before.map((load) => load.toFixed(2)).join(' ')} → ${after.map((load) => load.toFixed(2)).join(' ')}`
}

function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`
}

/** One markdown table per size: every round with its ratios, then the medians. */
function sizeTable(size: SizeResult): string {
  const header = [
    'round',
    'load 1 min',
    'A wall',
    'B wall',
    'C wall',
    'A/B',
    'A CPU',
    'B CPU',
    'A/B CPU',
    'A RSS MB',
    'B RSS MB',
    'C RSS MB'
  ]
  const row = (
    label: string,
    load: string,
    get: (way: Way, of: keyof Measurement) => number,
    wall: number,
    cpu: number
  ) => [
    label,
    load,
    ...WAYS.map((way) => ms(get(way, 'wallMs'))),
    wall.toFixed(2),
    ms(get('A', 'cpuMs')),
    ms(get('B', 'cpuMs')),
    cpu.toFixed(2),
    ...WAYS.map((way) => rssMb(get(way, 'peakRssKb')).toFixed(1))
  ]
  const wallRatios = ratios(size)
  const cpuRatios = ratios(size, 'cpuMs')
  const rows = size.rounds.map((round, index) =>
    row(
      String(index + 1),
      round.load.toFixed(2),
      (way, of) => round.results[way][of],
      wallRatios[index]!,
      cpuRatios[index]!
    )
  )
  const medians = row('**median**', '', (way, of) => medianOf(size, way, of), median(wallRatios), median(cpuRatios))
  rows.push(medians.map((cell) => (cell ? `**${cell.replace(/\*/g, '')}**` : cell)))
  const { dataset } = size
  return [
    `### ${formatSize(size.requested)}: ${dataset.instanceCount} instance + ${dataset.classCount} class images, ${dataset.bytes.toLocaleString('en-US')} bytes`,
    '',
    `Load average (1, 5, 15 min): ${loadText(size.loadBefore, size.loadAfter)}.`,
    '',
    markdownTable(header, rows),
    '',
    `A/B per round: ${wallRatios.map((ratio) => ratio.toFixed(2)).join(', ')}; median ${median(wallRatios).toFixed(2)}.`
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
    `- Rounds: ${report.sizes[0]?.rounds.length ?? 0} per size after ${report.warmupRounds} warm-up round(s) not counted; each round runs A, B and C once, in an order that turns by one every round`,
    '',
    ...WAYS.map((way) => `- ${WAY_NAMES[way]}`),
    '',
    "Wall time from the first process's start to the last one's exit; CPU time is user + system of every process (GNU time); peak RSS is ru_maxrss (for B and C the largest of their processes'), in MB of 10^6 bytes. Ratios are taken per round, then their median.",
    '',
    '## Goals',
    '',
    goalsTable(report),
    '',
    '## Runs',
    '',
    ...report.sizes.flatMap((size) => [sizeTable(size), '']),
    `Process start → first request at the server (a run over the demo images), ${report.firstRequestMs.length} runs in ms: ${report.firstRequestMs.map((value) => Math.round(value)).join(', ')}; median ${Math.round(median(report.firstRequestMs))} ms.`,
    '',
    `Bare Node's floor (bench/floor-request.ts: an ES module that sends the same newJobID at once with Node's http client, run the same way, alternating with the runs above), in ms: ${report.floorRequestMs.map((value) => Math.round(value)).join(', ')}; median ${Math.round(median(report.floorRequestMs))} ms.`,
    ''
  ].join('\n')
}
