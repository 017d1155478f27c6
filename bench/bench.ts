// npm run bench [-- --size 100m,1g --rounds 5 --warmup 1 --start-runs 15 --entry dist/index.js]
// Measures the action against what a user scripts by hand at the machine's limit (B) and the
// vendor's way (C) on generated datasets of incompressible images, in alternating rounds, and
// writes bench/RESULTS.md with the per-round ratios, their medians and the load average.
// Not a test: it takes minutes and needs zip, curl and GNU time. See bench/README.md.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, release, totalmem, type } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startTiyaroServer, type TiyaroServer } from '../server/tiyaro-server.js'
import { DIST_ENTRY, REPO_ROOT } from '../test-support/run-action.js'
import { ensureDataset, formatSize, parseSize } from './dataset.js'
import {
  BENCH_API_KEY,
  BenchSetupError,
  findTools,
  measureAction,
  measureBaseline,
  measureFirstRequest,
  type Measurement
} from './measure.js'
import {
  WAYS,
  median,
  renderResults,
  rssMb,
  type BenchReport,
  type Round,
  type SizeResult,
  type Way
} from './results.js'

/** bench/floor-request.ts as built next to this file */
const FLOOR_ENTRY = fileURLToPath(new URL('./floor-request.js', import.meta.url))

const DATA_DIR = join(REPO_ROOT, 'bench', '.data')

interface BenchOptions {
  readonly sizes: number[]
  readonly rounds: number
  readonly warmup: number
  readonly startRuns: number
  readonly entry: string
  readonly out: string
  readonly trainingMs: number
  readonly cpuProfileDir?: string
}

function readOptions(): BenchOptions {
  const { values } = parseArgs({
    options: {
      // both sizes by default: the A/B goal is judged on 100 MiB, the memory goals need 1 GiB too
      size: { type: 'string', default: '100m,1g' },
      rounds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      'start-runs': { type: 'string', default: '15' },
      entry: { type: 'string' },
      out: { type: 'string', default: join(REPO_ROOT, 'bench', 'RESULTS.md') },
      'training-ms': { type: 'string', default: '0' },
      'cpu-prof': { type: 'boolean', default: false }
    }
  })
  const count = (name: string, text: string, min: number): number => {
    const value = Number(text)
    if (!Number.isInteger(value) || value < min)
      throw new BenchSetupError(`--${name}: expected an integer ≥ ${min}, got ${text}`)
    return value
  }
  return {
    sizes: values.size.split(',').map((text) => {
      try {
        return parseSize(text)
      } catch (error) {
        throw new BenchSetupError(`--size: ${(error as Error).message}`)
      }
    }),
    rounds: count('rounds', values.rounds, 5),
    warmup: count('warmup', values.warmup, 0),
    startRuns: count('start-runs', values['start-runs'], 1),
    entry: values.entry ? resolve(values.entry) : DIST_ENTRY,
    out: resolve(values.out),
    trainingMs: count('training-ms', values['training-ms'], 0),
    ...(values['cpu-prof'] ? { cpuProfileDir: join(DATA_DIR, 'profiles') } : {})
  }
}

/** Which bundle was measured: its path, hash, the commit, and whether the tree differs from it. */
function describeBuild(entry: string): string {
  const git = (...args: string[]): string =>
    spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).stdout?.trim() ?? ''
  const commit = git('rev-parse', '--short=12', 'HEAD') || 'unknown commit'
  const changed = git('status', '--porcelain').split('\n').filter(Boolean)
  const path = relative(REPO_ROOT, entry)
  const bundleChanged = changed.some(
    (line) => line.slice(3).startsWith(`${path.split('/')[0]}/`) || line.slice(3) === path
  )
  // the entry and the chunks it loads on demand
  const bundle = createHash('sha256')
  for (const file of readdirSync(dirname(entry))
    .filter((name) => name.endsWith('.js'))
    .sort()) {
    bundle.update(file).update(readFileSync(join(dirname(entry), file)))
  }
  const hash = bundle.digest('hex').slice(0, 12)
  const srcChanged = changed.filter((line) => line.slice(3).startsWith('src/')).length
  const tree =
    changed.length === 0
      ? 'clean tree'
      : `dirty tree (${changed.length} changed paths${srcChanged > 0 ? `, ${srcChanged} of them in src/` : ', none in src/'})`
  // a bundle newer than every source file, with src/ as committed, was built from the commit's sources
  const builtAfterSources = statSync(entry).mtimeMs >= newestMtime(join(REPO_ROOT, 'src'))
  const fromSources =
    srcChanged === 0 && builtAfterSources ? `built by npm run build from the sources of commit ${commit}` : ''
  const origin =
    path === 'dist/index.js'
      ? bundleChanged
        ? fromSources || 'dist/ differs from the commit'
        : 'dist/ as committed'
      : fromSources || 'a private build'
  return `\`${path}\` (bundle sha256 ${hash}…), ${origin}, at commit ${commit}, ${tree}`
}

/** The latest modification time of any file under the folder. */
function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

function log(line: string): void {
  console.log(line)
}

function brief(way: Way, measurement: Measurement): string {
  const { wallMs, cpuMs, peakRssKb } = measurement
  return `${way} ${(wallMs / 1000).toFixed(2)} s, CPU ${(cpuMs / 1000).toFixed(2)} s, ${rssMb(peakRssKb).toFixed(0)} MB`
}

/** The 1, 5 and 15-minute load averages. */
function load(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100)
}

/** A fresh server for each measurement: it keeps every upload in memory. */
async function withServer<T>(trainingMs: number, body: (server: TiyaroServer) => Promise<T>): Promise<T> {
  const server = await startTiyaroServer({ apiKey: BENCH_API_KEY, trainingMs })
  try {
    return await body(server)
  } finally {
    await server.close()
  }
}

async function main(): Promise<void> {
  const options = readOptions()
  const { time } = findTools()
  if (!existsSync(options.entry)) {
    throw new BenchSetupError(
      `no bundle at ${relative(REPO_ROOT, options.entry)}: run npm run build first (or give --entry)`
    )
  }
  const scratch = join(DATA_DIR, 'scratch')
  await mkdir(scratch, { recursive: true })
  if (options.cpuProfileDir) await mkdir(options.cpuProfileDir, { recursive: true })
  const build = describeBuild(options.entry)
  log(`Measuring ${build} on Node ${process.version}`)

  const measure = (way: Way, dataset: SizeResult['dataset']): Promise<Measurement> =>
    withServer(options.trainingMs, (server) =>
      way === 'A'
        ? measureAction({ time, server, dataset, entry: options.entry, scratch, cpuProfileDir: options.cpuProfileDir })
        : measureBaseline({ time, server, dataset, scratch, deflate: way === 'C' })
    )

  const sizes: SizeResult[] = []
  for (const requested of options.sizes) {
    const dataset = await ensureDataset(DATA_DIR, requested, log)
    const loadBefore = load()
    log(
      `\n${formatSize(requested)}: ${dataset.instanceCount} instance + ${dataset.classCount} class images, ${dataset.bytes} bytes; load ${loadBefore.join(' ')}`
    )
    const rounds: Round[] = []
    for (let round = 1 - options.warmup; round <= options.rounds; round++) {
      const roundLoad = load()[0]!
      // the order turns every round (A B C, B C A, C A B, …): no way always goes first after a pause
      const turn = (round + options.warmup) % WAYS.length
      const order = [...WAYS.slice(turn), ...WAYS.slice(0, turn)]
      const results = {} as Record<Way, Measurement>
      for (const way of order) results[way] = await measure(way, dataset)
      const label = round <= 0 ? 'warm-up' : `round ${round}/${options.rounds}`
      const ratio = (results.A.wallMs / results.B.wallMs).toFixed(2)
      log(`  ${label} (load ${roundLoad}): ${WAYS.map((way) => brief(way, results[way])).join(' | ')} | A/B ${ratio}`)
      if (round > 0) rounds.push({ results, load: roundLoad })
    }
    sizes.push({ requested, dataset, rounds, loadBefore, loadAfter: load() })
  }

  log(`\nProcess start → first request, ${options.startRuns} runs ...`)
  const firstRequestLoad = [load()[0]!]
  const firstRequestMs: number[] = []
  const floorRequestMs: number[] = []
  await withServer(0, async (server) => {
    // alternating with the floor: bare Node sending the same request the moment it starts
    for (let i = 0; i < options.startRuns; i++) {
      firstRequestMs.push(await measureFirstRequest(options.entry, server))
      floorRequestMs.push(await measureFirstRequest(FLOOR_ENTRY, server))
    }
  })
  firstRequestLoad.push(load()[0]!)
  log(`  median ${Math.round(median(firstRequestMs))} ms (${firstRequestMs.map(Math.round).join(', ')})`)
  log(
    `  bare Node's floor: median ${Math.round(median(floorRequestMs))} ms (${floorRequestMs.map(Math.round).join(', ')})`
  )

  const report: BenchReport = {
    date: new Date(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryBytes: totalmem(),
      os: `${type()} ${release()}`
    },
    node: process.version,
    build,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    warmupRounds: options.warmup,
    sizes,
    firstRequestMs,
    floorRequestMs,
    firstRequestLoad
  }
  const markdown = renderResults(report)
  await writeFile(options.out, markdown)
  await rm(scratch, { recursive: true, force: true })
  log(`\n${markdown.slice(markdown.indexOf('## Goals'))}`)
  log(`Written to ${relative(process.cwd(), options.out)}`)
}

try {
  await main()
} catch (error) {
  if (!(error instanceof BenchSetupError)) throw error
  console.error(`bench: ${error.message}`)
  process.exitCode = 2
}
