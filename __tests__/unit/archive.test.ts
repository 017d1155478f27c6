import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { appendFile, chmod, mkdtemp, readFile, rm, stat, unlink, utimes } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { readZipArchive } from '../../server/zip-entries.js'
import { DatasetZip, ZIP_ENTRY_DATE, buildArchive } from '../../src/dataset/archive.js'
import { DatasetError, checkDataset, scanDataset } from '../../src/dataset/index.js'
import { jpegBytes, pngBytes, webpBytes, writeImageTree, type TreeEntry } from '../../test-support/images.js'

let root: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'archive-'))
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
/** Size and CRC-32, as zip tools report them. */
const fingerprintOf = (bytes: Uint8Array): string => `${bytes.length}-${crc32(bytes).toString(16).padStart(8, '0')}`

const instanceTree: Record<string, TreeEntry> = {
  'b.png': pngBytes({ width: 64, height: 48, seed: 1 }),
  'sub/a.jpg': jpegBytes({ width: 40, height: 30 }),
  'c.webp': webpBytes({ width: 20, height: 10, kind: 'VP8L' })
}
const classTree: Record<string, TreeEntry> = {
  'z.png': pngBytes({ width: 8, height: 8, seed: 2 }),
  'more/y.jpg': jpegBytes({ width: 16, height: 16, seed: 3 })
}

async function datasetIn(dir: string): Promise<Awaited<ReturnType<typeof scanDataset>>> {
  await writeImageTree(join(dir, 'instance'), instanceTree)
  await writeImageTree(join(dir, 'class'), classTree)
  return scanDataset({ instanceDir: join(dir, 'instance'), classDir: join(dir, 'class') })
}

describe('buildArchive', () => {
  it("writes the seed's layout: instance images at the root, class images under dataset_class/, in name order", async () => {
    const dataset = await datasetIn(root)
    const result = await buildArchive(dataset, { outputPath: join(root, 'out', 'data.zip') })

    const zip = await readZipArchive(await readFile(result.path))
    expect(zip.entries.map((entry) => entry.name)).toEqual([
      'a.jpg',
      'b.png',
      'c.webp',
      'dataset_class/y.jpg',
      'dataset_class/z.png'
    ])
    expect(zip.zip64).toBe(false)
    expect(await Promise.all(zip.entries.map((entry) => entry.data()))).toEqual([
      instanceTree['sub/a.jpg'],
      instanceTree['b.png'],
      instanceTree['c.webp'],
      classTree['more/y.jpg'],
      classTree['z.png']
    ])
  })

  it('stores every entry (method 0) with a fixed date, a fixed mode and no extra fields', async () => {
    const result = await buildArchive(await datasetIn(root), { outputPath: join(root, 'data.zip') })
    for (const entry of (await readZipArchive(await readFile(result.path))).entries) {
      expect(entry.method).toBe(0)
      expect(entry.compressedSize).toBe(entry.uncompressedSize)
      expect(entry.modified).toEqual({ year: 1980, month: 1, day: 1, hour: 0, minute: 0, second: 0 })
      expect(entry.unixMode).toBe(0o100644)
      expect(entry.extraFields).toEqual([])
      expect(entry.localExtraFields).toEqual([])
    }
    expect(ZIP_ENTRY_DATE.toISOString()).toBe('1980-01-01T00:00:00.000Z')
  })

  it("reports the zip's size and sha256 as on disk, and each entry's size and CRC-32", async () => {
    const result = await buildArchive(await datasetIn(root), { outputPath: join(root, 'data.zip') })
    const onDisk = await readFile(result.path)
    expect(result.bytes).toBe(onDisk.length)
    expect(result.bytes).toBe((await stat(result.path)).size)
    expect(result.sha256).toBe(sha256(onDisk))
    // each entry as its source file: [name in the zip, the tree it came from, its path there]
    const entryOf = (name: string, tree: Record<string, TreeEntry>, path: string) => {
      const bytes = tree[path] as Buffer
      return { name, fingerprint: fingerprintOf(bytes), bytes: bytes.length }
    }
    expect(result.entries).toEqual([
      entryOf('a.jpg', instanceTree, 'sub/a.jpg'),
      entryOf('b.png', instanceTree, 'b.png'),
      entryOf('c.webp', instanceTree, 'c.webp'),
      entryOf('dataset_class/y.jpg', classTree, 'more/y.jpg'),
      entryOf('dataset_class/z.png', classTree, 'z.png')
    ])
  })

  it('gives the same bytes for the same images in other folders, with other times and modes', async () => {
    const first = await buildArchive(await datasetIn(join(root, 'one')), { outputPath: join(root, 'one.zip') })

    // times and modes set before the scan: a file changed after its check is refused (below)
    const scanned = await datasetIn(join(root, 'two'))
    for (const image of [...scanned.instance, ...scanned.class]) {
      await utimes(image.sourcePath, new Date('2031-06-15T12:34:56Z'), new Date('2031-06-15T12:34:56Z'))
      await chmod(image.sourcePath, 0o600)
    }
    const otherDataset = await scanDataset({
      instanceDir: join(root, 'two', 'instance'),
      classDir: join(root, 'two', 'class')
    })
    const second = await buildArchive(otherDataset, { outputPath: join(root, 'two.zip') })

    expect(second.sha256).toBe(first.sha256)
    expect(await readFile(second.path)).toEqual(await readFile(first.path))
  })

  it('streams large images through and keeps them byte for byte', async () => {
    const large = pngBytes({ width: 1024, height: 1024, incompressible: true, seed: 7 })
    await writeImageTree(join(root, 'instance'), { 'large.png': large, 'small.png': pngBytes({ width: 4, height: 4 }) })
    const dataset = await scanDataset({ instanceDir: join(root, 'instance') })
    const result = await buildArchive(dataset, { outputPath: join(root, 'data.zip') })
    const [largeEntry] = (await readZipArchive(await readFile(result.path))).entries
    expect(largeEntry.uncompressedSize).toBe(large.length)
    expect((await largeEntry.data()).equals(large)).toBe(true)
    expect(result.entries[0].fingerprint).toBe(fingerprintOf(large))
  })

  it('gives the fingerprints that the duplicate warning needs', async () => {
    const same = pngBytes({ width: 600, height: 600, seed: 5 })
    await writeImageTree(join(root, 'instance'), {
      'a.png': same,
      'b.png': pngBytes({ width: 600, height: 600 }),
      'c/copy.png': same
    })
    const dataset = await scanDataset({ instanceDir: join(root, 'instance') })
    const result = await buildArchive(dataset, { outputPath: join(root, 'data.zip') })
    expect(checkDataset(dataset, result)).toEqual([
      { message: 'c/copy.png has the same content as a.png', file: join(root, 'instance', 'c', 'copy.png') }
    ])
  })

  it('fails without leaving a partial zip when an image cannot be read', async () => {
    const dataset = await datasetIn(root)
    await unlink(dataset.instance[1].sourcePath)
    await unlink(dataset.class[1].sourcePath)
    const outputPath = join(root, 'data.zip')
    await expect(buildArchive(dataset, { outputPath })).rejects.toThrow(/ENOENT/)
    await expect(stat(outputPath)).rejects.toThrow(/ENOENT/)
  })

  it('refuses a dataset with two entries of the same name', async () => {
    const dataset = await datasetIn(root)
    const twice = { ...dataset, instance: [dataset.instance[0], { ...dataset.instance[1], entryName: 'A.JPG' }] }
    await expect(buildArchive(twice, { outputPath: join(root, 'data.zip') })).rejects.toThrow(
      'A.JPG and a.jpg would be one entry in the zip'
    )
  })

  it('fails when the zip cannot be written', async () => {
    const dataset = await datasetIn(root)
    await expect(buildArchive(dataset, { outputPath: join(root, 'instance') })).rejects.toThrow(/EISDIR/)
    expect((await stat(join(root, 'instance'))).isDirectory()).toBe(true)
  })
})

describe('DatasetZip', () => {
  /** Reads a pass as an upload would; its bytes. */
  async function readPass(zip: DatasetZip): Promise<Buffer> {
    const chunks: Buffer[] = []
    for await (const chunk of zip.pass()) chunks.push(Buffer.from(chunk))
    return Buffer.concat(chunks)
  }

  it('gives the same bytes on every pass, its size known before the first, and no file unless asked', async () => {
    const dataset = await datasetIn(root)
    const zip = new DatasetZip(dataset)
    const reference = await buildArchive(dataset, { outputPath: join(root, 'reference.zip') })
    expect(zip.bytes).toBe(reference.bytes)
    const first = await readPass(zip)
    expect(sha256(first)).toBe(reference.sha256)
    expect((await readPass(zip)).equals(first)).toBe(true)
    const built = await zip.build()
    expect(built).toEqual({ ...reference, path: '' })
  })

  it('writes the copy on the first pass that asks, and not again', async () => {
    const keepAt = join(root, 'kept', 'data.zip')
    const zip = new DatasetZip(await datasetIn(root), { keepAt })
    const sent = await readPass(zip)
    expect((await readFile(keepAt)).equals(sent)).toBe(true)
    const written = (await stat(keepAt)).mtimeMs
    const again = await zip.build()
    expect(again.path).toBe(keepAt)
    expect(again.sha256).toBe(sha256(sent))
    expect((await stat(keepAt)).mtimeMs).toBe(written)
  })

  it('fails naming an image that changed after its check, as an error of its input, and leaves no copy', async () => {
    const dataset = await datasetIn(root)
    await appendFile(dataset.class[1]!.sourcePath, 'more bytes')
    const keepAt = join(root, 'data.zip')
    const error = await new DatasetZip(dataset, { keepAt }).build().catch((error: unknown) => error)
    expect(error).toBeInstanceOf(DatasetError)
    expect((error as DatasetError).input).toBe('class-images')
    expect((error as Error).message).toBe(
      `class-images: ${dataset.class[1]!.sourcePath} changed after it was checked: it is ${(classTree['z.png'] as Buffer).length + 10} bytes now, not the ${(classTree['z.png'] as Buffer).length} checked. The zip would not be what was checked; run again once the folder stays as it is.`
    )
    await expect(stat(keepAt)).rejects.toThrow(/ENOENT/)
  })
})
