// The two ways the local server can hand out and check upload URLs, behind one face for the upload
// handler: 'sigv4' (the default), real S3 presigned URLs made and verified with the AWS SDK
// (s3-presign.ts, s3-verify.ts), and 'hmac', the server's own simple scheme (upload-signer.ts),
// kept for tests of a lenient store (it takes chunked bodies). Both map an object back to the
// job and file name it was issued for.

import type { IncomingMessage } from 'node:http'
import { S3Errors, type S3Error } from './s3-errors.js'
import type { PayloadExpectations } from './s3-payload.js'
import { fakeCredentials, S3Presigner, S3_BUCKET } from './s3-presign.js'
import { SigV4Verifier } from './s3-verify.js'
import { parseUploadPath, UploadSigner } from './upload-signer.js'

export type UploadSignerKind = 'sigv4' | 'hmac'
export const UPLOAD_SIGNERS: readonly UploadSignerKind[] = ['sigv4', 'hmac']

export interface UploadTarget {
  readonly jobId: string
  readonly objName: string
}

export type UploadVerdict =
  | (UploadTarget & { readonly ok: true; readonly payload: PayloadExpectations })
  | { readonly ok: false; readonly error: S3Error }

export interface UploadAuth {
  /** a presigned PUT URL on `baseUrl` for the object, working until `expiresAt` (ms) */
  presign(baseUrl: string, target: UploadTarget, now: number, expiresAt: number): Promise<string>
  /** whether the PUT may store its body, checked before the body is read */
  check(req: IncomingMessage, now: number): Promise<UploadVerdict>
  /** the object a request path names, for the request log, whether or not the request is allowed */
  locate(target: string): UploadTarget | undefined
}

export function createUploadAuth(kind: UploadSignerKind, keyPrefix = ''): UploadAuth {
  return kind === 'hmac' ? new HmacUploadAuth() : new S3UploadAuth(keyPrefix)
}

/** Objects are `<keyPrefix><jobID>/<objName>` in the bucket; the prefix may hold any characters. */
class S3UploadAuth implements UploadAuth {
  readonly #presigner: S3Presigner
  readonly #verifier: SigV4Verifier

  constructor(readonly keyPrefix: string) {
    const credentials = fakeCredentials()
    this.#presigner = new S3Presigner({ credentials })
    this.#verifier = new SigV4Verifier({ credentials: [credentials] })
  }

  presign(baseUrl: string, { jobId, objName }: UploadTarget, now: number, expiresAt: number): Promise<string> {
    const key = `${this.keyPrefix}${jobId}/${objName}`
    return this.#presigner.presignPut(baseUrl, { key, now, expiresAt, contentType: 'application/octet-stream' })
  }

  async check(req: IncomingMessage, now: number): Promise<UploadVerdict> {
    const verdict = await this.#verifier.verify(
      { method: req.method ?? '', target: req.url ?? '/', headers: req.headers },
      now
    )
    if (!verdict.ok) return verdict
    const target = this.#targetOf(verdict.key)
    // a good signature over a key this server never issued: not one of ours to store
    return target ? { ok: true, ...target, payload: verdict.payload } : { ok: false, error: S3Errors.accessDenied() }
  }

  locate(target: string): UploadTarget | undefined {
    const path = target.split('?', 1)[0]!
    const prefix = `/${S3_BUCKET}/`
    if (!path.startsWith(prefix)) return undefined
    try {
      return this.#targetOf(decodeURIComponent(path.slice(prefix.length)))
    } catch {
      return undefined
    }
  }

  #targetOf(key: string): UploadTarget | undefined {
    if (!key.startsWith(this.keyPrefix)) return undefined
    const rest = key.slice(this.keyPrefix.length)
    const slash = rest.indexOf('/')
    const jobId = rest.slice(0, slash)
    const objName = rest.slice(slash + 1)
    return slash > 0 && objName !== '' && !objName.includes('/') ? { jobId, objName } : undefined
  }
}

/** The simple scheme: signature and expiry, the content type, and a length or chunked framing. */
class HmacUploadAuth implements UploadAuth {
  readonly #signer = new UploadSigner()

  async presign(baseUrl: string, { jobId, objName }: UploadTarget, _now: number, expiresAt: number): Promise<string> {
    return this.#signer.presign(baseUrl, jobId, objName, expiresAt)
  }

  async check(req: IncomingMessage, now: number): Promise<UploadVerdict> {
    const check = this.#signer.check(new URL(req.url ?? '/', 'http://local'), now)
    if (!check.ok) {
      const status = check.code === 'InvalidURI' ? 400 : 403
      return { ok: false, error: { status, code: check.code, message: check.message } }
    }
    // The URL stands for S3's, which signs the content type: a different one is a bad signature.
    const contentType = req.headers['content-type']
    if (contentType !== 'application/octet-stream') {
      const message =
        `The request signature we calculated does not match the signature you provided. ` +
        `Content-Type must be application/octet-stream, got ${JSON.stringify(contentType ?? null)}.`
      return { ok: false, error: { status: 403, code: 'SignatureDoesNotMatch', message } }
    }
    const chunked = /\bchunked\b/i.test(req.headers['transfer-encoding'] ?? '')
    if (req.headers['content-length'] === undefined && !chunked) {
      return { ok: false, error: S3Errors.missingContentLength() }
    }
    return { ok: true, jobId: check.jobId, objName: check.objName, payload: {} }
  }

  locate(target: string): UploadTarget | undefined {
    return parseUploadPath(new URL(target, 'http://local').pathname)
  }
}
