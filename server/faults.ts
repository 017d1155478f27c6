// Faults the local server injects into the next requests of a target, to prove a client copes
// with what networks, gateways, rate limiters, AppSync and hostile servers do: the kinds, the
// queue of planned faults, the command-line form, and how each kind answers (the AppSync and
// hostile ones in appsync-answers.ts). Only 'reset-after', 'partial' and 'delay-after' perform
// the operation; every other fault answers (or fails) in place of the server.

import { STATUS_CODES } from 'node:http'
import { applyAnswerFault } from './appsync-answers.js'
import type { Exchange } from './exchange.js'

export type Fault =
  /** answer with this HTTP status and a body (default: a short error body fitting the endpoint) */
  | { readonly kind: 'status'; readonly status: number; readonly body?: string }
  /** HTTP 429, with a Retry-After header when given (seconds or an HTTP date) */
  | { readonly kind: 'rate-limit'; readonly retryAfter?: string }
  /** reset the connection (TCP RST) before answering: the operation does not happen */
  | { readonly kind: 'reset' }
  /** perform the operation, then reset the connection: the server acted, the answer is lost */
  | { readonly kind: 'reset-after' }
  /** hold the request without answering for `ms`, then close the connection */
  | { readonly kind: 'hang'; readonly ms: number }
  /** HTTP 200 with a body that is not JSON, as a misbehaving proxy sends */
  | { readonly kind: 'malformed'; readonly body?: string }
  /** this JSON (HTTP 200 unless `status`) in place of the answer: a broken or hostile server */
  | { readonly kind: 'answer'; readonly body: unknown; readonly status?: number }
  /** GraphQL: AppSync's answer when a resolver fails (a Lambda error or timeout); not performed */
  | { readonly kind: 'resolver-error'; readonly errorType: string; readonly message?: string }
  /** GraphQL: performed, then the value at `path` is null with an error about it (AppSync's partial data) */
  | {
      readonly kind: 'partial'
      readonly path: readonly (string | number)[]
      readonly errorType?: string
      readonly message?: string
    }
  /** a redirect (3xx) to `location` */
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string }
  /** HTTP 200 whose body never ends, as fast as the client reads */
  | { readonly kind: 'endless' }
  /** HTTP 200 whose body never ends, one byte every `intervalMs` (no idle timeout fires) */
  | { readonly kind: 'trickle'; readonly intervalMs: number }
  /** performed, then the answer is held for `ms` (a start in flight when the run is cancelled) */
  | { readonly kind: 'delay-after'; readonly ms: number }

export type FaultKind = Fault['kind']

export const FAULT_KINDS: readonly FaultKind[] = [
  'status',
  'rate-limit',
  'reset',
  'reset-after',
  'hang',
  'malformed',
  'answer',
  'resolver-error',
  'partial',
  'redirect',
  'endless',
  'trickle',
  'delay-after'
]

/** Faults that change a GraphQL answer: not for uploads or inference. */
export const GRAPHQL_ONLY_FAULTS: readonly FaultKind[] = ['resolver-error', 'partial', 'delay-after']

interface Pending {
  readonly target: string
  readonly fault: Fault
  remaining: number
}

/** Queues of faults by target; each queued fault applies to the next `times` matching requests. */
export class FaultPlan {
  readonly #pending: Pending[] = []

  add(target: string, fault: Fault, times = 1): void {
    checkFault(fault)
    if (!Number.isInteger(times) || times < 1) throw new Error(`fault count must be a positive integer, got ${times}`)
    this.#pending.push({ target, fault, remaining: times })
  }

  clear(): void {
    this.#pending.length = 0
  }

  /** Takes the fault for a request that touches these targets, oldest injection first. */
  take(targets: readonly string[]): Fault | undefined {
    const index = this.#pending.findIndex((pending) => targets.includes(pending.target))
    if (index < 0) return undefined
    const pending = this.#pending[index]!
    pending.remaining--
    if (pending.remaining === 0) this.#pending.splice(index, 1)
    return pending.fault
  }

  /** How many faulted requests are still to come, for a target or in all. */
  remaining(target?: string): number {
    return this.#pending
      .filter((pending) => target === undefined || pending.target === target)
      .reduce((sum, pending) => sum + pending.remaining, 0)
  }
}

function checkFault(fault: Fault): void {
  switch (fault.kind) {
    case 'status':
      if (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 599) {
        throw new Error(`fault status must be an HTTP status code, got ${fault.status}`)
      }
      return
    case 'hang':
    case 'delay-after':
      if (!Number.isFinite(fault.ms) || fault.ms < 0)
        throw new Error(`${fault.kind} fault needs ms >= 0, got ${fault.ms}`)
      return
    case 'trickle':
      if (!Number.isFinite(fault.intervalMs) || fault.intervalMs <= 0) {
        throw new Error(`trickle fault needs intervalMs > 0, got ${fault.intervalMs}`)
      }
      return
    case 'redirect':
      if (!Number.isInteger(fault.status) || fault.status < 300 || fault.status > 399) {
        throw new Error(`redirect fault needs a 3xx status, got ${fault.status}`)
      }
      return
    case 'resolver-error':
      if (!fault.errorType) throw new Error('resolver-error fault needs an errorType')
      return
    case 'partial':
      if (fault.path.length < 2) throw new Error('partial fault needs a path below the root field, e.g. [op, 1]')
      return
    case 'rate-limit':
    case 'reset':
    case 'reset-after':
    case 'malformed':
    case 'answer':
    case 'endless':
      return
    default:
      throw new Error(`unknown fault kind ${JSON.stringify((fault as { kind: unknown }).kind)}`)
  }
}

/**
 * Parses the command-line form `target:kind[:arg]:count`, e.g. `getJobStatus:status:503:2`,
 * `upload:reset:1`, `inference:hang:5000:1`, `getJobStatus:rate-limit:7:1` (arg = Retry-After),
 * `getJobStatus:resolver-error:Lambda:Unhandled:3`, `upload:redirect:307:https://elsewhere/:1`.
 */
export function parseFaultSpec(spec: string): { target: string; fault: Fault; times: number } {
  const parts = spec.split(':')
  if (parts.length < 3) throw new Error(`fault "${spec}": expected target:kind[:arg]:count`)
  const target = parts[0]!
  const kind = parts[1]!
  const times = Number(parts.at(-1))
  // The argument may itself hold colons (a Retry-After HTTP date).
  const arg = parts.length > 3 ? parts.slice(2, -1).join(':') : undefined
  if (!Number.isInteger(times) || times < 1) throw new Error(`fault "${spec}": count must be a positive integer`)
  const needs = (what: string): string => {
    if (arg === undefined || arg === '') throw new Error(`fault "${spec}": ${kind} needs ${what}`)
    return arg
  }
  const noArg = (): void => {
    if (arg !== undefined) throw new Error(`fault "${spec}": ${kind} takes no argument`)
  }
  let fault: Fault
  switch (kind) {
    case 'status':
      fault = { kind, status: Number(needs('an HTTP status')) }
      break
    case 'hang':
    case 'delay-after':
      fault = { kind, ms: Number(needs('a duration in ms')) }
      break
    case 'trickle':
      fault = { kind, intervalMs: Number(needs('an interval in ms')) }
      break
    case 'redirect': {
      const [status, ...location] = needs('a status and a location, e.g. 307:https://elsewhere/').split(':')
      fault = { kind, status: Number(status), location: location.join(':') }
      break
    }
    case 'resolver-error':
      // the error type may hold a colon itself (Lambda:Unhandled)
      fault = { kind, errorType: needs('an errorType, e.g. Lambda:Unhandled') }
      break
    case 'rate-limit':
      fault = arg === undefined ? { kind } : { kind, retryAfter: arg }
      break
    case 'reset':
    case 'reset-after':
    case 'malformed':
    case 'endless':
      noArg()
      fault = { kind }
      break
    case 'answer':
    case 'partial':
      throw new Error(`fault "${spec}": ${kind} takes JSON, so it is only given from code (injectFault)`)
    default:
      throw new Error(`fault "${spec}": unknown kind ${kind} (one of ${FAULT_KINDS.join(', ')})`)
  }
  checkFault(fault)
  return { target, fault, times }
}

/** The endpoint a faulted request was for: it shapes the error body. */
export type FaultedEndpoint = 'graphql' | 'upload' | 'inference'

/** Applies a fault; true when the request is over, false when the handler goes on. */
export type FaultApplier = (exchange: Exchange, fault: Fault | undefined, endpoint: FaultedEndpoint) => boolean

/**
 * Applies a fault. Returns true when the request is over; false when the handler goes on
 * (no fault, or one that lets the operation run and then drops, changes or holds its answer).
 * The timer of a 'hang' or 'delay-after' goes into `hangTimers`, for the server to clear when it closes.
 */
export function applyFault(
  exchange: Exchange,
  fault: Fault | undefined,
  kind: FaultedEndpoint,
  hangTimers: Set<NodeJS.Timeout>
): boolean {
  if (!fault) return false
  exchange.entry.fault = fault.kind
  switch (fault.kind) {
    case 'reset-after':
      exchange.dropAnswer = true
      return false
    case 'partial':
      exchange.partialFailure = fault
      return false
    case 'delay-after':
      exchange.delayAnswer = { ms: fault.ms, timers: hangTimers }
      return false
    case 'reset':
      exchange.reset()
      return true
    case 'hang': {
      const socket = exchange.req.socket
      const timer = setTimeout(() => {
        hangTimers.delete(timer)
        exchange.complete()
        socket.destroy()
      }, fault.ms)
      hangTimers.add(timer)
      socket.once('close', () => {
        clearTimeout(timer)
        hangTimers.delete(timer)
      })
      return true
    }
    case 'malformed':
      exchange.send(200, fault.body ?? '<html><body><h1>502 Bad Gateway</h1></body></html>', {
        'Content-Type': 'text/html'
      })
      return true
    case 'rate-limit': {
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'Retry-After': fault.retryAfter }
      if (kind === 'upload') exchange.sendXml(429, 'SlowDown', 'Please reduce your request rate.', headers)
      else if (kind === 'graphql') {
        exchange.sendJson(
          429,
          { errors: [{ errorType: 'TooManyRequestsException', message: 'Rate exceeded' }] },
          headers
        )
      } else exchange.sendJson(429, { message: 'Too Many Requests' }, headers)
      return true
    }
    case 'status': {
      const reason = STATUS_CODES[fault.status] ?? 'Error'
      if (fault.body !== undefined) exchange.send(fault.status, fault.body, { 'Content-Type': 'text/plain' })
      else if (kind === 'upload') exchange.sendXml(fault.status, s3ErrorCode(fault.status), reason)
      else if (kind === 'graphql') {
        exchange.sendJson(fault.status, {
          errors: [{ errorType: 'ServiceError', message: `${fault.status} ${reason}` }]
        })
      } else exchange.sendJson(fault.status, { message: reason })
      return true
    }
    default:
      return applyAnswerFault(exchange, fault)
  }
}

function s3ErrorCode(status: number): string {
  switch (status) {
    case 500:
      return 'InternalError'
    case 501:
      return 'NotImplemented'
    case 503:
      return 'ServiceUnavailable'
    default:
      return (STATUS_CODES[status] ?? 'Error').replace(/[^A-Za-z]/g, '')
  }
}
