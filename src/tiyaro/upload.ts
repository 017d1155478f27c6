// PUT of the zip to the presigned URL, its bytes made as they are sent (upload-body.ts) with the
// Content-Length announced up front: never chunked, which S3 refuses for presigned PUTs. Each try
// makes the body afresh. The URL is a credential: no message made here contains it.
import { ANSWER_LIMITS, readLimited } from '../shared/answer-body.js'
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  bodyGist,
  classifyRequestError,
  describeRedirect,
  headerValue,
  send,
  transientStatusError
} from '../shared/http.js'
import { checkSecretDestination } from '../shared/urls.js'
import { TransientError, withRetries, type RetryOptions } from '../shared/retry.js'
import { exactBody, type UploadSource } from './upload-body.js'

/** The storage refused the URL (HTTP 403): expired, or its signature no longer matches. */
export class UploadRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly gist: string
  ) {
    super(`upload refused (HTTP ${status})${gist ? `: ${gist}` : ''}`)
    this.name = 'UploadRefusedError'
  }
}

export class UploadError extends Error {
  constructor(
    readonly status: number,
    gist: string
  ) {
    super(`upload failed (HTTP ${status})${gist ? `: ${gist}` : ''}`)
    this.name = 'UploadError'
  }
}

export interface UploadOptions<T> {
  /** the body, made afresh for each try */
  readonly source: UploadSource<T>
  /** time allowed without progress (no answer, or no chunk accepted) before the try counts as lost */
  readonly idleTimeoutMs?: number
  readonly retry?: Omit<RetryOptions, 'what'>
  /** bytes the request has taken so far, after each chunk; each try starts again at 0 */
  readonly onProgress?: (sentBytes: number) => void
}

/** Uploads the source's bytes; what the pass that was stored made (e.g. the zip's sha256). */
export async function uploadZip<T>(url: string, options: UploadOptions<T>): Promise<T> {
  // The URL is a credential: never to plain http off this machine, never to a metadata address.
  const destination = checkSecretDestination(url, { loopbackHttp: true })
  if (!destination.ok) throw new Error(`upload: the upload URL ${destination.reason}; nothing is sent to it`)
  return withRetries({ ...options.retry, what: 'upload' }, () => putOnce(url, options))
}

async function putOnce<T>(
  url: string,
  { source, retry, onProgress, idleTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS }: UploadOptions<T>
): Promise<T> {
  const pass = source.pass()
  try {
    let response
    try {
      response = await send(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(source.bytes) },
        // pulled a chunk at a time: a Readable in between would read ahead and hand buffers back
        // before they are sent
        body: exactBody(pass, source.bytes, onProgress),
        signal: retry?.signal,
        idleTimeoutMs
      })
    } catch (error) {
      // a file that changed under us is the reason, not the request it cut short
      throw pass.failure ?? classifyRequestError(error, 'upload', retry?.signal)
    }
    const status = response.status
    let body: string
    try {
      // storage answers in a few bytes: the whole answer within the request timeout, capped
      const limits = { what: 'upload', maxBytes: ANSWER_LIMITS.upload, timeoutMs: idleTimeoutMs, signal: retry?.signal }
      body = (await readLimited(response.body, limits)).toString('utf8')
    } catch (error) {
      throw pass.failure ?? classifyRequestError(error, 'upload', retry?.signal)
    }
    if (status >= 300 && status < 400) {
      throw new UploadError(status, describeRedirect(status, headerValue(response.headers, 'location')))
    }
    if (status >= 200 && status < 300) {
      // Storage answers a PUT with an ETag and no body; a page in its place came from something
      // in between (a captive proxy, a gateway), so the object may not be stored.
      if (response.headers.etag === undefined && body.trim() !== '') {
        throw new TransientError(
          `upload: HTTP ${status} without an ETag, and a body that is not storage's (${bodyGist(body, 80)})`
        )
      }
      pass.cancel(new TransientError(`upload: HTTP ${status} before the whole body was sent`))
      return await pass.result
    }
    const transient = transientStatusError('upload', status, headerValue(response.headers, 'retry-after'))
    if (transient) throw transient
    if (status === 403) throw new UploadRefusedError(status, bodyGist(body))
    throw new UploadError(status, bodyGist(body))
  } finally {
    // the try is over: its maker stops (a no-op when it ended), closes its files, then the next try starts
    pass.cancel(new Error('the upload try ended'))
    await pass.result.catch(() => undefined)
  }
}
