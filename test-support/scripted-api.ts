// A scriptable server on loopback for the hostile-server tests. In front of the local Tiyaro
// server it passes GraphQL requests on, except that a script can rewrite or replace the answer
// of a root field (a job ID, a model name or an error text that a compromised service would
// send). On its own it answers every request with a handler (a storage endpoint that echoes
// what S3 puts in its error bodies).
import { afterAll } from '@jest/globals'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ScriptedAnswer {
  readonly status?: number
  /** a JSON answer (application/json) */
  readonly json?: unknown
  /** a raw answer, with `contentType` (text/plain by default) */
  readonly body?: string
  readonly contentType?: string
}

/** Given the real answer's JSON (undefined when it was not JSON) and the request, the answer to send. */
export type AnswerScript = (real: unknown, request: ScriptedRequest) => ScriptedAnswer

export interface ScriptedRequest {
  readonly method: string
  /** path and query as received */
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

export interface ScriptedServer {
  readonly url: string
  readonly requests: readonly ScriptedRequest[]
  close(): Promise<void>
}

/** A server that answers every request with `handle`. */
export async function startScriptedServer(
  handle: (request: ScriptedRequest) => ScriptedAnswer | Promise<ScriptedAnswer>
): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const request = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8')
      }
      requests.push(request)
      Promise.resolve(handle(request))
        .then((answer) => send(res, answer))
        .catch((error: unknown) => send(res, { status: 500, body: String(error) }))
    })
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

function send(res: http.ServerResponse, answer: ScriptedAnswer): void {
  const isJson = answer.json !== undefined
  const body = isJson ? JSON.stringify(answer.json) : (answer.body ?? '')
  res.writeHead(answer.status ?? 200, {
    'content-type': isJson ? 'application/json' : (answer.contentType ?? 'text/plain'),
    'content-length': Buffer.byteLength(body)
  })
  res.end(body)
}

/** The root field a GraphQL document asks for first, e.g. newJobID or getRetrainedModels. */
export function rootField(body: string): string | undefined {
  try {
    const query = (JSON.parse(body) as { query?: unknown }).query
    return typeof query === 'string' ? /^[^{]*\{\s*(?:\w+\s*:\s*)?(\w+)/.exec(query)?.[1] : undefined
  } catch {
    return undefined
  }
}

/**
 * A GraphQL endpoint that passes requests on to `graphqlUrl` and lets `scripts[rootField]`
 * make the answer from the real one. Its `url` is the endpoint (use it as api-url).
 */
export async function startScriptedApi(
  graphqlUrl: string,
  scripts: Readonly<Record<string, AnswerScript>>
): Promise<ScriptedServer> {
  const server = await startScriptedServer(async (request) => {
    const forwarded = await fetch(graphqlUrl, {
      method: request.method,
      headers: { 'content-type': 'application/json', authorization: String(request.headers.authorization ?? '') },
      body: request.method === 'GET' ? undefined : request.body
    })
    const text = await forwarded.text()
    const script = scripts[rootField(request.body) ?? '']
    if (!script) return { status: forwarded.status, body: text, contentType: 'application/json' }
    let real: unknown
    try {
      real = JSON.parse(text)
    } catch {
      real = undefined
    }
    return script(real, request)
  })
  return { ...server, url: `${server.url}/graphql`, requests: server.requests, close: server.close }
}

/** Scripted servers for the block (see fixtures.ts): each started in a test, all closed in afterAll. */
export function useScriptedServers(): {
  server: typeof startScriptedServer
  api: typeof startScriptedApi
} {
  const started: ScriptedServer[] = []
  afterAll(async () => {
    await Promise.all(started.splice(0).map((server) => server.close()))
  })
  const keep = async (starting: Promise<ScriptedServer>): Promise<ScriptedServer> => {
    const server = await starting
    started.push(server)
    return server
  }
  return {
    server: (handle) => keep(startScriptedServer(handle)),
    api: (graphqlUrl, scripts) => keep(startScriptedApi(graphqlUrl, scripts))
  }
}
