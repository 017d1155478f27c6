// Decoding of the fields of zip headers for the zip reader (zip-reader.ts): entry names (UTF-8,
// code page 437, Info-ZIP Unicode Path fields), extra fields, MS-DOS dates, 64-bit values; and the
// extraction of one entry's data, checked against its declared size and CRC-32.

import { crc32, inflateRawSync } from 'node:zlib'

export class ZipFormatError extends Error {
  override name = 'ZipFormatError'
}

/** Compression methods this reader extracts. */
export const ZIP_METHOD_STORED = 0
export const ZIP_METHOD_DEFLATED = 8

export interface ZipExtraField {
  /** header ID, e.g. 0x0001 ZIP64, 0x5455 extended timestamp, 0x7875 Unix UID/GID */
  readonly id: number
  readonly data: Buffer
}

/** The fields of an MS-DOS date/time pair, in local time as zip stores it. */
export interface DosDateTime {
  readonly year: number
  /** 1 to 12 */
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  /** even: DOS time has a 2-second resolution */
  readonly second: number
}

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

const EXTRA_UNICODE_PATH = 0x7075

const FLAG_ENCRYPTED = 0x0001
export const FLAG_UTF8 = 0x0800

/** The uncompressed bytes of an entry; throws ZipFormatError on a CRC or size mismatch or an unsupported method. */
export function extract(
  name: string,
  compressed: Buffer,
  method: number,
  flags: number,
  expectedSize: number,
  expectedCrc: number
): Buffer {
  if (flags & FLAG_ENCRYPTED) throw new ZipFormatError(`${name}: encrypted entries are not supported`)
  let data: Buffer
  if (method === ZIP_METHOD_STORED) {
    data = compressed
  } else if (method === ZIP_METHOD_DEFLATED) {
    try {
      // The cap guards against an entry that inflates far beyond its declared size.
      data = inflateRawSync(compressed, { maxOutputLength: Math.max(1, expectedSize) })
    } catch (error) {
      throw new ZipFormatError(`${name}: deflate data is corrupt (${(error as Error).message})`)
    }
  } else {
    throw new ZipFormatError(`${name}: compression method ${method} is not supported (only stored and deflate)`)
  }
  if (data.length !== expectedSize) {
    throw new ZipFormatError(`${name}: ${data.length} bytes, but the directory says ${expectedSize}`)
  }
  const actualCrc = crc32(data)
  if (actualCrc !== expectedCrc) {
    throw new ZipFormatError(`${name}: CRC-32 mismatch (${hex32(actualCrc)}, directory says ${hex32(expectedCrc)})`)
  }
  return data
}

export function parseExtraFields(bytes: Buffer): ZipExtraField[] {
  const fields: ZipExtraField[] = []
  let offset = 0
  // Some writers pad the extra area; a tail shorter than a field header is ignored.
  while (offset + 4 <= bytes.length) {
    const id = bytes.readUInt16LE(offset)
    const size = bytes.readUInt16LE(offset + 2)
    if (offset + 4 + size > bytes.length)
      throw new ZipFormatError(`extra field 0x${id.toString(16)} runs past its area`)
    fields.push({ id, data: bytes.subarray(offset + 4, offset + 4 + size) })
    offset += 4 + size
  }
  return fields
}

// Info-ZIP writes a UTF-8 copy of a non-ASCII name in a "Unicode Path" field, valid while the
// CRC of the header name still matches.
export function decodeEntryName(rawName: Buffer, flags: number, extraFields: readonly ZipExtraField[]): string {
  const unicodePath = extraFields.find((field) => field.id === EXTRA_UNICODE_PATH)
  if (unicodePath && unicodePath.data.length >= 5 && unicodePath.data[0] === 1) {
    if (unicodePath.data.readUInt32LE(1) === crc32(rawName)) return decodeName(unicodePath.data.subarray(5), true)
  }
  return decodeName(rawName, (flags & FLAG_UTF8) !== 0)
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

// Code page 437, bytes 0x80 to 0xFF: the zip specification's default encoding for names.
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐' +
  '└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0'

export function decodeName(bytes: Buffer, isUtf8: boolean): string {
  if (isUtf8) {
    try {
      return utf8.decode(bytes)
    } catch {
      throw new ZipFormatError(`name ${describe(bytes)} is flagged UTF-8 but is not valid UTF-8`)
    }
  }
  let text = ''
  for (const byte of bytes) text += byte < 0x80 ? String.fromCharCode(byte) : CP437_HIGH[byte - 0x80]
  return text
}

export function readUInt64(buffer: Buffer, offset: number): number {
  const value = buffer.readBigUInt64LE(offset)
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError(`64-bit value ${value} is too large`)
  return Number(value)
}

export function describe(rawName: Buffer): string {
  return JSON.stringify(rawName.toString('latin1'))
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0')
}
