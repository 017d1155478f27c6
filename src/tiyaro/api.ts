// The Tiyaro retraining API: its five GraphQL operations, typed, every value sent as a variable
// and every value received checked against its shape (answers.ts). Two revisions of the API
// exist; the later one renamed the start and models operations and added JobStatus.jobInput.
// The client asks the schema once which one it speaks.
import type { HyperparameterValue } from '../inputs/index.js'
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../shared/http.js'
import { log } from '../shared/log.js'
import { withRetries, type RetryOptions } from '../shared/retry.js'
import { maskUrl } from '../shared/secrets.js'
import { checkSecretDestination, isLoopbackUrl } from '../shared/urls.js'
import { checkJobId, checkJobStatus, checkModels, checkUrl, type JobStatus, type RetrainedModel } from './answers.js'
import { ApiError, describeErrors, isUnknownField, postGraphql, rootField, type GraphqlError } from './graphql.js'

export { AnswerLostError, ApiError } from './graphql.js'
export { UnexpectedAnswerError, type JobStatus, type JobStatusEnum, type RetrainedModel } from './answers.js'

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

export class TiyaroApi {
  private revision?: ApiRevision
  private revisionProbe?: Promise<ApiRevision>
  /** plain http is allowed for the URLs the service hands back only when api-url is on this machine */
  private readonly loopbackHttp: boolean

  constructor(private readonly options: TiyaroApiOptions) {
    this.revision = options.revision
    this.loopbackHttp = isLoopbackUrl(options.url)
    // The inputs check api-url too; this is the line no caller can skip: the key goes nowhere else.
    // Only a dry run comes without one, and it sends nothing (a request to '' fails before a byte).
    const destination = checkSecretDestination(options.url, { loopbackHttp: this.loopbackHttp })
    if (options.url !== '' && !destination.ok) {
      throw new ApiError(`api-url ${destination.reason}; the API key is not sent there`, 'api-url')
    }
  }

  /** The revision in use, once known. */
  get apiRevision(): ApiRevision | undefined {
    return this.revision
  }

  async newJobId(): Promise<string> {
    // A lost answer leaves an unused job behind at worst: nothing is paid until a start.
    const { value } = await this.call('newJobID', NEW_JOB_ID, { jobType: 'dreambooth' })
    if (value === null) throw new ApiError('newJobID returned no job ID', 'newJobID')
    return checkJobId(value, 'newJobID')
  }

  /** The presigned upload URL, masked before anything else is done with it. */
  async getJobInputUrl(jobID: string, objName: string): Promise<string> {
    const operation = 'getJobInputURL'
    const { value } = await this.call(operation, GET_JOB_INPUT_URL, { jobID, objName })
    if (value === null) throw new ApiError(`getJobInputURL returned no URL for job ${jobID}`, operation)
    if (typeof value === 'string') maskUrl(value)
    // checked before a byte is sent to it: it must not lead the dataset to plain http or a metadata address
    return checkUrl(value, { operation, field: 'upload URL', loopbackHttp: this.loopbackHttp, secret: true })
  }

  /**
   * Starts the training. Not idempotent, so it is sent once per try: when its answer is lost the
   * caller must look at the job's status before trying again (see startJobOnce).
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
    const operation = 'getJobStatus'
    return this.withRetries(operation, retry, async () => {
      const { value, errors } = await this.send(operation, statusDocument(revision), { jobID })
      const status = checkJobStatus(value, errors, operation)
      if (errors.length > 0) log.debug(`${operation}: used the status despite: ${describeErrors(errors)}`)
      return status
    })
  }

  async getModels(jobID: string): Promise<RetrainedModel[]> {
    const { value, errors, op } = await this.withRevision('models', (op) =>
      this.call(op, modelsDocument(op), { jobID }).then((answer) => ({ ...answer, op }))
    )
    const { models, missing } = checkModels(value, { operation: op, loopbackHttp: this.loopbackHttp })
    if (missing > 0 || errors.length > 0) {
      // AppSync's partial data: the entries that came are good; say what did not.
      const why = errors.length > 0 ? ` (${describeErrors(errors)})` : ''
      log.warning(`${op}: ${missing} of ${missing + models.length} models could not be read${why}; using the others`)
    }
    return models
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
      const { value } = await this.call('revision', REVISION_PROBE, {}, {}, 'mutation')
      const fields = (value as { fields?: unknown } | null)?.fields
      const names = new Set(
        (Array.isArray(fields) ? fields : []).map((field: unknown) => (field as { name?: unknown } | null)?.name)
      )
      this.revision =
        names.has(OPERATION_NAMES.later.start) && !names.has(OPERATION_NAMES.original.start) ? 'later' : 'original'
    } catch (error) {
      // A service that hides its schema is asked with the original names.
      if (!(error instanceof ApiError) || error.status === 401 || error.status === 403) throw error
      this.revision = 'original'
    }
    return this.revision
  }

  /** One operation with the run's retries: the value of its root field (`field`, the operation by default). */
  private call(
    operation: string,
    document: string,
    variables: Record<string, unknown>,
    retry: Partial<RetryOptions> = {},
    field = operation
  ): Promise<{ value: unknown; errors: readonly GraphqlError[] }> {
    return this.withRetries(operation, retry, () => this.send(operation, document, variables, field))
  }

  private withRetries<T>(operation: string, retry: Partial<RetryOptions> = {}, attempt: () => Promise<T>): Promise<T> {
    return withRetries({ ...this.options.retry, ...retry, what: operation }, attempt)
  }

  private async send(
    operation: string,
    document: string,
    variables: Record<string, unknown>,
    field = operation
  ): Promise<{ value: unknown; errors: readonly GraphqlError[] }> {
    const { url, apiKey, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, retry } = this.options
    const answer = await postGraphql({
      url,
      apiKey,
      operation,
      document,
      variables,
      timeoutMs: requestTimeoutMs,
      signal: retry?.signal
    })
    return rootField(answer, operation, field, apiKey)
  }
}
