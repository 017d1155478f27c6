// The local server's face: the options it starts with and what tests and the command line may
// do with it once it runs (tiyaro-server.ts implements it).

import type { RequestLogEntry } from './exchange.js'
import type { Fault } from './faults.js'
import type { SchemaRevision } from './schema.js'
import type { JobSnapshot, OutcomeRule } from './training-types.js'
import type { UploadSignerKind } from './upload-auth.js'

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
  /**
   * how upload URLs are signed and checked: 'sigv4' (default), real S3 presigned URLs checked as S3
   * checks them; 'hmac', the server's own simple scheme, which also takes chunked bodies
   */
  readonly uploadSigner?: UploadSignerKind
  /** sigv4: the start of every object key, before `<jobID>/<objName>`; any characters (default none) */
  readonly uploadKeyPrefix?: string
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
  /** validation messages as graphql-js words them (default) or as AppSync's graphql-java does */
  readonly validationWording?: 'graphql-js' | 'graphql-java'
  /** getJobStatus says `notfound` for this long after a start, as an eventually consistent store may */
  readonly statusLagMs?: number
  /** called once for each request when it is over (answered or dropped) */
  readonly onRequest?: (entry: RequestLogEntry) => void
  /** where uploads are stored, kept on close; default a new temporary folder, removed on close */
  readonly dataDir?: string
  /** serve https with this key and certificate (PEM), as AppSync and S3 do; default plain http */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer }
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
