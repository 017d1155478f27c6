// The local server's storage side over the wire with its default SigV4 URLs: what it stores, what it
// refuses and how (S3's status, code and XML), with keys that need escaping and requests written
// byte for byte.
import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { connect } from 'node:net'
import { request } from 'undici'
import type { TiyaroServer } from '../../server/tiyaro-server.js'
import { storedBytes, useTestServers } from '../../test-support/server-fixture.js'

const start = useTestServers()

async function call(server: TiyaroServer, query: string, variables: Record<string, unknown>): Promise<unknown> {
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: server.apiKey },
    body: JSON.stringify({ query, variables })
  })
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown }
  if (!body.data) throw new Error(JSON.stringify(body.errors))
  return Object.values(body.data)[0]
}

/** A new job and a presigned URL for `objName` in it. */
async function uploadUrl(server: TiyaroServer, objName = 'data.zip'): Promise<{ jobID: string; url: string }> {
  const jobID = (await call(server, 'mutation ($t: JobType) { newJobID(jobType: $t) }', { t: 'dreambooth' })) as string
  const url = (await call(server, 'query ($j: String, $o: String) { getJobInputURL(jobID: $j, objName: $o) }', {
    j: jobID,
    o: objName
  })) as string
  return { jobID, url }
}

/** Sends a request exactly as written (fetch and undici would frame or escape it their way). */
async function rawRequest(server: TiyaroServer, head: string, body = ''): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(server.url)
  const socket = connect(Number(port), hostname)
  // written, not ended: a half-closed socket makes Node's server drop the request before it answers;
  // Connection: close has the server close it once the answer is out
  socket.write(`${head}\r\nConnection: close\r\n\r\n${body}`)
  let answer = ''
  for await (const chunk of socket) answer += String(chunk)
  return { status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1]), text: answer }
}

/** request-target and Host of a URL, as it was issued (no parsing, no re-escaping). */
function targetOf(url: string): { target: string; host: string } {
  const match = /^http:\/\/([^/]+)(\/.*)$/.exec(url)!
  return { host: match[1]!, target: match[2]! }
}

const PREFIX = 'users/user+tag@example.com/100% done é 😀/'
const ZIP = Buffer.from('PK\u0005\u0006'.padEnd(22, '\u0000'), 'latin1')

describe('SigV4 uploads (the default)', () => {
  it('stores an object whose key holds a space, +, %, é and an emoji, sent as undici sends it', async () => {
    const server = await start({ uploadKeyPrefix: PREFIX })
    const { jobID, url } = await uploadUrl(server)
    const path = new URL(url).pathname
    expect(path).toBe(`/upload/users/user%2Btag%40example.com/100%25%20done%20%C3%A9%20%F0%9F%98%80/${jobID}/data.zip`)
    const response = await request(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(ZIP.length) },
      body: ZIP
    })
    expect(response.statusCode).toBe(200)
    await response.body.text()
    expect(response.headers.etag).toBe(`"${createHash('md5').update(ZIP).digest('hex')}"`)
    expect(server.job(jobID)?.uploads).toEqual([expect.objectContaining({ objName: 'data.zip', size: ZIP.length })])
    expect(await storedBytes(server, jobID)).toEqual([ZIP])
    const entry = server.requests.find((request) => request.kind === 'upload')
    expect(entry).toMatchObject({ path, authorized: true, status: 200, upload: { objName: 'data.zip', stored: true } })
  })

  it('refuses the URL with a path byte or a query parameter changed, with S3 XML, and stores nothing', async () => {
    const server = await start({ uploadKeyPrefix: PREFIX })
    const { jobID, url } = await uploadUrl(server)
    const { host, target } = targetOf(url)
    const headers = `Host: ${host}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${ZIP.length}`
    const good = await rawRequest(server, `PUT ${target} HTTP/1.1\r\n${headers}`, ZIP.toString('latin1'))
    expect(good.status).toBe(200)
    for (const changed of [
      target.replace('user%2Btag', 'user+tag'),
      target.replace('%C3%A9', '%c3%a9'),
      target.replace('data.zip', 'data2.zip'),
      target.replace('X-Amz-Expires=900', 'X-Amz-Expires=901')
    ]) {
      expect(changed).not.toBe(target)
      const answer = await rawRequest(server, `PUT ${changed} HTTP/1.1\r\n${headers}`, ZIP.toString('latin1'))
      expect(answer.status).toBe(403)
      expect(answer.text).toMatch(/\r\ncontent-type: application\/xml\r\n/i)
      expect(answer.text).toMatch(/\r\nx-amz-request-id: [0-9A-F]{16}\r\n/i)
      expect(answer.text).toMatch(
        /\r\n\r\n<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>SignatureDoesNotMatch<\/Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.<\/Message><AWSAccessKeyId>AKIA[A-Z2-7]{16}<\/AWSAccessKeyId>/
      )
    }
    expect(server.job(jobID)?.uploads).toHaveLength(1)
    const uploads = server.requests.filter((entry) => entry.kind === 'upload')
    expect(uploads.map((entry) => [entry.status, entry.authorized, entry.upload?.stored])).toEqual([
      [200, true, true],
      ...Array.from({ length: 4 }, () => [403, false, false])
    ])
    // the log keeps no part of the URL's credential
    const signature = new URL(url).searchParams.get('X-Amz-Signature')!
    const credential = new URL(url).searchParams.get('X-Amz-Credential')!
    expect(JSON.stringify(server.requests)).not.toContain(signature)
    expect(JSON.stringify(server.requests)).not.toContain(credential.split('/')[0])
  })

  it('answers a chunked body 501 NotImplemented and a PUT without length 411 MissingContentLength', async () => {
    const server = await start()
    const { jobID, url } = await uploadUrl(server)
    const chunked = await fetch(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(ZIP)
          controller.close()
        }
      }),
      duplex: 'half'
    } as RequestInit)
    expect(chunked.status).toBe(501)
    expect(await chunked.text()).toContain(
      '<Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented</Message><Header>Transfer-Encoding</Header>'
    )
    const { host, target } = targetOf(url)
    const unframed = await rawRequest(
      server,
      `PUT ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/octet-stream`
    )
    expect(unframed.status).toBe(411)
    expect(unframed.text).toContain('<Code>MissingContentLength</Code>')
    expect(server.job(jobID)?.uploads).toEqual([])
  })

  it("refuses another server's URL as InvalidAccessKeyId: each server has its own made-up credentials", async () => {
    const [first, second] = [await start(), await start()]
    const { url } = await uploadUrl(first)
    const credential = new URL(url).searchParams.get('X-Amz-Credential')!
    expect(credential).toMatch(/^AKIA[A-Z2-7]{16}\/\d{8}\/us-east-1\/s3\/aws4_request$/)
    const elsewhere = url.replace(first.url, second.url)
    const response = await fetch(elsewhere, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: ZIP
    })
    expect(response.status).toBe(403)
    expect(await response.text()).toContain('<Code>InvalidAccessKeyId</Code>')
  })
})
