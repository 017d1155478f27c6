// Checks an upload to a presigned URL the way S3 does, so that a client which changes a byte of
// what it was given fails here as it would against a real bucket: the body's framing (a length,
// no chunked encoding), then the SigV4 query parameters, the expiry, and the signature, computed
// again by the AWS SDK's own signer (@smithy/signature-v4) from the request exactly as received:
// the path's bytes as sent (not decoded and re-encoded), every query parameter, and the signed
// headers (host, and content-type when the URL signs it). What the body must hash to, when the
// URL or the headers say so, is checked once it has arrived (s3-payload.ts).

import { Sha256 } from '@aws-crypto/sha256-js'
import { getCanonicalHeaders, SignatureV4 } from '@smithy/signature-v4'
import { timingSafeEqual } from 'node:crypto'
import { S3Errors, type S3Error } from './s3-errors.js'
import { payloadExpectations, type PayloadExpectations } from './s3-payload.js'
import { MAX_EXPIRES_SECONDS, S3_BUCKET, S3_REGION, type S3Credentials } from './s3-presign.js'

export interface ReceivedRequest {
  readonly method: string
  /** the request target exactly as received (Node's req.url): path and query, neither decoded nor re-encoded */
  readonly target: string
  /** as Node gives them: lower-case names */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>
}

export type Verdict =
  | { readonly ok: true; readonly key: string; readonly payload: PayloadExpectations }
  | { readonly ok: false; readonly error: S3Error }

type Query = Record<string, string | string[]>

const ALGORITHM = 'AWS4-HMAC-SHA256'
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'
const AUTH_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-Date',
  'X-Amz-SignedHeaders',
  'X-Amz-Expires'
] as const
const MISSING_PARAMS =
  'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.'
const CREDENTIAL_ERROR = 'Error parsing the X-Amz-Credential parameter;'

/** The SDK's signer, with the two steps S3 shows in its answer (canonical request, string to sign) made reachable. */
class Recomputer extends SignatureV4 {
  canonicalRequest(...args: Parameters<SignatureV4['createCanonicalRequest']>): string {
    return this.createCanonicalRequest(...args)
  }

  stringToSign(longDate: string, scope: string, canonicalRequest: string): Promise<string> {
    return this.createStringToSign(longDate, scope, canonicalRequest, ALGORITHM)
  }
}

export class SigV4Verifier {
  readonly #signers = new Map<string, Recomputer>()
  readonly #region: string
  readonly #bucket: string

  constructor(options: { credentials: readonly S3Credentials[]; region?: string; bucket?: string }) {
    this.#region = options.region ?? S3_REGION
    this.#bucket = options.bucket ?? S3_BUCKET
    for (const credentials of options.credentials) {
      this.#signers.set(
        credentials.accessKeyId,
        // uriEscapePath false: the canonical path is the path as sent, as S3's signer has it
        new Recomputer({ credentials, region: this.#region, service: 's3', sha256: Sha256, uriEscapePath: false })
      )
    }
  }

  /** Whether S3 would take this PUT at time `now` (ms), before any of its body is read. */
  async verify(request: ReceivedRequest, now: number): Promise<Verdict> {
    const refuse = (error: S3Error): Verdict => ({ ok: false, error })
    const { headers } = request
    if (headers['transfer-encoding'] !== undefined) return refuse(S3Errors.headerNotImplemented('Transfer-Encoding'))
    if (headers['content-length'] === undefined) return refuse(S3Errors.missingContentLength())

    const target = splitTarget(request.target)
    const prefix = `/${this.#bucket}/`
    if (!target.path.startsWith(prefix)) return refuse(S3Errors.noSuchBucket(target.path.split('/')[1] ?? ''))
    const key = decode(target.path.slice(prefix.length))
    const query = parseQuery(target.query)
    if (key === undefined || key === '' || query === undefined) return refuse(S3Errors.invalidUri())

    const given = AUTH_PARAMS.map((name) => query[name])
    if (given.every((value) => value === undefined)) return refuse(S3Errors.accessDenied())
    if (given.some((value) => typeof value !== 'string')) {
      return refuse(S3Errors.authorizationQueryParameters(MISSING_PARAMS))
    }
    const [algorithm, credential, signature, longDate, signedHeaders, expires] = given as string[]
    const auth = this.#parseAuth(algorithm!, credential!, longDate!, expires!)
    if ('error' in auth) return refuse(auth.error)
    const signer = this.#signers.get(auth.accessKeyId)
    if (!signer) return refuse(S3Errors.invalidAccessKeyId(auth.accessKeyId))
    const expiresAt = auth.signedAt + auth.expiresSeconds * 1000
    if (now >= expiresAt) return refuse(S3Errors.expired(expires!, new Date(expiresAt), new Date(now)))

    const names = signedHeaders!.split(';')
    const signedValues: Record<string, string> = {}
    for (const name of names) {
      const value = headers[name]
      if (value !== undefined) signedValues[name] = typeof value === 'string' ? value : value.join(',')
    }
    const contentSha256 = query['X-Amz-Content-Sha256']
    // the SDK's canonical query leaves X-Amz-Signature out, and the canonical path is target.path as sent
    const toCheck = { method: request.method, protocol: 'http:', hostname: '', path: target.path, query }
    const withHeaders = { ...toCheck, headers: signedValues }
    const canonicalRequest = signer.canonicalRequest(
      withHeaders,
      getCanonicalHeaders(withHeaders, undefined, new Set(names)),
      typeof contentSha256 === 'string' ? contentSha256 : UNSIGNED_PAYLOAD
    )
    const stringToSign = await signer.stringToSign(longDate!, auth.scope, canonicalRequest)
    const expected = await signer.sign(stringToSign, {
      signingDate: new Date(auth.signedAt),
      signingRegion: this.#region,
      signingService: 's3'
    })
    if (!sameSignature(expected, signature!)) {
      return refuse(S3Errors.signatureDoesNotMatch(auth.accessKeyId, stringToSign, signature!, canonicalRequest))
    }
    const payload = payloadExpectations(query, headers)
    return 'error' in payload ? refuse(payload.error) : { ok: true, key, payload }
  }

  #parseAuth(
    algorithm: string,
    credential: string,
    longDate: string,
    expires: string
  ): { accessKeyId: string; scope: string; signedAt: number; expiresSeconds: number } | { error: S3Error } {
    const fail = (message: string, details?: S3Error['details']): { error: S3Error } => ({
      error: S3Errors.authorizationQueryParameters(message, details)
    })
    if (algorithm !== ALGORITHM) return fail(`X-Amz-Algorithm only supports "${ALGORITHM}"`)
    const parts = credential.split('/')
    if (parts.length !== 5 || parts.some((part) => part === '')) {
      return fail(
        `${CREDENTIAL_ERROR} the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`
      )
    }
    const [accessKeyId, day, region, service, terminal] = parts as [string, string, string, string, string]
    if (region !== this.#region) {
      return fail(`${CREDENTIAL_ERROR} the region '${region}' is wrong; expecting '${this.#region}'`, [
        ['Region', this.#region]
      ])
    }
    if (service !== 's3')
      return fail(`${CREDENTIAL_ERROR} incorrect service "${service}". This endpoint belongs to "s3".`)
    if (terminal !== 'aws4_request') {
      return fail(`${CREDENTIAL_ERROR} incorrect terminal "${terminal}". This endpoint uses "aws4_request".`)
    }
    const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(longDate)
    const signedAt = date ? Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!) : NaN
    if (!date || Number.isNaN(signedAt) || new Date(signedAt).toISOString().replace(/[-:]|\.000/g, '') !== longDate) {
      return fail(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
    }
    if (day !== longDate.slice(0, 8)) {
      return fail(
        `Invalid credential date "${day}". This date is not the same as X-Amz-Date: "${longDate.slice(0, 8)}".`
      )
    }
    if (!/^-?\d+$/.test(expires)) return fail('X-Amz-Expires should be a number')
    const expiresSeconds = Number(expires)
    if (expiresSeconds < 0) return fail('X-Amz-Expires must be non-negative')
    if (expiresSeconds > MAX_EXPIRES_SECONDS) {
      return fail(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_EXPIRES_SECONDS}`)
    }
    return { accessKeyId, scope: `${day}/${region}/s3/aws4_request`, signedAt, expiresSeconds }
  }
}

/** Path and query of a request target; an absolute-form target (from a proxy) loses its scheme and host. */
function splitTarget(target: string): { path: string; query: string } {
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target)
  const rest = origin ? target.slice(origin[0].length) || '/' : target
  const mark = rest.indexOf('?')
  return mark < 0 ? { path: rest, query: '' } : { path: rest.slice(0, mark), query: rest.slice(mark + 1) }
}

/** The query's parameters, decoded ('+' stays '+'); undefined when an escape is broken. */
function parseQuery(text: string): Query | undefined {
  const query: Query = {}
  for (const pair of text === '' ? [] : text.split('&')) {
    const equals = pair.indexOf('=')
    const name = decode(equals < 0 ? pair : pair.slice(0, equals))
    const value = decode(equals < 0 ? '' : pair.slice(equals + 1))
    if (name === undefined || value === undefined) return undefined
    if (name === '') continue
    const existing = query[name]
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value]
  }
  return query
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8')
  const b = Buffer.from(given, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}
