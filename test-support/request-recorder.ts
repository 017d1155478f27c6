// A loopback server that answers every request with 200 and records it: the place a hostile
// redirect or URL points to, so a test can prove that nothing (no API key, no upload) reached it.
// It is a scripted server (scripted-api.ts) with one fixed answer.
import { type ScriptedServer, startScriptedServer } from './scripted-api.js'

/** `requests` holds each request that reached it (method, url, headers, body). */
export type RequestRecorder = ScriptedServer

export function startRequestRecorder(): Promise<RequestRecorder> {
  return startScriptedServer(() => ({ json: { data: {} } }))
}
