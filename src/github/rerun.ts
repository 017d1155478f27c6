// Re-run safety: "Re-run jobs" after a timeout or a lost runner must not pay for a second
// training. Just before the start is sent, the job's ID is recorded in the Actions cache under
//   tiyaro-dreambooth-job-<GITHUB_RUN_ID>-<fingerprint of the zip's sha256 and the parameters>-<attempt>
// and an attempt above 1 with the same zip and parameters looks up the newest record of its run
// (the key without the attempt) and attaches to that job instead of creating, uploading and
// starting another. A recorded job that the service says failed, or does not know (its start
// never went through), is not attached to: re-running a failed training is asking for a new one.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { JobStatus } from '../tiyaro/index.js'
import { attachable, runFingerprint, type JobRecordStore } from '../services/index.js'
import {
  cacheServiceAvailable,
  cacheServiceOrSay,
  cachedFolderPath,
  removeCachedFolder,
  restoreFolder,
  saveFolder
} from './cache-store.js'
import type { RunReport } from '../report/index.js'
import { errorMessage } from '../shared/errors.js'
import { bestEffort } from '../shared/best-effort.js'
import { log } from '../shared/log.js'

export const JOB_RECORD_KEY_PREFIX = 'tiyaro-dreambooth-job-'
/** The cached folder's name under the cache root (part of every entry's version: never change it). */
export const JOB_RECORD_FOLDER = 'job-record'
const RECORD_FILE = 'job.json'

/** What is cached: enough to attach, nothing secret. */
export interface JobRecord {
  readonly jobId: string
  readonly runId: string
  readonly runAttempt: number
  readonly zipSha256: string
  readonly startedAt: string
}

/** The key of every attempt's record of this run and fingerprint, ending in '-'. */
export function jobRecordKeyPrefix(runId: string, fingerprint: string): string {
  return `${JOB_RECORD_KEY_PREFIX}${runId}-${fingerprint}-`
}

export function jobRecordKey(runId: string, fingerprint: string, attempt: number): string {
  return `${jobRecordKeyPrefix(runId, fingerprint)}${attempt}`
}

/** GITHUB_RUN_ATTEMPT as a number; 1 when not set or not a positive integer. */
export function runAttempt(env: NodeJS.ProcessEnv = process.env): number {
  const attempt = Number(env.GITHUB_RUN_ATTEMPT)
  return Number.isInteger(attempt) && attempt > 0 ? attempt : 1
}

export function parseJobRecord(text: string): JobRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<JobRecord>
    if (typeof value.jobId !== 'string' || value.jobId === '' || typeof value.zipSha256 !== 'string') return undefined
    return value as JobRecord
  } catch {
    return undefined
  }
}

interface RunIdentity {
  readonly runId: string
  readonly attempt: number
  readonly fingerprint: string
  readonly zipSha256: string
}

function identify(report: RunReport, env: NodeJS.ProcessEnv): RunIdentity | undefined {
  const runId = env.GITHUB_RUN_ID
  if (!runId || !report.zip || !report.parametersSent) return undefined
  return {
    runId,
    attempt: runAttempt(env),
    fingerprint: runFingerprint(report.zip.sha256, report.parametersSent),
    zipSha256: report.zip.sha256
  }
}

/** True when this is a re-run whose earlier attempts may have recorded a job. */
export function isReRun(env: NodeJS.ProcessEnv = process.env): boolean {
  return runAttempt(env) > 1 && Boolean(env.GITHUB_RUN_ID)
}

/**
 * On a re-run (GITHUB_RUN_ATTEMPT above 1): the job an earlier attempt of this run started with
 * the same zip and parameters, when it may be attached to; else undefined. `jobStatus` asks the
 * service; when it cannot answer, the job is attached to (the wait asks again), since a second
 * training is the worse mistake.
 */
export async function findEarlierAttemptJob(
  report: RunReport,
  jobStatus: (jobId: string) => Promise<JobStatus>,
  env: NodeJS.ProcessEnv = process.env
): Promise<string | undefined> {
  const run = identify(report, env)
  if (!run || run.attempt <= 1) return undefined
  if (!cacheServiceOrSay('a re-run cannot find the job an earlier attempt started, so it starts a new one', env))
    return undefined
  const prefix = jobRecordKeyPrefix(run.runId, run.fingerprint)
  const failed = {
    warning: (message: string) =>
      `Re-run: could not read the record of an earlier attempt (${message}); starting a new job.`,
    fallback: undefined,
    cleanup: () => removeCachedFolder(JOB_RECORD_FOLDER)
  }
  const record = await bestEffort(failed, async (): Promise<JobRecord | undefined> => {
    const key = await restoreFolder(JOB_RECORD_FOLDER, prefix)
    if (key === undefined) {
      log.info(
        `Re-run (attempt ${run.attempt}): no earlier attempt of run ${run.runId} started a job with this zip and these parameters.`
      )
      return undefined
    }
    const found = parseJobRecord(await readFile(join(cachedFolderPath(JOB_RECORD_FOLDER), RECORD_FILE), 'utf8'))
    if (!found || found.zipSha256 !== run.zipSha256) {
      log.warning(`Re-run: the record under cache key ${key} is not usable; starting a new job.`)
      return undefined
    }
    return found
  })
  if (!record) return undefined
  try {
    const status = await jobStatus(record.jobId)
    if (!attachable(status)) {
      log.info(
        `Re-run: job ${record.jobId} of attempt ${record.runAttempt} is ${status.statusEnum}; starting a new training.`
      )
      return undefined
    }
  } catch (error) {
    log.info(
      `Re-run: the status of job ${record.jobId} is unknown (${errorMessage(error)}); attaching to it all the same.`
    )
  }
  log.info(
    `Re-run (attempt ${run.attempt}): attempt ${record.runAttempt} started job ${record.jobId} with the same zip and parameters; ` +
      'attaching to it: no new job is created, uploaded or started.'
  )
  return record.jobId
}

/** Just before the start is sent: records the job for later attempts of this run. Never throws. */
export async function recordStartedJob(report: RunReport, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const run = identify(report, env)
  if (!run || !report.jobId || !cacheServiceAvailable(env)) return
  const key = jobRecordKey(run.runId, run.fingerprint, run.attempt)
  const record: JobRecord = {
    jobId: report.jobId,
    runId: run.runId,
    runAttempt: run.attempt,
    zipSha256: run.zipSha256,
    startedAt: new Date().toISOString()
  }
  const failed = {
    warning: (message: string) => `Could not record job ${report.jobId} for re-runs: ${message}`,
    fallback: undefined,
    cleanup: () => removeCachedFolder(JOB_RECORD_FOLDER)
  }
  await bestEffort(failed, async () => {
    const folder = cachedFolderPath(JOB_RECORD_FOLDER)
    await mkdir(folder, { recursive: true })
    await writeFile(join(folder, RECORD_FILE), `${JSON.stringify(record)}\n`)
    if (await saveFolder(JOB_RECORD_FOLDER, key))
      log.info(`Recorded job ${report.jobId} for re-runs of this run (cache key ${key}).`)
    else log.info(`Job ${report.jobId} was not recorded for re-runs (see above).`)
  })
}

/** The re-run record of a run on GitHub Actions. */
export const actionsJobRecord: JobRecordStore = {
  mayHoldEarlierJob: () => isReRun(),
  findEarlier: (report, jobStatus) => findEarlierAttemptJob(report, jobStatus),
  record: (report) => recordStartedJob(report)
}
