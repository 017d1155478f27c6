import { describe, expect, it } from '@jest/globals'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  CLASS_CACHE_KEY_PREFIX,
  classCacheKey,
  classCacheKeyPrefix,
  classEntries,
  classImagePurpose,
  classImagesHash,
  holdsFiles
} from '../../src/services/keys.js'
import { useTempDir } from '../../test-support/fixtures.js'

const purpose = { model: 'stable-diffusion-v1-5', classPrompt: 'a photo of dog', resolution: 512 }
const images = [
  { name: 'dog-1.jpg', fingerprint: 'a'.repeat(64) },
  { name: 'dog-2.jpg', fingerprint: 'b'.repeat(64) }
]

describe('classImagePurpose', () => {
  it('takes model and resolution from the hyperparameters, 512 when resolution is not set', () => {
    expect(
      classImagePurpose({
        classPrompt: 'a dog',
        hyperparameters: { model: 'm', resolution: 768, max_train_steps: 400 }
      })
    ).toEqual({
      model: 'm',
      classPrompt: 'a dog',
      resolution: 768
    })
    expect(classImagePurpose({ classPrompt: 'a dog', hyperparameters: {} })).toEqual({
      model: undefined,
      classPrompt: 'a dog',
      resolution: 512
    })
  })
})

describe('class cache keys', () => {
  it('is the prefix, a hash of the purpose and a hash of the images', () => {
    const prefix = classCacheKeyPrefix(purpose)
    expect(prefix).toMatch(new RegExp(`^${CLASS_CACHE_KEY_PREFIX}[0-9a-f]{16}-$`))
    expect(classCacheKey(purpose, images)).toBe(`${prefix}${classImagesHash(images)}`)
    expect(classImagesHash(images)).toMatch(/^[0-9a-f]{32}$/)
  })

  it('gives a new prefix for another model, class prompt or resolution, and tells unset from empty', () => {
    const prefixes = [
      purpose,
      { ...purpose, model: 'other' },
      { ...purpose, model: undefined },
      { ...purpose, model: '' },
      { ...purpose, classPrompt: 'a photo of dog ' },
      { ...purpose, resolution: 768 }
    ].map(classCacheKeyPrefix)
    expect(new Set(prefixes).size).toBe(prefixes.length)
  })

  it('hashes names and contents, not their order', () => {
    const hash = classImagesHash(images)
    expect(classImagesHash([...images].reverse())).toBe(hash)
    expect(classImagesHash([{ ...images[0], name: 'dog-3.jpg' }, images[1]])).not.toBe(hash)
    expect(classImagesHash([{ ...images[0], fingerprint: 'c'.repeat(64) }, images[1]])).not.toBe(hash)
    expect(classImagesHash(images.slice(1))).not.toBe(hash)
  })

  it('takes the class images from the archive entries, named as in dataset_class/', () => {
    const entries = [
      { name: 'robot.jpg', fingerprint: '1' },
      { name: 'dataset_class/dog-1.jpg', fingerprint: '2' },
      { name: 'dataset_class/dog-2.jpg', fingerprint: '3' }
    ]
    expect(classEntries(entries)).toEqual([
      { name: 'dog-1.jpg', fingerprint: '2' },
      { name: 'dog-2.jpg', fingerprint: '3' }
    ])
  })
})

describe('holdsFiles', () => {
  const root = useTempDir('holds-files-')

  it('is false for a missing folder, an empty one, and one with only hidden files or empty folders', async () => {
    expect(await holdsFiles(join(root, 'missing'))).toBe(false)
    await mkdir(join(root, 'empty', 'sub', '.hidden'), { recursive: true })
    await writeFile(join(root, 'empty', '.gitkeep'), '')
    await writeFile(join(root, 'empty', 'sub', '.hidden', 'x.jpg'), 'x')
    expect(await holdsFiles(join(root, 'empty'))).toBe(false)
  })

  it('is true as soon as a visible file exists, however deep', async () => {
    await mkdir(join(root, 'deep', 'a', 'b'), { recursive: true })
    await writeFile(join(root, 'deep', 'a', 'b', 'dog.jpg'), 'x')
    expect(await holdsFiles(join(root, 'deep'))).toBe(true)
  })
})
