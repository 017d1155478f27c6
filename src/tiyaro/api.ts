// The Tiyaro retraining API: its five GraphQL operations, typed, every value sent as a variable.
// Two revisions of the API exist; the later one renamed the start and models operations and
// added JobStatus.jobInput. The client asks the schema once which one it speaks.
import { ClientError, GraphQLClient } from 'graphql-request'
import type { HyperparameterValue } from '../inputs/index.js'
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  bodyGist,
  classifyRequestError,
  fetchWithTimeout,
  transientStatusError
} from '../shared/http.js'
import { connectionFailureMessage } from '../shared/connection-errors.js'
import { TransientError, withRetries, type RetryOptions } from '../shared/retry.js'
import { maskUrl, redact } from '../shared/secrets.js'

export type JobStatusEnum = 'running' | 'done' | 'failed' | 'notfound'

export interface JobStatus {
  readonly statusEnum: JobStatusEnum | null
  readonly errMsg?: string | null
  readonly created?: string | null
  readonly finished?: string | null
  /** later revision only: the JSON of the input the job was started with */
  readonly jobInput?: string | null
}

export interface RetrainedModel {
  readonly vendor: string
  readonly version: string
  readonly name: string
  readonly url: string
  readonly modelCard: string
}

/** DreamBoothInput of the seed: the required fields and whichever optional ones the user set. */
export interface DreamBoothInput {
  readonly name: string
  readonly version: string
  readonly desc?: string
  readonly datasetS3ObjName: string
  readonly class_prompt: string
  readonly instance_prompt: string
  readonly [hyperparameter: string]: HyperparameterValue | undefined
}

export type ApiRevision = 'original' | 'later'

export const OPERATION_NAMES: Record<ApiRevision, { start: string; models: string }> = {
  original: { start: 'startRetrainingJob', models: 'getRetrainedModels' },
  later: { start: 'startTrainingJob', models: 'getTrainedModels' }
}

/** A failure the service reported and that repeating will not fix (bad input, unknown job, auth). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly operation: string,
    readonly status?: number
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** The request may or may not have been carried out: its answer was lost or unreadable. */
export class AnswerLostError extends TransientError {
  constructor(message: string, cause?: unknown) {
    super(message, { cause })
    this.name = 'AnswerLostError'
  }
}

const NEW_JOB_ID = /* GraphQL */ `
  mutation NewJobID($jobType: JobType) {
    newJobID(jobType: $jobType)
  }
`
const GET_JOB_INPUT_URL = /* GraphQL */ `
  query GetJobInputURL($jobID: String, $objName: String) {
    getJobInputURL(jobID: $jobID, objName: $objName)
  }
`
const startDocument = (op: string): string =>
  `mutation StartJob($jobID: String, $input: JobInput) { ${op}(jobID: $jobID, input: $input) }`
const statusDocument = (revision: ApiRevision): string =>
  `query GetJobStatus($jobID: String) { getJobStatus(jobID: $jobID) { statusEnum errMsg created finished${revision === 'later' ? ' jobInput' : ''} } }`
const modelsDocument = (op: string): string =>
  `query GetModels($jobID: String) { ${op}(jobID: $jobID) { vendor version name url modelCard } }`
const REVISION_PROBE = /* GraphQL */ `
  query Revision {
    mutation: __type(name: "Mutation") {
      fields {
        name
      }
    }
  }
`

export interface TiyaroApiOptions {
  readonly url: string
  readonly apiKey: string
  readonly requestTimeoutMs?: number
  /** retry settings shared by every call (deadline, signal, logging) */
  readonly retry?: Omit<RetryOptions, 'what'>
  /** forces a revision instead of asking the schema */
  readonly revision?: ApiRevision
}

/** A validation error that says the schema has no such root field. */
function isUnknownField(error: ApiError, field: string): boolean {
  return error.message.includes(`Cannot query field "${field}"`)
}

export class TiyaroApi {
  private readonly client: GraphQLClient
  private revision?: ApiRevision
  private revisionProbe?: Promise<ApiRevision>

  constructor(private readonly options: TiyaroApiOptions) {
    this.revision = options.revision
    const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    this.client = new GraphQLClient(options.url, {
      headers: { Authorization: options.apiKey, 'Content-Type': 'application/json' },
      fetch: (url: string | URL | Request, init?: RequestInit) =>
        fetchWithTimeout(url as string, init ?? {}, { timeoutMs, signal: options.retry?.signal }),
      excludeOperationName: false
    })
  }

  /** The revision in use, once known. */
  get apiRevision(): ApiRevision | undefined {
    return this.revision
  }

  async newJobId(): Promise<string> {
    // A lost answer leaves an unused job behind at worst: nothing is paid until a start.
    const data = await this.call<{ newJobID: string | null }>('newJobID', NEW_JOB_ID, { jobType: 'dreambooth' })
    if (!data.newJobID) throw new ApiError('newJobID returned no job ID', 'newJobID')
    return data.newJobID
  }

  /** The presigned upload URL, masked before it is returned. */
  async getJobInputUrl(jobID: string, objName: string): Promise<string> {
    const data = await this.call<{ getJobInputURL: string | null }>('getJobInputURL', GET_JOB_INPUT_URL, {
      jobID,
      objName
    })
    const url = data.getJobInputURL
    if (!url) throw new ApiError(`getJobInputURL returned no URL for job ${jobID}`, 'getJobInputURL')
    maskUrl(url)
    return url
  }

  /**
   * Starts the training. Not idempotent, so it is sent once per try: when its answer is lost the
   * caller must look at the job's status before trying again (see startJobOnce in main).
   */
  async startJob(jobID: string, input: DreamBoothInput): Promise<void> {
    await this.withRevision('start', (op) =>
      this.call(
        op,
        startDocument(op),
        { jobID, input: { jobType: 'dreambooth', dreamboothInput: input } },
        { maxAttempts: 1 }
      )
    )
  }

  async getJobStatus(jobID: string, retry?: Partial<RetryOptions>): Promise<JobStatus> {
    const revision = await this.detectRevision()
    const data = await this.call<{ getJobStatus: JobStatus | null }>(
      'getJobStatus',
      statusDocument(revision),
      { jobID },
      retry
    )
    return data.getJobStatus ?? { statusEnum: 'notfound' }
  }

  async getModels(jobID: string): Promise<RetrainedModel[]> {
    const data = await this.withRevision('models', (op) =>
      this.call<Record<string, RetrainedModel[] | null>>(op, modelsDocument(op), { jobID }).then((answer) => answer[op])
    )
    return (data ?? []).filter((model): model is RetrainedModel => model !== null)
  }

  /**
   * Runs an operation whose name depends on the revision. When the service rejects the name in
   * validation (nothing was executed), the other revision's name is tried once.
   */
  private async withRevision<T>(kind: 'start' | 'models', send: (operation: string) => Promise<T>): Promise<T> {
    const revision = await this.detectRevision()
    try {
      return await send(OPERATION_NAMES[revision][kind])
    } catch (error) {
      const other: ApiRevision = revision === 'original' ? 'later' : 'original'
      if (!(error instanceof ApiError) || !isUnknownField(error, OPERATION_NAMES[revision][kind])) throw error
      this.revision = other
      return send(OPERATION_NAMES[other][kind])
    }
  }

  /** Asks the schema once whether it has the later revision's names; the original by default. */
  detectRevision(): Promise<ApiRevision> {
    if (this.revision) return Promise.resolve(this.revision)
    // one probe, however many calls ask at once
    this.revisionProbe ??= this.probeRevision().finally(() => (this.revisionProbe = undefined))
    return this.revisionProbe
  }

  private async probeRevision(): Promise<ApiRevision> {
    try {
      const data = await this.call<{ mutation: { fields: { name: string }[] } | null }>('revision', REVISION_PROBE, {})
      const names = new Set((data.mutation?.fields ?? []).map((field) => field.name))
      this.revision =
        names.has(OPERATION_NAMES.later.start) && !names.has(OPERATION_NAMES.original.start) ? 'later' : 'original'
    } catch (error) {
      // A service that hides its schema is asked with the original names.
      if (!(error instanceof ApiError) || error.status === 401 || error.status === 403) throw error
      this.revision = 'original'
    }
    return this.revision
  }

  private async call<T>(
    operation: string,
    document: string,
    variables: Record<string, unknown>,
    retry: Partial<RetryOptions> = {}
  ): Promise<T> {
    return withRetries({ ...this.options.retry, ...retry, what: operation }, async () => {
      try {
        return await this.client.request<T>({ document, variables, signal: this.options.retry?.signal })
      } catch (error) {
        throw this.explain(operation, error)
      }
    })
  }

  /** Turns whatever a request threw into a TransientError, AnswerLostError or ApiError. */
  private explain(operation: string, error: unknown): Error {
    const secrets = [this.options.apiKey]
    if (error instanceof ClientError) {
      const { status, headers } = error.response
      const transient = transientStatusError(operation, status, headers?.get?.('retry-after') ?? null)
      if (transient) return transient
      if (status === 401 || status === 403) {
        return new ApiError(
          `${operation}: the API key was refused (HTTP ${status}). Check the api-key secret and that it belongs to the service at api-url.`,
          operation,
          status
        )
      }
      const messages = (error.response.errors ?? []).map((e) => e.message).filter(Boolean)
      const detail =
        messages.length > 0 ? messages.join('; ') : `HTTP ${status} ${bodyGist(String(error.response.body ?? ''))}`
      return new ApiError(redact(`${operation} failed: ${detail}`, secrets), operation, status)
    }
    const classified = classifyRequestError(error, operation, this.options.retry?.signal)
    if (classified instanceof TransientError) {
      const explained = connectionFailureMessage(operation, this.options.url, error)
      return new AnswerLostError(explained ?? classified.message, error)
    }
    if (this.options.retry?.signal?.aborted) return classified as Error
    // Anything else is a 2xx answer that is not GraphQL (a proxy's error page, a cut body):
    // whether the service acted is unknown, as with a lost answer.
    const detail = bodyGist(String((error as Error | undefined)?.message ?? error), 120)
    return new AnswerLostError(
      redact(`${operation}: the answer was not a GraphQL response (${detail})`, secrets),
      error
    )
  }
}
