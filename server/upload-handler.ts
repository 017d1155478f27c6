// The storage side of the local server: PUT /upload/<jobID>/<objName> through a presigned URL, as
// S3 answers it (XML errors, 403 for a bad signature or content type, 411 without a length, 400
// EntityTooLarge, an MD5 ETag), logging the size and SHA-256 of every body it receives. An object
// streams to a file in the server's data folder (<dataDir>/<jobID>/<random>-<objName>), hashed on
// the way, so an upload of any size takes little memory.

import { createHash, randomUUID } from 'node:crypto'
import { mkdir, open, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { receiveBody, RequestTooLarge, type Exchange, type ReceivedBody } from './exchange.js'
import type { FaultApplier, FaultPlan } from './faults.js'
import type { TrainingService } from './training-service.js'
import { parseUploadPath, type UploadSigner } from './upload-signer.js'

export interface UploadHandlerContext {
  readonly signer: UploadSigner
  readonly service: TrainingService
  readonly clock: () => number
  /** largest upload accepted, bytes */
  readonly maxUploadBytes: number
  /** where objects are stored */
  readonly dataDir: string
  readonly faults: FaultPlan
  readonly applyFault: FaultApplier
}

export async function handleUpload(context: UploadHandlerContext, exchange: Exchange, url: URL): Promise<void> {
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
  const fault = context.faults.take(['upload'])
  if (fault && fault.kind !== 'reset-after') {
    // The client finishes sending, then meets the fault, as behind a failing gateway.
    logUpload(await receiveBody(req, context.maxUploadBytes), false)
    context.applyFault(exchange, fault, 'upload')
    return
  }
  if (fault) context.applyFault(exchange, fault, 'upload')

  const refuse = async (status: number, code: string, message: string): Promise<void> => {
    entry.errors = [`${code}: ${message}`]
    logUpload(await receiveBody(req, context.maxUploadBytes), false)
    exchange.sendXml(status, code, message)
  }
  const tooLarge = (): void => {
    entry.errors = ['EntityTooLarge']
    exchange.sendXml(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.', {
      Connection: 'close'
    })
  }
  const check = context.signer.check(url, context.clock())
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
  if (declared !== undefined && Number(declared) > context.maxUploadBytes) return tooLarge()
  const path = objectPath(context.dataDir, check.jobId, check.objName)
  await mkdir(dirname(path), { recursive: true })
  const file = await open(path, 'wx')
  let received: ReceivedBody | undefined
  try {
    received = await receiveBody(req, context.maxUploadBytes, async (chunk) => {
      for (let written = 0; written < chunk.length;) {
        written += (await file.write(chunk, written)).bytesWritten
      }
    })
  } catch (error) {
    if (!(error instanceof RequestTooLarge)) throw error
  } finally {
    await file.close()
    if (!received) await rm(path, { force: true })
  }
  if (!received) return tooLarge()
  const { stored, replaced } = context.service.storeUpload(check.jobId, {
    objName: check.objName,
    path,
    size: received.size,
    sha256: received.sha256,
    md5: received.md5,
    contentType
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
