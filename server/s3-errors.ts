// S3's error answers as S3 writes them, so that the action meets the same bytes from the local
// server as from a real bucket: an XML <Error> document with Code, Message, the code's own extra
// elements (e.g. <Header>, <X-Amz-Expires>, <StringToSign>), RequestId and HostId, and the
// x-amz-request-id / x-amz-id-2 headers. Codes, statuses and messages are S3's.

import { randomBytes } from 'node:crypto'

export interface S3Error {
  readonly status: number
  readonly code: string
  readonly message: string
  /** the extra elements S3 adds for this code, in S3's order */
  readonly details?: readonly (readonly [string, string])[]
}

/** The error document and its headers, with a fresh request ID. */
export function s3ErrorAnswer(error: S3Error): { body: string; headers: Record<string, string> } {
  const requestId = randomBytes(8).toString('hex').toUpperCase()
  const hostId = randomBytes(57).toString('base64')
  const elements: (readonly [string, string])[] = [
    ['Code', error.code],
    ['Message', error.message],
    ...(error.details ?? []),
    ['RequestId', requestId],
    ['HostId', hostId]
  ]
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
    elements.map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join('') +
    '</Error>'
  return { body, headers: { 'Content-Type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': hostId } }
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.'

/** The errors the storage side answers, each as S3 words it. */
export const S3Errors = {
  missingContentLength: (): S3Error => ({
    status: 411,
    code: 'MissingContentLength',
    message: 'You must provide the Content-Length HTTP header.'
  }),
  /** S3 takes no chunked request bodies on a plain PUT (only its own aws-chunked encoding) */
  headerNotImplemented: (header: string): S3Error => ({
    status: 501,
    code: 'NotImplemented',
    message: 'A header you provided implies functionality that is not implemented',
    details: [['Header', header]]
  }),
  /** a request without any credential, to a bucket that is not public */
  accessDenied: (): S3Error => ({ status: 403, code: 'AccessDenied', message: 'Access Denied' }),
  expired: (expiresSeconds: string, expiresAt: Date, now: Date): S3Error => ({
    status: 403,
    code: 'AccessDenied',
    message: 'Request has expired',
    details: [
      ['X-Amz-Expires', expiresSeconds],
      ['Expires', isoSeconds(expiresAt)],
      ['ServerTime', isoSeconds(now)]
    ]
  }),
  invalidAccessKeyId: (accessKeyId: string): S3Error => ({
    status: 403,
    code: 'InvalidAccessKeyId',
    message: 'The AWS Access Key Id you provided does not exist in our records.',
    details: [['AWSAccessKeyId', accessKeyId]]
  }),
  /** S3 shows what it signed, byte for byte, so a client can find its mistake */
  signatureDoesNotMatch: (
    accessKeyId: string,
    stringToSign: string,
    signatureProvided: string,
    canonicalRequest: string
  ): S3Error => ({
    status: 403,
    code: 'SignatureDoesNotMatch',
    message: SIGNATURE_MISMATCH,
    details: [
      ['AWSAccessKeyId', accessKeyId],
      ['StringToSign', stringToSign],
      ['SignatureProvided', signatureProvided],
      ['StringToSignBytes', hexBytes(stringToSign)],
      ['CanonicalRequest', canonicalRequest],
      ['CanonicalRequestBytes', hexBytes(canonicalRequest)]
    ]
  }),
  authorizationQueryParameters: (message: string, details?: S3Error['details']): S3Error => ({
    status: 400,
    code: 'AuthorizationQueryParametersError',
    message,
    ...(details ? { details } : {})
  }),
  noSuchBucket: (bucket: string): S3Error => ({
    status: 404,
    code: 'NoSuchBucket',
    message: 'The specified bucket does not exist',
    details: [['BucketName', bucket]]
  }),
  invalidUri: (): S3Error => ({ status: 400, code: 'InvalidURI', message: "Couldn't parse the specified URI." }),
  badDigest: (what: string): S3Error => ({
    status: 400,
    code: 'BadDigest',
    message:
      what === 'Content-MD5'
        ? 'The Content-MD5 you specified did not match what we received.'
        : `The ${what} you specified did not match the calculated checksum.`
  }),
  invalidDigest: (): S3Error => ({
    status: 400,
    code: 'InvalidDigest',
    message: 'The Content-MD5 you specified was invalid.'
  }),
  invalidChecksumValue: (name: string): S3Error => ({
    status: 400,
    code: 'InvalidRequest',
    message: `Value for ${name} header is invalid.`
  }),
  invalidContentSha256: (): S3Error => ({
    status: 400,
    code: 'InvalidArgument',
    message:
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.',
    details: [['ArgumentName', 'x-amz-content-sha256']]
  }),
  contentSha256Mismatch: (clientValue: string, computed: string): S3Error => ({
    status: 400,
    code: 'XAmzContentSHA256Mismatch',
    message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    details: [
      ['ClientComputedContentSHA256', clientValue],
      ['S3ComputedContentSHA256', computed]
    ]
  }),
  entityTooLarge: (): S3Error => ({
    status: 400,
    code: 'EntityTooLarge',
    message: 'Your proposed upload exceeds the maximum allowed size.'
  }),
  methodNotAllowed: (): S3Error => ({
    status: 405,
    code: 'MethodNotAllowed',
    message: 'The specified method is not allowed against this resource.'
  })
} as const

/** 2026-01-02T03:04:05Z: S3 shows times to the second. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function hexBytes(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => byte.toString(16).padStart(2, '0')).join(' ')
}
