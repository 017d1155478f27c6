import { describe, expect, it } from '@jest/globals'
import { Readable } from 'node:stream'
import { readLimited } from '../../src/shared/answer-body.js'
import { checkSecretDestination, forbiddenHost } from '../../src/shared/urls.js'
import { TransientError } from '../../src/shared/retry.js'
import { checkJobStatus, checkModels } from '../../src/tiyaro/answers.js'
import { ApiError, isResolverFault, isUnknownField } from '../../src/tiyaro/graphql.js'

describe('where a secret may go', () => {
  it.each([
    ['169.254.169.254', 'a cloud metadata address'],
    ['[fd00:ec2::254]', 'a cloud metadata address'],
    ['metadata.google.internal', 'a cloud metadata address'],
    ['METADATA.GOOGLE.INTERNAL.', 'a cloud metadata address'],
    ['[::ffff:a9fe:a9fe]', 'a cloud metadata address'],
    ['169.254.0.1', 'a link-local address (169.254.0.0/16)'],
    ['[fe80::1]', 'a link-local address (fe80::/10)'],
    ['[febf::1]', 'a link-local address (fe80::/10)']
  ])('never %s', (host, reason) => expect(forbiddenHost(host)).toBe(reason))

  it.each(['api.tiyaro.ai', '127.0.0.1', '[::1]', '[fec0::1]', '169.255.0.1', 'metadata.google.internal.example'])(
    'does not mind %s',
    (host) => expect(forbiddenHost(host)).toBeUndefined()
  )

  it('sees through the forms WHATWG URL normalises', () => {
    // decimal and hex IPv4 become dotted quads, IPv4-mapped IPv6 becomes hex
    for (const url of ['https://2852039166/', 'https://0xa9.0xfe.0xa9.0xfe/', 'https://[::ffff:169.254.169.254]/']) {
      expect(checkSecretDestination(url, { loopbackHttp: true })).toEqual({
        ok: false,
        reason: 'points at a cloud metadata address'
      })
    }
  })

  it('takes https anywhere else, and http only on loopback when api-url is on loopback', () => {
    expect(
      checkSecretDestination('https://bucket.s3.amazonaws.com/k?X-Amz-Signature=1', { loopbackHttp: false }).ok
    ).toBe(true)
    expect(checkSecretDestination('http://127.0.0.1:9/u', { loopbackHttp: true }).ok).toBe(true)
    expect(checkSecretDestination('http://127.0.0.1:9/u', { loopbackHttp: false })).toEqual({
      ok: false,
      reason: 'is plain http, which is only allowed when api-url is on this machine'
    })
    expect(checkSecretDestination('http://example.com/u', { loopbackHttp: true })).toMatchObject({ ok: false })
    expect(checkSecretDestination('file:///etc/passwd', { loopbackHttp: true })).toMatchObject({ ok: false })
    expect(checkSecretDestination('https://u:p@example.com/', { loopbackHttp: true })).toMatchObject({ ok: false })
    expect(checkSecretDestination(42, { loopbackHttp: true })).toEqual({ ok: false, reason: 'is not a string' })
  })
})

describe('readLimited', () => {
  it('reads a body within its limits', async () => {
    const body = await readLimited(Readable.from([Buffer.from('ab'), Buffer.from('c')]), { what: 'x', maxBytes: 3 })
    expect(body.toString()).toBe('abc')
  })

  it('stops at the cap with a transient error, and destroys the stream', async () => {
    const stream = Readable.from(
      (function* () {
        for (;;) yield Buffer.alloc(1024)
      })()
    )
    const error = await readLimited(stream, { what: 'getJobStatus', maxBytes: 10_000 }).catch((e) => e)
    expect(error).toBeInstanceOf(TransientError)
    expect(error.message).toBe('getJobStatus: the answer is larger than 9.8 KiB; not read further')
    expect(stream.destroyed).toBe(true)
  })

  it('ends a trickle at the time limit', async () => {
    const stream = new Readable({ read() {} })
    const timer = setInterval(() => stream.push('x'), 5)
    const error = await readLimited(stream, { what: 'upload', maxBytes: 1000, timeoutMs: 50 }).catch((e) => e)
    clearInterval(timer)
    expect(error).toBeInstanceOf(TransientError)
    expect(error.message).toBe('upload: the answer did not end within 50 ms')
  })
})

describe("AppSync's errors", () => {
  it('reads an unknown field in graphql-js and graphql-java words', () => {
    const js = new ApiError('x failed: Cannot query field "startRetrainingJob" on type "Mutation".', 'x')
    const java = new ApiError(
      "x failed: Validation error of type FieldUndefined: Field 'startRetrainingJob' in type 'Mutation' is undefined @ 'startRetrainingJob'",
      'x'
    )
    expect(isUnknownField(js, 'startRetrainingJob')).toBe(true)
    expect(isUnknownField(java, 'startRetrainingJob')).toBe(true)
    expect(isUnknownField(java, 'startTrainingJob')).toBe(false)
  })

  it('tells a failed resolver from a refusal', () => {
    expect(isResolverFault({ message: 'Task timed out after 30.03 seconds', errorType: 'Lambda:Unhandled' })).toBe(true)
    expect(isResolverFault({ message: 'Execution timed out.', errorType: 'ExecutionTimeout' })).toBe(true)
    expect(isResolverFault({ message: 'job x already started', errorType: 'ConflictException' })).toBe(false)
  })

  it('uses a status whose other fields failed, and waits out one without a statusEnum', () => {
    expect(checkJobStatus({ statusEnum: 'done', finished: null }, [{ message: 'e' }], 'getJobStatus')).toMatchObject({
      statusEnum: 'done'
    })
    expect(() => checkJobStatus({ statusEnum: null }, [{ message: 'e' }], 'getJobStatus')).toThrow(TransientError)
  })

  it('leaves out null models and counts them', () => {
    const model = { vendor: 'v', version: '1', name: 'n', url: 'https://a/m', modelCard: 'https://a/c' }
    expect(checkModels([model, null], { operation: 'getRetrainedModels', loopbackHttp: false })).toEqual({
      models: [model],
      missing: 1
    })
  })
})
