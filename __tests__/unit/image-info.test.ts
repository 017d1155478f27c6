import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { HEADER_BYTES, readImageInfo, sniffImage } from '../../src/shared/image-info.js'
import { useTempDir } from '../../test-support/fixtures.js'
import { jpegBytes, pngBytes, webpBytes } from '../../test-support/images.js'

describe('sniffImage', () => {
  it('reads the size of a PNG from its IHDR chunk', () => {
    expect(sniffImage(pngBytes({ width: 640, height: 480 }))).toEqual({ format: 'png', width: 640, height: 480 })
  })

  it('reads the size of a baseline JPEG (SOF0)', () => {
    expect(sniffImage(jpegBytes({ width: 1023, height: 77 }))).toEqual({ format: 'jpeg', width: 1023, height: 77 })
  })

  it('reads the size of a progressive JPEG (SOF2) behind an APP1 segment', () => {
    const jpeg = jpegBytes({ width: 300, height: 200, progressive: true, app1Bytes: 30_000 })
    expect(jpeg[jpeg.indexOf(Buffer.from([0xff, 0xc2]), 2) + 1]).toBe(0xc2)
    expect(sniffImage(jpeg)).toEqual({ format: 'jpeg', width: 300, height: 200 })
  })

  it('skips fill bytes before a marker', () => {
    const jpeg = jpegBytes({ width: 16, height: 8 })
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]))
    const padded = Buffer.concat([jpeg.subarray(0, sof), Buffer.from([0xff, 0xff]), jpeg.subarray(sof)])
    expect(sniffImage(padded)).toEqual({ format: 'jpeg', width: 16, height: 8 })
  })

  it.each(['VP8', 'VP8L', 'VP8X'] as const)('reads the size of a WebP with a %s chunk', (kind) => {
    expect(sniffImage(webpBytes({ width: 1000, height: 750, kind }))).toEqual({
      format: 'webp',
      width: 1000,
      height: 750
    })
  })

  it('reads a VP8X canvas larger than 16383 pixels', () => {
    expect(sniffImage(webpBytes({ width: 20000, height: 3, kind: 'VP8X' }))).toEqual({
      format: 'webp',
      width: 20000,
      height: 3
    })
  })

  it.each([
    ['text', Buffer.from('hello, this is not an image\n')],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')],
    ['a BMP', Buffer.from('BM\x00\x00\x00\x00\x00\x00\x00\x00', 'latin1')],
    ['an empty file', Buffer.alloc(0)],
    ['a JPEG cut after two bytes', Buffer.from([0xff, 0xd8])],
    ['a PNG signature cut short', pngBytes({ width: 1, height: 1 }).subarray(0, 5)],
    ['a RIFF file that is not WebP', Buffer.from('RIFF\x04\x00\x00\x00WAVEfmt ', 'latin1')]
  ])('rejects %s', (_name, bytes) => {
    expect(sniffImage(bytes)).toBeUndefined()
  })

  it('keeps the format but no size when the magic matches and the header is cut', () => {
    expect(sniffImage(pngBytes({ width: 9, height: 9 }).subarray(0, 20))).toEqual({ format: 'png' })
    expect(sniffImage(jpegBytes({ width: 9, height: 9 }).subarray(0, 30))).toEqual({ format: 'jpeg' })
    expect(sniffImage(webpBytes({ width: 9, height: 9, kind: 'VP8' }).subarray(0, 24))).toEqual({ format: 'webp' })
  })

  it('leaves the size unknown for odd headers', () => {
    const jpeg = jpegBytes({ width: 8, height: 8 })
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]))
    const noHeight = Buffer.from(jpeg)
    noHeight.writeUInt16BE(0, sof + 5) // height set later by a DNL marker
    expect(sniffImage(noHeight)).toEqual({ format: 'jpeg' })

    const interFrame = webpBytes({ width: 8, height: 8, kind: 'VP8' })
    interFrame[20] |= 1 // not a key frame: no size in the header
    expect(sniffImage(interFrame)).toEqual({ format: 'webp' })

    const noFrame = Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0xff, 0xd9]) // scan before any frame header
    expect(sniffImage(noFrame)).toEqual({ format: 'jpeg' })
  })
})

describe('readImageInfo', () => {
  const dir = useTempDir('image-info-')

  async function fileWith(name: string, bytes: Uint8Array | string): Promise<string> {
    const path = join(dir, name)
    await writeFile(path, bytes)
    return path
  }

  it('finds the frame header of a camera-like JPEG far behind the first read', async () => {
    // four 64 KiB EXIF segments: the SOF2 starts near 256 KiB, past the first 64 KiB read
    const jpeg = jpegBytes({ width: 4032, height: 3024, progressive: true, app1Bytes: 4 * 65_533 })
    expect(jpeg.indexOf(Buffer.from([0xff, 0xc2]), 2)).toBeGreaterThan(HEADER_BYTES * 3)
    expect(sniffImage(jpeg.subarray(0, HEADER_BYTES))).toEqual({ format: 'jpeg' })
    expect(readImageInfo(await fileWith('camera.jpg', jpeg))).toEqual({
      format: 'jpeg',
      width: 4032,
      height: 3024
    })
  })

  it('gives up on a JPEG whose frame header is beyond its read budget', async () => {
    const jpeg = jpegBytes({ width: 10, height: 10, app1Bytes: 20 * 1024 * 1024 })
    expect(readImageInfo(await fileWith('huge-exif.jpg', jpeg))).toEqual({ format: 'jpeg' })
  })

  it('stops at the end of a JPEG cut before its frame header', async () => {
    const jpeg = jpegBytes({ width: 10, height: 10, app1Bytes: 100_000 })
    expect(readImageInfo(await fileWith('cut.jpg', jpeg.subarray(0, 90_000)))).toEqual({ format: 'jpeg' })
  })

  it('reads PNG and WebP files and rejects others', async () => {
    expect(readImageInfo(await fileWith('a.png', pngBytes({ width: 3, height: 4 })))).toEqual({
      format: 'png',
      width: 3,
      height: 4
    })
    expect(readImageInfo(await fileWith('b.webp', webpBytes({ width: 5, height: 6, kind: 'VP8L' })))).toEqual({
      format: 'webp',
      width: 5,
      height: 6
    })
    expect(readImageInfo(await fileWith('c.png', 'not a png'))).toBeUndefined()
  })

  it("does not wait on a FIFO that took a file's place: it fails at once (the scan names it)", () => {
    const fifo = join(dir, 'pipe.png')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    // opened without O_NONBLOCK, this would wait for a writer forever
    expect(() => readImageInfo(fifo)).toThrow(/ESPIPE/)
  })
})
