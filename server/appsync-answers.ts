// The answers of a real AppSync endpoint and of broken or hostile servers, for the faults that
// stand in for them: graphql-java's validation wording, a resolver that failed (a Lambda that
// threw or timed out), partial data with an error about the missing part, any JSON in place of
// the answer, redirects, and bodies that never end.
import type { ServerResponse } from 'node:http'
import type { Exchange } from './exchange.js'
import type { Fault } from './faults.js'

/** The messages AppSync gives with these error types when a Lambda resolver fails. */
export const RESOLVER_ERROR_MESSAGES: Readonly<Record<string, string>> = {
  'Lambda:Unhandled': 'Task timed out after 30.03 seconds',
  ExecutionTimeout: 'Execution timed out.',
  'Lambda:ExecutionTimeoutException': 'Execution timed out.'
}

/** The faults answered here, in place of the server: the operation does not run. */
export type AnswerFault = Extract<Fault, { kind: 'answer' | 'resolver-error' | 'redirect' | 'endless' | 'trickle' }>

/** Answers a request with the fault's answer; the request is then over. */
export function applyAnswerFault(exchange: Exchange, fault: AnswerFault): true {
  switch (fault.kind) {
    case 'answer':
      exchange.sendJson(fault.status ?? 200, fault.body)
      break
    case 'resolver-error': {
      const message = fault.message ?? RESOLVER_ERROR_MESSAGES[fault.errorType] ?? `${fault.errorType} error`
      exchange.sendJson(200, resolverErrorAnswer(exchange.entry.operations, fault.errorType, message))
      break
    }
    case 'redirect':
      exchange.send(fault.status, '', { Location: fault.location })
      break
    case 'endless':
    case 'trickle': {
      exchange.entry.status = 200
      exchange.complete()
      const intervalMs = fault.kind === 'trickle' ? fault.intervalMs : undefined
      sendEndless(exchange.res, { intervalMs, onBytes: (total) => (exchange.entry.answerBytes = total) })
      break
    }
  }
  return true
}

/** A GraphQL error entry as AppSync writes it. */
export interface AppSyncError {
  readonly path: readonly (string | number)[] | null
  readonly data: null
  readonly errorType: string | null
  readonly errorInfo: null
  readonly locations: readonly { line: number; column: number; sourceName: null }[]
  readonly message: string
}

function appSyncError(
  message: string,
  errorType: string | null,
  path: readonly (string | number)[] | null
): AppSyncError {
  return {
    path,
    data: null,
    errorType,
    errorInfo: null,
    locations: [{ line: 1, column: 1, sourceName: null }],
    message
  }
}

/**
 * A graphql-js validation message in graphql-java's words, as AppSync says it, e.g.
 * `Cannot query field "x" on type "Mutation".` →
 * `Validation error of type FieldUndefined: Field 'x' in type 'Mutation' is undefined @ 'x'`.
 * Messages without a graphql-java counterpart here are kept.
 */
export function graphqlJavaWording(message: string): string {
  const unknownField = /^Cannot query field "([^"]+)" on type "([^"]+)"\./.exec(message)
  if (unknownField) {
    const [, field, type] = unknownField
    return `Validation error of type FieldUndefined: Field '${field}' in type '${type}' is undefined @ '${field}'`
  }
  return message
}

/** A validation failure as AppSync answers it: HTTP 200, `data: null`, errors without a path. */
export function validationAnswer(messages: readonly string[]): { data: null; errors: AppSyncError[] } {
  return { data: null, errors: messages.map((message) => appSyncError(message, null, null)) }
}

/** A resolver that failed: the root fields are null and one error per field says why. */
export function resolverErrorAnswer(
  fields: readonly string[],
  errorType: string,
  message: string
): { data: Record<string, null>; errors: AppSyncError[] } {
  return {
    data: Object.fromEntries(fields.map((field) => [field, null])),
    errors: fields.map((field) => appSyncError(message, errorType, [field]))
  }
}

/**
 * Partial data: the value at `path` in the executed answer becomes null (a list grows to reach
 * the index) and an error about it is added, as AppSync does when one field's resolver fails.
 */
export function withPartialFailure(
  body: { data?: unknown; errors?: unknown[] },
  path: readonly (string | number)[],
  errorType: string,
  message: string
): { data?: unknown; errors: unknown[] } {
  const data = structuredClone(body.data) as Record<string | number, unknown> | null | undefined
  let parent: Record<string | number, unknown> | null | undefined = data
  for (const key of path.slice(0, -1)) {
    parent = parent?.[key] as Record<string | number, unknown> | null | undefined
  }
  if (parent && typeof parent === 'object') parent[path.at(-1)!] = null
  return { ...body, data, errors: [...(body.errors ?? []), appSyncError(message, errorType, path)] }
}

/**
 * HTTP 200 whose body never ends: `chunk` as fast as the client reads (endless), or one byte
 * every `intervalMs` (trickle). Ends when the client goes away; calls `onBytes` with the total.
 */
function sendEndless(
  res: ServerResponse,
  { intervalMs, onBytes }: { intervalMs?: number; onBytes: (total: number) => void }
): void {
  let total = 0
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  res.once('close', () => {
    stopped = true
    clearTimeout(timer)
  })
  res.writeHead(200, { 'Content-Type': 'application/json' })
  res.write('{"data":{"padding":"')
  const chunk = Buffer.alloc(64 * 1024, 'x')
  const pump = (): void => {
    if (stopped || res.destroyed) return
    if (intervalMs !== undefined) {
      res.write('x')
      onBytes(++total)
      timer = setTimeout(pump, intervalMs)
      return
    }
    while (!stopped && !res.destroyed) {
      total += chunk.length
      onBytes(total)
      if (!res.write(chunk)) return void res.once('drain', pump)
    }
  }
  pump()
}
