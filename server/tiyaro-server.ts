// A local stand-in for the Tiyaro DreamBooth API, for tests and demos: the GraphQL endpoint
// (AppSync-like), S3-like presigned uploads, simulated training, and fake model inference. It logs
// every request and injects faults on demand, so tests can check what a client sent and how it
// copes with a flaky service.
//
//   const server = await startTiyaroServer({ trainingMs: 100 })
//   ... fetch(server.graphqlUrl, { headers: { Authorization: server.apiKey }, ... })
//   await server.close()

import { createHash, randomUUID } from 'node:crypto'
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  execute,
  getOperationAST,
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type SelectionSetNode
} from 'graphql'
import type { Fault, FaultKind } from './faults.js'
import { FaultPlan } from './faults.js'
import { DEFAULT_BASE_MODEL, parseInferenceBody, renderImage } from './inference.js'
import { createResolvers } from './resolvers.js'
import { buildTiyaroSchema, operationNames, type SchemaRevision } from './schema.js'
import { ServiceError, TrainingService, type JobSnapshot, type OutcomeRule } from './training-service.js'
import { parseUploadPath, UPLOAD_PATH_PREFIX, UploadSigner } from './upload-signer.js'

export interface ServerOptions {
  /** the key clients must send; default 'test-api-key' */
  readonly apiKey?: string
  /** operation names and types of the original or the later documentation; default 'original' */
  readonly revision?: SchemaRevision
  /** time from a job's start to its end state, ms; default 300 */
  readonly trainingMs?: number
  /** how trainings end; default 'done' */
  readonly outcome?: OutcomeRule
  /** errMsg of a failed training; default 'CUDA out of memory' */
  readonly failMessage?: string
  /** how long a presigned upload URL stays valid, ms; default 15 minutes */
  readonly uploadUrlTtlMs?: number
  /** vendor of the trained models; default 'local' */
  readonly vendor?: string
  /** default 0 (any free port) */
  readonly port?: number
  /** default '127.0.0.1' */
  readonly host?: string
  /** largest upload accepted, bytes; default 5 GiB (S3's single PUT limit) */
  readonly maxUploadBytes?: number
  /** the time source, ms since the epoch; default Date.now */
  readonly clock?: () => number
  /** answer schema introspection (default true); false as services that hide their schema */
  readonly introspection?: boolean
  /** called once for each request when it is over (answered or dropped) */
  readonly onRequest?: (entry: RequestLogEntry) => void
}

/** Operation names of either revision, 'upload' (presigned PUTs) or 'inference' (model calls). */
export type FaultTarget = string

export type RequestKind = 'graphql' | 'upload' | 'inference' | 'model-card' | 'other'

export interface UploadLog {
  /** from the path; undefined when the path names none */
  readonly objName?: string
  readonly bytes: number
  readonly sha256: string
  /** the object was stored (false when refused or faulted) */
  readonly stored: boolean
}

export interface RequestLogEntry {
  readonly time: Date
  readonly method: string
  /** the path without its query string (a presigned URL's query is a credential) */
  readonly path: string
  readonly kind: RequestKind
  /** the operation name the request or document gives, if any */
  readonly operationName?: string
  /** root fields of the executed operation, e.g. ['newJobID'] */
  readonly operations: readonly string[]
  /** GraphQL variables as sent */
  readonly variables?: unknown
  /** the `input` of an inference request as sent */
  readonly inferenceInput?: unknown
  /** whether the credential was right (API key, or an upload URL's signature and expiry) */
  readonly authorized?: boolean
  /** the HTTP status answered; undefined when the connection was dropped without an answer */
  readonly status?: number
  readonly fault?: FaultKind
  readonly upload?: UploadLog
  /** GraphQL error messages, or why a request was refused */
  readonly errors?: readonly string[]
  readonly durationMs?: number
}

export interface TiyaroServer {
  /** base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string
  /** `${url}/graphql` */
  readonly graphqlUrl: string
  readonly apiKey: string
  readonly revision: SchemaRevision
  /** every request, in arrival order (entries fill in as requests progress) */
  readonly requests: readonly RequestLogEntry[]
  /** every job, as of now */
  readonly jobs: readonly JobSnapshot[]
  job(id: string): JobSnapshot | undefined
  /** successful starts (a job whose dataset is invalid counts: it is started, then fails) */
  trainingsStarted(): number
  /** every presigned upload URL handed out, for tests that check none of them leaks */
  readonly issuedUploadUrls: readonly string[]
  /** inference URL of a base model, default 'stable-diffusion-v1-5' */
  baseModelUrl(model?: string): string
  /** the next `times` requests of `target` get `fault` */
  injectFault(target: FaultTarget, fault: Fault, times?: number): void
  clearFaults(): void
  /** faulted requests still to come, for a target or in all */
  pendingFaults(target?: FaultTarget): number
  /** outcome of jobs started from now on, or with `jobId` of one running job */
  setOutcome(outcome: OutcomeRule, options?: { failMessage?: string; jobId?: string }): void
  close(): Promise<void>
}

export const DEFAULT_API_KEY = 'test-api-key'
export const DEFAULT_FAIL_MESSAGE = 'CUDA out of memory'
const GRAPHQL_BODY_LIMIT = 1024 * 1024
const INFERENCE_BODY_LIMIT = 1024 * 1024
const FIVE_GIB = 5 * 1024 ** 3

const UNAUTHORIZED_BODY = {
  errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }]
}

type MutableEntry = { -readonly [K in keyof RequestLogEntry]: RequestLogEntry[K] }

/** Starts the server; resolves once it listens. */
export async function startTiyaroServer(options: ServerOptions = {}): Promise<TiyaroServer> {
  const server = new LocalTiyaro(options)
  await server.listen(options.port ?? 0, options.host ?? '127.0.0.1')
  return server
}

class RequestTooLarge extends Error {}

class LocalTiyaro implements TiyaroServer {
  readonly apiKey: string
  readonly revision: SchemaRevision
  readonly requests: RequestLogEntry[] = []
  readonly issuedUploadUrls: string[] = []
  url = ''

  readonly #options: ServerOptions
  readonly #clock: () => number
  readonly #service: TrainingService
  readonly #signer = new UploadSigner()
  readonly #faults = new FaultPlan()
  readonly #faultTargets: ReadonlySet<string>
  readonly #schema: GraphQLSchema
  readonly #http: Server
  readonly #hangTimers = new Set<NodeJS.Timeout>()

  constructor(options: ServerOptions) {
    this.#options = options
    this.apiKey = options.apiKey ?? DEFAULT_API_KEY
    this.revision = options.revision ?? 'original'
    this.#clock = options.clock ?? Date.now
    this.#service = new TrainingService({
      clock: this.#clock,
      trainingMs: options.trainingMs ?? 300,
      outcome: options.outcome ?? 'done',
      failMessage: options.failMessage ?? DEFAULT_FAIL_MESSAGE,
      vendor: options.vendor ?? 'local',
      baseUrl: () => this.url,
      newId: randomUUID
    })
    const names = operationNames(this.revision)
    this.#faultTargets = new Set([...Object.values(names), 'upload', 'inference'])
    const ttl = options.uploadUrlTtlMs ?? 15 * 60 * 1000
    this.#schema = buildTiyaroSchema(
      this.revision,
      createResolvers(names, this.#service, {
        presign: (jobId, objName) => {
          const url = this.#signer.presign(this.url, jobId, objName, this.#clock() + ttl)
          this.issuedUploadUrls.push(url)
          return url
        }
      })
    )
    this.#http = createServer((req, res) => this.#dispatch(req, res))
  }

  get graphqlUrl(): string {
    return `${this.url}/graphql`
  }

  get jobs(): readonly JobSnapshot[] {
    return this.#service.jobs()
  }

  job(id: string): JobSnapshot | undefined {
    return this.#service.job(id)
  }

  trainingsStarted(): number {
    return this.#service.trainingsStarted()
  }

  baseModelUrl(model = DEFAULT_BASE_MODEL): string {
    return `${this.url}/v1/base/${model.split('/').map(encodeURIComponent).join('/')}`
  }

  injectFault(target: FaultTarget, fault: Fault, times = 1): void {
    if (!this.#faultTargets.has(target)) {
      throw new Error(
        `no fault target ${target} in revision '${this.revision}' (one of ${[...this.#faultTargets].join(', ')})`
      )
    }
    this.#faults.add(target, fault, times)
  }

  clearFaults(): void {
    this.#faults.clear()
  }

  pendingFaults(target?: FaultTarget): number {
    return this.#faults.remaining(target)
  }

  setOutcome(outcome: OutcomeRule, options: { failMessage?: string; jobId?: string } = {}): void {
    this.#service.setOutcome(outcome, options.failMessage, options.jobId)
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject)
      this.#http.listen(port, host, () => {
        this.#http.off('error', reject)
        resolve()
      })
    })
    const address = this.#http.address() as AddressInfo
    const urlHost = address.address.includes(':') ? `[${address.address}]` : address.address
    this.url = `http://${urlHost}:${address.port}`
  }

  async close(): Promise<void> {
    for (const timer of this.#hangTimers) clearTimeout(timer)
    this.#hangTimers.clear()
    const closed = new Promise<void>((resolve) => this.#http.close(() => resolve()))
    this.#http.closeAllConnections()
    await closed
  }

  // ---- dispatch -------------------------------------------------------------------------------

  #dispatch(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://local')
    const entry: MutableEntry = {
      time: new Date(this.#clock()),
      method: req.method ?? '',
      path: url.pathname,
      kind: 'other',
      operations: []
    }
    this.requests.push(entry)
    const exchange = new Exchange(req, res, entry, this.#options.onRequest)
    res.once('close', () => exchange.complete())
    this.#route(exchange, url).catch((error: unknown) => {
      // A client that went away mid-body needs no answer; anything else is a server bug worth a 500.
      if (req.destroyed || res.destroyed) return
      entry.errors = [...(entry.errors ?? []), String(error)]
      if (error instanceof RequestTooLarge) {
        exchange.sendJson(413, { message: error.message }, { Connection: 'close' })
      } else {
        exchange.sendJson(500, { message: `internal error: ${String(error)}` })
      }
    })
  }

  async #route(exchange: Exchange, url: URL): Promise<void> {
    const { method } = exchange.req
    const path = url.pathname
    if (path === '/graphql') {
      exchange.entry.kind = 'graphql'
      if (method !== 'POST') return exchange.sendJson(405, { message: 'use POST' }, { Allow: 'POST' })
      return this.#handleGraphql(exchange)
    }
    if (path.startsWith(UPLOAD_PATH_PREFIX)) {
      exchange.entry.kind = 'upload'
      if (method !== 'PUT')
        return exchange.sendXml(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.')
      return this.#handleUpload(exchange, url)
    }
    const model = /^\/v1\/ent\/([^/]+)\/1\/([^/]+)$/.exec(path)
    const base = /^\/v1\/base\/(.+)$/.exec(path)
    if (model || base) {
      exchange.entry.kind = 'inference'
      if (method !== 'POST') return exchange.sendJson(405, { message: 'use POST' }, { Allow: 'POST' })
      return this.#handleInference(exchange, url, model ? { vendor: model[1]!, name: model[2]! } : undefined)
    }
    const card = /^\/models\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path)
    if (card && method === 'GET') {
      exchange.entry.kind = 'model-card'
      return this.#handleModelCard(exchange, card[1]!, card[2]!, card[3]!)
    }
    await drain(exchange.req)
    exchange.sendJson(404, { message: `no route for ${method} ${path}` })
  }

  // ---- GraphQL --------------------------------------------------------------------------------

  async #handleGraphql(exchange: Exchange): Promise<void> {
    const { req, entry } = exchange
    const request = parseGraphqlRequest(await readBody(req, GRAPHQL_BODY_LIMIT))
    if (request.variables !== undefined) entry.variables = request.variables
    if (request.document) entry.operations = rootFieldNames(request.document, request.operationName)
    const operationName = request.operationName ?? (request.document && getOperationAST(request.document)?.name?.value)
    if (operationName !== undefined) entry.operationName = operationName
    if (this.#applyFault(exchange, this.#faults.take(entry.operations), 'graphql')) return

    entry.authorized = req.headers.authorization === this.apiKey
    if (!entry.authorized) {
      entry.errors = ['unauthorized']
      return exchange.sendJson(401, UNAUTHORIZED_BODY, { 'x-amzn-ErrorType': 'UnauthorizedException' })
    }
    if (request.error !== undefined || !request.document) {
      const message = request.error ?? 'no GraphQL document'
      entry.errors = [message]
      return exchange.sendJson(
        400,
        { errors: [{ errorType: 'MalformedHttpRequestException', message }] },
        { 'x-amzn-ErrorType': 'MalformedHttpRequestException' }
      )
    }
    const rules =
      this.#options.introspection === false ? [...specifiedRules, NoSchemaIntrospectionCustomRule] : specifiedRules
    const validationErrors = validate(this.#schema, request.document, rules)
    if (validationErrors.length > 0) {
      entry.errors = validationErrors.map((error) => error.message)
      return exchange.sendJson(200, { data: null, errors: validationErrors.map(formatError) })
    }
    const result = await execute({
      schema: this.#schema,
      document: request.document,
      variableValues: request.variables as Record<string, unknown> | undefined,
      operationName: request.operationName
    })
    const body: Record<string, unknown> = {}
    if ('data' in result) body.data = result.data
    if (result.errors) {
      entry.errors = result.errors.map((error) => error.message)
      body.errors = result.errors.map(formatError)
    }
    exchange.sendJson(200, body)
  }

  // ---- uploads --------------------------------------------------------------------------------

  async #handleUpload(exchange: Exchange, url: URL): Promise<void> {
    const { req, entry } = exchange
    const location = parseUploadPath(url.pathname)
    const logUpload = (received: ReceivedBody, stored: boolean): void => {
      entry.upload = {
        ...(location ? { objName: location.objName } : {}),
        bytes: received.size,
        sha256: received.sha256,
        stored
      }
    }
    const fault = this.#faults.take(['upload'])
    if (fault && fault.kind !== 'reset-after') {
      // The client finishes sending, then meets the fault, as behind a failing gateway.
      logUpload(await receiveBody(req, this.#maxUploadBytes, false), false)
      this.#applyFault(exchange, fault, 'upload')
      return
    }
    if (fault) this.#applyFault(exchange, fault, 'upload')

    const refuse = async (
      status: number,
      code: string,
      message: string,
      extra?: Record<string, string>
    ): Promise<void> => {
      entry.errors = [`${code}: ${message}`]
      logUpload(await receiveBody(req, this.#maxUploadBytes, false), false)
      exchange.sendXml(status, code, message, extra)
    }
    const check = this.#signer.check(url, this.#clock())
    entry.authorized = check.ok
    if (!check.ok) return refuse(check.code === 'InvalidURI' ? 400 : 403, check.code, check.message)
    // The presigned URL signs the content type: S3 answers a different one as a bad signature.
    const contentType = req.headers['content-type']
    if (contentType !== 'application/octet-stream') {
      return refuse(
        403,
        'SignatureDoesNotMatch',
        `The request signature we calculated does not match the signature you provided. ` +
          `Content-Type must be application/octet-stream, got ${JSON.stringify(contentType ?? null)}.`
      )
    }
    const declared = req.headers['content-length']
    const chunked = /\bchunked\b/i.test(req.headers['transfer-encoding'] ?? '')
    if (declared === undefined && !chunked) {
      entry.errors = ['MissingContentLength']
      return exchange.sendXml(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.')
    }
    if (declared !== undefined && Number(declared) > this.#maxUploadBytes) {
      entry.errors = ['EntityTooLarge']
      return exchange.sendXml(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.', {
        Connection: 'close'
      })
    }
    let received: ReceivedBody
    try {
      received = await receiveBody(req, this.#maxUploadBytes, true)
    } catch (error) {
      if (!(error instanceof RequestTooLarge)) throw error
      entry.errors = ['EntityTooLarge']
      return exchange.sendXml(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.', {
        Connection: 'close'
      })
    }
    const stored = this.#service.storeUpload(check.jobId, {
      objName: check.objName,
      bytes: received.bytes,
      size: received.size,
      sha256: received.sha256,
      md5: received.md5,
      contentType
    })
    logUpload(received, true)
    exchange.send(200, '', { ETag: `"${stored.md5}"` })
  }

  get #maxUploadBytes(): number {
    return this.#options.maxUploadBytes ?? FIVE_GIB
  }

  // ---- inference and model cards --------------------------------------------------------------

  async #handleInference(exchange: Exchange, url: URL, model?: { vendor: string; name: string }): Promise<void> {
    const { req, entry } = exchange
    const raw = await readBody(req, INFERENCE_BODY_LIMIT)
    let body: unknown
    let json = true
    try {
      body = JSON.parse(raw.toString('utf8'))
      if (typeof body === 'object' && body !== null && 'input' in body) entry.inferenceInput = body.input
    } catch {
      json = false
    }
    if (this.#applyFault(exchange, this.#faults.take(['inference']), 'inference')) return

    entry.authorized = req.headers.authorization === `Bearer ${this.apiKey}`
    if (!entry.authorized) {
      entry.errors = ['unauthorized']
      return exchange.sendJson(401, { message: 'Unauthorized' })
    }
    if (model) {
      const version = url.searchParams.get('version') ?? undefined
      const found = this.#service.findModel(decodeURIComponent(model.vendor), decodeURIComponent(model.name), version)
      if (!found) {
        entry.errors = ['model not found']
        return exchange.sendJson(404, { message: `model ${url.pathname} (version ${version ?? 'any'}) not found` })
      }
    }
    const parsed = json ? parseInferenceBody(body) : { ok: false as const, message: 'body is not JSON' }
    if (!parsed.ok) {
      entry.errors = [parsed.message]
      return exchange.sendJson(400, { message: parsed.message })
    }
    const png = renderImage(parsed.input)
    exchange.sendJson(200, { response: { images: [png.toString('base64')] } })
  }

  async #handleModelCard(exchange: Exchange, vendor: string, name: string, version: string): Promise<void> {
    await drain(exchange.req)
    const found = this.#service.findModel(
      decodeURIComponent(vendor),
      decodeURIComponent(name),
      decodeURIComponent(version)
    )
    if (!found) return exchange.sendJson(404, { message: 'model not found' })
    const input = found.job.input?.dreamboothInput as Record<string, unknown> | undefined
    exchange.sendJson(200, {
      ...found.model,
      description: input?.desc ?? null,
      baseModel: input?.model ?? DEFAULT_BASE_MODEL,
      jobID: found.job.id,
      trainedAt: found.job.finishedAt?.toISOString() ?? null
    })
  }

  // ---- faults ---------------------------------------------------------------------------------

  /**
   * Applies a fault. Returns true when the request is over; false when the handler goes on
   * (no fault, or 'reset-after', whose answer is then dropped).
   */
  #applyFault(exchange: Exchange, fault: Fault | undefined, kind: 'graphql' | 'upload' | 'inference'): boolean {
    if (!fault) return false
    exchange.entry.fault = fault.kind
    switch (fault.kind) {
      case 'reset-after':
        exchange.dropAnswer = true
        return false
      case 'reset':
        exchange.reset()
        return true
      case 'hang': {
        const socket = exchange.req.socket
        const timer = setTimeout(() => {
          this.#hangTimers.delete(timer)
          exchange.complete()
          socket.destroy()
        }, fault.ms)
        this.#hangTimers.add(timer)
        socket.once('close', () => {
          clearTimeout(timer)
          this.#hangTimers.delete(timer)
        })
        return true
      }
      case 'malformed':
        exchange.send(200, fault.body ?? '<html><body><h1>502 Bad Gateway</h1></body></html>', {
          'Content-Type': 'text/html'
        })
        return true
      case 'rate-limit': {
        const headers: Record<string, string> =
          fault.retryAfter === undefined ? {} : { 'Retry-After': fault.retryAfter }
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
    }
  }
}

/** One request and its answer; honours a 'reset-after' fault by dropping the answer. */
class Exchange {
  dropAnswer = false
  readonly #started = performance.now()
  #completed = false

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly entry: MutableEntry,
    readonly onComplete?: (entry: RequestLogEntry) => void
  ) {}

  /**
   * Closes the log entry, once. Called before the answer leaves (or the connection is dropped),
   * so the entry is whole by the time the client sees anything.
   */
  complete(): void {
    if (this.#completed) return
    this.#completed = true
    this.entry.durationMs = Math.round(performance.now() - this.#started)
    this.onComplete?.(this.entry)
  }

  send(status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
    if (this.dropAnswer) return this.reset()
    if (this.res.headersSent || this.res.destroyed) return
    this.entry.status = status
    this.complete()
    this.res.writeHead(status, { 'Content-Length': String(Buffer.byteLength(body)), ...headers })
    this.res.end(body)
  }

  sendJson(status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.send(status, JSON.stringify(body), { 'Content-Type': 'application/json; charset=utf-8', ...headers })
  }

  /** An S3-style error document. */
  sendXml(status: number, code: string, message: string, headers: Record<string, string> = {}): void {
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(code)}</Code>` +
      `<Message>${escapeXml(message)}</Message><RequestId>${randomUUID()}</RequestId></Error>`
    this.send(status, body, { 'Content-Type': 'application/xml', ...headers })
  }

  /** Drops the connection with a TCP reset, answering nothing. */
  reset(): void {
    this.complete()
    this.req.socket.resetAndDestroy()
  }
}

// ---- helpers ----------------------------------------------------------------------------------

interface GraphqlRequest {
  readonly document?: DocumentNode
  readonly variables?: unknown
  readonly operationName?: string
  /** why the body cannot be executed */
  readonly error?: string
}

// Messages follow AppSync where it has one (an empty body), else say what is wrong.
function parseGraphqlRequest(raw: Buffer): GraphqlRequest {
  if (raw.length === 0) return { error: 'Request body is empty.' }
  let body: unknown
  try {
    body = JSON.parse(raw.toString('utf8'))
  } catch {
    return { error: 'request body is not JSON' }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { error: 'request body must be a JSON object' }
  const { query, variables, operationName } = body as Record<string, unknown>
  const named = typeof operationName === 'string' ? { operationName } : {}
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return { ...named, error: 'variables must be a JSON object' }
  }
  const withVariables = variables === undefined || variables === null ? named : { ...named, variables }
  if (typeof query !== 'string') return { ...withVariables, error: 'query must be a string' }
  try {
    return { ...withVariables, document: parse(query) }
  } catch (error) {
    return { ...withVariables, error: (error as GraphQLError).message }
  }
}

/** Root field names (not aliases) of the operation that would run, through fragments. */
function rootFieldNames(document: DocumentNode, operationName?: string): string[] {
  const operation = getOperationAST(document, operationName)
  const operations = operation
    ? [operation]
    : document.definitions.filter((node) => node.kind === Kind.OPERATION_DEFINITION)
  const fragments = new Map(
    document.definitions.flatMap((node) =>
      node.kind === Kind.FRAGMENT_DEFINITION ? [[node.name.value, node] as const] : []
    )
  )
  const names = new Set<string>()
  const visit = (selectionSet: SelectionSetNode, seen: Set<string>): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value)
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet, seen)
      else if (!seen.has(selection.name.value)) {
        const fragment = fragments.get(selection.name.value)
        if (fragment) visit(fragment.selectionSet, new Set([...seen, selection.name.value]))
      }
    }
  }
  for (const node of operations) if (node.kind === Kind.OPERATION_DEFINITION) visit(node.selectionSet, new Set())
  return [...names]
}

/** A GraphQL error as AppSync shapes it: graphql-js's fields plus `errorType` when the service set one. */
function formatError(error: GraphQLError): Record<string, unknown> {
  const formatted: Record<string, unknown> = { ...error.toJSON() }
  if (error.originalError instanceof ServiceError) formatted.errorType = error.originalError.errorType
  return formatted
}

interface ReceivedBody {
  readonly bytes: Buffer
  readonly size: number
  readonly sha256: string
  readonly md5: string
}

/** Reads a request body, hashing as it arrives; keeps the bytes only when asked. */
async function receiveBody(req: IncomingMessage, limit: number, keep: boolean): Promise<ReceivedBody> {
  const sha256 = createHash('sha256')
  const md5 = createHash('md5')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new RequestTooLarge(`request body exceeds ${limit} bytes`)
    sha256.update(chunk)
    md5.update(chunk)
    if (keep) chunks.push(chunk)
  }
  return { bytes: Buffer.concat(chunks, keep ? size : 0), size, sha256: sha256.digest('hex'), md5: md5.digest('hex') }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return (await receiveBody(req, limit, true)).bytes
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
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

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`)
}
