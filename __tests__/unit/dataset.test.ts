import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkDataset } from '../../src/dataset/checks.js'
import { scanDataset } from '../../src/dataset/scan.js'
import {
  DatasetError,
  MAX_IMAGE_BYTES,
  MAX_ZIP_BYTES,
  fileStamp,
  type Dataset,
  type DatasetImage
} from '../../src/dataset/types.js'
import { jpegBytes, pngBytes, webpBytes, writeImageTree } from '../../test-support/images.js'

let root: string
let instanceDir: string
let classDir: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'dataset-'))
  instanceDir = join(root, 'instance')
  classDir = join(root, 'class')
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

const png = (seed = 0): Buffer => pngBytes({ width: 16, height: 16, seed })

/** The DatasetError the scan throws (the test fails when it resolves or throws something else). */
async function scanError(options: Parameters<typeof scanDataset>[0]): Promise<DatasetError> {
  const error = await scanDataset(options).then(
    () => undefined,
    (thrown: unknown) => thrown
  )
  expect(error).toBeInstanceOf(DatasetError)
  return error as DatasetError
}

describe('scanDataset', () => {
  it('reads both folders recursively, flattens sub-folders and sorts by entry name', async () => {
    await writeImageTree(instanceDir, {
      'b.png': pngBytes({ width: 640, height: 480 }),
      'sub/deeper/a.jpg': jpegBytes({ width: 512, height: 600 }),
      'c.webp': webpBytes({ width: 800, height: 800, kind: 'VP8X' })
    })
    await writeImageTree(classDir, { 'z/one.png': png(1), 'two.jpg': jpegBytes({ width: 8, height: 8 }) })

    const dataset = await scanDataset({ instanceDir, classDir })

    expect(dataset.instance.map((image) => image.entryName)).toEqual(['a.jpg', 'b.png', 'c.webp'])
    expect(dataset.class.map((image) => image.entryName)).toEqual(['dataset_class/one.png', 'dataset_class/two.jpg'])
    expect(dataset.instance[0]).toEqual({
      kind: 'instance',
      sourcePath: join(instanceDir, 'sub', 'deeper', 'a.jpg'),
      relPath: 'sub/deeper/a.jpg',
      entryName: 'a.jpg',
      bytes: jpegBytes({ width: 512, height: 600 }).length,
      // which file and which version of it, for the zip to refuse one that changed since
      stamp: fileStamp(await stat(join(instanceDir, 'sub', 'deeper', 'a.jpg'), { bigint: true })),
      format: 'jpeg',
      width: 512,
      height: 600
    })
    expect(dataset.class[0]).toMatchObject({ kind: 'class', relPath: 'z/one.png', format: 'png' })
    expect(dataset.totalBytes).toBe(
      [...dataset.instance, ...dataset.class].reduce((sum, image) => sum + image.bytes, 0)
    )
  })

  it('skips hidden files and folders', async () => {
    await writeImageTree(instanceDir, {
      'a.png': png(),
      '.DS_Store': 'finder metadata',
      '.git/config': '[core]',
      '.thumbs/b.png': png(2),
      'sub/.hidden.png': png(3)
    })
    const dataset = await scanDataset({ instanceDir })
    expect(dataset.instance.map((image) => image.relPath)).toEqual(['a.png'])
  })

  it('recognises images by content, not by name', async () => {
    await writeImageTree(instanceDir, { 'photo.txt': png(), IMG_0001: jpegBytes({ width: 8, height: 8 }) })
    const dataset = await scanDataset({ instanceDir })
    expect(dataset.instance.map((image) => [image.entryName, image.format])).toEqual([
      ['IMG_0001', 'jpeg'],
      ['photo.txt', 'png']
    ])
  })

  it('lists every file that is not an image, with its path, in one error', async () => {
    await writeImageTree(instanceDir, {
      'a.png': png(),
      'notes.txt': 'hello',
      'sub/anim.gif': Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'),
      'sub/empty.jpg': ''
    })
    const error = await scanError({ instanceDir })
    expect(error.input).toBe('instance-images')
    expect(error.message).toMatch(/^instance-images: 3 problems in /)
    expect(error.message).toContain(instanceDir)
    for (const path of ['notes.txt', 'sub/anim.gif', 'sub/empty.jpg']) {
      expect(error.message).toContain(`\n  ${path}: not a JPEG, PNG or WebP image`)
    }
  })

  it('lists at most 20 problems, then says how many more', async () => {
    const spec: Record<string, string> = {}
    for (let i = 0; i < 25; i++) spec[`note-${String(i).padStart(2, '0')}.txt`] = 'text'
    await writeImageTree(classDir, spec)
    await writeImageTree(instanceDir, { 'a.png': png() })
    const error = await scanError({ instanceDir, classDir })
    expect(error.input).toBe('class-images')
    expect(error.message).toContain('note-19.txt')
    expect(error.message).not.toContain('note-20.txt')
    expect(error.message).toContain('and 5 more')
  })

  it('refuses two files that flatten to the same name, naming both', async () => {
    await writeImageTree(instanceDir, { 'a/x.png': png(1), 'b/x.png': png(2), 'c/Y.png': png(3), 'd/y.PNG': png(4) })
    const error = await scanError({ instanceDir })
    expect(error.message).toContain('a/x.png, b/x.png: each would be stored as x.png')
    expect(error.message).toContain('c/Y.png, d/y.PNG: each would be stored as')
  })

  it('refuses two names that differ only by Unicode normalisation (NFC and NFD)', async () => {
    const nfc = 'caf\u00e9.png'
    const nfd = 'cafe\u0301.png'
    await writeImageTree(instanceDir, { [`a/${nfc}`]: png(1), [`b/${nfd}`]: png(2), 'ok.png': png(3) })
    const error = await scanError({ instanceDir })
    expect(error.message).toContain(`a/${nfc}, b/${nfd}: each would be stored as`)
    expect(error.message).toContain('Unicode normalisation')
  })

  it('refuses a file name that is not valid UTF-8, saying so', async () => {
    await writeImageTree(instanceDir, { 'ok.png': png(1) })
    const badName = Buffer.concat([Buffer.from(`${instanceDir}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.png')])
    await writeFile(badName, png(2))
    const error = await scanError({ instanceDir })
    expect(error.input).toBe('instance-images')
    expect(error.message).toContain('the name is not valid UTF-8 (bytes ')
    expect(error.message).toContain('\\xff\\xfe')
    expect(error.message).toContain('rename the file')
  })

  it('lets an instance and a class image share a name (they go to different folders)', async () => {
    await writeImageTree(instanceDir, { 'x.png': png(1) })
    await writeImageTree(classDir, { 'x.png': png(2) })
    const dataset = await scanDataset({ instanceDir, classDir })
    expect([...dataset.instance, ...dataset.class].map((image) => image.entryName)).toEqual([
      'x.png',
      'dataset_class/x.png'
    ])
  })

  it('refuses names the zip would change', async () => {
    await writeImageTree(instanceDir, { 'a:b.png': png(1), 'c\\d.png': png(2), 'ok.png': png(3) })
    const error = await scanError({ instanceDir })
    expect(error.message).toContain('a:b.png: the name has a character')
    expect(error.message).toContain('c\\d.png: the name has a character')
  })

  it('refuses a symbolic link that leads outside the folder, naming it', async () => {
    await writeImageTree(root, { 'outside/secret.png': png(9), 'outside/dir/x.png': png(8) })
    await writeImageTree(instanceDir, {
      'a.png': png(),
      'escape.png': { symlink: join(root, 'outside', 'secret.png') },
      'sub/escape-dir': { symlink: '../../outside/dir' },
      'broken.png': { symlink: join(root, 'nowhere.png') }
    })
    const error = await scanError({ instanceDir })
    expect(error.message).toContain(
      `escape.png: symbolic link to ${join(root, 'outside', 'secret.png')}, outside the folder`
    )
    expect(error.message).toContain('sub/escape-dir: symbolic link to')
    expect(error.message).toContain('broken.png: broken symbolic link')
  })

  it('follows links inside the folder once, without looping', async () => {
    await writeImageTree(instanceDir, {
      'real/a.png': png(1),
      'alias.png': { symlink: 'real/a.png' },
      'real/loop': { symlink: '..' },
      'also-real': { symlink: 'real' }
    })
    const dataset = await scanDataset({ instanceDir })
    // also-real is visited first (name order); real/ and the loop back to the root are not walked twice
    expect(dataset.instance.map((image) => [image.entryName, image.relPath])).toEqual([
      ['a.png', 'also-real/a.png'],
      ['alias.png', 'alias.png']
    ])
    expect(dataset.instance[1].sourcePath).toBe(join(instanceDir, 'alias.png'))
  })

  it('refuses an image larger than MAX_IMAGE_BYTES, with its path and size', async () => {
    await writeImageTree(instanceDir, { 'a.png': png(), 'big/huge.png': png() })
    await truncate(join(instanceDir, 'big', 'huge.png'), MAX_IMAGE_BYTES + 1) // sparse: no 50 MiB written
    const error = await scanError({ instanceDir })
    expect(error.message).toContain('big/huge.png: 50.0 MiB, more than the 50 MiB allowed for one image')
  })

  it('refuses images that come to more than MAX_ZIP_BYTES in all', async () => {
    const count = Math.floor(MAX_ZIP_BYTES / MAX_IMAGE_BYTES) + 1
    for (const [dir, first, last] of [
      [instanceDir, 0, 60],
      [classDir, 60, count]
    ] as const) {
      await mkdir(dir, { recursive: true })
      for (let i = first; i < last; i++) {
        const path = join(dir, `${i}.png`)
        await writeFile(path, png())
        await truncate(path, MAX_IMAGE_BYTES) // sparse
      }
    }
    const error = await scanError({ instanceDir, classDir })
    expect(error.input).toBe('class-images')
    expect(error.message).toContain('more than the 5 GiB allowed in one zip')
  })

  it('names the instance-images input and path when the folder is missing', async () => {
    const error = await scanError({ instanceDir })
    expect(error.input).toBe('instance-images')
    expect(error.message).toBe(`instance-images: folder not found: ${instanceDir}`)
  })

  it('refuses an instance folder without images', async () => {
    await writeImageTree(instanceDir, { '.hidden.png': png(), 'empty/': { dir: true } })
    const error = await scanError({ instanceDir })
    expect(error.message).toBe(`instance-images: no JPEG, PNG or WebP image in ${instanceDir}`)
  })

  it('takes a missing or empty class folder as no class images', async () => {
    await writeImageTree(instanceDir, { 'a.png': png() })
    expect((await scanDataset({ instanceDir, classDir })).class).toEqual([])
    await mkdir(classDir)
    expect((await scanDataset({ instanceDir, classDir })).class).toEqual([])
    expect((await scanDataset({ instanceDir })).class).toEqual([])
  })

  it('refuses a path that is a file, not a folder', async () => {
    await writeImageTree(root, { 'file.png': png() })
    const error = await scanError({ instanceDir: join(root, 'file.png') })
    expect(error.message).toBe(`instance-images: not a folder: ${join(root, 'file.png')}`)
  })

  it('keeps a class folder inside the instance folder out of the instance images', async () => {
    await writeImageTree(instanceDir, { 'a.png': png(1), 'dataset_class/c.png': png(2) })
    const dataset = await scanDataset({ instanceDir, classDir: join(instanceDir, 'dataset_class') })
    expect(dataset.instance.map((image) => image.entryName)).toEqual(['a.png'])
    expect(dataset.class.map((image) => image.entryName)).toEqual(['dataset_class/c.png'])
  })

  it('refuses the same folder for instance and class images', async () => {
    await writeImageTree(instanceDir, { 'a.png': png() })
    const error = await scanError({ instanceDir, classDir: instanceDir })
    expect(error.input).toBe('class-images')
  })
})

describe('checkDataset', () => {
  function image(name: string, width?: number, height?: number, kind: DatasetImage['kind'] = 'instance'): DatasetImage {
    return {
      kind,
      sourcePath: `/data/${kind}/${name}`,
      relPath: name,
      entryName: kind === 'instance' ? name : `dataset_class/${name}`,
      bytes: 1000,
      stamp: '1:2:1000:0',
      format: 'png',
      width,
      height
    }
  }

  function dataset(instance: DatasetImage[], classImages: DatasetImage[] = []): Dataset {
    return {
      instanceDir: '/data/instance',
      instance,
      class: classImages,
      totalBytes: 1000 * (instance.length + classImages.length)
    }
  }

  const big = (count: number): DatasetImage[] => Array.from({ length: count }, (_, i) => image(`${i}.png`, 512, 512))

  it('has nothing to say about 3 to 50 large enough, distinct images', () => {
    expect(checkDataset(dataset(big(3)), undefined)).toEqual([])
    expect(checkDataset(dataset(big(50)), undefined)).toEqual([])
  })

  it('warns about fewer than 3 and more than 50 instance images', () => {
    expect(checkDataset(dataset(big(2)), undefined)).toEqual([
      { message: 'only 2 instance images: DreamBooth needs 3 to 50 to learn a subject' }
    ])
    expect(checkDataset(dataset(big(51)), undefined)).toEqual([
      { message: '51 instance images: more than 50 add training time for little gain' }
    ])
  })

  it('warns about images whose short side is below the resolution, 512 by default', () => {
    const images = [image('wide.png', 2000, 511), image('ok.png', 512, 900), image('tall.png', 800, 1000)]
    const classImage = image('small.png', 256, 256, 'class')
    expect(checkDataset(dataset(images, [classImage]), undefined)).toEqual([
      {
        message:
          'wide.png is 2000x511: its short side is below the training resolution of 512 px, so it will be scaled up',
        file: '/data/instance/wide.png'
      },
      {
        message:
          'small.png (class-images) is 256x256: its short side is below the training resolution of 512 px, so it will be scaled up',
        file: '/data/class/small.png'
      }
    ])
    const at768 = checkDataset(dataset(images), undefined, { resolution: 768 })
    expect(at768.map((warning) => warning.file)).toEqual(['/data/instance/wide.png', '/data/instance/ok.png'])
  })

  it('warns when an image size could not be read', () => {
    const warnings = checkDataset(dataset([...big(3), image('odd.jpg')]), undefined)
    expect(warnings).toEqual([
      { message: 'odd.jpg: its pixel size could not be read from the header', file: '/data/instance/odd.jpg' }
    ])
  })

  it('warns about duplicates by content, from the hashes the archive took', () => {
    const images = big(4)
    const classImage = image('c.png', 512, 512, 'class')
    const archive = {
      entries: [
        { name: '0.png', fingerprint: 'aa' },
        { name: '1.png', fingerprint: 'bb' },
        { name: '2.png', fingerprint: 'aa' },
        { name: '3.png', fingerprint: 'cc' },
        { name: 'dataset_class/c.png', fingerprint: 'bb' }
      ]
    }
    expect(checkDataset(dataset(images, [classImage]), archive)).toEqual([
      { message: '2.png has the same content as 0.png', file: '/data/instance/2.png' },
      { message: 'c.png (class-images) has the same content as 1.png', file: '/data/class/c.png' }
    ])
  })
})

describe('the vendor template layout', () => {
  it('refuses class images nested in the instance folder unless they are given as class-images', async () => {
    await mkdir(join(root, 'dataset_class'))
    await writeFile(join(root, 'a.png'), pngBytes({ width: 8, height: 8 }))
    await writeFile(join(root, 'dataset_class', 'c.png'), pngBytes({ width: 8, height: 8, seed: 2 }))
    await expect(scanDataset({ instanceDir: root })).rejects.toThrow(
      /instance-images: .*dataset_class.*give it as class-images/
    )
    const dataset = await scanDataset({ instanceDir: root, classDir: join(root, 'dataset_class') })
    expect(dataset.instance.map((image) => image.entryName)).toEqual(['a.png'])
    expect(dataset.class.map((image) => image.entryName)).toEqual(['dataset_class/c.png'])
  })
})
