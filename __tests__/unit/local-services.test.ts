// The command's local services on real files: the class-image folder cache (same keys as the
// Actions cache) and the idempotency file.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Dataset } from '../../src/dataset/index.js'
import type { Config } from '../../src/inputs/index.js'
import { newReport, type RunReport } from '../../src/report/index.js'
import {
  classCacheKey,
  classCacheKeyPrefix,
  classImagePurpose,
  folderClassImageCache,
  idempotencyFile,
  parseIdempotencyRecord,
  runFingerprint
} from '../../src/services/index.js'
import type { JobStatus } from '../../src/tiyaro/index.js'

let root: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tiyaro-local-services-'))
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

const config = (classImages: string | undefined, more: Partial<Config> = {}): Config =>
  ({
    classImages,
    classPrompt: 'a photo of dog',
    hyperparameters: { resolution: 512 },
    cacheClassImages: true,
    dryRun: false,
    ...more
  }) as Config

async function classFolder(name: string, files: Record<string, string>): Promise<{ dir: string; dataset: Dataset }> {
  const dir = join(root, name)
  await mkdir(dir, { recursive: true })
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text)
  const images = Object.keys(files).map((file) => ({ sourcePath: join(dir, file), entryName: `dataset_class/${file}` }))
  return { dir, dataset: { instance: [], class: images } as unknown as Dataset }
}

const entriesOf = (files: Record<string, string>): { name: string; fingerprint: string }[] =>
  Object.entries(files).map(([file, text]) => ({ name: `dataset_class/${file}`, fingerprint: `fp-${text}` }))

describe('folderClassImageCache', () => {
  it('saves under the Actions cache key, restores the newest entry into an empty folder, and copies', async () => {
    const cacheDir = join(root, 'cache-1')
    const cache = folderClassImageCache(cacheDir)
    const older = { 'a.png': 'old-a' }
    const newer = { 'b.png': 'new-b', 'c.png': 'new-c' }
    for (const [name, files] of [
      ['older', older],
      ['newer', newer]
    ] as const) {
      const { dir, dataset } = await classFolder(name, files)
      await cache.save(config(dir), dataset, { entries: entriesOf(files) }, { classDir: dir, fromCache: false })
    }
    const purpose = classImagePurpose(config(undefined))
    const olderKey = classCacheKey(
      purpose,
      entriesOf(older).map((e) => ({ ...e, name: e.name.slice(14) }))
    )
    const newerKey = classCacheKey(
      purpose,
      entriesOf(newer).map((e) => ({ ...e, name: e.name.slice(14) }))
    )
    expect((await readdir(join(cacheDir, 'class-images'))).sort()).toEqual([newerKey, olderKey].sort())
    await utimes(join(cacheDir, 'class-images', olderKey), new Date(1000), new Date(1000))

    const target = join(root, 'empty-1')
    await mkdir(target)
    const restored = await cache.restore(config(target))
    expect(restored).toEqual({ classDir: target, fromCache: true, restoredKey: newerKey })
    expect((await readdir(target)).sort()).toEqual(['b.png', 'c.png'])
    expect(await readFile(join(target, 'b.png'), 'utf8')).toBe('new-b')
    // a copy: changing the restored image leaves the cache as it was
    await writeFile(join(target, 'b.png'), 'edited')
    expect(await readFile(join(cacheDir, 'class-images', newerKey, 'b.png'), 'utf8')).toBe('new-b')
  })

  it('leaves a folder with images alone, misses another purpose, and is off for dry runs and when disabled', async () => {
    const cacheDir = join(root, 'cache-1')
    const cache = folderClassImageCache(cacheDir)
    const { dir } = await classFolder('given', { 'x.png': 'x' })
    expect(await cache.restore(config(dir))).toEqual({ classDir: dir, fromCache: false })
    const empty = join(root, 'empty-2')
    const otherPrompt = config(empty, { classPrompt: 'a photo of cat' })
    expect(await cache.restore(otherPrompt)).toEqual({ classDir: empty, fromCache: false })
    expect(await cache.restore(config(empty, { dryRun: true }))).toEqual({ classDir: empty, fromCache: false })
    expect(await cache.restore(config(empty, { cacheClassImages: false }))).toEqual({
      classDir: empty,
      fromCache: false
    })
    expect(classCacheKeyPrefix(classImagePurpose(otherPrompt))).not.toBe(
      classCacheKeyPrefix(classImagePurpose(config(empty)))
    )
  })

  it('does not save the set it restored, and a save of a key that exists already is a no-op', async () => {
    const cacheDir = join(root, 'cache-2')
    const cache = folderClassImageCache(cacheDir)
    const files = { 'd.png': 'd' }
    const { dir, dataset } = await classFolder('to-save', files)
    const archive = { entries: entriesOf(files) }
    await Promise.all([1, 2, 3].map(() => cache.save(config(dir), dataset, archive, { fromCache: false })))
    const [key] = await readdir(join(cacheDir, 'class-images'))
    expect(await readdir(join(cacheDir, 'class-images'))).toEqual([key])
    await rm(join(cacheDir, 'class-images', key), { recursive: true })
    await cache.save(config(dir), dataset, archive, { fromCache: true, restoredKey: key })
    expect(await readdir(join(cacheDir, 'class-images'))).toEqual([])
  })
})

describe('idempotencyFile', () => {
  const parameters = {
    name: 'dog',
    version: '1',
    datasetS3ObjName: 'dog-1.zip',
    class_prompt: 'c',
    instance_prompt: 'i'
  }
  const started = (jobId: string, sha = 'a'.repeat(64)): RunReport => ({
    ...newReport(),
    jobId,
    zip: { path: '/z.zip', sha256: sha, bytes: 1 },
    parametersSent: parameters
  })
  const status = (statusEnum: JobStatus['statusEnum']) => async (): Promise<JobStatus> => ({ statusEnum })

  it('records the job, then finds it for the same zip and parameters, and only for them', async () => {
    const path = join(root, 'records', 'job.json')
    const store = idempotencyFile(path)
    expect(store.mayHoldEarlierJob()).toBe(false)
    expect(await store.findEarlier(started('x'), status('running'))).toBeUndefined()
    await store.record(started('job-1'))
    expect(store.mayHoldEarlierJob()).toBe(true)
    const record = parseIdempotencyRecord(await readFile(path, 'utf8'))
    expect(record).toMatchObject({ jobId: 'job-1', fingerprint: runFingerprint('a'.repeat(64), parameters) })

    expect(await store.findEarlier(started('ignored'), status('done'))).toBe('job-1')
    expect(await store.findEarlier(started('ignored'), status('running'))).toBe('job-1')
    // the service cannot say: attach all the same, a second training is the worse mistake
    const unknown = async (): Promise<JobStatus> => {
      throw new Error('no answer')
    }
    expect(await store.findEarlier(started('ignored'), unknown)).toBe('job-1')
    expect(await store.findEarlier(started('ignored', 'b'.repeat(64)), status('running'))).toBeUndefined()
    expect(await store.findEarlier(started('ignored'), status('failed'))).toBeUndefined()
    expect(await store.findEarlier(started('ignored'), status('notfound'))).toBeUndefined()
  })

  it('refuses a file that is not a record, and a record whose job ID is not one', async () => {
    const path = join(root, 'bad.json')
    await writeFile(path, JSON.stringify({ jobId: 'job 1; rm -rf', fingerprint: 'f' }))
    expect(parseIdempotencyRecord(await readFile(path, 'utf8'))).toBeUndefined()
    await expect(idempotencyFile(path).findEarlier(started('x'), status('running'))).rejects.toThrow(
      `idempotency-file: ${path} holds no job record of tiyaro-dreambooth`
    )
  })
})
