import { describe, expect, it } from '@jest/globals'
import { bodyGist } from '../../src/shared/http.js'
import { PARTIAL_RUN, addSecret, redactDeep, redactSecrets } from '../../src/shared/redaction.js'

const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
const SIGNATURE = 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404'
const SCOPE = '20240101/us-east-1/s3/aws4_request'
const PRESIGNED =
  'https://bucket.s3.amazonaws.com/jobs/j1/data.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
  `&X-Amz-Credential=${ACCESS_KEY_ID}%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z` +
  `&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=${SIGNATURE}`

/** S3's answer to a PUT whose signature does not match: it echoes what it computed. */
const S3_SIGNATURE_ERROR = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message><AWSAccessKeyId>${ACCESS_KEY_ID}</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256
20240101T000000Z
${SCOPE}
9e0e90d9c76ab8ba2e1a3f4b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d</StringToSign><SignatureProvided>${SIGNATURE}</SignatureProvided><CanonicalRequest>PUT
/jobs/j1/data.zip
X-Amz-Algorithm=AWS4-HMAC-SHA256&amp;X-Amz-Credential=${ACCESS_KEY_ID}%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&amp;X-Amz-Date=20240101T000000Z&amp;X-Amz-Expires=900&amp;X-Amz-SignedHeaders=host
host:bucket.s3.amazonaws.com

host
UNSIGNED-PAYLOAD</CanonicalRequest><RequestId>4442587FB7D0A2F9</RequestId></Error>`

function expectNoCredential(text: string): void {
  expect(text).not.toContain(ACCESS_KEY_ID)
  expect(text).not.toContain(SIGNATURE.slice(0, PARTIAL_RUN))
  expect(text).not.toMatch(/20240101(\/|%2F)us-east-1/)
}

describe('redactSecrets', () => {
  it("takes the signature, the credential scope and the access key ID out of S3's error body", () => {
    const redacted = redactSecrets(S3_SIGNATURE_ERROR)
    expectNoCredential(redacted)
    expect(redacted).toContain('<Code>SignatureDoesNotMatch</Code>')
    expect(redacted).toContain('<SignatureProvided>***</SignatureProvided>')
    expect(redacted).toContain('<RequestId>4442587FB7D0A2F9</RequestId>')
  })

  it('redacts an element cut off before its end tag to the end', () => {
    const cut = S3_SIGNATURE_ERROR.slice(0, S3_SIGNATURE_ERROR.indexOf('<SignatureProvided>') + 30)
    expect(redactSecrets(cut)).toMatch(/<SignatureProvided>\*\*\*<\/SignatureProvided>$/)
  })

  it('replaces a presigned URL whole, and signed parameters wherever they are', () => {
    expect(redactSecrets(`PUT ${PRESIGNED} failed`)).toBe('PUT *** failed')
    expect(redactSecrets(`query: X-Amz-Signature=${SIGNATURE.slice(0, 20)}`)).toBe('query: X-Amz-Signature=***')
    expect(redactSecrets('https://storage.local/upload/j/a.zip?X-Tiyaro-Expires=1&X-Tiyaro-Signature=abc')).toBe('***')
    expect(redactSecrets(`SigV2 ?AWSAccessKeyId=x&Expires=1&Signature=abc%2B`)).toBe(
      'SigV2 ?AWSAccessKeyId=***&Expires=1&Signature=***'
    )
    expect(redactSecrets(`key ${ACCESS_KEY_ID}, scope ${SCOPE}, temporary ASIAJEXAMPLEXEG2JICE`)).toBe(
      'key ***, scope ***, temporary ***'
    )
  })

  it('leaves a plain URL and ordinary text alone', () => {
    const text = 'Model toy: https://api.example/v1/ent/local/1/toy?version=v1 (content-type: image/png)'
    expect(redactSecrets(text)).toBe(text)
  })

  it('redacts a registered token whole and any run of 12 of its characters, but a URL only whole', () => {
    const key = 'tk-unit-1a2b3c4d5e6f7a8b9c0d'
    const url = 'http://127.0.0.1:4010/upload/j/a.zip?X-Tiyaro-Expires=1&X-Tiyaro-Signature=zz'
    addSecret(key)
    addSecret(url)
    expect(redactSecrets(`a ${key} b`)).toBe('a *** b')
    expect(redactSecrets(`cut: ${key.slice(0, PARTIAL_RUN)}…`)).toBe('cut: ***…')
    expect(redactSecrets(`tail: ${key.slice(-15)}.`)).toBe('tail: ***.')
    expect(redactSecrets(`short: ${key.slice(0, PARTIAL_RUN - 1)}`)).toBe(`short: ${key.slice(0, PARTIAL_RUN - 1)}`)
    expect(redactSecrets('api-url http://127.0.0.1:4010/graphql')).toBe('api-url http://127.0.0.1:4010/graphql')
  })

  it('takes linear time on texts made to make patterns backtrack', () => {
    const hostile = [
      'a.'.repeat(100_000),
      'x://'.repeat(50_000),
      '<Signature>'.repeat(20_000),
      '12345678/'.repeat(20_000),
      '<'.repeat(100_000)
    ].join(' ')
    const started = Date.now()
    redactSecrets(hostile)
    bodyGist(hostile)
    // quadratic would take minutes; a loaded machine still does this well within the bound
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('redacts given secrets too, the longest first', () => {
    expect(redactSecrets('abcd abcdef', ['abcd', 'abcdef'])).toBe('*** ***')
  })

  it('redacts every string of a JSON value, keys included', () => {
    expect(redactDeep({ a: [`x ${ACCESS_KEY_ID}`], [SIGNATURE]: 1, n: 2, z: null }, [SIGNATURE])).toEqual({
      a: ['x ***'],
      '***': 1,
      n: 2,
      z: null
    })
  })
})

describe('bodyGist', () => {
  it('redacts the body before it cuts it: no piece of a credential survives the cut', () => {
    // the access key ID would straddle the 200-character cut
    const body = `<Error><Message>${'m'.repeat(176)} ${ACCESS_KEY_ID}</Message></Error>`
    const gist = bodyGist(body)
    expect(gist).not.toContain('AKIA')
    expectNoCredential(bodyGist(S3_SIGNATURE_ERROR, 400))
  })

  it('redacts a registered key cut at the gist length', () => {
    const key = 'tk-gist-9f8e7d6c5b4a39281706'
    addSecret(key)
    const gist = bodyGist(`${'e'.repeat(190)}${key}`)
    expect(gist).not.toContain(key.slice(0, 6))
  })
})
