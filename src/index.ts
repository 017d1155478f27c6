// The action's entry. It ends the process itself, so that a socket a library left open cannot
// keep the step alive, but only once stdout and stderr have handed every byte to the runner: a
// pipe takes writes asynchronously, and process.exit() drops whatever is still queued.
import { run } from './main.js'

const FLUSH_LIMIT_MS = 30_000

/** Resolves once everything written to the stream so far has been flushed (or the stream is gone). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve()
    stream.once('error', () => resolve())
    // a write's callback runs once it and every write queued before it are flushed
    stream.write('', () => resolve())
    // a reader that never reads again must not hold the step forever
    setTimeout(resolve, FLUSH_LIMIT_MS).unref()
  })
}

await run()
await Promise.all([flushed(process.stdout), flushed(process.stderr)])
process.exit()
