// Sample images after `done` and class images generated once, through the bundled action against
// the local Tiyaro server (and, for the cache, the local runner services).
import { describe, expect, it } from '@jest/globals'
import { copyFile, mkdir, readFile, readdir, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { RequestLogEntry, TiyaroServer } from '../../server/tiyaro-server.js'
import type { ZipEntry } from '../../server/zip-entries.js'
import { DEMO_CLASS, runWith, useServers } from '../../test-support/action-fixture.js'
import { useRunnerServices, useTempDir } from '../../test-support/fixtures.js'
import { readPng } from '../../test-support/png.js'
import { lastUploadedZip } from '../../test-support/server-fixture.js'

const serverWith = useServers()

const PROMPTS = ['a photo of sks toy robot on the moon', 'a photo of sks toy robot | in a "garden"']

function inferenceCalls(server: TiyaroServer, since = 0): RequestLogEntry[] {
  return server.requests.slice(since).filter((entry) => entry.kind === 'inference')
}

function classEntries(zip: readonly ZipEntry[]): string[] {
  return zip.map((entry) => entry.name).filter((name) => name.startsWith('dataset_class/'))
}

describe('sample images', () => {
  it.concurrent('are written after done, one per prompt, listed in the output and the summary', async () => {
    const server = await serverWith()
    const run = await runWith(server, { 'sample-prompts': `${PROMPTS[0]}\n\n${PROMPTS[1]}\n` })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    expect(run.stdout).not.toMatch(/^::(warning|error)::/m)
    expect(run.stdout).toContain('::group::Sample images')

    const files = JSON.parse(run.outputs['sample-images']) as string[]
    expect(files.map((file) => basename(file))).toEqual([
      '01-a-photo-of-sks-toy-robot-on-the-moon.png',
      '02-a-photo-of-sks-toy-robot-in-a-garden.png'
    ])
    const jobId = run.outputs['job-id']
    for (const file of files) {
      expect(dirname(file)).toBe(join(run.runnerTemp, 'tiyaro-dreambooth', 'samples', jobId))
      expect(readPng(await readFile(file))).toMatchObject({ width: 512, height: 512 })
    }

    // each prompt once, to the trained model's URL, with the key as Bearer and a fixed seed
    const calls = inferenceCalls(server)
    expect(calls).toHaveLength(2)
    expect(new URL(run.outputs['model-url']).pathname).toBe(calls[0]!.path)
    expect(calls.every((call) => call.authorized && call.status === 200)).toBe(true)
    expect(
      calls.map((call) => call.inferenceInput).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
    ).toEqual(
      PROMPTS.map((prompt) => ({ prompt, seed: 1, width: 512, height: 512 })).sort((a, b) =>
        JSON.stringify(a).localeCompare(JSON.stringify(b))
      )
    )

    expect(run.summary).toContain('### Sample images')
    expect(run.summary).toContain(
      '| a photo of sks toy robot on the moon | `01-a-photo-of-sks-toy-robot-on-the-moon.png` |'
    )
    expect(run.summary).toContain(
      '| a photo of sks toy robot \\| in a "garden" | `02-a-photo-of-sks-toy-robot-in-a-garden.png` |'
    )
    expect(run.summary).toContain('set artifact-name to keep them')
  })

  it.concurrent('come out after two 503s of the inference endpoint', async () => {
    const server = await serverWith()
    // the faults start with the first inference call: nothing before it is a model call
    server.injectFault('inference', { kind: 'status', status: 503 }, 2)
    const run = await runWith(server, { 'sample-prompts': PROMPTS[0] })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).not.toMatch(/^::warning::/m)
    expect(run.stdout).toMatch(/^sample 1: .*HTTP 503; trying again in .* \(attempt 2\)$/m)
    expect(server.pendingFaults('inference')).toBe(0)
    expect(inferenceCalls(server)).toHaveLength(3)
    const [file] = JSON.parse(run.outputs['sample-images']) as string[]
    expect(readPng(await readFile(file!))).toMatchObject({ width: 512, height: 512 })
  })

  it.concurrent('that fail are a warning with the reason; the step still succeeds', async () => {
    const server = await serverWith()
    server.injectFault('inference', { kind: 'status', status: 500 }, 100)
    const run = await runWith(server, { 'sample-prompts': PROMPTS[0] })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    expect(run.outputs['model-url']).toBeTruthy()
    expect(run.stdout).toMatch(
      /^::warning::Sample 1 \("a photo of sks toy robot on the moon"\) was not made: sample 1: HTTP 500$/m
    )
    expect(run.stdout).not.toMatch(/^::error::/m)
    expect(JSON.parse(run.outputs['sample-images'])).toEqual([])
    expect(run.summary).toContain('No sample image was made')
    expect(inferenceCalls(server)).toHaveLength(6)
  })
})

describe('class images generated once', () => {
  const services = useRunnerServices()
  const workspace = useTempDir('tiyaro-generate-')

  it('generates the 4 missing of 6, zips 6, caches them; the next run restores all 6 and generates none', async () => {
    const server = await serverWith()
    const classDir = join(workspace, 'class')
    await mkdir(classDir)
    for (const name of (await readdir(DEMO_CLASS)).slice(0, 2))
      await copyFile(join(DEMO_CLASS, name), join(classDir, name))
    const inputs = {
      'class-images': 'class',
      'num-class-images': '6',
      'class-image-generator-url': server.baseModelUrl()
    }

    const first = await runWith(server, inputs, { workspace, env: services.env })
    expect(first.stderr).toBe('')
    expect(first.exitCode).toBe(0)
    const generated = inferenceCalls(server)
    expect(generated).toHaveLength(4)
    expect(generated.map((call) => call.path)).toEqual(Array(4).fill(new URL(server.baseModelUrl()).pathname))
    expect(generated.map((call) => (call.inferenceInput as { seed: number }).seed).sort()).toEqual([1, 2, 3, 4])
    expect(
      generated.every((call) => (call.inferenceInput as { prompt: string }).prompt === 'a photo of a toy robot')
    ).toBe(true)
    expect((await readdir(classDir)).filter((name) => name.startsWith('generated-')).sort()).toEqual([
      'generated-1.png',
      'generated-2.png',
      'generated-3.png',
      'generated-4.png'
    ])
    const uploaded = server.job(first.outputs['job-id'])?.uploads.at(-1)
    expect(uploaded?.sha256).toBe(first.outputs['zip-sha256'])
    const firstZip = await lastUploadedZip(server, first.outputs['job-id'])
    expect(classEntries(firstZip)).toHaveLength(6)
    expect(first.outputs['class-image-count']).toBe('6')
    expect(first.stdout).toContain('::group::Generate class images')
    expect(first.stdout).toContain('Class images: 6 (2 supplied, 0 restored from the cache, 4 generated)')
    expect(first.summary).toContain('| Class images | 2 supplied, 4 generated |')
    expect(services.cacheEntries().filter((entry) => entry.finalized)).toHaveLength(1)

    // the next run, on a fresh checkout of the same workspace: the class folder is empty
    await rm(classDir, { recursive: true })
    await mkdir(classDir)
    const before = server.requests.length
    const second = await runWith(server, inputs, { workspace, env: services.env })
    expect(second.exitCode).toBe(0)
    expect(inferenceCalls(server, before)).toHaveLength(0)
    expect(second.outputs['class-images-cache-hit']).toBe('true')
    expect(second.outputs['class-image-count']).toBe('6')
    expect(classEntries(await lastUploadedZip(server, second.outputs['job-id']))).toEqual(classEntries(firstZip))
    expect(second.outputs['zip-sha256']).toBe(first.outputs['zip-sha256'])
    expect(second.stdout).toContain('6 class images in')
    expect(second.stdout).toContain('none to generate')
    expect(second.stdout).toContain('Class images: 6 (0 supplied, 6 restored from the cache, 0 generated)')
    expect(second.summary).toContain('| Class images | 6 restored from the cache |')
  })

  it('says how many a dry run would generate, and calls nothing', async () => {
    const server = await serverWith()
    const before = server.requests.length
    const run = await runWith(server, {
      'dry-run': 'true',
      'class-images': DEMO_CLASS,
      'num-class-images': '10',
      'class-image-generator-url': server.baseModelUrl()
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('dry-run')
    expect(run.stdout).toMatch(/^Dry run: 4 class images in .*, 10 wanted: 6 would be generated \(seeds 1-6\)\.$/m)
    expect(server.requests.length).toBe(before)
  })
})
