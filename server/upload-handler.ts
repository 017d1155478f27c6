// The storage side of the local server: PUT /upload/<jobID>/<objName> through a presigned URL, as
// S3 answers it (XML errors, 403 for a bad signature or content type, 411 without a length, 400
// EntityTooLarge, an MD5 ETag), logging the size and SHA-256 of every body it receives.

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
      stored,
      ...(req.headers['content-length'] !== undefined ? { contentLength: req.headers['content-length'] } : {}),
      ...(req.headers['transfer-encoding'] !== undefined ? { transferEncoding: req.headers['transfer-encoding'] } : {})
    }
  }
  const fault = context.faults.take(['upload'])
  if (fault && fault.kind !== 'reset-after') {
    // The client finishes sending, then meets the fault, as behind a failing gateway.
    logUpload(await receiveBody(req, context.maxUploadBytes, false), false)
    context.applyFault(exchange, fault, 'upload')
    return
  }
  if (fault) context.applyFault(exchange, fault, 'upload')

  const refuse = async (status: number, code: string, message: string): Promise<void> => {
    entry.errors = [`${code}: ${message}`]
    logUpload(await receiveBody(req, context.maxUploadBytes, false), false)
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
  let received: ReceivedBody
  try {
    received = await receiveBody(req, context.maxUploadBytes, true)
  } catch (error) {
    if (!(error instanceof RequestTooLarge)) throw error
    return tooLarge()
  }
  const stored = context.service.storeUpload(check.jobId, {
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
