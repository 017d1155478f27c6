// The storage side's S3 checks on their own: URLs presigned by the AWS SDK, verified by the SDK's
// signer from the request as received; every refusal is S3's code, status and XML.
import { describe, expect, it } from '@jest/globals'
import { createHash, createHmac } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { s3ErrorAnswer, type S3Error } from '../../server/s3-errors.js'
import { checkPayload, payloadExpectations } from '../../server/s3-payload.js'
import { fakeCredentials, S3Presigner, type PresignPut } from '../../server/s3-presign.js'
import { SigV4Verifier, type ReceivedRequest, type Verdict } from '../../server/s3-verify.js'

const ENDPOINT = 'http://127.0.0.1:41234'
const HOST = '127.0.0.1:41234'
const NOW = Date.parse('2026-01-02T03:04:05.000Z')
const TTL = 15 * 60 * 1000
const OCTETS = 'application/octet-stream'

const credentials = fakeCredentials()
const presigner = new S3Presigner({ credentials })
const verifier = new SigV4Verifier({ credentials: [credentials] })

function presign(key: string, options: Partial<PresignPut> = {}): Promise<string> {
  return presigner.presignPut(ENDPOINT, { key, now: NOW, expiresAt: NOW + TTL, contentType: OCTETS, ...options })
}

/** The request a client makes of the URL: its bytes after the origin as the target, the usual headers. */
function requestFor(url: string, headers: Record<string, string | undefined> = {}): ReceivedRequest {
  expect(url.startsWith(ENDPOINT)).toBe(true)
  const all: Record<string, string | undefined> = {
    host: HOST,
    'content-type': OCTETS,
    'content-length': '3',
    ...headers
  }
  for (const name of Object.keys(all)) if (all[name] === undefined) delete all[name]
  return { method: 'PUT', target: url.slice(ENDPOINT.length), headers: all }
}

function refusal(verdict: Verdict): S3Error {
  if (verdict.ok) throw new Error(`accepted, key ${verdict.key}`)
  return verdict.error
}

/** Asserts the refusal's status and code and that its XML document is S3's. */
function expectRefused(verdict: Verdict, status: number, code: string, message?: string): S3Error {
  const error = refusal(verdict)
  expect({ status: error.status, code: error.code }).toEqual({ status, code })
  if (message !== undefined) expect(error.message).toBe(message)
  const { body, headers } = s3ErrorAnswer(error)
  expect(body).toMatch(
    new RegExp(
      `^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<Error><Code>${code}</Code><Message>[^<]+</Message>` +
        `.*<RequestId>[0-9A-F]{16}</RequestId><HostId>[A-Za-z0-9+/=]+</HostId></Error>$`,
      's'
    )
  )
  expect(body).toContain(`<RequestId>${headers['x-amz-request-id']}</RequestId>`)
  expect(headers['Content-Type']).toBe('application/xml')
  return error
}

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.'

describe('presigned PUT URLs from the AWS SDK', () => {
  const keys: [string, string][] = [
    ['job-1/data.zip', '/upload/job-1/data.zip'],
    ['job-1/with space.zip', '/upload/job-1/with%20space.zip'],
    ['job-1/a+b.zip', '/upload/job-1/a%2Bb.zip'],
    ['job-1/100%.zip', '/upload/job-1/100%25.zip'],
    ['job-1/café.zip', '/upload/job-1/caf%C3%A9.zip'],
    ['job-1/🚀 launch.zip', '/upload/job-1/%F0%9F%9A%80%20launch.zip'],
    ["user+tag@example.com/ a%20b+c é 😀 ~!*'()&=?#.zip", undefined as unknown as string]
  ]
  it.each(keys)('accepts the key %j byte for byte and gives it back decoded', async (key, path) => {
    const url = await presign(key)
    const target = url.slice(ENDPOINT.length)
    if (path !== undefined) expect(target.startsWith(`${path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&`)).toBe(true)
    // the SDK's defaults would add x-amz-checksum-crc32 of an empty body: the server asks it not to
    expect(target).not.toMatch(/x-amz-checksum|x-amz-sdk-checksum/i)
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host')
    expect(await verifier.verify(requestFor(url), NOW)).toEqual({ ok: true, key, payload: {} })
  })

  it('refuses a changed path byte with SignatureDoesNotMatch, showing what it signed', async () => {
    const url = await presign('job-1/a b+c é.zip')
    expect(url).toContain('/upload/job-1/a%20b%2Bc%20%C3%A9.zip?')
    const changes: [string, string][] = [
      ['a%20b', 'b%20b'], // another object
      ['a%20b', 'a+b'], // a space sent as a form-encoded plus: S3 reads '+' in a path as '+'
      ['b%2Bc', 'b+c'], // a '+' sent unescaped: the same key, other bytes
      ['%C3%A9', '%c3%a9'] // escapes re-written in lower case: other bytes
    ]
    for (const [from, to] of changes) {
      const changed = url.replace(from, to)
      expect(changed).not.toBe(url)
      const error = expectRefused(
        await verifier.verify(requestFor(changed), NOW),
        403,
        'SignatureDoesNotMatch',
        MISMATCH
      )
      const details = new Map(error.details)
      expect(details.get('CanonicalRequest')).toContain(`PUT\n${new URL(changed).pathname}\n`)
      expect(details.get('AWSAccessKeyId')).toBe(credentials.accessKeyId)
      expect(details.get('StringToSign')).toMatch(
        /^AWS4-HMAC-SHA256\n20260102T030405Z\n20260102\/us-east-1\/s3\/aws4_request\n[0-9a-f]{64}$/
      )
      expect(details.get('StringToSignBytes')).toMatch(/^41 57 53 34 2d/)
    }
  })

  it('refuses a changed, added or dropped query parameter with SignatureDoesNotMatch', async () => {
    const url = await presign('job-1/data.zip')
    const signature = new URL(url).searchParams.get('X-Amz-Signature')!
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`
    const changes = [
      url.replace('X-Amz-Expires=900', 'X-Amz-Expires=3600'),
      url.replace('x-id=PutObject', 'x-id=GetObject'),
      url.replace('&x-id=PutObject', ''),
      `${url}&acl=public-read`,
      url.replace('X-Amz-Date=20260102T030405Z', 'X-Amz-Date=20260102T030406Z'),
      url.replace(signature, flipped),
      url.replace('X-Amz-SignedHeaders=content-type%3Bhost', 'X-Amz-SignedHeaders=host')
    ]
    for (const changed of changes) {
      expect(changed).not.toBe(url)
      expectRefused(await verifier.verify(requestFor(changed), NOW), 403, 'SignatureDoesNotMatch')
    }
    // the same parameters escaped otherwise are the same parameters, as S3 reads a query
    const reescaped = url.replace('%2Fus-east-1%2F', '/us-east-1/')
    expect(reescaped).not.toBe(url)
    expect((await verifier.verify(requestFor(reescaped), NOW)).ok).toBe(true)
  })

  it('refuses another signed Content-Type, or none; an unsigned one may be anything', async () => {
    const url = await presign('job-1/data.zip')
    for (const contentType of ['application/zip', 'application/octet-stream; charset=binary', undefined]) {
      const verdict = await verifier.verify(requestFor(url, { 'content-type': contentType }), NOW)
      expectRefused(verdict, 403, 'SignatureDoesNotMatch')
    }
    const unsigned = await presign('job-1/data.zip', { contentType: undefined })
    expect(new URL(unsigned).searchParams.get('X-Amz-SignedHeaders')).toBe('host')
    for (const contentType of ['application/zip', undefined]) {
      expect((await verifier.verify(requestFor(unsigned, { 'content-type': contentType }), NOW)).ok).toBe(true)
    }
  })

  it('refuses the URL sent to another host name for the same server (the host is signed)', async () => {
    const url = await presign('job-1/data.zip')
    const verdict = await verifier.verify(requestFor(url, { host: 'localhost:41234' }), NOW)
    expectRefused(verdict, 403, 'SignatureDoesNotMatch')
  })

  it('refuses an expired URL with 403 AccessDenied "Request has expired" and the times', async () => {
    const url = await presign('job-1/data.zip')
    expect((await verifier.verify(requestFor(url), NOW + TTL - 1)).ok).toBe(true)
    const error = expectRefused(
      await verifier.verify(requestFor(url), NOW + TTL + 5000),
      403,
      'AccessDenied',
      'Request has expired'
    )
    expect(error.details).toEqual([
      ['X-Amz-Expires', '900'],
      ['Expires', '2026-01-02T03:19:05Z'],
      ['ServerTime', '2026-01-02T03:19:10Z']
    ])
    // a URL that was already over when it was made (the server's negative TTL)
    const over = await presign('job-1/data.zip', { expiresAt: NOW - 60_000 })
    expectRefused(await verifier.verify(requestFor(over), NOW), 403, 'AccessDenied', 'Request has expired')
  })

  it('refuses a PUT without Content-Length (411) and a chunked one (501), as S3 does', async () => {
    const url = await presign('job-1/data.zip')
    expectRefused(
      await verifier.verify(requestFor(url, { 'content-length': undefined }), NOW),
      411,
      'MissingContentLength',
      'You must provide the Content-Length HTTP header.'
    )
    const chunked = expectRefused(
      await verifier.verify(requestFor(url, { 'content-length': undefined, 'transfer-encoding': 'chunked' }), NOW),
      501,
      'NotImplemented',
      'A header you provided implies functionality that is not implemented'
    )
    expect(chunked.details).toEqual([['Header', 'Transfer-Encoding']])
  })

  it('answers missing, broken or foreign credentials as S3 does', async () => {
    const url = await presign('job-1/data.zip')
    const bare = url.slice(0, url.indexOf('?'))
    expectRefused(await verifier.verify(requestFor(bare), NOW), 403, 'AccessDenied', 'Access Denied')
    expectRefused(
      await verifier.verify(requestFor(url.replace(/&X-Amz-Expires=\d+/, '')), NOW),
      400,
      'AuthorizationQueryParametersError'
    )
    const region = expectRefused(
      await verifier.verify(requestFor(url.replace('%2Fus-east-1%2F', '%2Feu-west-1%2F')), NOW),
      400,
      'AuthorizationQueryParametersError',
      "Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; expecting 'us-east-1'"
    )
    expect(region.details).toEqual([['Region', 'us-east-1']])
    const stranger = fakeCredentials()
    const foreign = await new S3Presigner({ credentials: stranger }).presignPut(ENDPOINT, {
      key: 'job-1/data.zip',
      now: NOW,
      expiresAt: NOW + TTL
    })
    const unknown = expectRefused(await verifier.verify(requestFor(foreign), NOW), 403, 'InvalidAccessKeyId')
    expect(unknown.details).toEqual([['AWSAccessKeyId', stranger.accessKeyId]])
    expectRefused(
      await verifier.verify(requestFor(url.replace('X-Amz-Expires=900', 'X-Amz-Expires=604801')), NOW),
      400,
      'AuthorizationQueryParametersError',
      'X-Amz-Expires must be less than a week (in seconds) that is 604800'
    )
    const accented = await presign('job-1/é.zip')
    expectRefused(await verifier.verify(requestFor(accented.replace('%C3%A9', '%C3%A')), NOW), 400, 'InvalidURI')
    expectRefused(await verifier.verify(requestFor(`${url}&bad=%E0%A4%A`), NOW), 400, 'InvalidURI')
    expectRefused(await verifier.verify(requestFor(url.replace('/upload/', '/other/')), NOW), 404, 'NoSuchBucket')
  })
})

/** SigV4 for a presigned S3 request written out from AWS's description, sharing no code with the SDK. */
function independentSignature(request: {
  method: string
  /** as sent */
  path: string
  /** decoded, without X-Amz-Signature */
  query: readonly (readonly [string, string])[]
  headers: Record<string, string>
  secret: string
  date: string
  region: string
}): string {
  const escape = (text: string): string =>
    encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
  const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest()
  const names = Object.keys(request.headers).sort()
  const canonical = [
    request.method,
    request.path,
    request.query
      .map(([name, value]) => `${escape(name)}=${escape(value)}`)
      .sort()
      .join('&'),
    names.map((name) => `${name}:${request.headers[name]!.trim()}\n`).join(''),
    names.join(';'),
    'UNSIGNED-PAYLOAD'
  ].join('\n')
  const day = request.date.slice(0, 8)
  const toSign = [
    'AWS4-HMAC-SHA256',
    request.date,
    `${day}/${request.region}/s3/aws4_request`,
    createHash('sha256').update(canonical).digest('hex')
  ].join('\n')
  let key = hmac(`AWS4${request.secret}`, day)
  for (const part of [request.region, 's3', 'aws4_request']) key = hmac(key, part)
  return hmac(key, toSign).toString('hex')
}

describe('SigV4 itself', () => {
  it("the independent computation gives AWS's documented example signature", () => {
    const signature = independentSignature({
      method: 'GET',
      path: '/test.txt',
      query: [
        ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
        ['X-Amz-Credential', 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request'],
        ['X-Amz-Date', '20130524T000000Z'],
        ['X-Amz-Expires', '86400'],
        ['X-Amz-SignedHeaders', 'host']
      ],
      headers: { host: 'examplebucket.s3.amazonaws.com' },
      secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      date: '20130524T000000Z',
      region: 'us-east-1'
    })
    expect(signature).toBe('aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404')
  })

  it("agrees with the SDK's presigned URL and is what the verifier accepts", async () => {
    const url = await presign("user+tag@example.com/ a%20b+c é 😀 ~!*'().zip")
    const parsed = new URL(url)
    const query = [...parsed.searchParams].filter(([name]) => name !== 'X-Amz-Signature')
    const path = url.slice(ENDPOINT.length, url.indexOf('?'))
    const request = {
      method: 'PUT',
      path,
      query,
      headers: { host: HOST, 'content-type': OCTETS },
      secret: credentials.secretAccessKey,
      date: '20260102T030405Z',
      region: 'us-east-1'
    }
    expect(independentSignature(request)).toBe(parsed.searchParams.get('X-Amz-Signature'))

    // A URL signed by hand, with a parameter of its own, passes; the same with one byte changed does not.
    const own = [...query, ['response-note', 'a b+c/é'] as const]
    const handSigned = `${path}?${own.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&')}`
    const signature = independentSignature({ ...request, query: own })
    const verdict = await verifier.verify(requestFor(`${ENDPOINT}${handSigned}&X-Amz-Signature=${signature}`), NOW)
    expect(verdict).toEqual({ ok: true, key: "user+tag@example.com/ a%20b+c é 😀 ~!*'().zip", payload: {} })
    const changed = `${ENDPOINT}${handSigned.replace('response-note=a', 'response-note=b')}&X-Amz-Signature=${signature}`
    expectRefused(await verifier.verify(requestFor(changed), NOW), 403, 'SignatureDoesNotMatch')
  })
})

describe('what the body must hash to', () => {
  const body = Buffer.from('zip')
  const digests = {
    md5: createHash('md5').update(body).digest('hex'),
    sha256: createHash('sha256').update(body).digest('hex'),
    crc32: crc32(body)
  }
  const crcBase64 = (value: number): string => {
    const bytes = Buffer.alloc(4)
    bytes.writeUInt32BE(value >>> 0)
    return bytes.toString('base64')
  }

  it("holds an upload to the SDK's default CRC32 of an empty body, as S3 does", async () => {
    const url = await presign('job-1/data.zip', { checksumParameters: true })
    expect(url).toContain('x-amz-checksum-crc32=AAAAAA%3D%3D')
    const verdict = await verifier.verify(requestFor(url), NOW)
    if (!verdict.ok) throw new Error(verdict.error.code)
    expect(verdict.payload).toEqual({ crc32: 'AAAAAA==' })
    expect(checkPayload(verdict.payload, digests)).toEqual(expect.objectContaining({ status: 400, code: 'BadDigest' }))
    expect(checkPayload(verdict.payload, { ...digests, crc32: crc32(Buffer.alloc(0)) })).toBeUndefined()
  })

  it('checks Content-MD5, x-amz-content-sha256 and x-amz-checksum-* headers against the body', () => {
    const md5 = Buffer.from(digests.md5, 'hex').toString('base64')
    const sha256 = Buffer.from(digests.sha256, 'hex').toString('base64')
    const good = payloadExpectations(
      {},
      {
        'content-md5': md5,
        'x-amz-content-sha256': digests.sha256,
        'x-amz-checksum-crc32': crcBase64(digests.crc32),
        'x-amz-checksum-sha256': sha256
      }
    )
    if ('error' in good) throw new Error(good.error.code)
    expect(checkPayload(good, digests)).toBeUndefined()
    const other = { md5: '0'.repeat(32), sha256: 'f'.repeat(64), crc32: digests.crc32 ^ 1 }
    expect(checkPayload(good, { ...digests, md5: other.md5 })?.message).toBe(
      'The Content-MD5 you specified did not match what we received.'
    )
    expect(checkPayload(good, { ...digests, sha256: other.sha256 })?.code).toBe('XAmzContentSHA256Mismatch')
    expect(checkPayload(good, { ...digests, crc32: other.crc32 })?.message).toBe(
      'The CRC32 you specified did not match the calculated checksum.'
    )
    expect(payloadExpectations({}, { 'content-md5': 'nope' })).toEqual({
      error: expect.objectContaining({ status: 400, code: 'InvalidDigest' })
    })
    expect(payloadExpectations({}, { 'x-amz-checksum-crc32': 'AAAA' })).toEqual({
      error: expect.objectContaining({ status: 400, code: 'InvalidRequest' })
    })
    expect(payloadExpectations({ 'x-amz-checksum-crc32c': 'AAAAAA==' }, {})).toEqual({
      error: expect.objectContaining({ status: 501, code: 'NotImplemented' })
    })
  })
})

describe('S3 error documents', () => {
  it('escape what they quote', () => {
    const { body } = s3ErrorAnswer({
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'm',
      details: [['CanonicalRequest', 'PUT\n/a<b>&"\'']]
    })
    expect(body).toContain('<CanonicalRequest>PUT\n/a&#60;b&#62;&#38;&#34;&#39;</CanonicalRequest>')
  })
})
