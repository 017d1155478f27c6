// What an upload's body must hash to when the request says so, checked as S3 checks it once the
// body has arrived: Content-MD5, a hex x-amz-content-sha256, and the flexible checksums
// (x-amz-checksum-crc32 / -sha256, as a header or, hoisted by a presigner, as a query
// parameter). This is where a presigned URL carrying the SDK's default CRC32 of an empty body
// meets the real body and fails, as it does against S3.

import { S3Errors, type S3Error } from './s3-errors.js'

export interface PayloadExpectations {
  /** base64 of the MD5 */
  readonly contentMd5?: string
  /** hex SHA-256 */
  readonly contentSha256?: string
  /** base64 of the big-endian CRC32 */
  readonly crc32?: string
  /** base64 of the SHA-256 */
  readonly sha256?: string
}

export interface PayloadDigests {
  /** hex */
  readonly md5: string
  /** hex */
  readonly sha256: string
  /** unsigned 32-bit */
  readonly crc32: number
}

type Values = Readonly<Record<string, string | readonly string[] | undefined>>

const CHECKSUM_PREFIX = 'x-amz-checksum-'
const CHECKED = { crc32: 4, sha256: 32 } as const

/** The hashes asked for, from the query and the headers, or why they cannot be checked. */
export function payloadExpectations(query: Values, headers: Values): PayloadExpectations | { error: S3Error } {
  const found: { -readonly [K in keyof PayloadExpectations]: PayloadExpectations[K] } = {}
  const md5 = single(headers['content-md5'])
  if (md5 !== undefined) {
    if (!isBase64Of(md5, 16)) return { error: S3Errors.invalidDigest() }
    found.contentMd5 = md5
  }
  const contentSha256 = single(headers['x-amz-content-sha256']) ?? single(query['X-Amz-Content-Sha256'])
  if (contentSha256 !== undefined && contentSha256 !== 'UNSIGNED-PAYLOAD') {
    // the streaming forms need an aws-chunked body, which a presigned PUT does not send
    if (contentSha256.startsWith('STREAMING-')) return { error: S3Errors.headerNotImplemented('x-amz-content-sha256') }
    if (!/^[0-9a-f]{64}$/.test(contentSha256)) return { error: S3Errors.invalidContentSha256() }
    found.contentSha256 = contentSha256
  }
  for (const [name, value] of [...entries(headers), ...entries(query)]) {
    const lower = name.toLowerCase()
    if (!lower.startsWith(CHECKSUM_PREFIX) || lower === 'x-amz-checksum-type') continue
    const algorithm = lower.slice(CHECKSUM_PREFIX.length)
    // CRC32C, CRC64NVME and SHA-1 are S3's too; this server does not compute them
    if (algorithm !== 'crc32' && algorithm !== 'sha256') return { error: S3Errors.headerNotImplemented(name) }
    const text = single(value)
    if (text === undefined || !isBase64Of(text, CHECKED[algorithm]))
      return { error: S3Errors.invalidChecksumValue(lower) }
    found[algorithm] = text
  }
  return found
}

/** The first expectation the body's digests break, as S3 answers it. */
export function checkPayload(expected: PayloadExpectations, digests: PayloadDigests): S3Error | undefined {
  if (expected.contentMd5 !== undefined && Buffer.from(expected.contentMd5, 'base64').toString('hex') !== digests.md5) {
    return S3Errors.badDigest('Content-MD5')
  }
  if (expected.contentSha256 !== undefined && expected.contentSha256 !== digests.sha256) {
    return S3Errors.contentSha256Mismatch(expected.contentSha256, digests.sha256)
  }
  if (expected.crc32 !== undefined && Buffer.from(expected.crc32, 'base64').readUInt32BE(0) !== digests.crc32) {
    return S3Errors.badDigest('CRC32')
  }
  if (expected.sha256 !== undefined && Buffer.from(expected.sha256, 'base64').toString('hex') !== digests.sha256) {
    return S3Errors.badDigest('SHA256')
  }
  return undefined
}

function single(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.length === 1 ? value[0] : undefined
}

function entries(values: Values): [string, string | readonly string[] | undefined][] {
  return Object.entries(values)
}

function isBase64Of(text: string, bytes: number): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0 && Buffer.from(text, 'base64').length === bytes
}
