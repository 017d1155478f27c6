// Requests through the proxy that HTTPS_PROXY / HTTP_PROXY name, on undici's ProxyAgent (the
// tunnel, the proxy's credentials). Imported by http.ts only when a request has a proxy, so a run
// without one never loads undici.
import type { Readable } from 'node:stream'
import { ProxyAgent, request } from 'undici'
import type { HttpAnswer, HttpRequest } from './http-types.js'

const agents = new Map<string, ProxyAgent>()

export async function sendProxied(
  proxy: string,
  url: URL,
  { method, headers, body, signal, idleTimeoutMs }: HttpRequest
): Promise<HttpAnswer> {
  let agent = agents.get(proxy)
  if (!agent) {
    agent = new ProxyAgent(proxy)
    agents.set(proxy, agent)
  }
  const answer = await request(url, {
    method: method as 'GET',
    headers: headers === undefined ? undefined : { ...headers },
    // undici takes an async iterable as its documentation says, though its types leave it out
    body: body as unknown as Readable | string | Uint8Array | undefined,
    dispatcher: agent,
    signal,
    ...(idleTimeoutMs === undefined ? {} : { headersTimeout: idleTimeoutMs, bodyTimeout: idleTimeoutMs })
  })
  return { status: answer.statusCode, headers: answer.headers, body: answer.body }
}

export async function closeProxied(): Promise<void> {
  const all = [...agents.values()]
  agents.clear()
  await Promise.all(all.map((agent) => agent.close().catch(() => undefined)))
}
