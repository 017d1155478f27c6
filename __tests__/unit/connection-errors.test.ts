// The words for a service that cannot be reached, from real failed requests: a closed port, a
// plain-http port spoken to in TLS, a server that never answers, and a name that does not resolve
// (node:dns answering ENOTFOUND for it, so no name server is asked).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import dns from 'node:dns'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createTcpServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import {
  SEED_API_URL,
  connectionCause,
  connectionFailureMessage,
  isSeedEndpoint
} from '../../src/shared/connection-errors.js'
import { closeHttp, fetchLimited } from '../../src/shared/http.js'

let httpServer: Server
let silent: ReturnType<typeof createTcpServer>
const sockets: Socket[] = []
let closedPort: number

const portOf = (server: { address(): unknown }): number => (server.address() as AddressInfo).port

beforeAll(async () => {
  httpServer = createHttpServer((_req, res) => res.end('{}'))
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
  // accepts and never answers
  silent = createTcpServer((socket) => sockets.push(socket))
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const probe = createTcpServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  closedPort = portOf(probe)
  await new Promise<void>((resolve) => probe.close(() => resolve()))
})

afterAll(async () => {
  await closeHttp()
  for (const socket of sockets) socket.destroy()
  await Promise.all([
    new Promise((resolve) => httpServer.close(resolve)),
    new Promise((resolve) => silent.close(resolve))
  ])
})

/** What a request to `url` throws. */
async function failureOf(url: string, timeoutMs = 5000): Promise<unknown> {
  try {
    await fetchLimited(url, { method: 'POST', body: '{}' }, { what: 'test', maxBytes: 1024, timeoutMs })
  } catch (error) {
    return error
  }
  throw new Error(`${url} answered`)
}

describe('connectionCause: real failures in words', () => {
  const realLookup = dns.lookup
  afterEach(() => {
    dns.lookup = realLookup
  })

  it('a closed port: connection refused', async () => {
    const error = await failureOf(`http://127.0.0.1:${closedPort}/graphql`)
    expect(connectionCause(error)).toBe('connection refused, nothing listens on that port (ECONNREFUSED)')
  })

  it('TLS to a plain-http port: a TLS error', async () => {
    const error = await failureOf(`https://127.0.0.1:${portOf(httpServer)}/graphql`)
    expect(connectionCause(error)).toMatch(/^TLS error: .* \((ERR_SSL_[A-Z_]+)\)$/)
  })

  it('no answer within the request timeout: timed out', async () => {
    const error = await failureOf(`http://127.0.0.1:${portOf(silent)}/graphql`, 300)
    expect(connectionCause(error)).toBe('timed out: no answer within the request timeout')
  })

  it('a name that does not resolve', async () => {
    const fakeLookup = (hostname: string, options: unknown, callback?: (error: Error) => void): void => {
      const done = (typeof options === 'function' ? options : callback) as (error: Error) => void
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname })
      process.nextTick(() => done(error))
    }
    dns.lookup = fakeLookup as typeof dns.lookup
    const error = await failureOf('https://retrain.example.com/graphql')
    expect(connectionCause(error)).toBe('the name does not resolve (ENOTFOUND)')
  })

  it("a port fetch refuses (X11's 6000, IRC's 6665-6669, …) is used like any other", async () => {
    // browsers' list of bad ports is fetch's, not ours: a user's service may listen there
    const server = createHttpServer((_req, res) => res.end('{"ok":true}'))
    let port: number | undefined
    for (const candidate of [6000, 6665, 6666, 6667, 6668, 6669, 6697, 10080]) {
      const listening = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false))
        server.listen(candidate, '127.0.0.1', () => resolve(true))
      })
      if (listening) {
        port = candidate
        break
      }
    }
    expect(port).toBeDefined()
    try {
      const answer = await fetchLimited(
        `http://127.0.0.1:${port}/graphql`,
        { method: 'POST', body: '{}' },
        {
          what: 'test',
          maxBytes: 1024
        }
      )
      expect([answer.status, answer.body.toString()]).toEqual([200, '{"ok":true}'])
    } finally {
      await closeHttp()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('is undefined for what is no connection failure', () => {
    expect(connectionCause(new Error('Unexpected token < in JSON'))).toBeUndefined()
    expect(connectionCause(Object.assign(new Error('no such file'), { code: 'ENOENT' }))).toBeUndefined()
  })

  it('names the certificate problems people meet', () => {
    const tls = (code: string): unknown => Object.assign(new TypeError('fetch failed'), { cause: { code } })
    expect(connectionCause(tls('DEPTH_ZERO_SELF_SIGNED_CERT'))).toBe(
      'TLS error: its certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT)'
    )
    expect(connectionCause(tls('CERT_HAS_EXPIRED'))).toBe('TLS error: its certificate has expired (CERT_HAS_EXPIRED)')
    expect(connectionCause(tls('ERR_TLS_CERT_ALTNAME_INVALID'))).toBe(
      'TLS error: its certificate is for another host name (ERR_TLS_CERT_ALTNAME_INVALID)'
    )
  })
})

describe('connectionFailureMessage', () => {
  const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })

  it('names the operation, the host and port, and the cause', () => {
    expect(connectionFailureMessage('newJobID', 'https://retrain.example.com:8443/graphql', refused, {})).toBe(
      'newJobID: connection failed: cannot reach retrain.example.com:8443: connection refused, nothing listens on that port (ECONNREFUSED).'
    )
  })

  it('never shows the path or query of the URL (a presigned URL is a credential)', () => {
    const url =
      'https://bucket.s3.example.com/job-1/data.zip?X-Amz-Signature=abcdef0123456789abcdef&X-Amz-Credential=AKIA'
    const message = connectionFailureMessage('upload', url, refused, {})!
    expect(message).toContain('bucket.s3.example.com')
    expect(message).not.toMatch(/job-1|data\.zip|Signature|abcdef0123456789|AKIA/)
  })

  it('says when a proxy is in the way, without its URL (it may hold a password)', () => {
    const env = { HTTPS_PROXY: 'http://user:pa55word@proxy.example.com:3128' }
    const message = connectionFailureMessage('newJobID', 'https://retrain.example.com/graphql', refused, env)!
    expect(message).toContain('cannot reach retrain.example.com through the proxy (HTTPS_PROXY)')
    expect(message).not.toMatch(/pa55word|proxy\.example\.com/)
  })

  it("adds, for the seed's endpoint only, that it no longer answers and what to do", () => {
    const notFound = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } })
    expect(connectionFailureMessage('newJobID', SEED_API_URL, notFound, {})).toBe(
      `newJobID: connection failed: cannot reach ${new URL(SEED_API_URL).host}: the name does not resolve (ENOTFOUND). ` +
        "This is the seed's hosted Tiyaro endpoint, which no longer answers: set api-url to the GraphQL endpoint of a compatible service."
    )
    expect(isSeedEndpoint(`${SEED_API_URL}/`)).toBe(true)
    expect(isSeedEndpoint(SEED_API_URL.replace('https://', 'https://a'))).toBe(false)
    expect(connectionFailureMessage('newJobID', 'https://retrain.example.com/graphql', notFound, {})).not.toContain(
      'seed'
    )
  })

  it('is undefined for an error that is no connection failure', () => {
    expect(connectionFailureMessage('newJobID', SEED_API_URL, new Error('HTTP 400'), {})).toBeUndefined()
  })
})
