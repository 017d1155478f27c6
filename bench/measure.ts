// The three ways of getting a dataset trained, each timed from its first process's start to its
// last one's exit, with its peak resident set size and its CPU time (GNU time: ru_maxrss, user
// + system):
//   A  the bundled action, run as the runner runs it: scan, zip into the upload, create, start,
//      wait for the (instant) training, read the model;
//   B  what a user scripts by hand with the tools at the machine's limit: zip -0 -r (store) to a
//      file, curl -T of it, and the same GraphQL calls as curl commands (newJobID,
//      getJobInputURL, startRetrainingJob, getJobStatus every 0.2 s until done,
//      getRetrainedModels);
//   C  the vendor's workflow template: the same with zip -r (deflate).
// And the action's start-up: process start to the first request the server receives.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import type { TiyaroServer } from '../server/tiyaro-server.js'
import { REPO_ROOT, runAction } from '../test-support/run-action.js'
import type { BenchDataset } from './dataset.js'

export interface Measurement {
  readonly wallMs: number
  /** ru_maxrss in KiB; for B and C the largest of their processes' */
  readonly peakRssKb: number
  /** user + system CPU time of every process of the way, ms */
  readonly cpuMs: number
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
  const probe = spawnSync(time, ['-f', TIME_FORMAT, process.execPath, '-e', '0'], { encoding: 'utf8' })
  if (probe.status !== 0 || !/^\d+ [\d.]+ [\d.]+\s*$/m.test(probe.stderr ?? '')) missing.push('time')
  if (missing.length > 0) {
    throw new BenchSetupError(
      `npm run bench needs ${missing.join(', ')} (the baselines run zip and curl; GNU time measures memory and CPU). ` +
        `On Debian or Ubuntu: sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`
    )
  }
  return { time }
}

export const BENCH_API_KEY = 'bench-api-key-0123456789'
/** peak RSS (KiB), user and system CPU seconds */
const TIME_FORMAT = '%M %U %S'
const POLL_SECONDS = 0.2

/** What GNU time wrote: the last line, as it writes "Command exited with…" before it on failure. */
interface Usage {
  readonly peakRssKb: number
  readonly cpuMs: number
}

async function readUsage(file: string): Promise<Usage> {
  const match = /(\d+) ([\d.]+) ([\d.]+)\s*$/.exec(await readFile(file, 'utf8'))
  if (!match) throw new Error(`no usage figures in ${file}`)
  return { peakRssKb: Number(match[1]), cpuMs: (Number(match[2]) + Number(match[3])) * 1000 }
}

export interface ActionMeasureOptions {
  readonly time: string
  readonly server: TiyaroServer
  readonly dataset: BenchDataset
  readonly entry: string
  readonly scratch: string
  /** a folder for a V8 CPU profile of each run */
  readonly cpuProfileDir?: string
}

export async function measureAction(options: ActionMeasureOptions): Promise<Measurement> {
  const { time, server, dataset, entry, scratch, cpuProfileDir } = options
  const usageFile = join(scratch, 'action-usage')
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
        TIME_FORMAT,
        '-o',
        usageFile,
        process.execPath,
        ...(cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : [])
      ],
      timeoutMs: 30 * 60_000,
      inputs: actionInputs(server, dataset.dir, dataset.classDir)
    })
    if (run.exitCode !== 0 || run.outputs.status !== 'done') {
      throw new Error(
        `the action failed (exit ${run.exitCode}, status ${run.outputs.status}):\n${tail(run.stdout + run.stderr)}`
      )
    }
    return { wallMs: run.durationMs, ...(await readUsage(usageFile)) }
  } finally {
    await rm(runnerTemp, { recursive: true, force: true })
  }
}

function actionInputs(server: TiyaroServer, instanceDir: string, classDir: string): Record<string, string> {
  return {
    'api-key': BENCH_API_KEY,
    'api-url': server.graphqlUrl,
    'instance-images': instanceDir,
    'class-images': classDir,
    name: 'bench',
    version: 'v1',
    'instance-prompt': 'a photo of sks noise',
    'class-prompt': 'a photo of noise',
    wait: 'true',
    'poll-interval-seconds': String(POLL_SECONDS),
    'timeout-minutes': '30'
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

/** The script a user would write: the GraphQL calls with curl, zip to a file, curl -T of it. */
export async function measureBaseline({
  time,
  server,
  dataset,
  scratch,
  deflate
}: BaselineOptions): Promise<Measurement> {
  const zipPath = join(scratch, deflate ? 'deflate.zip' : 'store.zip')
  await rm(zipPath, { force: true }) // zip adds to an existing archive
  const usages: Usage[] = []
  const run = async (command: string, args: string[], cwd = scratch): Promise<string> => {
    const { stdout, usage } = await timedProcess(time, command, args, cwd, scratch)
    usages.push(usage)
    return stdout
  }
  const graphql = async (query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const body = JSON.stringify({ query, variables })
    const auth = `Authorization: ${server.apiKey}`
    const answer = await run('curl', [
      '-sS',
      '--fail',
      '-H',
      auth,
      '-H',
      'Content-Type: application/json',
      '--data-binary',
      body,
      server.graphqlUrl
    ])
    const parsed = JSON.parse(answer) as { data?: Record<string, unknown>; errors?: unknown }
    if (!parsed.data) throw new Error(`the server refused ${query}: ${JSON.stringify(parsed.errors)}`)
    return parsed.data
  }

  const started = performance.now()
  const jobID = (await graphql('mutation ($t: JobType) { newJobID(jobType: $t) }', { t: 'dreambooth' })).newJobID
  const objName = 'bench.zip'
  const url = (
    await graphql('query ($j: String, $o: String) { getJobInputURL(jobID: $j, objName: $o) }', { j: jobID, o: objName })
  ).getJobInputURL as string
  await run('zip', [...(deflate ? [] : ['-0']), '-r', '-q', zipPath, '.'], dataset.dir)
  await run('curl', [
    '-sS',
    '--fail',
    '-o',
    '/dev/null',
    '-T',
    zipPath,
    '-H',
    'Content-Type: application/octet-stream',
    url
  ])
  const input = {
    jobType: 'dreambooth',
    dreamboothInput: {
      name: 'bench',
      version: 'v1',
      datasetS3ObjName: objName,
      instance_prompt: 'a photo of sks noise',
      class_prompt: 'a photo of noise'
    }
  }
  await graphql('mutation ($j: String, $i: JobInput) { startRetrainingJob(jobID: $j, input: $i) }', {
    j: jobID,
    i: input
  })
  for (;;) {
    const checked = performance.now()
    const status = (await graphql('query ($j: String) { getJobStatus(jobID: $j) { statusEnum errMsg } }', { j: jobID }))
      .getJobStatus as { statusEnum: string; errMsg?: string }
    if (status.statusEnum === 'done') break
    if (status.statusEnum !== 'running')
      throw new Error(`the baseline's job ended ${status.statusEnum}: ${status.errMsg}`)
    await sleep(Math.max(0, checked + POLL_SECONDS * 1000 - performance.now()))
  }
  await graphql('query ($j: String) { getRetrainedModels(jobID: $j) { vendor version name url modelCard } }', {
    j: jobID
  })
  const wallMs = performance.now() - started

  const upload = server.requests.findLast((entry) => entry.kind === 'upload')
  if (upload?.status !== 200 || !upload.upload?.stored)
    throw new Error(`curl's upload was not stored (HTTP ${upload?.status})`)
  await rm(zipPath, { force: true })
  return {
    wallMs,
    peakRssKb: Math.max(...usages.map((usage) => usage.peakRssKb)),
    cpuMs: usages.reduce((sum, usage) => sum + usage.cpuMs, 0)
  }
}

/** Runs a command under GNU time; its stdout and its usage. */
async function timedProcess(
  time: string,
  command: string,
  args: string[],
  cwd: string,
  scratch: string
): Promise<{ stdout: string; usage: Usage }> {
  const usageFile = join(scratch, `${command}-usage`)
  const child = spawn(time, ['-f', TIME_FORMAT, '-o', usageFile, command, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail)
    child.on('close', done)
  })
  if (code !== 0) throw new Error(`${command} exited with ${code}: ${tail(stderr)}`)
  return { stdout, usage: await readUsage(usageFile) }
}

/**
 * Milliseconds from the action's spawn to the first request the server receives, on a run over
 * the demo images: the bundle's load, the input checks, the scan, then newJobID.
 */
export async function measureFirstRequest(entry: string, server: TiyaroServer): Promise<number> {
  let spawnedAt = 0
  const before = server.requests.length
  const runnerTemp = await mkdtemp(join(tmpdir(), 'tiyaro-bench-start-'))
  try {
    const run = await runAction({
      entry,
      runnerTemp,
      onSpawn: () => (spawnedAt = Date.now()),
      inputs: actionInputs(server, join(REPO_ROOT, 'fixtures/demo/instance'), join(REPO_ROOT, 'fixtures/demo/class'))
    })
    const first = server.requests[before]
    if (run.exitCode !== 0 || !first) {
      throw new Error(`the run failed (exit ${run.exitCode}):\n${tail(run.stdout + run.stderr)}`)
    }
    return first.time.getTime() - spawnedAt
  } finally {
    await rm(runnerTemp, { recursive: true, force: true })
  }
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}
