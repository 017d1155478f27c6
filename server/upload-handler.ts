// The storage side of the local server: PUT /upload/<key> through a presigned URL, as S3 answers it.
// The URL scheme in use (upload-auth.ts: S3 SigV4 by default) decides before the body is read
// whether the request may store anything; then the size limit (400 EntityTooLarge), what the body
// must hash to (400 BadDigest), and an MD5 ETag. Refusals are S3's XML errors; the size and
// SHA-256 of every body received are logged. An object streams to a file in the server's data
// folder (<dataDir>/<jobID>/<random>-<objName>), hashed on the way, so an upload of any size
// takes little memory.

import { createHash, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { finished } from 'node:stream/promises'
import { dirname, join } from 'node:path'
import { receiveBody, RequestTooLarge, type Exchange, type ReceivedBody } from './exchange.js'
import type { FaultApplier, FaultPlan } from './faults.js'
import { S3Errors, type S3Error } from './s3-errors.js'
import { checkPayload } from './s3-payload.js'
import type { TrainingService } from './training-service.js'
import type { UploadAuth } from './upload-auth.js'

/** What may wait in memory for the disk while an upload comes in. */
const WRITE_BUFFER_BYTES = 8 * 1024 * 1024

export interface UploadHandlerContext {
  readonly uploadAuth: UploadAuth
  readonly service: TrainingService
  readonly clock: () => number
  /** largest upload accepted, bytes */
  readonly maxUploadBytes: number
  /** where objects are stored */
  readonly dataDir: string
  readonly faults: FaultPlan
  readonly applyFault: FaultApplier
}

export async function handleUpload(context: UploadHandlerContext, exchange: Exchange): Promise<void> {
  const { req, entry } = exchange
  const location = context.uploadAuth.locate(req.url ?? '/')
  const logUpload = (received: ReceivedBody, stored: boolean): void => {
    entry.upload = {
      ...(location ? { objName: location.objName } : {}),
      bytes: received.size,
      sha256: received.sha256,
      stored,
      ...(req.headers['content-length'] !== undefined ? { contentLength: req.headers['content-length'] } : {}),
      ...(req.headers['transfer-encoding'] !== undefined ? { transferEncoding: req.headers['transfer-encoding'] } : {})
    }
  }
  const fault = context.faults.take(['upload'])
  if (fault && fault.kind !== 'reset-after') {
    // The client finishes sending, then meets the fault, as behind a failing gateway.
    logUpload(await receiveBody(req, context.maxUploadBytes), false)
    context.applyFault(exchange, fault, 'upload')
    return
  }
  if (fault) context.applyFault(exchange, fault, 'upload')

  const refuse = async (error: S3Error, received?: ReceivedBody): Promise<void> => {
    entry.errors = [`${error.code}: ${error.message}`]
    logUpload(received ?? (await receiveBody(req, context.maxUploadBytes)), false)
    exchange.sendS3Error(error)
  }
  const tooLarge = (): void => {
    entry.errors = ['EntityTooLarge']
    exchange.sendS3Error(S3Errors.entityTooLarge(), { Connection: 'close' })
  }
  const check = await context.uploadAuth.check(req, context.clock())
  entry.authorized = check.ok
  if (!check.ok) return refuse(check.error)
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > context.maxUploadBytes) return tooLarge()
  const path = objectPath(context.dataDir, check.jobId, check.objName)
  await mkdir(dirname(path), { recursive: true })
  // Writes queue behind a bounded buffer, so the disk works while the next chunks are hashed;
  // awaiting each 64 KiB write would make the server, not the client, set an upload's pace.
  const file = createWriteStream(path, { flags: 'wx', highWaterMark: WRITE_BUFFER_BYTES })
  let received: ReceivedBody | undefined
  try {
    received = await receiveBody(req, context.maxUploadBytes, (chunk) =>
      file.write(chunk) ? undefined : once(file, 'drain').then(() => undefined)
    )
    await finished(file.end())
  } catch (error) {
    received = undefined
    if (!(error instanceof RequestTooLarge)) throw error
  } finally {
    if (!received) {
      file.destroy()
      await finished(file).catch(() => undefined)
      await rm(path, { force: true })
    }
  }
  if (!received) return tooLarge()
  const digestError = checkPayload(check.payload, received)
  if (digestError) {
    await rm(path, { force: true })
    return refuse(digestError, received)
  }
  const { stored, replaced } = context.service.storeUpload(check.jobId, {
    objName: check.objName,
    path,
    size: received.size,
    sha256: received.sha256,
    md5: received.md5,
    // what S3 records for an object sent without one
    contentType: req.headers['content-type'] ?? 'binary/octet-stream'
  })
  if (replaced) await rm(replaced.path, { force: true })
  logUpload(received, true)
  exchange.send(200, '', { ETag: `"${stored.md5}"` })
}

/** A new file for an object: the name readable where the file system allows it. */
function objectPath(dataDir: string, jobId: string, objName: string): string {
  const encoded = encodeURIComponent(objName)
  const name = encoded.length <= 200 ? encoded : `${createHash('sha256').update(objName).digest('hex')}.zip`
  return join(dataDir, encodeURIComponent(jobId), `${randomUUID().slice(0, 8)}-${name}`)
}
