// The values the service hands back, checked against their shape as they arrive: a job ID must
// look like one (the job-id input's rule), a status must be one of the seed's enum values, every
// URL must be one a secret may go to. A value that fails is an UnexpectedAnswerError naming the
// operation and the field, so nothing later (outputs, summary, comment) meets a value of the
// wrong kind.
import { clip } from '../shared/format.js'
import { JOB_ID_RULE, isJobId } from '../shared/job-id.js'
import { checkSecretDestination } from '../shared/urls.js'
import { TransientError } from '../shared/retry.js'
import { ApiError, isObject, type GraphqlError } from './graphql.js'

const JOB_STATUS_VALUES = ['running', 'done', 'failed', 'notfound'] as const
export type JobStatusEnum = (typeof JOB_STATUS_VALUES)[number]

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

/** The service answered something of the wrong shape: a broken or hostile server. */
export class UnexpectedAnswerError extends ApiError {
  constructor(operation: string, field: string, problem: string) {
    super(
      `${operation}: the service answered ${/^[aeiou]/i.test(field) ? 'an' : 'a'} ${field} that ${problem}`,
      operation
    )
    this.name = 'UnexpectedAnswerError'
  }
}

/** A value from the service, quoted and cut short, so that line breaks and `::` show as text. */
function quoteValue(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  return JSON.stringify(clip(text, max + 1))
}

export function checkJobId(value: unknown, operation: string): string {
  if (isJobId(value)) return value
  throw new UnexpectedAnswerError(operation, 'job ID', `is not one: ${quoteValue(value)} (a job ID is ${JOB_ID_RULE})`)
}

/**
 * A URL a secret may go to (see checkSecretDestination). `secret` URLs (presigned) are never
 * quoted in the error.
 */
export function checkUrl(
  value: unknown,
  {
    operation,
    field,
    loopbackHttp,
    secret = false
  }: { operation: string; field: string; loopbackHttp: boolean; secret?: boolean }
): string {
  const checked = checkSecretDestination(value, { loopbackHttp })
  if (checked.ok) return value as string
  const shown = secret ? '' : ` (${quoteValue(value)})`
  throw new UnexpectedAnswerError(operation, field, `is refused${shown}: it ${checked.reason}`)
}

/**
 * A job's status. A null status is `notfound` (the seed's answer for an unknown job). The status
 * must be an enum value; when it is missing because its resolver failed, the check counts as
 * unanswered (transient). Other fields are used when they are strings: an error on one of them
 * (AppSync's partial data) does not spoil the status.
 */
export function checkJobStatus(value: unknown, errors: readonly GraphqlError[], operation: string): JobStatus {
  if (value === null || value === undefined) return { statusEnum: 'notfound' }
  if (!isObject(value)) throw new UnexpectedAnswerError(operation, 'status', `is not an object: ${quoteValue(value)}`)
  const { statusEnum } = value
  if (statusEnum === null || statusEnum === undefined) {
    const why = errors[0] ? `: ${errors[0].message.slice(0, 200)}` : ''
    throw new TransientError(`${operation}: the answer holds no statusEnum${why}`)
  }
  if (!(JOB_STATUS_VALUES as readonly unknown[]).includes(statusEnum)) {
    throw new UnexpectedAnswerError(
      operation,
      'statusEnum',
      `is not one of ${JOB_STATUS_VALUES.join(', ')}: ${quoteValue(statusEnum)}`
    )
  }
  const text = (field: string): string | null => (typeof value[field] === 'string' ? value[field] : null)
  const status: JobStatus = {
    statusEnum: statusEnum as JobStatusEnum,
    errMsg: text('errMsg'),
    created: text('created'),
    finished: text('finished')
  }
  return 'jobInput' in value ? { ...status, jobInput: text('jobInput') } : status
}

/**
 * The models of a list: null entries (an entry whose resolver failed) are left out and counted;
 * every other entry must be whole, with URLs a secret may go to.
 */
export function checkModels(
  value: unknown,
  { operation, loopbackHttp }: { operation: string; loopbackHttp: boolean }
): { models: RetrainedModel[]; missing: number } {
  if (value === null || value === undefined) return { models: [], missing: 0 }
  if (!Array.isArray(value))
    throw new UnexpectedAnswerError(operation, 'models list', `is not a list: ${quoteValue(value)}`)
  const models: RetrainedModel[] = []
  let missing = 0
  value.forEach((entry: unknown, index) => {
    if (entry === null) return void missing++
    const label = value.length > 1 ? `model ${index + 1}` : 'model'
    if (!isObject(entry)) throw new UnexpectedAnswerError(operation, label, `is not an object: ${quoteValue(entry)}`)
    const text = (field: string): string => {
      const field_ = entry[field]
      if (typeof field_ === 'string' && field_ !== '') return field_
      throw new UnexpectedAnswerError(
        operation,
        `${label}'s ${field}`,
        `is not a non-empty string: ${quoteValue(field_)}`
      )
    }
    const url = (field: string): string =>
      checkUrl(text(field), { operation, field: `${label}'s ${field}`, loopbackHttp })
    models.push({
      vendor: text('vendor'),
      version: text('version'),
      name: text('name'),
      url: url('url'),
      modelCard: url('modelCard')
    })
  })
  return { models, missing }
}
