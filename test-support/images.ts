// Real image files for tests and benchmarks, made in memory: PNGs that any decoder reads,
// a minimal baseline (or progressive) JPEG that libjpeg decodes to a flat grey, and WebP
// files whose headers are valid (their pixel data is not: nothing here decodes WebP).
import { createCipheriv, createHash } from 'node:crypto'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { encodeRgbPng } from './png.js'

export interface PngOptions {
  readonly width: number
  readonly height: number
  /** changes the colours, so that two images of the same size differ */
  readonly seed?: number
  /** random pixels stored without compression: the file is about width*height*3 bytes */
  readonly incompressible?: boolean
}

/** An 8-bit RGB PNG with a valid zlib stream and CRCs: a gradient, or random pixels. */
export function pngBytes({ width, height, seed = 0, incompressible = false }: PngOptions): Buffer {
  if (incompressible) return encodeRgbPng(width, height, randomBytesFrom(seed, width * height * 3), { level: 0 })
  const pixels = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const pixel = (y * width + x) * 3
      pixels[pixel] = Math.floor((x * 255) / Math.max(1, width - 1))
      pixels[pixel + 1] = Math.floor((y * 255) / Math.max(1, height - 1))
      pixels[pixel + 2] = (seed * 37) & 0xff
    }
  }
  return encodeRgbPng(width, height, pixels)
}

/** Deterministic random bytes: an AES-CTR key stream keyed by the seed (fast at 100 MB). */
function randomBytesFrom(seed: number, length: number): Buffer {
  const key = createHash('sha256').update(`seed:${seed}`).digest()
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16))
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()])
}

export interface JpegOptions {
  readonly width: number
  readonly height: number
  /** SOF2 with one DC scan instead of baseline SOF0 */
  readonly progressive?: boolean
  /** bytes of EXIF-like APP1 segments before the frame header, split at the 64 KiB segment limit */
  readonly app1Bytes?: number
  /** written into a COM segment, so that two images of the same size differ */
  readonly seed?: number
}

/**
 * A greyscale JPEG whose every 8x8 block has DC difference 0 and no AC coefficient: one
 * Huffman code per table, two bits per block, so any size costs a few bytes of scan data.
 */
export function jpegBytes({ width, height, progressive = false, app1Bytes = 0, seed }: JpegOptions): Buffer {
  const segments: Buffer[] = [Buffer.from([0xff, 0xd8])]
  segments.push(jpegSegment(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]))) // JFIF 1.1
  for (let left = app1Bytes; left > 0;) {
    const payload = Math.min(left, 0xffff - 2)
    const data = Buffer.alloc(payload, 0x20)
    data.write('Exif\0\0', 0, 'latin1')
    segments.push(jpegSegment(0xe1, data))
    left -= payload
  }
  if (seed !== undefined) segments.push(jpegSegment(0xfe, Buffer.from(`seed ${seed}`)))
  segments.push(jpegSegment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)]))) // table 0, all 1s
  const frame = Buffer.alloc(9)
  frame.writeUInt8(8, 0) // precision
  frame.writeUInt16BE(height, 1)
  frame.writeUInt16BE(width, 3)
  frame.set([1, 1, 0x11, 0], 5) // one component: id 1, sampling 1x1, quantisation table 0
  segments.push(jpegSegment(progressive ? 0xc2 : 0xc0, frame))
  // DC table 0 and AC table 0, each with one code of length 1 ("0") for symbol 0
  const oneCodeTable = (tableClass: number): Buffer =>
    Buffer.concat([Buffer.from([tableClass << 4, 1]), Buffer.alloc(15), Buffer.from([0])])
  segments.push(jpegSegment(0xc4, Buffer.concat([oneCodeTable(0), oneCodeTable(1)])))
  // one component, tables 0/0; spectral selection 0-63 (baseline) or 0-0 (progressive DC scan)
  segments.push(jpegSegment(0xda, Buffer.from([1, 1, 0x00, 0, progressive ? 0 : 63, 0])))
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8)
  const bitsPerBlock = progressive ? 1 : 2 // DC category 0, then (baseline) end of block
  segments.push(zeroBitsPaddedWithOnes(blocks * bitsPerBlock))
  segments.push(Buffer.from([0xff, 0xd9]))
  return Buffer.concat(segments)
}

function jpegSegment(marker: number, data: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0])
  head.writeUInt16BE(data.length + 2, 2)
  return Buffer.concat([head, data])
}

/** Entropy-coded data of `bits` zero bits, padded to a byte with 1 bits as the standard asks. */
function zeroBitsPaddedWithOnes(bits: number): Buffer {
  const data = Buffer.alloc(Math.ceil(bits / 8))
  const padding = data.length * 8 - bits
  if (padding > 0) data[data.length - 1] = (1 << padding) - 1
  return data
}

export interface WebpOptions {
  readonly width: number
  readonly height: number
  readonly kind: 'VP8' | 'VP8L' | 'VP8X'
}

/** A RIFF/WEBP file with a valid first chunk header; the bitstream after it is filler. */
export function webpBytes({ width, height, kind }: WebpOptions): Buffer {
  const chunks = kind === 'VP8X' ? [vp8xChunk(width, height), vp8lChunk(width, height)] : []
  if (kind === 'VP8') chunks.push(vp8Chunk(width, height))
  if (kind === 'VP8L') chunks.push(vp8lChunk(width, height))
  const body = Buffer.concat(chunks)
  const head = Buffer.alloc(12)
  head.write('RIFF', 0, 'latin1')
  head.writeUInt32LE(4 + body.length, 4)
  head.write('WEBP', 8, 'latin1')
  return Buffer.concat([head, body])
}

function riffChunk(fourCC: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(8 + data.length + (data.length % 2)) // chunks are padded to even sizes
  chunk.write(fourCC, 0, 'latin1')
  chunk.writeUInt32LE(data.length, 4)
  data.copy(chunk, 8)
  return chunk
}

function vp8Chunk(width: number, height: number): Buffer {
  const data = Buffer.alloc(20)
  const firstPartitionSize = 10
  const frameTag = 0 /* key frame */ | (0 << 1) /* version */ | (1 << 4) /* shown */ | (firstPartitionSize << 5)
  data.writeUIntLE(frameTag, 0, 3)
  data.set([0x9d, 0x01, 0x2a], 3)
  data.writeUInt16LE(width & 0x3fff, 6) // scale bits 0
  data.writeUInt16LE(height & 0x3fff, 8)
  return riffChunk('VP8 ', data)
}

function vp8lChunk(width: number, height: number): Buffer {
  const data = Buffer.alloc(10)
  data[0] = 0x2f
  data.writeUInt32LE(((width - 1) | ((height - 1) << 14)) >>> 0, 1) // alpha hint 0, version 0
  return riffChunk('VP8L', data)
}

function vp8xChunk(width: number, height: number): Buffer {
  const data = Buffer.alloc(10) // flags and reserved bytes 0
  data.writeUIntLE(width - 1, 4, 3)
  data.writeUIntLE(height - 1, 7, 3)
  return riffChunk('VP8X', data)
}

/** A file's content (text or bytes), a symbolic link to create, or an empty folder. */
export type TreeEntry = Uint8Array | string | { readonly symlink: string } | { readonly dir: true }

/** Writes files under `dir`; keys are '/'-separated relative paths. Returns the paths written. */
export async function writeImageTree(dir: string, spec: Readonly<Record<string, TreeEntry>>): Promise<string[]> {
  const written: string[] = []
  for (const [relPath, entry] of Object.entries(spec)) {
    const path = join(dir, ...relPath.split('/'))
    if (typeof entry === 'object' && 'dir' in entry) {
      await mkdir(path, { recursive: true })
    } else {
      await mkdir(dirname(path), { recursive: true })
      if (typeof entry === 'object' && 'symlink' in entry) await symlink(entry.symlink, path)
      else await writeFile(path, entry)
    }
    written.push(path)
  }
  return written
}
