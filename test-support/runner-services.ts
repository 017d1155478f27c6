// A local stand-in for the runner's results service: the Twirp JSON API that @actions/cache v6
// (cache service v2) and @actions/artifact v6 call at ACTIONS_RESULTS_URL, with the bytes kept
// in Azurite behind SAS URLs, as on GitHub. Answers follow what the libraries send and expect.
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  BlobSASPermissions,
  BlobServiceClient,
  type ContainerClient,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters
} from '@azure/storage-blob'
import { startAzurite } from './azurite.js'

export interface CacheEntryInfo {
  id: number
  key: string
  version: string
  /** As reported by FinalizeCacheEntryUpload; 0 until then. */
  sizeBytes: number
  createdAt: Date
  /** False while reserved by CreateCacheEntry and not yet finalized (invisible to restores). */
  finalized: boolean
}

export interface ArtifactInfo {
  id: number
  name: string
  /** As reported by FinalizeArtifact. */
  size: number
  /** `sha256:<hex>` as reported by FinalizeArtifact. */
  digest: string | undefined
  workflowRunBackendId: string
  workflowJobRunBackendId: string
  createdAt: Date
}

export interface ServiceRequest {
  /** `CacheService` or `ArtifactService` (empty for a request that matched no route). */
  service: string
  method: string
  /** The parsed JSON request body. */
  body: unknown
  status: number
  /** The JSON answer (a Twirp error is `{code, msg}`). */
  answer: unknown
}

export interface RunnerServices {
  /** ACTIONS_RESULTS_URL, with a trailing slash as on a runner. */
  url: string
  /** Variables to merge into the environment of whatever calls the libraries. */
  env: Record<string, string>
  workflowRunBackendId: string
  workflowJobRunBackendId: string
  /** `env` for another job of the same workflow run (e.g. a matrix leg): its own runtime token. */
  envForJob(workflowJobRunBackendId: string): Record<string, string>
  cacheEntries(): CacheEntryInfo[]
  /** Finalized artifacts, oldest first. */
  artifacts(): ArtifactInfo[]
  /** The stored blob of a finalized artifact (a zip made by @actions/artifact). */
  downloadArtifact(id: number): Promise<Buffer>
  /** Every Twirp call in arrival order. */
  readonly requests: readonly ServiceRequest[]
  stop(): Promise<void>
}

type TwirpCode =
  | 'bad_route'
  | 'malformed'
  | 'invalid_argument'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'already_exists'
  | 'internal'

const TWIRP_STATUS: Record<TwirpCode, number> = {
  bad_route: 404,
  malformed: 400,
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  internal: 500
}

class TwirpError extends Error {
  constructor(
    readonly code: TwirpCode,
    message: string
  ) {
    super(message)
  }
}

interface Identity {
  workflowRunBackendId: string
  workflowJobRunBackendId: string
}

type JsonObject = Record<string, unknown>
type Handler = (body: JsonObject, identity: Identity) => Promise<JsonObject>

interface CacheEntry extends CacheEntryInfo {
  blobName: string
}

interface Artifact extends ArtifactInfo {
  blobName: string
  fileName: string
  finalized: boolean
}

const ROUTE = /^\/twirp\/github\.actions\.results\.api\.v1\.(\w+)\/(\w+)$/
const CACHE_CONTAINER = 'actions-cache'
const ARTIFACT_CONTAINER = 'actions-results'
const SAS_LIFETIME_MS = 60 * 60 * 1000

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** An unsigned JWT shaped like the runner's: @actions/artifact decodes (not verifies) its `scp`. */
function runtimeToken(identity: Identity): string {
  const now = Math.floor(Date.now() / 1000)
  const claims = {
    scp: `Actions.GenericRead:${identity.workflowRunBackendId} Actions.Results:${identity.workflowRunBackendId}:${identity.workflowJobRunBackendId}`,
    iat: now,
    exp: now + 24 * 60 * 60
  }
  return `${base64url({ typ: 'JWT', alg: 'none' })}.${base64url(claims)}.`
}

function stringField(body: JsonObject, name: string): string {
  const value = body[name]
  return typeof value === 'string' ? value : ''
}

/** int64 travels as a JSON string (protobuf JSON); a number is accepted too. */
function int64Field(body: JsonObject, name: string): number | undefined {
  const value = body[name]
  if (typeof value === 'number') return value
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value)
  return undefined
}

function required(body: JsonObject, name: string): string {
  const value = stringField(body, name)
  if (!value) throw new TwirpError('invalid_argument', `${name} is required`)
  return value
}

/** Exact key first, then the newest entry whose key starts with it; for the key, then each restore key. */
function findCacheEntry(entries: CacheEntry[], keys: string[], version: string): CacheEntry | undefined {
  const candidates = entries.filter((entry) => entry.finalized && entry.version === version).sort((a, b) => b.id - a.id)
  for (const key of keys) {
    const match = candidates.find((entry) => entry.key === key) ?? candidates.find((entry) => entry.key.startsWith(key))
    if (match) return match
  }
  return undefined
}

export async function startRunnerServices(): Promise<RunnerServices> {
  const azurite = await startAzurite()
  const credential = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey)
  const blobService = new BlobServiceClient(azurite.blobUrl, credential)
  const cacheContainer = blobService.getContainerClient(CACHE_CONTAINER)
  const artifactContainer = blobService.getContainerClient(ARTIFACT_CONTAINER)
  try {
    await cacheContainer.create()
    await artifactContainer.create()
  } catch (error) {
    await azurite.stop()
    throw error
  }

  function signedUrl(
    container: ContainerClient,
    blobName: string,
    permissions: string,
    contentDisposition?: string
  ): string {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: container.containerName,
        blobName,
        permissions: BlobSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + SAS_LIFETIME_MS),
        ...(contentDisposition ? { contentDisposition } : {})
      },
      credential
    )
    return `${container.getBlobClient(blobName).url}?${sas.toString()}`
  }

  /** Size of an uploaded blob, or undefined when nothing was uploaded. */
  async function blobSize(container: ContainerClient, blobName: string): Promise<number | undefined> {
    try {
      return (await container.getBlobClient(blobName).getProperties()).contentLength ?? 0
    } catch {
      return undefined
    }
  }

  let nextId = 1
  const cacheEntries: CacheEntry[] = []
  const artifacts: Artifact[] = []
  const tokens = new Map<string, Identity>()
  const requests: ServiceRequest[] = []

  const cacheService: Record<string, Handler> = {
    async CreateCacheEntry(body) {
      const key = required(body, 'key')
      const version = required(body, 'version')
      if (cacheEntries.some((entry) => entry.key === key && entry.version === version)) {
        // What GitHub answers when another job reserved or saved it first; the library logs it as info.
        throw new TwirpError('already_exists', 'cache entry with the same key, version, and scope already exists')
      }
      const id = nextId++
      const entry: CacheEntry = {
        id,
        key,
        version,
        sizeBytes: 0,
        createdAt: new Date(),
        finalized: false,
        blobName: `${id}/cache`
      }
      cacheEntries.push(entry)
      return { ok: true, signed_upload_url: signedUrl(cacheContainer, entry.blobName, 'cw') }
    },

    async FinalizeCacheEntryUpload(body) {
      const key = required(body, 'key')
      const version = required(body, 'version')
      const sizeBytes = int64Field(body, 'size_bytes') ?? 0
      const entry = cacheEntries.find((e) => e.key === key && e.version === version && !e.finalized)
      if (!entry) throw new TwirpError('not_found', `no cache entry reserved for key ${key}`)
      const uploaded = await blobSize(cacheContainer, entry.blobName)
      if (uploaded === undefined) return { ok: false, message: `no archive was uploaded for key ${key}` }
      if (uploaded !== sizeBytes) {
        return { ok: false, message: `size_bytes ${sizeBytes} does not match the uploaded archive (${uploaded} bytes)` }
      }
      entry.sizeBytes = sizeBytes
      entry.finalized = true
      return { ok: true, entry_id: String(entry.id) }
    },

    async GetCacheEntryDownloadURL(body) {
      const key = required(body, 'key')
      const version = required(body, 'version')
      const restoreKeys = Array.isArray(body['restore_keys'])
        ? body['restore_keys'].filter((k) => typeof k === 'string')
        : []
      const entry = findCacheEntry(cacheEntries, [key, ...restoreKeys], version)
      if (!entry) return { ok: false }
      return { ok: true, signed_download_url: signedUrl(cacheContainer, entry.blobName, 'r'), matched_key: entry.key }
    }
  }

  function sameRun(body: JsonObject, identity: Identity): string {
    const run = required(body, 'workflow_run_backend_id')
    if (run !== identity.workflowRunBackendId) {
      throw new TwirpError('permission_denied', 'the token does not grant access to this workflow run')
    }
    return run
  }

  function sameJob(body: JsonObject, identity: Identity): string {
    sameRun(body, identity)
    const job = required(body, 'workflow_job_run_backend_id')
    if (job !== identity.workflowJobRunBackendId) {
      throw new TwirpError('permission_denied', 'the token does not grant access to this workflow job')
    }
    return job
  }

  function finalizedArtifact(run: string, job: string | undefined, name: string): Artifact {
    const artifact = artifacts.find(
      (a) =>
        a.finalized &&
        a.workflowRunBackendId === run &&
        (job === undefined || a.workflowJobRunBackendId === job) &&
        a.name === name
    )
    if (!artifact) throw new TwirpError('not_found', `artifact ${name} not found`)
    return artifact
  }

  const artifactService: Record<string, Handler> = {
    async CreateArtifact(body, identity) {
      const job = sameJob(body, identity)
      const run = identity.workflowRunBackendId
      const name = required(body, 'name')
      if (artifacts.some((a) => a.finalized && a.workflowRunBackendId === run && a.name === name)) {
        throw new TwirpError('already_exists', 'an artifact with this name already exists on the workflow run')
      }
      // An upload that never finalized is replaced, as a retried upload expects.
      const stale = artifacts.findIndex((a) => !a.finalized && a.workflowRunBackendId === run && a.name === name)
      if (stale >= 0) artifacts.splice(stale, 1)
      const id = nextId++
      const fileName = stringField(body, 'mime_type') === 'application/zip' ? `${name}.zip` : name
      const artifact: Artifact = {
        id,
        name,
        size: 0,
        digest: undefined,
        workflowRunBackendId: run,
        workflowJobRunBackendId: job,
        createdAt: new Date(),
        blobName: `${run}/${job}/artifacts/${id}/${fileName}`,
        fileName,
        finalized: false
      }
      artifacts.push(artifact)
      return { ok: true, signed_upload_url: signedUrl(artifactContainer, artifact.blobName, 'cw') }
    },

    async FinalizeArtifact(body, identity) {
      const job = sameJob(body, identity)
      const name = required(body, 'name')
      const artifact = artifacts.find(
        (a) =>
          !a.finalized &&
          a.workflowRunBackendId === identity.workflowRunBackendId &&
          a.workflowJobRunBackendId === job &&
          a.name === name
      )
      if (!artifact) throw new TwirpError('not_found', `no artifact ${name} is being uploaded`)
      if ((await blobSize(artifactContainer, artifact.blobName)) === undefined) {
        throw new TwirpError('not_found', `nothing was uploaded for artifact ${name}`)
      }
      artifact.size = int64Field(body, 'size') ?? 0
      artifact.digest = stringField(body, 'hash') || undefined
      artifact.finalized = true
      return { ok: true, artifact_id: String(artifact.id) }
    },

    async ListArtifacts(body, identity) {
      const run = sameRun(body, identity)
      const nameFilter = stringField(body, 'name_filter')
      const idFilter = int64Field(body, 'id_filter')
      const listed = artifacts.filter(
        (a) =>
          a.finalized &&
          a.workflowRunBackendId === run &&
          (!nameFilter || a.name === nameFilter) &&
          (idFilter === undefined || a.id === idFilter)
      )
      return {
        artifacts: listed.map((a) => ({
          workflow_run_backend_id: a.workflowRunBackendId,
          workflow_job_run_backend_id: a.workflowJobRunBackendId,
          database_id: String(a.id),
          name: a.name,
          size: String(a.size),
          created_at: a.createdAt.toISOString(),
          ...(a.digest ? { digest: a.digest } : {})
        }))
      }
    },

    async GetSignedArtifactURL(body, identity) {
      const run = sameRun(body, identity)
      const artifact = finalizedArtifact(run, required(body, 'workflow_job_run_backend_id'), required(body, 'name'))
      const disposition = `attachment; filename="${artifact.fileName}"; filename*=UTF-8''${encodeURIComponent(artifact.fileName)}`
      return { signed_url: signedUrl(artifactContainer, artifact.blobName, 'r', disposition) }
    },

    async DeleteArtifact(body, identity) {
      const run = sameRun(body, identity)
      const artifact = finalizedArtifact(run, required(body, 'workflow_job_run_backend_id'), required(body, 'name'))
      artifacts.splice(artifacts.indexOf(artifact), 1)
      await artifactContainer.getBlobClient(artifact.blobName).deleteIfExists()
      return { ok: true, artifact_id: String(artifact.id) }
    }
  }

  const services: Record<string, Record<string, Handler>> = {
    CacheService: cacheService,
    ArtifactService: artifactService
  }

  function identify(authorization: string | undefined): Identity {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1]
    const identity = token === undefined ? undefined : tokens.get(token)
    if (!identity) throw new TwirpError('unauthenticated', 'missing or unknown runtime token')
    return identity
  }

  async function answer(req: http.IncomingMessage, raw: string, call: ServiceRequest): Promise<JsonObject> {
    const route = ROUTE.exec(new URL(req.url ?? '/', 'http://localhost').pathname)
    const handler = route ? services[route[1] ?? '']?.[route[2] ?? ''] : undefined
    if (req.method !== 'POST' || !route || !handler) {
      throw new TwirpError('bad_route', `no handler for ${req.method} ${req.url}`)
    }
    call.service = route[1] ?? ''
    call.method = route[2] ?? ''
    const identity = identify(req.headers.authorization)
    try {
      call.body = JSON.parse(raw)
    } catch {
      throw new TwirpError('malformed', 'the request body is not JSON')
    }
    if (typeof call.body !== 'object' || call.body === null || Array.isArray(call.body)) {
      throw new TwirpError('malformed', 'the request body is not a JSON object')
    }
    return handler(call.body as JsonObject, identity)
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const call: ServiceRequest = { service: '', method: '', body: undefined, status: 200, answer: undefined }
      answer(req, Buffer.concat(chunks).toString('utf8'), call)
        .catch((error: unknown) => {
          const twirp = error instanceof TwirpError ? error : new TwirpError('internal', String(error))
          call.status = TWIRP_STATUS[twirp.code]
          return { code: twirp.code, msg: twirp.message }
        })
        .then((json) => {
          call.answer = json
          requests.push(call)
          res.writeHead(call.status, { 'content-type': 'application/json' })
          res.end(JSON.stringify(json))
        })
    })
  })
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
  } catch (error) {
    await azurite.stop()
    throw error
  }
  server.unref()
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`

  const workflowRunBackendId = randomUUID()
  const workflowJobRunBackendId = randomUUID()

  function envForJob(jobId: string): Record<string, string> {
    const identity = { workflowRunBackendId, workflowJobRunBackendId: jobId }
    const token = runtimeToken(identity)
    tokens.set(token, identity)
    return {
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_RESULTS_URL: url,
      ACTIONS_RUNTIME_TOKEN: token,
      // Both libraries use the v2 services only on github.com (or *.ghe.com), never on GHES.
      GITHUB_SERVER_URL: 'https://github.com'
    }
  }

  let stopped: Promise<void> | undefined
  return {
    url,
    env: envForJob(workflowJobRunBackendId),
    workflowRunBackendId,
    workflowJobRunBackendId,
    envForJob,
    cacheEntries: () =>
      cacheEntries.map(({ id, key, version, sizeBytes, createdAt, finalized }) => ({
        id,
        key,
        version,
        sizeBytes,
        createdAt,
        finalized
      })),
    artifacts: () =>
      artifacts
        .filter((a) => a.finalized)
        .map(({ id, name, size, digest, workflowRunBackendId, workflowJobRunBackendId, createdAt }) => ({
          id,
          name,
          size,
          digest,
          workflowRunBackendId,
          workflowJobRunBackendId,
          createdAt
        })),
    async downloadArtifact(id) {
      const artifact = artifacts.find((a) => a.finalized && a.id === id)
      if (!artifact) throw new Error(`no finalized artifact with id ${id}`)
      return artifactContainer.getBlobClient(artifact.blobName).downloadToBuffer()
    },
    requests,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }).then(() => azurite.stop())
      return stopped
    }
  }
}
