// A tiny PNG encoder (8-bit RGB, no filtering) for the local server's fake inference, and a reader
// that checks a PNG the way a decoder would (signature, chunk CRCs, IHDR, inflated image size,
// row filters) so tests can prove an image is real.

import { crc32, deflateSync, inflateSync } from 'node:zlib'

export type Rgb = readonly [red: number, green: number, blue: number]

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

const COLOR_TYPE_RGB = 2
const MAX_SIDE = 65535

/** Encodes a width x height PNG of one colour. */
export function encodeSolidPng(width: number, height: number, color: Rgb): Buffer {
  checkSize(width, height)
  const pixels = Buffer.alloc(width * height * 3)
  for (let index = 0; index < pixels.length; index += 3) {
    pixels[index] = color[0]
    pixels[index + 1] = color[1]
    pixels[index + 2] = color[2]
  }
  return encodeRgbPng(width, height, pixels)
}

/** Encodes 8-bit RGB pixels, row by row, 3 bytes a pixel; `level` 0 stores them uncompressed. */
export function encodeRgbPng(
  width: number,
  height: number,
  pixels: Uint8Array,
  { level = 6 }: { level?: number } = {}
): Buffer {
  checkSize(width, height)
  const stride = width * 3
  if (pixels.length !== stride * height) {
    throw new Error(`expected ${stride * height} bytes of RGB pixels, got ${pixels.length}`)
  }
  // Each row starts with its filter type; 0 (none) keeps the encoder trivial.
  const raw = Buffer.alloc((stride + 1) * height)
  for (let row = 0; row < height; row++) {
    raw[row * (stride + 1)] = 0
    raw.set(pixels.subarray(row * stride, (row + 1) * stride), row * (stride + 1) + 1)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = COLOR_TYPE_RGB
  // compression, filter method, interlace: all 0
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level })),
    chunk('IEND', Buffer.alloc(0))
  ])
}

export interface DecodedPng {
  readonly width: number
  readonly height: number
  readonly bitDepth: number
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA */
  readonly colorType: number
  /** the chunk types in file order */
  readonly chunks: readonly string[]
  /** unfiltered image bytes, row after row, without filter bytes; non-interlaced images only */
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
  while (offset < buffer.length) {
    if (offset + 12 > buffer.length) throw new Error(`truncated chunk at offset ${offset}`)
    const length = buffer.readUInt32BE(offset)
    const type = buffer.toString('latin1', offset + 4, offset + 8)
    const end = offset + 12 + length
    if (end > buffer.length) throw new Error(`chunk ${type} runs past the end`)
    const body = buffer.subarray(offset + 8, offset + 8 + length)
    if (crc32(buffer.subarray(offset + 4, offset + 8 + length)) !== buffer.readUInt32BE(offset + 8 + length)) {
      throw new Error(`chunk ${type}: CRC mismatch`)
    }
    chunks.push(type)
    if (type === 'IHDR') header = body
    if (type === 'IDAT') data.push(body)
    offset = end
    if (type === 'IEND') break
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
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType]
  if (channels === undefined) throw new Error(`invalid colour type ${colorType}`)
  const bitsPerPixel = channels * bitDepth
  const stride = Math.ceil((width * bitsPerPixel) / 8)
  const raw = inflateSync(Buffer.concat(data))
  if (raw.length !== (stride + 1) * height) {
    throw new Error(`image data is ${raw.length} bytes, expected ${(stride + 1) * height}`)
  }
  return {
    width,
    height,
    bitDepth,
    colorType,
    chunks,
    pixels: unfilter(raw, stride, height, Math.max(1, bitsPerPixel / 8))
  }
}

// Reverses the five PNG row filters (none, sub, up, average, Paeth).
function unfilter(raw: Buffer, stride: number, height: number, bytesPerPixel: number): Buffer {
  const out = Buffer.alloc(stride * height)
  const distance = Math.floor(bytesPerPixel)
  for (let row = 0; row < height; row++) {
    const filter = raw[row * (stride + 1)]
    const source = raw.subarray(row * (stride + 1) + 1, (row + 1) * (stride + 1))
    const line = out.subarray(row * stride, (row + 1) * stride)
    const previous = row > 0 ? out.subarray((row - 1) * stride, row * stride) : Buffer.alloc(stride)
    for (let index = 0; index < stride; index++) {
      const left = index >= distance ? line[index - distance]! : 0
      const up = previous[index]!
      const upLeft = index >= distance ? previous[index - distance]! : 0
      let predictor: number
      switch (filter) {
        case 0:
          predictor = 0
          break
        case 1:
          predictor = left
          break
        case 2:
          predictor = up
          break
        case 3:
          predictor = (left + up) >>> 1
          break
        case 4:
          predictor = paeth(left, up, upLeft)
          break
        default:
          throw new Error(`row ${row}: invalid filter type ${filter}`)
      }
      line[index] = (source[index]! + predictor) & 0xff
    }
  }
  return out
}

function paeth(left: number, up: number, upLeft: number): number {
  const estimate = left + up - upLeft
  const toLeft = Math.abs(estimate - left)
  const toUp = Math.abs(estimate - up)
  const toUpLeft = Math.abs(estimate - upLeft)
  if (toLeft <= toUp && toLeft <= toUpLeft) return left
  return toUp <= toUpLeft ? up : upLeft
}

function chunk(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(12 + body.length)
  out.writeUInt32BE(body.length, 0)
  out.write(type, 4, 'latin1')
  body.copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length)
  return out
}

function checkSize(width: number, height: number): void {
  for (const side of [width, height]) {
    if (!Number.isInteger(side) || side < 1 || side > MAX_SIDE) throw new Error(`invalid PNG size ${width}x${height}`)
  }
}
