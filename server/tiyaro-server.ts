// A local stand-in for the Tiyaro DreamBooth API, for tests and demos: the GraphQL endpoint
// (AppSync-like), S3-like presigned uploads, simulated training, and fake model inference. It logs
// every request and injects faults on demand, so tests can check what a client sent and how it
// copes with a flaky service.
//
// This file is the server's front (its options and test-facing API are typed in server-face.ts):
// the HTTP server, its data folder, the request log and the routing of each request to its
// handler (graphql-handler.ts, upload-handler.ts, inference-endpoint.ts; faults.ts answers
// injected faults). Use: startTiyaroServer({ trainingMs }),
// then fetch(server.graphqlUrl, { headers: { Authorization: server.apiKey } }), then server.close().

import { randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { drain, Exchange, RequestTooLarge, type MutableEntry, type RequestLogEntry } from './exchange.js'
import { applyFault, FaultPlan, GRAPHQL_ONLY_FAULTS, type Fault, type FaultApplier } from './faults.js'
import { handleGraphql, type GraphqlHandlerContext } from './graphql-handler.js'
import {
  DEFAULT_BASE_MODEL,
  handleInference,
  handleModelCard,
  type InferenceHandlerContext
} from './inference-endpoint.js'
import { createResolvers } from './resolvers.js'
import type { FaultTarget, ServerOptions, TiyaroServer } from './server-face.js'
import { buildTiyaroSchema, operationNames, type SchemaRevision } from './schema.js'
import { TrainingService } from './training-service.js'
import type { JobSnapshot, OutcomeRule } from './training-types.js'
import { handleUpload, type UploadHandlerContext } from './upload-handler.js'
import { S3Errors } from './s3-errors.js'
import { createUploadAuth } from './upload-auth.js'
import { UPLOAD_PATH_PREFIX } from './upload-signer.js'

export type { RequestKind, RequestLogEntry, UploadLog } from './exchange.js'
export type { FaultTarget, ServerOptions, TiyaroServer } from './server-face.js'

export const DEFAULT_API_KEY = 'test-api-key'
export const DEFAULT_FAIL_MESSAGE = 'CUDA out of memory'
const FIVE_GIB = 5 * 1024 ** 3

/** Starts the server; resolves once it listens. */
export async function startTiyaroServer(options: ServerOptions = {}): Promise<TiyaroServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'tiyaro-server-')))
  await mkdir(dataDir, { recursive: true })
  const server = new LocalTiyaro(options, dataDir)
  await server.listen(options.port ?? 0, options.host ?? '127.0.0.1').catch(async (error: unknown) => {
    await server.close()
    throw error
  })
  return server
}

class LocalTiyaro implements TiyaroServer {
  readonly apiKey: string
  readonly revision: SchemaRevision
  readonly requests: RequestLogEntry[] = []
  readonly issuedUploadUrls: string[] = []
  readonly dataDir: string
  url = ''

  readonly #options: ServerOptions
  readonly #clock: () => number
  readonly #service: TrainingService
  readonly #faults = new FaultPlan()
  readonly #faultTargets: ReadonlySet<string>
  /** https.Server when options.tls is given: the same request API */
  readonly #http: Server
  readonly #scheme: 'http' | 'https'
  readonly #hangTimers = new Set<NodeJS.Timeout>()
  /** what each handler needs of the server */
  readonly #handlers: GraphqlHandlerContext & UploadHandlerContext & InferenceHandlerContext

  constructor(options: ServerOptions, dataDir: string) {
    this.#options = options
    this.dataDir = dataDir
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
    const uploadAuth = createUploadAuth(options.uploadSigner ?? 'sigv4', options.uploadKeyPrefix)
    const schema = buildTiyaroSchema(
      this.revision,
      createResolvers(
        names,
        this.#service,
        {
          presign: async (jobId, objName) => {
            const now = this.#clock()
            const url = await uploadAuth.presign(this.url, { jobId, objName }, now, now + ttl)
            this.issuedUploadUrls.push(url)
            return url
          }
        },
        { clock: this.#clock, statusLagMs: options.statusLagMs ?? 0 }
      )
    )
    const applyFaultHere: FaultApplier = (exchange, fault, endpoint) =>
      applyFault(exchange, fault, endpoint, this.#hangTimers)
    this.#handlers = {
      schema,
      apiKey: this.apiKey,
      introspection: options.introspection !== false,
      uploadAuth,
      validationWording: options.validationWording ?? 'graphql-js',
      service: this.#service,
      clock: this.#clock,
      maxUploadBytes: options.maxUploadBytes ?? FIVE_GIB,
      dataDir,
      faults: this.#faults,
      applyFault: applyFaultHere
    }
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.#dispatch(req, res)
    this.#http = options.tls ? (createTlsServer(options.tls, handler) as unknown as Server) : createServer(handler)
    this.#scheme = options.tls ? 'https' : 'http'
  }

  get graphqlUrl(): string {
    return `${this.url}/graphql` // the one GraphQL path, as AppSync's
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
    if ((target === 'upload' || target === 'inference') && GRAPHQL_ONLY_FAULTS.includes(fault.kind)) {
      throw new Error(`a ${fault.kind} fault applies to GraphQL operations only, not to ${target}`)
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
    this.url = `${this.#scheme}://${urlHost}:${address.port}`
  }

  async close(): Promise<void> {
    for (const timer of this.#hangTimers) clearTimeout(timer)
    this.#hangTimers.clear()
    const closed = new Promise<void>((resolve) => this.#http.close(() => resolve()))
    this.#http.closeAllConnections()
    await closed
    if (this.#options.dataDir === undefined) await rm(this.dataDir, { recursive: true, force: true })
  }

  // Every request gets its log entry at once; the entry fills in as the handler goes on.
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
      return handleGraphql(this.#handlers, exchange)
    }
    if (path.startsWith(UPLOAD_PATH_PREFIX)) {
      exchange.entry.kind = 'upload'
      if (method !== 'PUT') return exchange.sendS3Error(S3Errors.methodNotAllowed())
      return handleUpload(this.#handlers, exchange)
    }
    const model = /^\/v1\/ent\/([^/]+)\/1\/([^/]+)$/.exec(path)
    const base = /^\/v1\/base\/(.+)$/.exec(path)
    if (model || base) {
      exchange.entry.kind = 'inference'
      if (method !== 'POST') return exchange.sendJson(405, { message: 'use POST' }, { Allow: 'POST' })
      return handleInference(this.#handlers, exchange, url, model ? { vendor: model[1]!, name: model[2]! } : undefined)
    }
    const card = /^\/models\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path)
    if (card && method === 'GET') {
      exchange.entry.kind = 'model-card'
      return handleModelCard(this.#service, exchange, card[1]!, card[2]!, card[3]!)
    }
    await drain(exchange.req)
    exchange.sendJson(404, { message: `no route for ${method} ${path}` })
  }
}
