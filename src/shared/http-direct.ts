// Requests without a proxy, on Node's own http and https clients (taken when first used,
// builtins.ts): they are part of Node, so a run reaches its first request without loading and
// compiling an HTTP library (undici, bundled, costs ~60 ms of start-up; the proxy path in
// http-proxied.ts still uses it, loaded only then).
import type { Agent, ClientRequest } from 'node:http'
import { nodeHttpClient } from './builtins.js'
import type { HttpAnswer, HttpRequest } from './http-types.js'

const agents = new Map<string, Agent>()

/** One keep-alive pool per protocol for the run; closeDirect ends them. */
function agentFor(protocol: string): Agent {
  let agent = agents.get(protocol)
  if (!agent) {
    agent = new (nodeHttpClient(protocol).Agent)({ keepAlive: true })
    agents.set(protocol, agent)
  }
  return agent
}

/** The error of a request that made no progress for `ms`: a timeout, as a signal's would be. */
function idleTimeout(ms: number): Error {
  return Object.assign(new Error(`nothing was sent or received for ${ms} ms`), { name: 'TimeoutError' })
}

/**
 * Sends one request and resolves with the answer's status and headers as soon as they arrive; its
 * body is read by the caller. Redirects are answered as they are (Node's client follows none).
 */
export function sendDirect(url: URL, request: HttpRequest): Promise<HttpAnswer> {
  const { method, headers, body, signal, idleTimeoutMs } = request
  return new Promise<HttpAnswer>((resolve, reject) => {
    const sent = nodeHttpClient(url.protocol).request(url, { method, headers, agent: agentFor(url.protocol), signal })
    // kept after the answer: a later failure (the body broken off) must not go unheard; a
    // cancelled request fails with the signal's reason, as fetch's does
    sent.on('error', (error) => reject(signal?.aborted ? signal.reason : error))
    sent.once('response', (answer) =>
      resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: answer })
    )
    if (idleTimeoutMs !== undefined) sent.setTimeout(idleTimeoutMs, () => sent.destroy(idleTimeout(idleTimeoutMs)))
    writeBody(sent, body).catch((error: unknown) => sent.destroy(error as Error))
  })
}

/** A body known whole is sent at once; one made as it goes, a chunk at a time. */
async function writeBody(sent: ClientRequest, body: HttpRequest['body']): Promise<void> {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
    sent.end(body)
    return
  }
  for await (const chunk of body) {
    // the next chunk is asked for only once this one is in the kernel's hands: its maker may
    // reuse the buffer then (upload-body.ts)
    await new Promise<void>((resolve, reject) => sent.write(chunk, (error) => (error ? reject(error) : resolve())))
  }
  sent.end()
}

/** Ends the pools: their idle connections are closed. */
export function closeDirect(): void {
  for (const agent of agents.values()) agent.destroy()
  agents.clear()
}
