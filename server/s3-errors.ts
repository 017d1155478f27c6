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

/** One error; `details` only when S3 adds elements for the code. */
function s3Error(status: number, code: string, message: string, details?: S3Error['details']): S3Error {
  return { status, code, message, ...(details ? { details } : {}) }
}

/** The errors the storage side answers, each as S3 words it: status, code, message, extra elements. */
export const S3Errors = {
  missingContentLength: () => s3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.'),
  /** S3 takes no chunked request bodies on a plain PUT (only its own aws-chunked encoding) */
  headerNotImplemented: (header: string) =>
    s3Error(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented', [
      ['Header', header]
    ]),
  /** a request without any credential, to a bucket that is not public */
  accessDenied: () => s3Error(403, 'AccessDenied', 'Access Denied'),
  expired: (expiresSeconds: string, expiresAt: Date, now: Date) =>
    s3Error(403, 'AccessDenied', 'Request has expired', [
      ['X-Amz-Expires', expiresSeconds],
      ['Expires', isoSeconds(expiresAt)],
      ['ServerTime', isoSeconds(now)]
    ]),
  invalidAccessKeyId: (accessKeyId: string) =>
    s3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', [
      ['AWSAccessKeyId', accessKeyId]
    ]),
  /** S3 shows what it signed, byte for byte, so a client can find its mistake */
  signatureDoesNotMatch: (
    accessKeyId: string,
    stringToSign: string,
    signatureProvided: string,
    canonicalRequest: string
  ) =>
    s3Error(403, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH, [
      ['AWSAccessKeyId', accessKeyId],
      ['StringToSign', stringToSign],
      ['SignatureProvided', signatureProvided],
      ['StringToSignBytes', hexBytes(stringToSign)],
      ['CanonicalRequest', canonicalRequest],
      ['CanonicalRequestBytes', hexBytes(canonicalRequest)]
    ]),
  authorizationQueryParameters: (message: string, details?: S3Error['details']) =>
    s3Error(400, 'AuthorizationQueryParametersError', message, details),
  noSuchBucket: (bucket: string) =>
    s3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', [['BucketName', bucket]]),
  invalidUri: () => s3Error(400, 'InvalidURI', "Couldn't parse the specified URI."),
  badDigest: (what: string) =>
    s3Error(
      400,
      'BadDigest',
      what === 'Content-MD5'
        ? 'The Content-MD5 you specified did not match what we received.'
        : `The ${what} you specified did not match the calculated checksum.`
    ),
  invalidDigest: () => s3Error(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.'),
  invalidChecksumValue: (name: string) => s3Error(400, 'InvalidRequest', `Value for ${name} header is invalid.`),
  invalidContentSha256: () =>
    s3Error(
      400,
      'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.',
      [['ArgumentName', 'x-amz-content-sha256']]
    ),
  contentSha256Mismatch: (clientValue: string, computed: string) =>
    s3Error(
      400,
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      [
        ['ClientComputedContentSHA256', clientValue],
        ['S3ComputedContentSHA256', computed]
      ]
    ),
  entityTooLarge: () => s3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.'),
  methodNotAllowed: () => s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.')
} as const

/** 2026-01-02T03:04:05Z: S3 shows times to the second. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function hexBytes(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => byte.toString(16).padStart(2, '0')).join(' ')
}
