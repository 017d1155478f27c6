// The command's re-run safety: --idempotency-file FILE records the job a `train` started, with
// the fingerprint of its zip and parameters (keys.ts). A later `train` given the same file, zip
// and parameters attaches to that job instead of creating, uploading and starting another, as a
// re-run of a workflow does. A recorded job that failed, or that the service does not know, is
// trained again; other images or parameters start a new job, which the file then records.
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { InputError } from '../inputs/index.js'
import { isJobId } from '../shared/job-id.js'
import type { RunReport } from '../report/index.js'
import { bestEffort } from '../shared/best-effort.js'
import { errorMessage } from '../shared/errors.js'
import { log } from '../shared/log.js'
import type { JobStatus } from '../tiyaro/index.js'
import { attachable, runFingerprint } from './keys.js'
import type { JobRecordStore } from './types.js'

/** What the file holds: enough to attach, nothing secret. */
export interface IdempotencyRecord {
  readonly jobId: string
  /** runFingerprint of the zip's sha256 and the parameters sent */
  readonly fingerprint: string
  readonly zipSha256: string
  readonly startedAt: string
}

/** The record in the file's text; undefined when the text is not one. */
export function parseIdempotencyRecord(text: string): IdempotencyRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<Record<keyof IdempotencyRecord, unknown>>
    // the file is data from outside: the ID must look like one
    if (!isJobId(value.jobId) || typeof value.fingerprint !== 'string') return undefined
    return value as IdempotencyRecord
  } catch {
    return undefined
  }
}

export function idempotencyFile(path: string): JobRecordStore {
  const fileLog = log.withNamespace(`Idempotency file ${path}`)
  return {
    mayHoldEarlierJob: () => existsSync(path),
    findEarlier: (report, jobStatus) => findRecordedJob(path, fileLog, report, jobStatus),
    async record(report) {
      const { jobId, zip, parametersSent } = report
      if (!jobId || !zip || !parametersSent) return
      const record: IdempotencyRecord = {
        jobId,
        fingerprint: runFingerprint(zip.sha256, parametersSent),
        zipSha256: zip.sha256,
        startedAt: new Date().toISOString()
      }
      const failed = {
        warning: (message: string) =>
          `Could not record job ${jobId} in the idempotency file ${path} (${message}); running train again would start another training.`,
        fallback: undefined
      }
      await bestEffort(failed, async () => {
        await mkdir(dirname(path), { recursive: true })
        // written beside it and renamed: a run stopped half-way never leaves half a record
        const partial = `${path}.${process.pid}.partial`
        await writeFile(partial, `${JSON.stringify(record, null, 2)}\n`)
        await rename(partial, path)
        fileLog.info(`recorded job ${jobId}; train with this file, zip and parameters attaches to it.`)
      })
    }
  }
}

async function findRecordedJob(
  path: string,
  fileLog: typeof log,
  report: RunReport,
  jobStatus: (jobId: string) => Promise<JobStatus>
): Promise<string | undefined> {
  if (!report.zip || !report.parametersSent) return undefined
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`idempotency-file: ${errorMessage(error)}`)
    fileLog.info('no job recorded yet; starting a new training.')
    return undefined
  }
  const record = parseIdempotencyRecord(text)
  // the user asked never to train twice: a file that cannot say whether a job ran stops the run
  if (!record) {
    throw new InputError({
      input: 'idempotency-file',
      message: `idempotency-file: ${path} holds no job record of tiyaro-dreambooth; nothing was started. Remove it or give another file.`
    })
  }
  if (record.fingerprint !== runFingerprint(report.zip.sha256, report.parametersSent)) {
    fileLog.info(`job ${record.jobId} was started with another zip or other parameters; starting a new training.`)
    return undefined
  }
  try {
    const status = await jobStatus(record.jobId)
    if (!attachable(status)) {
      fileLog.info(`job ${record.jobId} is ${status.statusEnum}; starting a new training.`)
      return undefined
    }
  } catch (error) {
    // a second training is the worse mistake: the wait asks again
    fileLog.info(`the status of job ${record.jobId} is unknown (${errorMessage(error)}); attaching to it all the same.`)
  }
  fileLog.info(
    `job ${record.jobId} was started with the same zip and parameters; attaching to it: no new job is created, uploaded or started.`
  )
  return record.jobId
}
