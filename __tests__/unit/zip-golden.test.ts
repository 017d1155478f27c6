// The zip's bytes are part of the contract: the same images give the same zip-sha256 on every
// release. These figures were recorded from the writer as it was before the zip was streamed
// into the upload (commit e3367c1); a change of the writer that changes them is a break.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildArchive } from '../../src/dataset/archive.js'
import { scanDataset } from '../../src/dataset/index.js'
import { jpegBytes, pngBytes, webpBytes, writeImageTree } from '../../test-support/images.js'

let root: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'zip-golden-'))
  // an image that spans several 1 MiB chunks (and ends mid-chunk), small ones, a sub-folder,
  // a non-ASCII name (the UTF-8 flag) and class images under dataset_class/
  await writeImageTree(join(root, 'instance'), {
    'large.png': pngBytes({ width: 1100, height: 1000, seed: 11, incompressible: true }),
    'b.png': pngBytes({ width: 64, height: 48, seed: 1 }),
    'sub/a.jpg': jpegBytes({ width: 40, height: 30, seed: 4 }),
    'zoë-🐶.webp': webpBytes({ width: 20, height: 10, kind: 'VP8L' })
  })
  await writeImageTree(join(root, 'class'), {
    'z.png': pngBytes({ width: 8, height: 8, seed: 2 }),
    'more/y.jpg': jpegBytes({ width: 16, height: 16, seed: 3 })
  })
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

/** Recorded from the writer of commit e3367c1 for the dataset above. */
const GOLDEN = {
  bytes: 3309105,
  sha256: '026948199bf8f31fcd2737ee8aae7c2025e5155cb373b05c29fffc9d136c32c3'
}

describe('the zip of a fixed dataset', () => {
  it('has the bytes and sha256 it always had', async () => {
    const dataset = await scanDataset({ instanceDir: join(root, 'instance'), classDir: join(root, 'class') })
    const result = await buildArchive(dataset, { outputPath: join(root, 'out.zip') })
    const onDisk = await readFile(join(root, 'out.zip'))
    expect(createHash('sha256').update(onDisk).digest('hex')).toBe(result.sha256)
    expect({ bytes: result.bytes, sha256: result.sha256 }).toEqual(GOLDEN)
  })
})
