// A few buffers that go round between the one who fills them and the one who reads them, so a
// pass over gigabytes allocates three buffers and leaves nothing for the garbage collector.
//
// The reader is an async iterable, and a buffer comes back to be filled again when the reader
// asks for the next one. That is when the reader is done with it: the upload writes each chunk of
// a request body to the socket and pulls the next only after the socket took it (Node's client:
// the write's callback; undici, behind a proxy: `drain`, which every write of a chunk larger than
// the socket's 64 KiB high-water mark waits for); a loop that only drains is done at once.
export interface Chunk {
  readonly buffer: Buffer
  /** bytes of the buffer that hold data: all of them, except in the last chunk */
  readonly length: number
}

export class BufferPool implements AsyncIterable<Buffer> {
  readonly #free: Buffer[]
  readonly #ready: Chunk[] = []
  #ended = false
  /** why the pool stopped early: the filler failed, or the reader left */
  #stopped: { readonly reason: unknown } | undefined
  #wakeFiller: (() => void) | undefined
  #wakeReader: (() => void) | undefined

  constructor(count: number, bytes: number) {
    this.#free = Array.from({ length: count }, () => Buffer.allocUnsafe(bytes))
  }

  get stopped(): boolean {
    return this.#stopped !== undefined
  }

  /** A buffer to fill; waits until the reader gives one back. Throws once the pool stopped. */
  async take(): Promise<Buffer> {
    for (;;) {
      if (this.#stopped) throw this.#stopped.reason
      const buffer = this.#free.pop()
      if (buffer) return buffer
      await new Promise<void>((resolve) => (this.#wakeFiller = resolve))
    }
  }

  /** Hands a filled buffer to the reader; `last` ends the data after it. */
  push(chunk: Chunk, last = false): void {
    if (this.#stopped) throw this.#stopped.reason
    this.#ready.push(chunk)
    if (last) this.#ended = true
    this.#wake()
  }

  /** Stops both sides: the filler's next take() and the reader's next step throw `reason`. */
  stop(reason: unknown): void {
    this.#stopped ??= { reason }
    this.#wake()
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    let given: Buffer | undefined
    try {
      for (;;) {
        // the reader asked for the next chunk: it is done with the one before
        if (given) this.#free.push(given)
        given = undefined
        this.#wake()
        const chunk = await this.#next()
        if (!chunk) return
        given = chunk.buffer
        yield chunk.length === chunk.buffer.length ? chunk.buffer : chunk.buffer.subarray(0, chunk.length)
      }
    } finally {
      // a reader that leaves before the end (an aborted request) stops the filler too
      if (!this.#ended || this.#ready.length > 0) this.stop(new Error('the reader stopped before the end'))
    }
  }

  async #next(): Promise<Chunk | undefined> {
    for (;;) {
      // a failure goes first: not one more byte once the data is known to be wrong
      if (this.#stopped) throw this.#stopped.reason
      const chunk = this.#ready.shift()
      if (chunk) return chunk
      if (this.#ended) return undefined
      await new Promise<void>((resolve) => (this.#wakeReader = resolve))
    }
  }

  #wake(): void {
    const filler = this.#wakeFiller
    const reader = this.#wakeReader
    this.#wakeFiller = this.#wakeReader = undefined
    filler?.()
    reader?.()
  }
}
