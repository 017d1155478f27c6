import { describe, expect, it } from '@jest/globals'
import { crc32, deflateSync } from 'node:zlib'
import { encodeRgbPng, encodeSolidPng, PNG_SIGNATURE, readPng } from '../../test-support/png.js'

const chunk = (type: string, body: Buffer): Buffer => {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(body.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0)
  return Buffer.concat([head, body, crc])
}

const header = (width: number, height: number, colorType = 2): Buffer => {
  const body = Buffer.alloc(13)
  body.writeUInt32BE(width, 0)
  body.writeUInt32BE(height, 4)
  body[8] = 8
  body[9] = colorType
  return chunk('IHDR', body)
}

/** Filters one RGB row with the given PNG filter type, as an encoder would. */
function filterRow(type: number, row: Buffer, previous: Buffer): Buffer {
  const out = Buffer.alloc(row.length + 1)
  out[0] = type
  for (let index = 0; index < row.length; index++) {
    const left = index >= 3 ? row[index - 3]! : 0
    const up = previous[index]!
    const upLeft = index >= 3 ? previous[index - 3]! : 0
    const estimate = left + up - upLeft
    const [a, b, c] = [Math.abs(estimate - left), Math.abs(estimate - up), Math.abs(estimate - upLeft)]
    const paeth = a <= b && a <= c ? left : b <= c ? up : upLeft
    const predictor = [0, left, up, (left + up) >>> 1, paeth][type]!
    out[index + 1] = (row[index]! - predictor) & 0xff
  }
  return out
}

describe('PNG', () => {
  it('encodes a solid image that reads back pixel for pixel', () => {
    const png = encodeSolidPng(3, 2, [200, 100, 50])
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE)
    const image = readPng(png)
    expect(image).toMatchObject({ width: 3, height: 2, bitDepth: 8, colorType: 2, chunks: ['IHDR', 'IDAT', 'IEND'] })
    expect([...image.pixels]).toEqual(Array.from({ length: 6 }, () => [200, 100, 50]).flat())
  })

  it('encodes arbitrary RGB pixels', () => {
    const pixels = Buffer.from(Array.from({ length: 4 * 3 * 3 }, (_, index) => (index * 37) & 0xff))
    expect(readPng(encodeRgbPng(4, 3, pixels)).pixels).toEqual(pixels)
    expect(() => encodeRgbPng(4, 3, pixels.subarray(1))).toThrow(/expected 36 bytes/)
    expect(() => encodeSolidPng(0, 3, [0, 0, 0])).toThrow(/invalid PNG size 0x3/)
  })

  it('reads rows filtered with sub, up, average and Paeth, from split IDAT chunks', () => {
    const width = 5
    const rows = Array.from({ length: 5 }, (_, row) =>
      Buffer.from(
        Array.from({ length: width * 3 }, (_, index) => (row * 71 + index * 29 + ((index * index) % 13)) & 0xff)
      )
    )
    const filtered = Buffer.concat(
      rows.map((row, index) => filterRow(index, row, index > 0 ? rows[index - 1]! : Buffer.alloc(width * 3)))
    )
    const data = deflateSync(filtered)
    const png = Buffer.concat([
      PNG_SIGNATURE,
      header(width, rows.length),
      chunk('IDAT', data.subarray(0, 10)),
      chunk('IDAT', data.subarray(10)),
      chunk('IEND', Buffer.alloc(0))
    ])
    expect(readPng(png).pixels).toEqual(Buffer.concat(rows))
  })

  it.each([
    ['a bad signature', Buffer.from('not a png at all'), /bad signature/],
    [
      'a bad CRC',
      (() => {
        const png = encodeSolidPng(2, 2, [1, 2, 3])
        png[20] = png[20]! ^ 1
        return png
      })(),
      /IHDR: CRC mismatch/
    ],
    ['a missing IEND', encodeSolidPng(2, 2, [1, 2, 3]).subarray(0, -12), /IEND missing/],
    [
      'too little image data',
      Buffer.concat([
        PNG_SIGNATURE,
        header(4, 4),
        chunk('IDAT', deflateSync(Buffer.alloc(10))),
        chunk('IEND', Buffer.alloc(0))
      ]),
      /image data is 10 bytes, expected 52/
    ]
  ])('refuses %s', (_case, bytes, message) => {
    expect(() => readPng(bytes)).toThrow(message)
  })
})
