import { describe, expect, it } from '@jest/globals'
import { newReport, renderSummary, reportOutputs } from '../../src/report/index.js'
import { promptSlug, sampleFileName, sampleSeeds, samplesDir } from '../../src/extras/samples.js'

describe('sampleSeeds', () => {
  it('gives every prompt seed 1 wherever it stands, and a repeated prompt the next seed', () => {
    expect(sampleSeeds(['a dog', 'a cat', 'a dog', 'a dog', 'a cat'])).toEqual([1, 1, 2, 3, 2])
    expect(sampleSeeds(['a cat', 'a dog'])).toEqual(sampleSeeds(['a dog', 'a cat']))
  })
})

describe('sample file names', () => {
  it('numbers the prompts in list order and keeps a readable slug', () => {
    expect(sampleFileName(0, 'A photo of SKS dog, in the snow!', 'png')).toBe('01-a-photo-of-sks-dog-in-the-snow.png')
    expect(sampleFileName(11, 'a dog', 'jpeg')).toBe('12-a-dog.jpg')
    expect(sampleFileName(2, 'a dog', 'webp', 1)).toBe('03-a-dog-2.webp')
    expect(sampleFileName(4, 'a dog', 'png', 0, 120)).toBe('005-a-dog.png')
  })

  it('makes a safe name of any prompt: no path, no dots, no quotes, bounded length', () => {
    expect(promptSlug('../../etc/passwd')).toBe('etc-passwd')
    expect(promptSlug('naïve café — "quoted" <tag> | pipe')).toBe('naive-cafe-quoted-tag-pipe')
    expect(promptSlug('🐶🐱')).toBe('sample')
    const long = promptSlug('word '.repeat(40))
    expect(long.length).toBeLessThanOrEqual(40)
    expect(long).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  })

  it('puts each job in its own folder with a safe name', () => {
    expect(samplesDir('/tmp/t', 'job-123')).toBe('/tmp/t/samples/job-123')
    expect(samplesDir('/tmp/t', '../x/y')).toBe('/tmp/t/samples/__x_y')
  })
})

describe('samples in the report', () => {
  const samples = [
    { prompt: 'a | dog', path: '/runner/temp/tiyaro-dreambooth/samples/j/01-a-dog.png' },
    { prompt: 'a cat', path: '/runner/temp/tiyaro-dreambooth/samples/j/02-a-cat.png' }
  ]

  it('lists prompts and file names, and says where the files are', () => {
    const markdown = renderSummary({ ...newReport(), status: 'done', sampleImages: samples })
    expect(markdown).toContain('### Sample images')
    expect(markdown).toContain('| a \\| dog | `01-a-dog.png` |')
    expect(markdown).toContain('| a cat | `02-a-cat.png` |')
    expect(markdown).toContain('set artifact-name to keep them')
    expect(renderSummary({ ...newReport(), status: 'done', sampleImages: samples, artifactId: 77 })).toContain(
      "in the samples folder of the run's artifact (ID 77)"
    )
  })

  it('says so when no sample was made', () => {
    expect(renderSummary({ ...newReport(), status: 'done', sampleImages: [] })).toMatch(
      /### Sample images\n\n> No sample image was made/
    )
  })

  it('outputs the files as a JSON list', () => {
    expect(JSON.parse(reportOutputs({ ...newReport(), sampleImages: samples })['sample-images'])).toEqual(
      samples.map((s) => s.path)
    )
  })
})
