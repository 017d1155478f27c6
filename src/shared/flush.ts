// Both faces end the process themselves, so that a socket a library left open cannot keep it
// alive; first their output must be out: a pipe takes writes asynchronously, and process.exit()
// drops whatever is still queued.

const FLUSH_LIMIT_MS = 30_000

/** Resolves once everything written to the stream so far has been flushed (or the stream is gone). */
export function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve()
    stream.once('error', () => resolve())
    // a write's callback runs once it and every write queued before it are flushed
    stream.write('', () => resolve())
    // a reader that never reads again must not hold the process forever
    setTimeout(resolve, FLUSH_LIMIT_MS).unref()
  })
}

/** Exits with `code` (else process.exitCode) once stdout and stderr are flushed. */
export async function exitWhenFlushed(code?: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)])
  // process.exit(undefined) exits 0 on Node 24, whatever process.exitCode says
  process.exit(code ?? process.exitCode)
}
