// PNGs for tests, with pngjs: the server's encoder of 8-bit RGB pixels (server/png.ts), and a reader that checks a PNG the
// way a strict decoder would before pngjs decodes its pixels. pngjs alone is lenient where tests
// must not be: its sync reader accepts image data shorter or longer than the header says (10 of
// 52 bytes, say) and reports a bad CRC as "unrecognised content at end of stream", so the
// structure (signature, chunk CRCs, IHDR first, IEND last and nothing after it, the exact size of
// the inflated image data) is checked here first.
import { crc32, inflateSync } from 'node:zlib'
import { PNG } from 'pngjs'

export { encodeRgbPng, encodeSolidPng, type Rgb } from '../server/png.js'

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

export interface DecodedPng {
  readonly width: number
  readonly height: number
  readonly bitDepth: number
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA */
  readonly colorType: number
  /** the chunk types in file order */
  readonly chunks: readonly string[]
  /** 8-bit samples row after row: RGB, or RGBA when the image has alpha */
  readonly pixels: Buffer
}

/** Reads and checks a non-interlaced PNG; throws an Error saying what is wrong. */
export function readPng(bytes: Uint8Array): DecodedPng {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buffer.length < 8 || !buffer.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG: bad signature')
  const chunks: string[] = []
  const data: Buffer[] = []
  let header: Buffer | undefined
  let offset = 8
  while (offset < buffer.length && chunks.at(-1) !== 'IEND') {
    if (offset + 12 > buffer.length) throw new Error(`truncated chunk at offset ${offset}`)
    const length = buffer.readUInt32BE(offset)
    const type = buffer.toString('latin1', offset + 4, offset + 8)
    if (offset + 12 + length > buffer.length) throw new Error(`chunk ${type} runs past the end`)
    if (crc32(buffer.subarray(offset + 4, offset + 8 + length)) !== buffer.readUInt32BE(offset + 8 + length)) {
      throw new Error(`chunk ${type}: CRC mismatch`)
    }
    const body = buffer.subarray(offset + 8, offset + 8 + length)
    if (type === 'IHDR') header = body
    if (type === 'IDAT') data.push(body)
    chunks.push(type)
    offset += 12 + length
  }
  if (chunks[0] !== 'IHDR' || !header || header.length !== 13) throw new Error('IHDR must be the first chunk')
  if (chunks.at(-1) !== 'IEND') throw new Error('IEND missing')
  if (offset !== buffer.length) throw new Error('bytes after IEND')
  const width = header.readUInt32BE(0)
  const height = header.readUInt32BE(4)
  const bitDepth = header[8]!
  const colorType = header[9]!
  if (width === 0 || height === 0) throw new Error('zero width or height')
  if (header[12] !== 0) throw new Error('interlaced PNGs are not supported by this reader')
  const channelsInFile = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType]
  if (channelsInFile === undefined) throw new Error(`invalid colour type ${colorType}`)
  const stride = Math.ceil((width * channelsInFile * bitDepth) / 8)
  const raw = inflateSync(Buffer.concat(data))
  if (raw.length !== (stride + 1) * height) {
    throw new Error(`image data is ${raw.length} bytes, expected ${(stride + 1) * height}`)
  }
  const decoded = PNG.sync.read(buffer)
  const channels = decoded.alpha ? 4 : 3
  const pixels = Buffer.alloc(width * height * channels)
  for (let pixel = 0; pixel < width * height; pixel++) {
    decoded.data.copy(pixels, pixel * channels, pixel * 4, pixel * 4 + channels)
  }
  return { width, height, bitDepth, colorType, chunks, pixels }
}
