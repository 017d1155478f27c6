// A small HTTP forward proxy, run as its own process by the proxy tests: it tunnels CONNECT
// and forwards absolute-URI requests, and prints one JSON line per connection so the test can
// see which hosts went through it and how many bytes each way.
// Usage: node test-support/forward-proxy.mjs  → prints {"listening": <port>} first.
import { createServer, request } from 'node:http'
import { connect } from 'node:net'

const log = (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`)

const server = createServer((clientReq, clientRes) => {
  // Plain HTTP through the proxy: the request line carries the absolute URL.
  const target = new URL(clientReq.url)
  let sent = 0
  clientReq.on('data', (chunk) => (sent += chunk.length))
  const upstream = request(
    {
      host: target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      method: clientReq.method,
      headers: clientReq.headers
    },
    (upstreamRes) => {
      clientRes.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers)
      upstreamRes.pipe(clientRes)
      upstreamRes.on('end', () => log({ kind: 'forward', method: clientReq.method, host: target.host, sent }))
    }
  )
  upstream.on('error', () => clientRes.destroy())
  clientReq.pipe(upstream)
})

server.on('connect', (req, clientSocket, head) => {
  const [host, port] = req.url.split(/:(?=\d+$)/)
  let sent = head.length
  let received = 0
  const upstream = connect(Number(port), host.replace(/^\[|\]$/g, ''), () => {
    clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    if (head.length > 0) upstream.write(head)
    clientSocket.on('data', (chunk) => (sent += chunk.length))
    upstream.on('data', (chunk) => (received += chunk.length))
    clientSocket.pipe(upstream)
    upstream.pipe(clientSocket)
  })
  const done = () => log({ kind: 'connect', host: req.url, sent, received })
  upstream.once('close', done)
  upstream.on('error', () => clientSocket.destroy())
  clientSocket.on('error', () => upstream.destroy())
})

server.listen(0, '127.0.0.1', () => log({ listening: server.address().port }))
process.on('SIGTERM', () => process.exit(0))
