// Presigned upload URLs made the way a real Tiyaro backend makes them: AWS Signature Version 4
// query-string authentication by the AWS SDK's own presigner (PutObjectCommand and
// getSignedUrl), path-style against the local server, with credentials made up here. The
// client is given every setting the SDK would otherwise look up in the environment or in
// ~/.aws, so a developer's AWS configuration changes nothing. s3-verify.ts checks these URLs.

import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { randomBytes, randomInt } from 'node:crypto'

export interface S3Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
}

export const S3_REGION = 'us-east-1'
/** path-style, the bucket is the first path segment: /upload/<key> is the server's upload route */
export const S3_BUCKET = 'upload'
/** the longest lifetime of a SigV4 presigned URL: a week */
export const MAX_EXPIRES_SECONDS = 7 * 24 * 60 * 60

/** Made-up credentials in AWS's shapes ('AKIA' and 16 of [A-Z2-7], a 40-character secret); never real ones. */
export function fakeCredentials(): S3Credentials {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  const id = Array.from({ length: 16 }, () => alphabet[randomInt(alphabet.length)]).join('')
  return { accessKeyId: `AKIA${id}`, secretAccessKey: randomBytes(30).toString('base64') }
}

export interface PresignPut {
  /** the object key, any characters */
  readonly key: string
  /** ms since the epoch */
  readonly now: number
  /** when the URL stops working, ms since the epoch; may be in the past (an already expired URL) */
  readonly expiresAt: number
  /** given: the URL signs it, and an upload with another Content-Type (or none) is refused */
  readonly contentType?: string
  /**
   * true: the SDK's default checksum parameters are left in (SDKs since early 2025 add a CRC32 of
   * the empty body unless the client says WHEN_REQUIRED), which S3 then holds the upload to
   */
  readonly checksumParameters?: boolean
}

export class S3Presigner {
  readonly #credentials: S3Credentials
  readonly #region: string
  readonly #bucket: string
  readonly #clients = new Map<string, S3Client>()

  constructor(options: { credentials: S3Credentials; region?: string; bucket?: string }) {
    this.#credentials = options.credentials
    this.#region = options.region ?? S3_REGION
    this.#bucket = options.bucket ?? S3_BUCKET
  }

  /** A presigned PUT URL for the key on `endpoint` (e.g. http://127.0.0.1:41234). */
  async presignPut(endpoint: string, put: PresignPut): Promise<string> {
    // SigV4 states a start (X-Amz-Date, to the second) and a lifetime of 1 s to a week: the end
    // asked for is reached by moving the start, into the past for an already expired URL.
    const seconds = Math.ceil((put.expiresAt - put.now) / 1000)
    const expiresIn = Math.min(MAX_EXPIRES_SECONDS, Math.max(1, seconds))
    const signingDate = new Date(Math.min(put.now, put.expiresAt - expiresIn * 1000))
    const command = new PutObjectCommand({
      Bucket: this.#bucket,
      Key: put.key,
      ...(put.contentType === undefined ? {} : { ContentType: put.contentType })
    })
    // The presigner leaves Content-Type unsigned unless it is named as signable.
    const signableHeaders = put.contentType === undefined ? undefined : new Set(['content-type'])
    return getSignedUrl(this.#client(endpoint, put.checksumParameters === true), command, {
      expiresIn,
      signingDate,
      ...(signableHeaders ? { signableHeaders } : {})
    })
  }

  #client(endpoint: string, checksumParameters: boolean): S3Client {
    const cacheKey = `${checksumParameters}:${endpoint}`
    let client = this.#clients.get(cacheKey)
    if (!client) {
      client = new S3Client({
        endpoint,
        forcePathStyle: true,
        region: this.#region,
        credentials: this.#credentials,
        requestChecksumCalculation: checksumParameters ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED',
        // the rest would be read from AWS_* variables or ~/.aws when not given
        responseChecksumValidation: 'WHEN_REQUIRED',
        defaultsMode: 'standard',
        retryMode: 'standard',
        maxAttempts: 1,
        authSchemePreference: [],
        disableS3ExpressSessionAuth: true,
        sigv4aSigningRegionSet: [],
        useArnRegion: false,
        useDualstackEndpoint: false,
        useFipsEndpoint: false,
        userAgentAppId: ''
      })
      this.#clients.set(cacheKey, client)
    }
    return client
  }
}
