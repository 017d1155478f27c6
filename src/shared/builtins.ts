// Node's modules that a run needs only once it gets there (HTTP, hashing, CRC-32, random names),
// taken when first used instead of at start-up: loading node:crypto alone costs ~10 ms, and a
// static import is loaded before the first line of the action runs.
export function nodeCrypto(): typeof import('node:crypto') {
  return process.getBuiltinModule('node:crypto')
}

export function nodeZlib(): typeof import('node:zlib') {
  return process.getBuiltinModule('node:zlib')
}

/**
 * Node's http client, or its https one for an https URL (TLS loaded only then). Not an ESM
 * import either way: the namespace of node:http has WebSocket getters that load Node's internal
 * undici (~60 ms on Node 24).
 */
export function nodeHttpClient(protocol: string): typeof import('node:http') {
  return process.getBuiltinModule(protocol === 'https:' ? 'node:https' : 'node:http') as typeof import('node:http')
}
