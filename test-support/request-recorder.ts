// A loopback server that answers every request with 200 and records it: the place a hostile
// redirect or URL points to, so a test can prove that nothing (no API key, no upload) reached it.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
}

export interface RequestRecorder {
  readonly url: string
  readonly requests: readonly RecordedRequest[]
  close(): Promise<void>
}

export async function startRequestRecorder(): Promise<RequestRecorder> {
  const requests: RecordedRequest[] = []
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers })
    req.resume()
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"data":{}}'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
