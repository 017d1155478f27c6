// The inference client, the class-image generator and the samples as modules, against the local
// Tiyaro server: what each sends, how it retries, what it writes.
import { afterAll, describe, expect, it } from '@jest/globals'
import { readFile, readdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { fillClassFolder } from '../../src/extras/class-generator.js'
import { closeHttp } from '../../src/shared/http.js'
import { InferenceError, callInference } from '../../src/tiyaro/inference.js'
import { writeSamples } from '../../src/extras/samples.js'
import { TEST_API_KEY, useServer } from '../../test-support/action-fixture.js'
import { useTempDir } from '../../test-support/fixtures.js'
import { pngBytes, writeImageTree } from '../../test-support/images.js'
import { readPng } from '../../test-support/png.js'

// the keep-alive connections of the modules under test, closed before the server
afterAll(closeHttp)
const server = useServer()
const dir = useTempDir('inference-')
const retry = { baseDelayMs: 5, maxDelayMs: 20 }

const inferences = (since: number) => server.requests.slice(since).filter((entry) => entry.kind === 'inference')

describe('callInference', () => {
  it('sends the input with the Bearer key and returns the PNG the model made', async () => {
    const before = server.requests.length
    const [image, ...more] = await callInference(
      server.baseModelUrl(),
      { prompt: 'a dog', seed: 3, width: 48, height: 32 },
      { apiKey: TEST_API_KEY, what: 'test' }
    )
    expect(more).toEqual([])
    expect(image).toMatchObject({ format: 'png', width: 48, height: 32 })
    expect(readPng(image!.bytes)).toMatchObject({ width: 48, height: 32 })
    const [entry] = inferences(before)
    expect(entry).toMatchObject({
      authorized: true,
      status: 200,
      inferenceInput: { prompt: 'a dog', seed: 3, width: 48, height: 32 }
    })
  })

  it.each([
    ['two 503s', { kind: 'status', status: 503 } as const, 2],
    ['a 429 with Retry-After', { kind: 'rate-limit', retryAfter: '0' } as const, 1],
    ['a connection reset', { kind: 'reset' } as const, 1],
    ['a 200 page that is not JSON', { kind: 'malformed' } as const, 1]
  ])('retries %s and then answers', async (_label, fault, times) => {
    const before = server.requests.length
    server.injectFault('inference', fault, times)
    const images = await callInference(
      server.baseModelUrl(),
      { prompt: 'a cat' },
      { apiKey: TEST_API_KEY, what: 'test', retry }
    )
    expect(images).toHaveLength(1)
    expect(inferences(before)).toHaveLength(times + 1)
  })

  it('fails at once on a refused key or an unknown model, without the key in the message', async () => {
    const before = server.requests.length
    const refused = callInference(
      server.baseModelUrl(),
      { prompt: 'a cat' },
      { apiKey: 'wrong-key-0123456789', what: 'sample 1', retry }
    )
    await expect(refused).rejects.toThrow(new InferenceError('sample 1: the API key was refused (HTTP 401)'))
    const unknown = callInference(
      `${server.url}/v1/ent/local/1/nobody?version=1`,
      { prompt: 'a cat' },
      { apiKey: TEST_API_KEY, what: 'sample 2', retry }
    )
    await expect(unknown).rejects.toThrow(/^sample 2: HTTP 404 .*not found/)
    expect(inferences(before)).toHaveLength(2)
  })

  it('gives up after the attempts allowed', async () => {
    server.injectFault('inference', { kind: 'status', status: 500 }, 3)
    const failing = callInference(
      server.baseModelUrl(),
      { prompt: 'a cat' },
      { apiKey: TEST_API_KEY, what: 'test', retry: { ...retry, maxAttempts: 3 } }
    )
    await expect(failing).rejects.toThrow('test: HTTP 500')
    expect(server.pendingFaults('inference')).toBe(0)
  })
})

describe('fillClassFolder', () => {
  const options = (classDir: string) => ({
    classDir,
    wanted: 6,
    url: server.baseModelUrl(),
    apiKey: TEST_API_KEY,
    classPrompt: 'a photo of a dog',
    size: 64,
    retry
  })

  it('generates what is missing, three at a time, under names that cannot clash, the same on a re-run', async () => {
    const classDir = join(dir, 'class')
    await writeImageTree(classDir, {
      'dog.png': pngBytes({ width: 64, height: 64 }),
      'sub/generated-2.png': pngBytes({ width: 64, height: 64, seed: 2 })
    })
    const before = server.requests.length
    const first = await fillClassFolder(options(classDir))
    expect(first).toMatchObject({ existing: 2, missing: 4, error: undefined })
    expect(first.generated).toEqual([1, 3, 4, 5].map((seed) => join(classDir, `generated-${seed}.png`)))
    const seeds = inferences(before).map((entry) => (entry.inferenceInput as { seed: number }).seed)
    expect(seeds.sort()).toEqual([1, 3, 4, 5])
    expect(
      inferences(before).every((entry) => (entry.inferenceInput as { prompt: string }).prompt === 'a photo of a dog')
    ).toBe(true)
    for (const path of first.generated) expect(readPng(await readFile(path))).toMatchObject({ width: 64, height: 64 })
    expect((await readdir(classDir)).sort()).toEqual([
      'dog.png',
      'generated-1.png',
      'generated-3.png',
      'generated-4.png',
      'generated-5.png',
      'sub'
    ])

    // full: nothing to do; one lost: the same seed, the same bytes
    const kept = await readFile(join(classDir, 'generated-4.png'))
    expect((await fillClassFolder(options(classDir))).generated).toEqual([])
    await unlink(join(classDir, 'generated-4.png'))
    const again = await fillClassFolder(options(classDir))
    expect(again.generated).toEqual([join(classDir, 'generated-4.png')])
    expect((await readFile(join(classDir, 'generated-4.png'))).equals(kept)).toBe(true)
  })

  it('stops on an endpoint that keeps failing, keeps what it made, and says why', async () => {
    const classDir = join(dir, 'failing')
    const before = server.requests.length
    server.injectFault('inference', { kind: 'status', status: 400, body: 'bad request' }, 100)
    const result = await fillClassFolder({ ...options(classDir), wanted: 9 })
    server.clearFaults()
    expect(result.generated).toEqual([])
    expect(result.error).toMatch(/^class image \d: HTTP 400/)
    expect(result.missing).toBe(9)
    // three were under way together; after the first failure no new one started
    expect(inferences(before)).toHaveLength(3)
  })

  it('calls nothing on a dry run', async () => {
    const before = server.requests.length
    const result = await fillClassFolder({ ...options(join(dir, 'dry')), dryRun: true })
    expect(result).toEqual({ existing: 0, missing: 6, generated: [] })
    expect(server.requests.length).toBe(before)
  })
})

describe('writeSamples', () => {
  it('writes one image per prompt, seeded per prompt, and warns about a failed one', async () => {
    const jobDir = join(dir, 'samples')
    const before = server.requests.length
    // the first call fails for good: its sample is left out, the others are written
    server.injectFault('inference', { kind: 'status', status: 422 }, 1)
    const samples = await writeSamples({
      modelUrl: server.baseModelUrl(),
      prompts: ['a dog', 'a dog', 'a cat'],
      apiKey: TEST_API_KEY,
      outputDir: jobDir,
      size: 32,
      concurrency: 1,
      retry
    })
    expect(samples).toEqual([
      { prompt: 'a dog', path: join(jobDir, '02-a-dog.png') },
      { prompt: 'a cat', path: join(jobDir, '03-a-cat.png') }
    ])
    expect(inferences(before).map((entry) => entry.inferenceInput)).toEqual([
      { prompt: 'a dog', seed: 1, width: 32, height: 32 },
      { prompt: 'a dog', seed: 2, width: 32, height: 32 },
      { prompt: 'a cat', seed: 1, width: 32, height: 32 }
    ])
  })
})
