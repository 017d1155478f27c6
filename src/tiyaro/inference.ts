// One call of a model's inference URL (the Tiyaro inference API): POST {"input": {...}} with
// `Authorization: Bearer <key>`, retried like every other call, answered with base64 images at
// `response.images[]`. Each image is checked by its content before it is handed back.
import { ANSWER_LIMITS } from '../shared/answer-body.js'
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  bodyGist,
  describeRedirect,
  fetchLimited,
  transientStatusError
} from '../shared/http.js'
import { sniffImage, type ImageFormat, type ImageInfo } from '../shared/image-info.js'
import { checkSecretDestination } from '../shared/urls.js'
import { TransientError, withRetries, type RetryOptions } from '../shared/retry.js'
import { redact } from '../shared/secrets.js'
import { isObject } from './graphql.js'

/** The `input` of an inference request; fields left out take the service's defaults. */
export interface InferenceInput {
  readonly prompt: string
  readonly negative_prompt?: string
  readonly seed?: number
  readonly steps?: number
  readonly guidance_scale?: number
  readonly width?: number
  readonly height?: number
}

export interface InferenceImage extends ImageInfo {
  readonly bytes: Buffer
}

export interface InferenceOptions {
  readonly apiKey: string
  /** for log lines and errors: "sample 2", "class image 7" */
  readonly what: string
  /** how long one try may wait for the answer (request-timeout-seconds) */
  readonly requestTimeoutMs?: number
  readonly retry?: Omit<RetryOptions, 'what'>
}

/** The service answered, and the answer says the call cannot succeed as it is. */
export class InferenceError extends Error {
  constructor(
    message: string,
    readonly status?: number
  ) {
    super(message)
    this.name = 'InferenceError'
  }
}

/** The file extension for an image of each format. */
export const IMAGE_EXTENSIONS: Readonly<Record<ImageFormat, string>> = { png: 'png', jpeg: 'jpg', webp: 'webp' }

/**
 * Calls the URL once (plus retries of transient faults) and returns its images, each a real
 * PNG, JPEG or WebP. Repeating an inference is safe: it makes an image, nothing else.
 */
export async function callInference(
  url: string,
  input: InferenceInput,
  options: InferenceOptions
): Promise<InferenceImage[]> {
  checkInferenceUrl(url, options.what)
  const { what, retry } = options
  return withRetries({ ...retry, what }, async () => {
    // one try: the whole answer within request-timeout-seconds, and no more than an image answer needs
    const answer = await fetchLimited(
      url,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${options.apiKey}`,
          'Content-Type': 'application/json',
          Accept: 'application/json'
        },
        body: JSON.stringify({ input })
      },
      {
        what,
        maxBytes: ANSWER_LIMITS.inference,
        timeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        signal: retry?.signal
      }
    )
    const { status, headers } = answer
    const text = answer.body.toString('utf8')
    const retryAfter = headers.get('retry-after')
    if (status >= 300 && status < 400) {
      throw new InferenceError(`${what}: ${describeRedirect(status, headers.get('location'))}`, status)
    }
    const transient = transientStatusError(what, status, retryAfter)
    if (transient) throw transient
    if (status === 401 || status === 403) {
      throw new InferenceError(`${what}: the API key was refused (HTTP ${status})`, status)
    }
    if (status < 200 || status > 299) {
      throw new InferenceError(redact(`${what}: HTTP ${status} ${bodyGist(text)}`.trim(), [options.apiKey]), status)
    }
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      // A 2xx page that is not JSON came from something in between (a gateway, a captive proxy).
      throw new TransientError(redact(`${what}: the answer was not JSON (${bodyGist(text, 80)})`, [options.apiKey]))
    }
    return parseInferenceResponse(body, what)
  })
}

/** The images of an answer `{"response": {"images": ["<base64>", ...]}}`, each checked by content. */
export function parseInferenceResponse(body: unknown, what = 'inference'): InferenceImage[] {
  const response = isObject(body) ? body.response : undefined
  const images = isObject(response) ? response.images : undefined
  if (!Array.isArray(images)) throw new InferenceError(`${what}: the answer has no response.images list`)
  if (images.length === 0) throw new InferenceError(`${what}: the answer holds no image`)
  return images.map((image, index) => {
    const label = images.length > 1 ? `${what}: image ${index + 1}` : what
    if (typeof image !== 'string') throw new InferenceError(`${label} is not a base64 string`)
    const bytes = decodeBase64Image(image)
    const info = sniffImage(bytes)
    if (!info) throw new InferenceError(`${label} is not a PNG, JPEG or WebP image (${bytes.length} bytes)`)
    return { ...info, bytes }
  })
}

/** Base64 (Node reads the standard and the URL-safe alphabet), also as a `data:image/...;base64,` URL. */
function decodeBase64Image(text: string): Buffer {
  return Buffer.from(text.replace(/^data:[^,]*;base64,/i, ''), 'base64')
}

/** The key goes only to https, or to plain http on this machine: never in clear over a network, never to a metadata address. */
export function checkInferenceUrl(url: string, what: string): void {
  const checked = checkSecretDestination(url, { loopbackHttp: true })
  if (!checked.ok)
    throw new InferenceError(
      `${what}: ${JSON.stringify(url.slice(0, 200))} ${checked.reason}; the API key is not sent there`
    )
}
