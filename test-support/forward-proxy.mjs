// A small HTTP forward proxy, run as its own process by the proxy tests: it tunnels CONNECT
// and forwards absolute-URI requests, and prints one JSON line per connection so the test can
// see which hosts went through it and how many bytes each way.
// With `--auth user:password` it wants those credentials (Proxy-Authorization: Basic) and answers
// anything else with 407, as a corporate proxy does.
// Usage: node test-support/forward-proxy.mjs [--auth user:password] → prints {"listening": <port>} first.
import { createServer, request } from 'node:http'
import { connect } from 'node:net'

const log = (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`)

const authIndex = process.argv.indexOf('--auth')
const expected = authIndex > 0 ? `Basic ${Buffer.from(process.argv[authIndex + 1]).toString('base64')}` : undefined
/** True when the request may pass; else it has been answered with 407. */
const authorized = (req, answer) => {
  if (!expected || req.headers['proxy-authorization'] === expected) return true
  log({ kind: 'refused', status: 407, host: req.url })
  answer(
    'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n'
  )
  return false
}

const server = createServer((clientReq, clientRes) => {
  if (!authorized(clientReq, () => clientRes.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="test"' }).end()))
    return
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
  if (!authorized(req, (answer) => clientSocket.end(answer))) return
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
