// A local stand-in for the Tiyaro DreamBooth API, for tests and demos: the GraphQL endpoint
// (AppSync-like), S3-like presigned uploads, simulated training, and fake model inference. It logs
// every request and injects faults on demand, so tests can check what a client sent and how it
// copes with a flaky service.
//
// This file is the server's front: its options and test-facing API, the HTTP server, the request
// log and the routing of each request to its handler (graphql-handler.ts, upload-handler.ts,
// inference-endpoint.ts; faults.ts answers injected faults).
//
//   const server = await startTiyaroServer({ trainingMs: 100 })
//   ... fetch(server.graphqlUrl, { headers: { Authorization: server.apiKey }, ... })
//   await server.close()

import { randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { drain, Exchange, RequestTooLarge, type MutableEntry, type RequestLogEntry } from './exchange.js'
import { applyFault, FaultPlan, type Fault, type FaultApplier } from './faults.js'
import { handleGraphql, type GraphqlHandlerContext } from './graphql-handler.js'
import {
  DEFAULT_BASE_MODEL,
  handleInference,
  handleModelCard,
  type InferenceHandlerContext
} from './inference-endpoint.js'
import { createResolvers } from './resolvers.js'
import { buildTiyaroSchema, operationNames, type SchemaRevision } from './schema.js'
import { TrainingService } from './training-service.js'
import type { JobSnapshot, OutcomeRule } from './training-types.js'
import { handleUpload, type UploadHandlerContext } from './upload-handler.js'
import { UPLOAD_PATH_PREFIX, UploadSigner } from './upload-signer.js'

export type { RequestKind, RequestLogEntry, UploadLog } from './exchange.js'

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
  /** where uploads are stored, kept on close; default a new temporary folder, removed on close */
  readonly dataDir?: string
}

/** Operation names of either revision, 'upload' (presigned PUTs) or 'inference' (model calls). */
export type FaultTarget = string
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
  /** where uploaded objects are stored */
  readonly dataDir: string
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
  readonly #signer = new UploadSigner()
  readonly #faults = new FaultPlan()
  readonly #faultTargets: ReadonlySet<string>
  readonly #http: Server
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
    const schema = buildTiyaroSchema(
      this.revision,
      createResolvers(names, this.#service, {
        presign: (jobId, objName) => {
          const url = this.#signer.presign(this.url, jobId, objName, this.#clock() + ttl)
          this.issuedUploadUrls.push(url)
          return url
        }
      })
    )
    const applyFaultHere: FaultApplier = (exchange, fault, endpoint) =>
      applyFault(exchange, fault, endpoint, this.#hangTimers)
    this.#handlers = {
      schema,
      apiKey: this.apiKey,
      introspection: options.introspection !== false,
      signer: this.#signer,
      service: this.#service,
      clock: this.#clock,
      maxUploadBytes: options.maxUploadBytes ?? FIVE_GIB,
      dataDir,
      faults: this.#faults,
      applyFault: applyFaultHere
    }
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
      if (method !== 'PUT')
        return exchange.sendXml(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.')
      return handleUpload(this.#handlers, exchange, url)
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
