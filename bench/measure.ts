// The three ways of getting a dataset to the service, each timed from its first process's start
// to its last one's exit, with its peak resident set size (getrusage's ru_maxrss):
//   A  the bundled action, run as the runner runs it, waiting for the (instant) training;
//   B  zip -0 -r (store) + curl -T: the physical limit of this machine and this server;
//   C  zip -r (deflate) + curl -T: the vendor's workflow template.
// And the action's cold start: process start to its first line on stdout.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { TiyaroServer } from '../server/tiyaro-server.js'
import { REPO_ROOT, runAction } from '../test-support/run-action.js'
import type { BenchDataset } from './dataset.js'

export interface Measurement {
  readonly wallMs: number
  /** ru_maxrss in KiB; for B and C the larger of zip's and curl's */
  readonly peakRssKb: number
}

/** The bench cannot run on this machine as it is; the message says what to install. */
export class BenchSetupError extends Error {}

/** GNU time's path, once zip, curl and GNU time are known to be there. */
export function findTools(): { time: string } {
  const missing: string[] = []
  if (spawnSync('zip', ['-v'], { stdio: 'ignore' }).status !== 0) missing.push('zip')
  if (spawnSync('curl', ['--version'], { stdio: 'ignore' }).status !== 0) missing.push('curl')
  const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : 'time'
  // GNU time alone has -f and -o; BusyBox's and BSD's do not
  const probe = spawnSync(time, ['-f', '%M', process.execPath, '-e', '0'], { encoding: 'utf8' })
  if (probe.status !== 0 || !/^\d+\s*$/m.test(probe.stderr ?? '')) missing.push('time')
  if (missing.length > 0) {
    throw new BenchSetupError(
      `npm run bench needs ${missing.join(', ')} (the baselines run zip and curl; GNU time measures their memory). ` +
        `On Debian or Ubuntu: sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`
    )
  }
  return { time }
}

export const BENCH_API_KEY = 'bench-api-key-0123456789'

export interface ActionMeasureOptions {
  readonly time: string
  readonly server: TiyaroServer
  readonly dataset: BenchDataset
  readonly entry: string
  readonly scratch: string
  /** a folder for a V8 CPU profile of each run */
  readonly cpuProfileDir?: string
}

export async function measureAction({
  time,
  server,
  dataset,
  entry,
  scratch,
  cpuProfileDir
}: ActionMeasureOptions): Promise<Measurement> {
  const rssFile = join(scratch, 'action-rss')
  const runnerTemp = await mkdtemp(join(tmpdir(), 'tiyaro-bench-'))
  try {
    const run = await runAction({
      entry,
      runnerTemp,
      // Under GNU time, as B and C are: a node spawned straight from this process would report
      // this process's RSS at the fork as its own peak (Linux keeps ru_maxrss across exec).
      node: time,
      nodeArgs: [
        '-f',
        '%M',
        '-o',
        rssFile,
        process.execPath,
        ...(cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : [])
      ],
      timeoutMs: 30 * 60_000,
      inputs: {
        'api-key': BENCH_API_KEY,
        'api-url': server.graphqlUrl,
        'instance-images': dataset.dir,
        'class-images': dataset.classDir,
        name: 'bench',
        version: 'v1',
        'instance-prompt': 'a photo of sks noise',
        'class-prompt': 'a photo of noise',
        wait: 'true',
        'poll-interval-seconds': '0.2',
        'timeout-minutes': '30'
      }
    })
    if (run.exitCode !== 0 || run.outputs.status !== 'done') {
      throw new Error(
        `the action failed (exit ${run.exitCode}, status ${run.outputs.status}):\n${tail(run.stdout + run.stderr)}`
      )
    }
    return { wallMs: run.durationMs, peakRssKb: await readRss(rssFile) }
  } finally {
    await rm(runnerTemp, { recursive: true, force: true })
  }
}

export interface BaselineOptions {
  readonly time: string
  readonly server: TiyaroServer
  readonly dataset: BenchDataset
  readonly scratch: string
  /** C (zip's default deflate) instead of B (-0, store) */
  readonly deflate: boolean
}

/** zip of the dataset folder, then curl -T of the zip to a fresh presigned URL. */
export async function measureZipAndCurl({
  time,
  server,
  dataset,
  scratch,
  deflate
}: BaselineOptions): Promise<Measurement> {
  const zipPath = join(scratch, deflate ? 'deflate.zip' : 'store.zip')
  await rm(zipPath, { force: true }) // zip adds to an existing archive
  const url = await presignedUrl(server)
  const started = performance.now()
  const zipRss = await timedProcess(
    time,
    'zip',
    [...(deflate ? [] : ['-0']), '-r', '-q', zipPath, '.'],
    dataset.dir,
    scratch
  )
  const curlRss = await timedProcess(
    time,
    'curl',
    ['-sS', '--fail', '-o', '/dev/null', '-T', zipPath, '-H', 'Content-Type: application/octet-stream', url],
    scratch,
    scratch
  )
  const wallMs = performance.now() - started
  const upload = server.requests.findLast((entry) => entry.kind === 'upload')
  if (upload?.status !== 200 || !upload.upload?.stored)
    throw new Error(`curl's upload was not stored (HTTP ${upload?.status})`)
  await rm(zipPath, { force: true })
  return { wallMs, peakRssKb: Math.max(zipRss, curlRss) }
}

/** A job and its upload URL, as a script of the vendor's kind asks for them. */
async function presignedUrl(server: TiyaroServer): Promise<string> {
  const ask = async (query: string): Promise<Record<string, string>> => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { Authorization: server.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ query })
    })
    const body = (await response.json()) as { data?: Record<string, string>; errors?: unknown }
    if (!body.data) throw new Error(`the server refused ${query}: ${JSON.stringify(body.errors)}`)
    return body.data
  }
  const { newJobID } = await ask('mutation { newJobID(jobType: dreambooth) }')
  const { getJobInputURL } = await ask(
    `query { getJobInputURL(jobID: ${JSON.stringify(newJobID)}, objName: "bench.zip") }`
  )
  return getJobInputURL!
}

/** Runs a command under GNU time; its peak RSS in KiB. */
async function timedProcess(
  time: string,
  command: string,
  args: string[],
  cwd: string,
  scratch: string
): Promise<number> {
  const rssFile = join(scratch, `${command}-rss`)
  const child = spawn(time, ['-f', '%M', '-o', rssFile, command, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail)
    child.on('close', done)
  })
  if (code !== 0) throw new Error(`${command} exited with ${code}: ${tail(stderr)}`)
  return readRss(rssFile)
}

/** The last number in the file: GNU time writes "Command exited with…" before it on failure. */
async function readRss(file: string): Promise<number> {
  const numbers = (await readFile(file, 'utf8')).match(/\d+/g)
  if (!numbers) throw new Error(`no peak RSS in ${file}`)
  return Number(numbers.at(-1))
}

/**
 * Milliseconds from the action's spawn to its first stdout line, on a dry run over the demo
 * images (no request is made): the bundle's load, the input checks, the first log group.
 */
export async function measureColdStart(entry: string): Promise<number> {
  let spawned = 0
  let firstLine: number | undefined
  const runnerTemp = await mkdtemp(join(tmpdir(), 'tiyaro-bench-cold-'))
  try {
    const run = await runAction({
      entry,
      runnerTemp,
      onSpawn: (child) => {
        spawned = performance.now()
        child.stdout?.once('data', () => (firstLine ??= performance.now()))
      },
      inputs: {
        'api-key': BENCH_API_KEY,
        'api-url': 'http://127.0.0.1:9/graphql',
        'instance-images': join(REPO_ROOT, 'fixtures/demo/instance'),
        'class-images': join(REPO_ROOT, 'fixtures/demo/class'),
        name: 'bench',
        version: 'v1',
        'instance-prompt': 'a photo of sks toy robot',
        'class-prompt': 'a photo of a toy robot',
        'dry-run': 'true'
      }
    })
    if (run.exitCode !== 0 || firstLine === undefined) {
      throw new Error(`the dry run failed (exit ${run.exitCode}):\n${tail(run.stdout + run.stderr)}`)
    }
    return firstLine - spawned
  } finally {
    await rm(runnerTemp, { recursive: true, force: true })
  }
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}
