// The body of the upload: the zip read from disk in chunks, with the memory of the chunks
// already sent kept from piling up.
//
// Each chunk read is a new Buffer, dead once the socket has taken it. V8 frees a dead Buffer's
// memory only at a garbage collection, and starts one for that memory alone only once some
// 64 MB of it has built up: streaming a 1 GB zip would hold that much in dead chunks at times,
// as much as the rest of the action. A collection every 16 MiB sent, and one at the end, keeps
// the peak flat, for a few milliseconds each (the heap is small). The body's bytes are the
// file's either way.
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

const CHUNK_BYTES = 1024 * 1024
const COLLECT_EVERY_BYTES = 16 * 1024 * 1024

/** A fresh stream of the file's bytes for each try of the upload. */
export function uploadBody(path: string): Readable {
  return Readable.from(chunksOf(path), { objectMode: false })
}

async function* chunksOf(path: string): AsyncGenerator<Buffer> {
  const collect = garbageCollector()
  let sinceCollection = 0
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
    yield chunk as Buffer
    sinceCollection += (chunk as Buffer).length
    if (collect && sinceCollection >= COLLECT_EVERY_BYTES) {
      sinceCollection = 0
      collect()
    }
  }
  // the last chunks too, before the rest of the run builds on top of them
  collect?.()
}

let collector: (() => void) | null | undefined

/**
 * V8's gc(), taken at run time the way Jest's leak detector takes it: the flag is set, a new
 * context gets the function, the flag is cleared again. Null where that is not possible; the
 * upload works the same, with more memory.
 */
function garbageCollector(): (() => void) | null {
  if (collector !== undefined) return collector
  const exposed = (globalThis as { gc?: unknown }).gc
  if (typeof exposed === 'function') return (collector = () => (exposed as () => void)())
  try {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as unknown
    setFlagsFromString('--no-expose-gc')
    collector = typeof gc === 'function' ? () => (gc as () => void)() : null
  } catch {
    collector = null
  }
  return collector
}
