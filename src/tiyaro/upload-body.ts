// The body of the upload: bytes made on demand for each try (the zip is written into the
// request as it is sent, not read back from a file), with a Content-Length known up front.
//
// The request pulls the body (an async iterable) one chunk at a time and asks for the next only
// once the socket took the one before (shared/http-direct.ts), so the maker may reuse its buffers and memory stays flat with
// no help from the garbage collector. exactBody holds the body to its Content-Length.

/** What one try of the upload sends; read it once. */
export interface UploadPass<T> extends AsyncIterable<Uint8Array> {
  /** settles when the maker is done: what it made (e.g. the zip's sha256), or why it failed */
  readonly result: Promise<T>
  /** why the maker failed on its own side (not the network's), if it did: the try's error */
  readonly failure: unknown
  /** stops the maker; a no-op once it ended */
  cancel(reason?: unknown): void
}

/** Makes a fresh pass for each try; every pass has the same bytes. */
export interface UploadSource<T> {
  /** Content-Length */
  readonly bytes: number
  pass(): UploadPass<T>
}

/** The error of a body that does not keep to its Content-Length (a bug of the maker, not the network). */
export class BodyLengthError extends Error {
  override name = 'BodyLengthError'
}

/**
 * The pass's bytes, one chunk at a time as they come (the maker reuses a chunk's buffer once the
 * next is asked for, so none is held back here), stopped before a byte past `bytes` goes out.
 * A body that ends short fails here too; no client would complete such a request either.
 * `onProgress` hears the bytes the socket took so far.
 */
export async function* exactBody(
  pass: AsyncIterable<Uint8Array>,
  bytes: number,
  onProgress?: (sentBytes: number) => void
): AsyncGenerator<Uint8Array> {
  let sent = 0
  onProgress?.(0)
  for await (const chunk of pass) {
    sent += chunk.length
    if (sent > bytes) throw new BodyLengthError(`the body goes past its Content-Length of ${bytes} bytes`)
    yield chunk
    // asked for the next chunk: the socket took this one
    onProgress?.(sent)
  }
  if (sent !== bytes)
    throw new BodyLengthError(`the body ended after ${sent} bytes, not its Content-Length of ${bytes}`)
}
