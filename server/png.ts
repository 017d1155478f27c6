// PNGs the local server makes (its inference answers), with pngjs: 8-bit RGB, no row filter and
// zlib's default strategy, not pngjs's defaults (every filter tried, then RLE at level 9): 17 ms
// for 512x512 where those take 60. test-support/png.ts re-exports the encoder for the tests.
import { PNG, type ColorType } from 'pngjs'

export type Rgb = readonly [red: number, green: number, blue: number]

const RGB: ColorType = 2

/** Encodes 8-bit RGB pixels, row by row, 3 bytes a pixel; `level` 0 stores them uncompressed. */
export function encodeRgbPng(
  width: number,
  height: number,
  pixels: Uint8Array,
  { level = 6 }: { level?: number } = {}
): Buffer {
  for (const side of [width, height]) {
    if (!Number.isInteger(side) || side < 1 || side > 65535) throw new Error(`invalid PNG size ${width}x${height}`)
  }
  if (pixels.length !== width * height * 3) {
    throw new Error(`expected ${width * height * 3} bytes of RGB pixels, got ${pixels.length}`)
  }
  const options = { colorType: RGB, inputColorType: RGB, inputHasAlpha: false }
  const png = new PNG({ width, height, ...options })
  png.data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength)
  // No row filter and zlib's default strategy, not pngjs's defaults (every filter tried, then RLE at
  // level 9): byte for byte what the project's own encoder wrote, so benchmark datasets made before
  // stay valid, and incompressible images stay at their raw size.
  return PNG.sync.write(png, { ...options, deflateLevel: level, deflateStrategy: 0, filterType: 0 })
}

/** Encodes a width x height PNG of one colour. */
export function encodeSolidPng(width: number, height: number, color: Rgb): Buffer {
  return encodeRgbPng(width, height, Buffer.alloc(Math.max(0, width * height * 3), Buffer.from(color)))
}
