// One GraphQL request to the retraining API, read the way AWS AppSync answers: HTTP 200 with
// `data` (whole, partly filled or null) and an `errors` list whose entries carry `errorType`;
// HTTP 401 `UnauthorizedException`; 400 `MalformedHttpRequestException`; validation errors in
// graphql-java's wording. Every failure becomes a TransientError, AnswerLostError or ApiError.
import { ANSWER_LIMITS } from '../shared/answer-body.js'
import {
  AnswerBrokenError,
  ProxyError,
  bodyGist,
  describeRedirect,
  fetchLimited,
  transientStatusError
} from '../shared/http.js'
import { clip } from '../shared/format.js'
import { TransientError } from '../shared/retry.js'
import { redact } from '../shared/secrets.js'
import { connectionFailureMessage } from '../shared/connection-errors.js'

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

/** The request may or may not have been carried out: its answer was lost, unreadable or a fault. */
export class AnswerLostError extends TransientError {
  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, options)
    this.name = 'AnswerLostError'
  }
}

export interface GraphqlError {
  readonly message: string
  readonly errorType?: string
  readonly path?: readonly (string | number)[]
}

export interface GraphqlAnswer {
  readonly data: Readonly<Record<string, unknown>> | null
  readonly errors: readonly GraphqlError[]
}

export interface GraphqlRequest {
  readonly url: string
  readonly apiKey: string
  readonly operation: string
  readonly document: string
  readonly variables: Readonly<Record<string, unknown>>
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
}

/** Sends one request (no retry) and returns its answer when the service answered GraphQL with 2xx. */
export async function postGraphql(request: GraphqlRequest): Promise<GraphqlAnswer> {
  const { url, apiKey, operation, document, variables, timeoutMs, signal } = request
  const secrets = [apiKey]
  let answer
  try {
    answer = await fetchLimited(
      url,
      {
        method: 'POST',
        headers: { Authorization: apiKey, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ query: document, variables, operationName: operationNameOf(document) })
      },
      { what: operation, maxBytes: ANSWER_LIMITS.graphql, timeoutMs, signal }
    )
  } catch (error) {
    if (signal?.aborted || error instanceof ProxyError || !(error instanceof TransientError)) throw error
    // The request may have reached the service: whether it acted is unknown. A connection that
    // never opened says which host and why (name, refused, TLS, timeout).
    const explained =
      error instanceof AnswerBrokenError ? undefined : connectionFailureMessage(operation, url, error.cause ?? error)
    throw new AnswerLostError(explained ?? error.message, { cause: error })
  }
  const { status, headers } = answer
  const text = answer.body.toString('utf8')
  if (status >= 300 && status < 400) {
    throw new ApiError(
      `${operation}: ${describeRedirect(status, headers.get('location'))}; the API key goes only to api-url`,
      operation,
      status
    )
  }
  const transient = transientStatusError(operation, status, headers.get('retry-after'))
  // 429 is the service's front door saying "not now"; after a 5xx whether it acted is unknown.
  if (transient && status !== 429)
    throw new AnswerLostError(transient.message, { retryAfterMs: transient.retryAfterMs })
  if (transient) throw transient
  if (status === 401 || status === 403) {
    throw new ApiError(
      `${operation}: the API key was refused (HTTP ${status}). Check the api-key secret and that it belongs to the service at api-url.`,
      operation,
      status
    )
  }
  const body = parseBody(text)
  if (status < 200 || status > 299) {
    const detail = body && body.errors.length > 0 ? describeErrors(body.errors) : bodyGist(text)
    throw new ApiError(redact(`${operation} failed: HTTP ${status} ${detail}`.trim(), secrets), operation, status)
  }
  if (!body) {
    // A 2xx page that is not GraphQL (a proxy's error page, a cut body): whether the service
    // acted is unknown, as with a lost answer.
    throw new AnswerLostError(
      redact(`${operation}: the answer was not a GraphQL response (${bodyGist(text, 120)})`, secrets)
    )
  }
  return body
}

/**
 * The value of a root field. When it is null and errors came with it, the errors say why: a
 * resolver that failed or timed out is an AnswerLostError (the work may have been done), the rest
 * an ApiError. Errors that came with a value are returned for the caller to judge.
 */
export function rootField(
  answer: GraphqlAnswer,
  operation: string,
  field: string,
  apiKey: string
): { value: unknown; errors: readonly GraphqlError[] } {
  const value = answer.data?.[field]
  if (value !== null && value !== undefined) return { value, errors: answer.errors }
  if (answer.errors.length > 0) throw errorsToError(operation, answer.errors, apiKey)
  return { value: null, errors: [] }
}

/** Errors that say a resolver (a Lambda, a data source) failed or ran out of time: worth asking again. */
export function isResolverFault(error: GraphqlError): boolean {
  return (
    /^(Lambda|Http|DynamoDB|RDS):|Timeout|Throttl|InternalFailure|ServiceUnavailable/i.test(error.errorType ?? '') ||
    /timed out/i.test(error.message)
  )
}

function errorsToError(operation: string, errors: readonly GraphqlError[], apiKey: string): Error {
  const message = redact(`${operation} failed: ${describeErrors(errors)}`, [apiKey])
  if (errors.some((error) => error.errorType === 'UnauthorizedException')) {
    return new ApiError(`${operation}: the API key was refused (UnauthorizedException)`, operation, 401)
  }
  if (errors.every(isResolverFault)) return new AnswerLostError(message)
  return new ApiError(message, operation)
}

/** A validation error saying the schema has no such field, in graphql-js's or graphql-java's words. */
export function isUnknownField(error: ApiError, field: string): boolean {
  return (
    error.message.includes(`Cannot query field "${field}"`) ||
    error.message.includes(`Validation error of type FieldUndefined: Field '${field}'`)
  )
}

const MAX_SHOWN_ERRORS = 3
const MAX_ERROR_LENGTH = 300

/** "message (errorType); message", at most three, each cut short. */
export function describeErrors(errors: readonly GraphqlError[]): string {
  const shown = errors.slice(0, MAX_SHOWN_ERRORS).map((error) => {
    const text = clip(error.message, MAX_ERROR_LENGTH + 1)
    return error.errorType ? `${text} (${error.errorType})` : text
  })
  const more = errors.length > MAX_SHOWN_ERRORS ? `; and ${errors.length - MAX_SHOWN_ERRORS} more` : ''
  return `${shown.join('; ')}${more}`
}

/** `{data?, errors?}` with errors normalised, or undefined when the text is not a GraphQL answer. */
function parseBody(text: string): GraphqlAnswer | undefined {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!isObject(body)) return undefined
  const { data, errors } = body
  if (data !== undefined && data !== null && !isObject(data)) return undefined
  if (errors !== undefined && errors !== null && !Array.isArray(errors)) return undefined
  if (data === undefined && !Array.isArray(errors)) return undefined
  return { data: (data as Record<string, unknown> | undefined) ?? null, errors: (errors ?? []).map(normaliseError) }
}

function normaliseError(entry: unknown): GraphqlError {
  if (!isObject(entry)) return { message: 'an error without a message' }
  const message = typeof entry.message === 'string' && entry.message !== '' ? entry.message : 'no message'
  const errorType = typeof entry.errorType === 'string' ? entry.errorType.slice(0, 100) : undefined
  const path =
    Array.isArray(entry.path) && entry.path.every((part) => typeof part === 'string' || typeof part === 'number')
      ? (entry.path as (string | number)[])
      : undefined
  return { message, ...(errorType ? { errorType } : {}), ...(path ? { path } : {}) }
}

function operationNameOf(document: string): string | undefined {
  return /^\s*(?:query|mutation)\s+([A-Za-z_]\w*)/.exec(document)?.[1]
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
