// Presigned upload URLs in the spirit of S3's query-string authentication: the URL itself is the
// credential. The signature is an HMAC-SHA256, with a secret known only to this server, of
// "PUT\n<path>\n<expires>", where <path> is /upload/<jobID>/<objName>, each segment encoded with
// encodeURIComponent, and <expires> is in Unix seconds.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export const UPLOAD_PATH_PREFIX = '/upload/'
export const EXPIRES_PARAM = 'X-Tiyaro-Expires'
export const SIGNATURE_PARAM = 'X-Tiyaro-Signature'

/** The canonical (encoded) path of an upload. */
export function uploadPath(jobId: string, objName: string): string {
  return `${UPLOAD_PATH_PREFIX}${encodeURIComponent(jobId)}/${encodeURIComponent(objName)}`
}

/** The job and object an upload path names, or undefined when it is not an upload path. */
export function parseUploadPath(pathname: string): { jobId: string; objName: string } | undefined {
  if (!pathname.startsWith(UPLOAD_PATH_PREFIX)) return undefined
  const segments = pathname.slice(UPLOAD_PATH_PREFIX.length).split('/')
  if (segments.length !== 2) return undefined
  try {
    const jobId = decodeURIComponent(segments[0]!)
    const objName = decodeURIComponent(segments[1]!)
    return jobId && objName ? { jobId, objName } : undefined
  } catch {
    return undefined
  }
}

export type UploadCheck =
  | { readonly ok: true; readonly jobId: string; readonly objName: string }
  | {
      readonly ok: false
      readonly code: 'AccessDenied' | 'SignatureDoesNotMatch' | 'InvalidURI'
      readonly message: string
    }

export class UploadSigner {
  readonly #secret: Buffer

  constructor(secret: Buffer = randomBytes(32)) {
    this.#secret = secret
  }

  /** A presigned PUT URL for the object, valid until `expiresAt` (ms since the epoch, rounded down to seconds). */
  presign(baseUrl: string, jobId: string, objName: string, expiresAt: number): string {
    const path = uploadPath(jobId, objName)
    const expires = Math.floor(expiresAt / 1000)
    const query = new URLSearchParams({
      [EXPIRES_PARAM]: String(expires),
      [SIGNATURE_PARAM]: this.#sign(path, expires)
    })
    return `${baseUrl}${path}?${query}`
  }

  /**
   * Checks an upload request's URL at time `now` (ms). Percent-encoding is normalised first, so a
   * client that re-encodes the path differently is still accepted.
   */
  check(url: URL, now: number): UploadCheck {
    const location = parseUploadPath(url.pathname)
    if (!location) return { ok: false, code: 'InvalidURI', message: "Couldn't parse the specified URI." }
    const { jobId, objName } = location
    const expiresText = url.searchParams.get(EXPIRES_PARAM)
    const signature = url.searchParams.get(SIGNATURE_PARAM)
    if (expiresText === null || signature === null) {
      return {
        ok: false,
        code: 'AccessDenied',
        message: `Query-string authentication requires the ${SIGNATURE_PARAM} and ${EXPIRES_PARAM} parameters`
      }
    }
    const expected = Buffer.from(this.#sign(uploadPath(jobId, objName), expiresText), 'hex')
    const given = Buffer.from(signature, 'hex')
    if (!/^[0-9a-f]{64}$/i.test(signature) || !timingSafeEqual(expected, given)) {
      return {
        ok: false,
        code: 'SignatureDoesNotMatch',
        message: 'The request signature we calculated does not match the signature you provided.'
      }
    }
    if (!/^\d+$/.test(expiresText) || now >= Number(expiresText) * 1000) {
      return { ok: false, code: 'AccessDenied', message: 'Request has expired' }
    }
    return { ok: true, jobId, objName }
  }

  #sign(path: string, expires: number | string): string {
    return createHmac('sha256', this.#secret).update(`PUT\n${path}\n${expires}`).digest('hex')
  }
}
