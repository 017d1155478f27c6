import { describe, expect, it } from '@jest/globals'
import { ProxyError, bodyGist, classifyRequestError, proxyFor, transientStatusError } from '../../src/shared/http.js'
import { TransientError } from '../../src/shared/retry.js'

describe('proxyFor', () => {
  const https = new URL('https://api.example.com/graphql')
  const http = new URL('http://127.0.0.1:8080/graphql')

  it('takes HTTPS_PROXY for https and HTTP_PROXY for http, either case', () => {
    expect(proxyFor(https, { HTTPS_PROXY: 'http://proxy:3128' })).toBe('http://proxy:3128')
    expect(proxyFor(https, { https_proxy: 'http://lower:3128', HTTPS_PROXY: 'http://upper:3128' })).toBe(
      'http://lower:3128'
    )
    expect(proxyFor(https, { HTTP_PROXY: 'http://proxy:3128' })).toBeUndefined()
    expect(proxyFor(http, { HTTP_PROXY: 'proxy:3128' })).toBe('http://proxy:3128')
  })

  it('goes direct to hosts NO_PROXY names: exact, domain suffix, with port, or *', () => {
    const env = { HTTPS_PROXY: 'http://proxy:3128' }
    expect(proxyFor(https, { ...env, NO_PROXY: 'example.com' })).toBeUndefined()
    expect(proxyFor(https, { ...env, NO_PROXY: '.example.com' })).toBeUndefined()
    expect(proxyFor(https, { ...env, NO_PROXY: 'other.org, api.example.com:443' })).toBeUndefined()
    expect(proxyFor(https, { ...env, NO_PROXY: 'api.example.com:8443' })).toBe('http://proxy:3128')
    expect(proxyFor(https, { ...env, NO_PROXY: 'ample.com' })).toBe('http://proxy:3128')
    expect(proxyFor(https, { ...env, no_proxy: '*' })).toBeUndefined()
    expect(proxyFor(new URL('http://[::1]:80/'), { HTTP_PROXY: 'http://p:1', NO_PROXY: '[::1]' })).toBeUndefined()
  })
})

describe('classifying failures', () => {
  it('makes 5xx and 429 transient, with Retry-After', () => {
    expect(transientStatusError('x', 503, null)).toBeInstanceOf(TransientError)
    expect(transientStatusError('x', 429, '3')?.retryAfterMs).toBe(3000)
    expect(transientStatusError('x', 400, null)).toBeUndefined()
    expect(transientStatusError('x', 404, null)).toBeUndefined()
  })

  it('makes connection errors and timeouts transient, but not a cancelled run', () => {
    const reset = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } })
    expect(classifyRequestError(reset, 'x')).toBeInstanceOf(TransientError)
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' })
    expect(classifyRequestError(timeout, 'x')).toBeInstanceOf(TransientError)
    const cancelled = new AbortController()
    cancelled.abort()
    expect(classifyRequestError(timeout, 'x', cancelled.signal)).toBe(timeout)
    const bug = new RangeError('bad')
    expect(classifyRequestError(bug, 'x')).toBe(bug)
  })

  it("reads the proxy's answer to the tunnel: 407 is a refusal, not a lost connection", () => {
    const tunnel = (status: number) =>
      Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error(`Proxy response (${status}) !== 200 when HTTP Tunneling`), {
          code: 'UND_ERR_ABORTED'
        })
      })
    const refused = classifyRequestError(tunnel(407), 'newJobID')
    expect(refused).toBeInstanceOf(ProxyError)
    expect((refused as Error).message).toMatch(
      /^newJobID: proxy authentication required \(the proxy answered HTTP 407\)/
    )
    expect(classifyRequestError(tunnel(403), 'x')).toBeInstanceOf(ProxyError)
    expect(classifyRequestError(tunnel(502), 'x')).toBeInstanceOf(TransientError)
  })

  it('keeps the gist of a body short and without markup', () => {
    expect(bodyGist('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>')).toBe(
      'AccessDenied Request has expired'
    )
    expect(bodyGist('x'.repeat(300))).toHaveLength(201)
  })
})
