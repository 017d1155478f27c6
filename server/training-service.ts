// The retraining service's rules, apart from HTTP and GraphQL: jobs, their uploads, the one start
// each may have, the simulated training (running for `trainingMs`, then the planned outcome) and
// the models a finished job yields.

import { checkDataset } from './uploaded-zip-check.js'
import {
  isRecord,
  JOB_TYPE_DREAMBOOTH,
  ServiceError,
  toRecordedInput,
  type JobSnapshot,
  type JobStatusView,
  type ModelView,
  type Outcome,
  type OutcomeRule,
  type RecordedInput,
  type UploadedObject
} from './training-types.js'

export interface TrainingServiceOptions {
  readonly clock: () => number
  readonly trainingMs: number
  readonly outcome: OutcomeRule
  readonly failMessage: string
  readonly vendor: string
  /** the server's base URL, for model and model-card URLs */
  readonly baseUrl: () => string
  readonly newId: () => string
}

interface StartRecord {
  /** when the training began: once the dataset's check is over */
  at: number
  readonly input: RecordedInput
  outcome: Outcome
  failMessage: string
  /** the dataset's check is under way: the job is running meanwhile, whatever the clock says */
  checking: boolean
  /** a dataset that failed the check fails the job at once */
  datasetError?: string
}

interface JobRecord {
  readonly id: string
  readonly jobType: string
  readonly createdAt: number
  startCount: number
  readonly uploads: Map<string, UploadedObject>
  start?: StartRecord
}

export class TrainingService {
  readonly #jobs = new Map<string, JobRecord>()
  readonly #options: TrainingServiceOptions
  #outcome: OutcomeRule
  #failMessage: string
  #trainingsStarted = 0

  constructor(options: TrainingServiceOptions) {
    this.#options = options
    this.#outcome = options.outcome
    this.#failMessage = options.failMessage
  }

  newJob(jobType: unknown): string {
    if (jobType !== JOB_TYPE_DREAMBOOTH) {
      throw new ServiceError(
        `jobType must be ${JOB_TYPE_DREAMBOOTH}, got ${JSON.stringify(jobType)}`,
        'BadRequestException'
      )
    }
    const id = this.#options.newId()
    this.#jobs.set(id, { id, jobType, createdAt: this.#options.clock(), startCount: 0, uploads: new Map() })
    return id
  }

  /** Throws unless the job exists and the object name is one a dataset zip may have. */
  checkUploadTarget(jobId: unknown, objName: unknown): { jobId: string; objName: string } {
    const job = this.#existing(jobId)
    if (typeof objName !== 'string' || objName === '') {
      throw new ServiceError('objName is required', 'BadRequestException')
    }
    if (objName.includes('/') || !objName.endsWith('.zip')) {
      throw new ServiceError(
        `objName ${JSON.stringify(objName)} must be a file name ending in .zip, without '/'`,
        'BadRequestException'
      )
    }
    return { jobId: job.id, objName }
  }

  /** Records an object; returns the one of the same name it replaces, whose file is then unused. */
  storeUpload(
    jobId: string,
    object: Omit<UploadedObject, 'uploadedAt'>
  ): { stored: UploadedObject; replaced: UploadedObject | undefined } {
    const job = this.#jobs.get(jobId)
    if (!job) throw new ServiceError(`job ${jobId} not found`, 'NotFoundException')
    const stored = { ...object, uploadedAt: new Date(this.#options.clock()) }
    const replaced = job.uploads.get(object.objName)
    job.uploads.delete(object.objName)
    job.uploads.set(object.objName, stored)
    return { stored, replaced }
  }

  /**
   * Starts the training of a job once; `input` is the coerced JobInput argument. The job is
   * started (running, and a second start refused) before its dataset's check reads the file; the
   * answer waits for the check, so a bad dataset has failed the job by the time the start answers,
   * and the training time runs from the check's end.
   */
  async start(jobId: unknown, input: unknown): Promise<string> {
    const job = this.#existing(jobId)
    job.startCount++
    if (job.start) throw new ServiceError(`job ${job.id} already started`, 'ConflictException')
    const recorded = input === null || input === undefined ? undefined : toRecordedInput(input)
    if (!recorded) throw new ServiceError('input is required', 'BadRequestException')
    if (recorded.jobType !== JOB_TYPE_DREAMBOOTH) {
      throw new ServiceError(`input.jobType must be ${JOB_TYPE_DREAMBOOTH}`, 'BadRequestException')
    }
    const dreambooth = recorded.dreamboothInput
    if (!isRecord(dreambooth)) throw new ServiceError('input.dreamboothInput is required', 'BadRequestException')
    const objName = dreambooth.datasetS3ObjName as string
    const dataset = job.uploads.get(objName)
    if (!dataset) {
      throw new ServiceError(
        `dataset ${JSON.stringify(objName)} was not uploaded for job ${job.id} (upload it to the URL from getJobInputURL first)`,
        'BadRequestException'
      )
    }
    const at = this.#options.clock()
    const outcome = typeof this.#outcome === 'function' ? this.#outcome(recorded) : this.#outcome
    const start: StartRecord = {
      at,
      input: recorded,
      outcome,
      failMessage: this.#failMessage,
      checking: true
    }
    job.start = start
    this.#trainingsStarted++
    try {
      const check = await checkDataset(objName, dataset.path)
      if (!check.ok) start.datasetError = check.reason
    } catch (error) {
      start.datasetError = `dataset ${objName}: could not be checked (${String(error)})`
    } finally {
      start.checking = false
      start.at = this.#options.clock()
    }
    return job.id
  }

  status(jobId: unknown): JobStatusView {
    const job = typeof jobId === 'string' ? this.#jobs.get(jobId) : undefined
    if (!job?.start) {
      return {
        statusEnum: 'notfound',
        errMsg: `job ${String(jobId)} not found`,
        created: null,
        finished: null,
        jobInput: null
      }
    }
    const snapshot = this.#snapshot(job)
    const dreambooth = job.start.input.dreamboothInput
    return {
      statusEnum: snapshot.state === 'created' ? 'notfound' : snapshot.state,
      errMsg: snapshot.errMsg ?? null,
      created: snapshot.createdAt.toISOString(),
      finished: snapshot.finishedAt?.toISOString() ?? null,
      jobInput: dreambooth === undefined ? null : JSON.stringify(dreambooth)
    }
  }

  /** The models of a done job; an empty list for any other job, known or not. */
  models(jobId: unknown): ModelView[] {
    const job = typeof jobId === 'string' ? this.#jobs.get(jobId) : undefined
    if (!job || this.#snapshot(job).state !== 'done') return []
    return [this.#model(job)]
  }

  /** The newest done job that produced this model (any version when `version` is undefined). */
  findModel(vendor: string, name: string, version?: string): { job: JobSnapshot; model: ModelView } | undefined {
    if (vendor !== this.#options.vendor) return undefined
    const matches = [...this.#jobs.values()]
      .filter((job) => this.#snapshot(job).state === 'done')
      .filter((job) => {
        const model = this.#model(job)
        return model.name === name && (version === undefined || model.version === version)
      })
    const job = matches.at(-1)
    return job ? { job: this.#snapshot(job), model: this.#model(job) } : undefined
  }

  /**
   * Changes the outcome of jobs started from now on, or, with `jobId`, of one job that has not
   * ended yet (e.g. to let a 'never' job finish).
   */
  setOutcome(outcome: OutcomeRule, failMessage?: string, jobId?: string): void {
    if (jobId === undefined) {
      this.#outcome = outcome
      if (failMessage !== undefined) this.#failMessage = failMessage
      return
    }
    const job = this.#jobs.get(jobId)
    if (!job?.start) throw new Error(`job ${jobId} is not started`)
    const state = this.#snapshot(job).state
    if (state !== 'running') throw new Error(`job ${jobId} has already ended (${state})`)
    job.start.outcome = typeof outcome === 'function' ? outcome(job.start.input) : outcome
    if (failMessage !== undefined) job.start.failMessage = failMessage
  }

  trainingsStarted(): number {
    return this.#trainingsStarted
  }

  job(id: string): JobSnapshot | undefined {
    const job = this.#jobs.get(id)
    return job && this.#snapshot(job)
  }

  jobs(): JobSnapshot[] {
    return [...this.#jobs.values()].map((job) => this.#snapshot(job))
  }

  #existing(jobId: unknown): JobRecord {
    if (typeof jobId !== 'string' || jobId === '') throw new ServiceError('jobID is required', 'BadRequestException')
    const job = this.#jobs.get(jobId)
    if (!job) throw new ServiceError(`job ${jobId} not found`, 'NotFoundException')
    return job
  }

  #snapshot(job: JobRecord): JobSnapshot {
    const base = {
      id: job.id,
      jobType: job.jobType,
      createdAt: new Date(job.createdAt),
      startCount: job.startCount,
      uploads: [...job.uploads.values()]
    }
    const start = job.start
    if (!start) return { ...base, state: 'created' }
    const started = { ...base, startedAt: new Date(start.at), input: start.input }
    if (start.checking) return { ...started, state: 'running' }
    if (start.datasetError !== undefined) {
      return { ...started, state: 'failed', finishedAt: new Date(start.at), errMsg: start.datasetError }
    }
    const endsAt = start.at + this.#options.trainingMs
    if (this.#options.clock() < endsAt || start.outcome === 'never') return { ...started, state: 'running' }
    const finishedAt = new Date(endsAt)
    if (start.outcome === 'done') return { ...started, state: 'done', finishedAt }
    return { ...started, state: 'failed', finishedAt, errMsg: start.failMessage }
  }

  #model(job: JobRecord): ModelView {
    const input = job.start!.input.dreamboothInput as RecordedInput
    const name = String(input.name)
    const version = String(input.version)
    const vendor = this.#options.vendor
    const base = this.#options.baseUrl()
    const path = (...segments: string[]): string => segments.map(encodeURIComponent).join('/')
    return {
      vendor,
      version,
      name,
      url: `${base}/v1/ent/${path(vendor, '1', name)}?version=${encodeURIComponent(version)}`,
      modelCard: `${base}/models/${path(vendor, name, version)}`
    }
  }
}
