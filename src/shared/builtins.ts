// Node's modules that a run needs only after its first request (hashing, CRC-32, random names),
// taken when first used instead of at start-up: loading node:crypto alone costs ~10 ms, and a
// static import is loaded before the first line of the action runs.
export function nodeCrypto(): typeof import('node:crypto') {
  return process.getBuiltinModule('node:crypto')
}

export function nodeZlib(): typeof import('node:zlib') {
  return process.getBuiltinModule('node:zlib')
}
