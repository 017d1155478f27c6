import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeSeeds, generatedFileName, generationSeeds, readClassFolder } from '../../src/extras/class-generator.js'
import { describeClassImageSources, newReport, renderSummary } from '../../src/report/index.js'
import { jpegBytes, pngBytes, writeImageTree } from '../../test-support/images.js'

describe('generationSeeds', () => {
  it('takes the smallest free seeds, so a re-run asks for the same ones', () => {
    expect(generationSeeds(4, new Set())).toEqual([1, 2, 3, 4])
    expect(generationSeeds(4, new Set(['generated-2', 'generated-3', 'dog']))).toEqual([1, 4, 5, 6])
    expect(generationSeeds(0, new Set())).toEqual([])
  })

  it('names a file by its seed and format', () => {
    expect(generatedFileName(7, 'png')).toBe('generated-7.png')
    expect(generatedFileName(7, 'jpeg')).toBe('generated-7.jpg')
  })

  it('writes seed lists short', () => {
    expect(describeSeeds([1, 2, 3, 4])).toBe('1-4')
    expect(describeSeeds([1, 4, 5, 6, 9])).toBe('1, 4-6, 9')
  })
})

describe('readClassFolder', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'class-folder-'))
    await writeImageTree(dir, {
      'class/a.png': pngBytes({ width: 8, height: 8 }),
      'class/sub/Generated-2.JPG': jpegBytes({ width: 8, height: 8 }),
      'class/notes.txt': 'not an image',
      'class/.hidden.png': pngBytes({ width: 8, height: 8 }),
      'class/.cache/generated-9.png': pngBytes({ width: 8, height: 8 }),
      'class/instance/generated-5.png': pngBytes({ width: 8, height: 8 })
    })
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('counts images by content in the whole tree, skipping hidden entries and the instance folder', async () => {
    const folder = await readClassFolder(join(dir, 'class'), join(dir, 'class/instance'))
    expect(folder.imageCount).toBe(2)
    expect([...folder.takenStems].sort()).toEqual(['a', 'generated-2', 'notes'])
    expect(generationSeeds(2, folder.takenStems)).toEqual([1, 3])
  })

  it('finds nothing in a folder that does not exist', async () => {
    const folder = await readClassFolder(join(dir, 'missing'))
    expect(folder).toEqual({ imageCount: 0, takenStems: new Set() })
  })
})

describe('class image sources in the report', () => {
  it('names the sources that gave images', () => {
    expect(describeClassImageSources({ supplied: 2, restored: 0, generated: 4 })).toBe('2 supplied, 4 generated')
    expect(describeClassImageSources({ supplied: 0, restored: 6, generated: 0 })).toBe('6 restored from the cache')
    expect(describeClassImageSources({ supplied: 0, restored: 0, generated: 0 })).toBeUndefined()
  })

  it('shows them in the summary', () => {
    const markdown = renderSummary({
      ...newReport(),
      status: 'done',
      classImageSources: { supplied: 2, restored: 0, generated: 4 }
    })
    expect(markdown).toContain('| Class images | 2 supplied, 4 generated |')
  })
})
