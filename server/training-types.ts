// The training service's vocabulary, shared by the service, the resolvers and the HTTP side:
// job states and outcomes, the recorded start input (and how it is copied from graphql-js), the
// views tests and clients get, and the error the service reports to clients.

export type JobState = 'created' | 'running' | 'done' | 'failed'

/** How a started training ends; 'never' keeps it running. */
export type Outcome = 'done' | 'failed' | 'never'

/** An outcome for every job, or one chosen from each job's input. */
export type OutcomeRule = Outcome | ((input: RecordedInput) => Outcome)

export type InputValue = string | number | boolean | null | RecordedInput | readonly InputValue[]

/** A GraphQL input object after coercion, copied to a plain object: absent fields stay absent. */
export interface RecordedInput {
  readonly [field: string]: InputValue
}

export interface UploadedObject {
  readonly objName: string
  /** the file that holds the object's bytes, in the server's data folder */
  readonly path: string
  readonly size: number
  readonly sha256: string
  /** hex MD5, the ETag S3 gives a single-part upload */
  readonly md5: string
  readonly contentType: string
  readonly uploadedAt: Date
}

/** A job as tests see it, computed at the moment of asking. */
export interface JobSnapshot {
  readonly id: string
  readonly jobType: string
  readonly state: JobState
  readonly createdAt: Date
  readonly startedAt?: Date
  readonly finishedAt?: Date
  readonly errMsg?: string
  /** the `input` argument of the start, as the resolver received it */
  readonly input?: RecordedInput
  /** every start call for this job, including refused ones */
  readonly startCount: number
  /** the stored objects, by upload order; a re-upload replaces the object of the same name */
  readonly uploads: readonly UploadedObject[]
}

export interface JobStatusView {
  readonly statusEnum: 'running' | 'done' | 'failed' | 'notfound'
  readonly errMsg: string | null
  readonly created: string | null
  readonly finished: string | null
  /** JSON of the dreamboothInput the job was started with */
  readonly jobInput: string | null
}

export interface ModelView {
  readonly vendor: string
  readonly version: string
  readonly name: string
  readonly url: string
  readonly modelCard: string
}

/** An error the service reports to the client; `errorType` follows AppSync's error shape. */
export class ServiceError extends Error {
  override name = 'ServiceError'
  constructor(
    message: string,
    readonly errorType: 'BadRequestException' | 'NotFoundException' | 'ConflictException'
  ) {
    super(message)
  }
}

export const JOB_TYPE_DREAMBOOTH = 'dreambooth'

export function isRecord(value: unknown): value is RecordedInput {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// graphql-js hands input objects over with a null prototype; tests compare plain objects.
export function toRecordedInput(value: unknown): RecordedInput {
  return copyValue(value) as RecordedInput
}

function copyValue(value: unknown): InputValue {
  if (Array.isArray(value)) return value.map(copyValue)
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, InputValue> = {}
    for (const [key, field] of Object.entries(value)) if (field !== undefined) copy[key] = copyValue(field)
    return copy
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null)
    return value
  throw new Error(`unexpected input value of type ${typeof value}`)
}
