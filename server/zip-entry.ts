// One entry of a zip read with yauzl (zip-entries.ts walks the archive): its fields, its local
// header (it must name the file the central directory names), and its data, read as a stream or
// through the archive's reused buffer, its size and CRC-32 checked on the way. yauzl's messages
// for the commonest faults become this project's, as its tests and errMsgs state them.

import { isUtf8 } from 'node:buffer'
import type { FileHandle } from 'node:fs/promises'
import { Transform, type Readable } from 'node:stream'
import { crc32 } from 'node:zlib'
import yauzl from 'yauzl'
import type { DosDateTime, ZipEntry } from './zip-entries.js'

export class ZipFormatError extends Error {
  override name = 'ZipFormatError'
}

const FLAG_ENCRYPTED = 0x0001
const FLAG_UTF8 = 0x0800
const HOST_UNIX = 3

/** Decodes an MS-DOS date/time pair. */
export function decodeDosDateTime(dosDate: number, dosTime: number): DosDateTime {
  return {
    year: 1980 + (dosDate >>> 9),
    month: (dosDate >>> 5) & 0x0f,
    day: dosDate & 0x1f,
    hour: dosTime >>> 11,
    minute: (dosTime >>> 5) & 0x3f,
    second: (dosTime & 0x1f) * 2
  }
}

/** A ZipEntry of yauzl's entry; `file` is the archive's file and read buffer, when it is a file. */
export async function describeEntry(
  zipfile: yauzl.ZipFile,
  raw: yauzl.Entry,
  file: { readonly handle: FileHandle; readonly buffer: Buffer } | undefined
): Promise<ZipEntry> {
  const flags = raw.generalPurposeBitFlag
  const rawName = raw.fileNameRaw
  if (flags & FLAG_UTF8 && !isUtf8(rawName)) {
    throw new ZipFormatError(
      `name ${JSON.stringify(rawName.toString('latin1'))} is flagged UTF-8 but is not valid UTF-8`
    )
  }
  const name = yauzl.getFileNameLowLevel(flags, rawName, raw.extraFields, true)
  const offset = raw.relativeOffsetOfLocalHeader
  const local = await formatErrors(
    () => zipfile.readLocalFileHeaderPromise(raw, { minimal: false }),
    (message) =>
      message.startsWith('file data overflows')
        ? `${name}: data runs past the end of the archive`
        : `${name}: local file header not found at offset ${offset}`
  )
  if (!local.fileName.equals(rawName)) throw new ZipFormatError(`${name}: local file header names a different file`)
  const method = raw.compressionMethod
  const size = raw.uncompressedSize
  const checkReadable = (): void => {
    if (flags & FLAG_ENCRYPTED) throw new ZipFormatError(`${name}: encrypted entries are not supported`)
    if (method !== 0 && method !== 8) {
      throw new ZipFormatError(`${name}: compression method ${method} is not supported (only stored and deflate)`)
    }
    if (method === 0 && raw.compressedSize !== size) {
      throw new ZipFormatError(`${name}: ${raw.compressedSize} bytes, but the directory says ${size}`)
    }
  }
  const openData = async (): Promise<Readable> => {
    checkReadable()
    const stream = await new Promise<Readable>((resolve, reject) =>
      zipfile.openReadStreamLowLevel(
        local.fileDataStart,
        raw.compressedSize,
        0,
        raw.compressedSize,
        method === 8,
        raw.uncompressedSize,
        (error, opened) => (error ? reject(error) : resolve(opened))
      )
    )
    return checkedData(stream, name, method === 8, size, raw.crc32)
  }
  const readData = async (onChunk: (chunk: Buffer) => void): Promise<void> => {
    checkReadable()
    if (!file || method !== 0) {
      for await (const chunk of await openData()) onChunk(chunk as Buffer)
      return
    }
    let actualCrc = 0
    for (let at = 0; at < size;) {
      const wanted = Math.min(file.buffer.length, size - at)
      const { bytesRead } = await file.handle.read(file.buffer, 0, wanted, local.fileDataStart + at)
      if (bytesRead === 0) throw new ZipFormatError(`${name}: data runs past the end of the archive`)
      const piece = file.buffer.subarray(0, bytesRead)
      actualCrc = crc32(piece, actualCrc)
      onChunk(piece)
      at += bytesRead
    }
    checkCrc(name, actualCrc, raw.crc32)
  }
  return {
    name,
    rawName,
    isDirectory: name.endsWith('/'),
    method,
    flags,
    crc32: raw.crc32,
    compressedSize: raw.compressedSize,
    uncompressedSize: raw.uncompressedSize,
    localHeaderOffset: offset,
    dosDate: raw.lastModFileDate,
    dosTime: raw.lastModFileTime,
    modified: decodeDosDateTime(raw.lastModFileDate, raw.lastModFileTime),
    versionNeeded: raw.versionNeededToExtract,
    unixMode: raw.versionMadeBy >>> 8 === HOST_UNIX ? raw.externalFileAttributes >>> 16 : undefined,
    extraFields: raw.extraFields,
    localExtraFields: yauzl.parseExtraFields(local.extraField),
    openData,
    readData,
    data: async () => Buffer.concat(await (await openData()).toArray())
  }
}

/** The entry's bytes, counted and CRC-checked on the way; inflate errors say the deflate data is corrupt. */
function checkedData(source: Readable, name: string, deflated: boolean, size: number, crc: number): Readable {
  let seen = 0
  let actualCrc = 0
  const checker = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length
      if (seen > size) {
        return done(
          new ZipFormatError(`${name}: deflate data is corrupt (it inflates past the ${size} bytes declared)`)
        )
      }
      actualCrc = crc32(chunk, actualCrc)
      done(null, chunk)
    },
    flush(done) {
      if (seen !== size) return done(new ZipFormatError(`${name}: ${seen} bytes, but the directory says ${size}`))
      try {
        checkCrc(name, actualCrc, crc)
        done()
      } catch (error) {
        done(error as Error)
      }
    },
    destroy(error, done) {
      source.destroy()
      done(error)
    }
  })
  source.on('error', (error: Error) =>
    checker.destroy(deflated ? new ZipFormatError(`${name}: deflate data is corrupt (${error.message})`) : error)
  )
  return source.pipe(checker)
}

/** Runs a yauzl call; its errors become ZipFormatErrors, phrased as this reader's were (I/O errors pass). */
export async function formatErrors<T>(call: () => Promise<T>, rephrase?: (message: string) => string): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (!(error instanceof Error) || 'code' in error) throw error
    const message = /^(End of central directory record signature not found|Invalid comment length)/.test(error.message)
      ? 'not a zip: end of central directory record not found'
      : error.message
    throw new ZipFormatError(rephrase ? rephrase(message) : message)
  }
}

function checkCrc(name: string, actual: number, expected: number): void {
  if (actual !== expected) {
    const hex32 = (value: number): string => value.toString(16).padStart(8, '0')
    throw new ZipFormatError(`${name}: CRC-32 mismatch (${hex32(actual)}, directory says ${hex32(expected)})`)
  }
}
