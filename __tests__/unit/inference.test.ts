import { describe, expect, it } from '@jest/globals'
import { InferenceError, checkInferenceUrl, parseInferenceResponse } from '../../src/tiyaro/inference.js'
import { jpegBytes, pngBytes } from '../../test-support/images.js'

const answer = (...images: unknown[]) => ({ response: { images } })

describe('parseInferenceResponse', () => {
  it('decodes each base64 image and tells its format and size', () => {
    const png = pngBytes({ width: 32, height: 16 })
    const jpeg = jpegBytes({ width: 8, height: 8 })
    const images = parseInferenceResponse(answer(png.toString('base64'), jpeg.toString('base64')))
    expect(images.map(({ format, width, height }) => ({ format, width, height }))).toEqual([
      { format: 'png', width: 32, height: 16 },
      { format: 'jpeg', width: 8, height: 8 }
    ])
    expect(images[0]!.bytes.equals(png)).toBe(true)
  })

  it('reads a data: URL and the URL-safe alphabet', () => {
    const png = pngBytes({ width: 4, height: 4, seed: 9 })
    const [fromDataUrl] = parseInferenceResponse(answer(`data:image/png;base64,${png.toString('base64')}`))
    const [fromUrlSafe] = parseInferenceResponse(answer(png.toString('base64url')))
    expect(fromDataUrl!.bytes.equals(png)).toBe(true)
    expect(fromUrlSafe!.bytes.equals(png)).toBe(true)
  })

  it('refuses bytes that are no image, naming the call', () => {
    const text = Buffer.from('<html>busy</html>').toString('base64')
    expect(() => parseInferenceResponse(answer(text), 'sample 3')).toThrow(
      /^sample 3 is not a PNG, JPEG or WebP image \(17 bytes\)$/
    )
    expect(() => parseInferenceResponse(answer(42), 'sample 3')).toThrow(InferenceError)
  })

  it.each([
    ['no response', {}, /no response\.images list/],
    ['images not a list', { response: { images: 'abc' } }, /no response\.images list/],
    ['an empty list', answer(), /holds no image/],
    ['not an object', 'ok', /no response\.images list/]
  ])('refuses an answer with %s', (_label, body, message) => {
    expect(() => parseInferenceResponse(body)).toThrow(message)
  })
})

describe('checkInferenceUrl', () => {
  it.each([
    'https://api.example/v1/ent/a/1/b?version=1',
    'http://127.0.0.1:8787/v1/base/sd',
    'http://localhost/x',
    'http://[::1]:9/x'
  ])('lets the key go to %s', (url) => expect(() => checkInferenceUrl(url, 'sample 1')).not.toThrow())

  it.each([
    'http://example.com/v1/x',
    'ftp://example.com/x',
    'not a url',
    'https://169.254.169.254/latest/meta-data/',
    'http://[fe80::1]/x'
  ])('keeps the key from %s', (url) => {
    expect(() => checkInferenceUrl(url, 'sample 1')).toThrow(/^sample 1: /)
  })
})
