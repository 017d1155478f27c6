import { describe, expect, it } from '@jest/globals'
import { parseFaultSpec } from '../../server/faults.js'
import type { TiyaroServer } from '../../server/tiyaro-server.js'
import { writeZip } from '../../server/zip-fixture-writer.js'
import { encodeSolidPng } from '../../test-support/png.js'
import { graphqlData, postGraphql, storedBytes, useTestServers } from '../../test-support/server-fixture.js'

const start = useTestServers()

const NEW_JOB = 'mutation { newJobID(jobType: dreambooth) }'
const STATUS = 'query ($jobID: String) { getJobStatus(jobID: $jobID) { statusEnum } }'
const zip = writeZip([{ name: 'a.png', data: encodeSolidPng(2, 2, [1, 2, 3]) }])

async function uploadUrl(server: TiyaroServer): Promise<{ jobID: string; url: string }> {
  const jobID = (await graphqlData(server, NEW_JOB)).newJobID as string
  const url = (
    await graphqlData(server, 'query ($j: String) { getJobInputURL(jobID: $j, objName: "a.zip") }', { j: jobID })
  ).getJobInputURL as string
  return { jobID, url }
}

// fetch's TypeError comes from another realm than jest's, so match it by name and message
const FETCH_FAILED = { name: 'TypeError', message: 'fetch failed' }

const upload = (url: string): Promise<Response> =>
  fetch(url, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: zip })

describe('fault injection', () => {
  it('status: answers the next N matching requests with that status, then behaves', async () => {
    const server = await start()
    server.injectFault('getJobStatus', { kind: 'status', status: 503 }, 2)
    expect(server.pendingFaults('getJobStatus')).toBe(2)
    // other operations are not affected
    expect((await postGraphql(server, NEW_JOB)).status).toBe(200)
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await postGraphql(server, STATUS, { jobID: 'x' })
      expect(response.status).toBe(503)
      expect(await response.json()).toEqual({
        errors: [{ errorType: 'ServiceError', message: '503 Service Unavailable' }]
      })
    }
    expect((await postGraphql(server, STATUS, { jobID: 'x' })).status).toBe(200)
    expect(server.pendingFaults()).toBe(0)
    expect(server.requests.map((entry) => [entry.operations[0], entry.status, entry.fault])).toEqual([
      ['newJobID', 200, undefined],
      ['getJobStatus', 503, 'status'],
      ['getJobStatus', 503, 'status'],
      ['getJobStatus', 200, undefined]
    ])
  })

  it('status with a body of my choosing, on an upload', async () => {
    const server = await start()
    const { jobID, url } = await uploadUrl(server)
    server.injectFault('upload', { kind: 'status', status: 500, body: 'boom' })
    const response = await upload(url)
    expect([response.status, await response.text()]).toEqual([500, 'boom'])
    expect(server.job(jobID)?.uploads).toEqual([])
    expect(server.requests.at(-1)?.upload).toMatchObject({ bytes: zip.length, stored: false })
    expect((await upload(url)).status).toBe(200)
  })

  it('rate-limit: HTTP 429 with Retry-After when given, without it otherwise', async () => {
    const server = await start()
    server.injectFault('newJobID', { kind: 'rate-limit', retryAfter: '3' })
    server.injectFault('newJobID', { kind: 'rate-limit' })
    const first = await postGraphql(server, NEW_JOB)
    expect([first.status, first.headers.get('retry-after')]).toEqual([429, '3'])
    expect(await first.json()).toEqual({
      errors: [{ errorType: 'TooManyRequestsException', message: 'Rate exceeded' }]
    })
    const second = await postGraphql(server, NEW_JOB)
    expect([second.status, second.headers.get('retry-after')]).toEqual([429, null])
    expect(server.jobs).toEqual([])
  })

  it('reset: fetch rejects and nothing happened', async () => {
    const server = await start()
    server.injectFault('newJobID', { kind: 'reset' })
    await expect(postGraphql(server, NEW_JOB)).rejects.toMatchObject(FETCH_FAILED)
    expect(server.jobs).toEqual([])
    expect(server.requests).toEqual([expect.objectContaining({ operations: ['newJobID'], fault: 'reset' })])
    expect(server.requests[0]).not.toHaveProperty('status')
  })

  it('reset on an upload: fetch rejects and nothing is stored', async () => {
    const server = await start()
    const { jobID, url } = await uploadUrl(server)
    server.injectFault('upload', { kind: 'reset' })
    await expect(upload(url)).rejects.toMatchObject(FETCH_FAILED)
    expect(server.job(jobID)?.uploads).toEqual([])
  })

  it('reset-after: fetch rejects, yet the operation happened', async () => {
    const server = await start()
    server.injectFault('newJobID', { kind: 'reset-after' })
    await expect(postGraphql(server, NEW_JOB)).rejects.toMatchObject(FETCH_FAILED)
    expect(server.jobs.map((job) => job.state)).toEqual(['created'])

    const { jobID, url } = await uploadUrl(server)
    server.injectFault('upload', { kind: 'reset-after' })
    await expect(upload(url)).rejects.toMatchObject(FETCH_FAILED)
    expect(await storedBytes(server, jobID)).toEqual([zip])

    // a lost answer to a start: the job trained; starting again is refused
    server.injectFault('startRetrainingJob', { kind: 'reset-after' })
    const startJob = 'mutation ($j: String, $i: JobInput) { startRetrainingJob(jobID: $j, input: $i) }'
    const variables = {
      j: jobID,
      i: {
        jobType: 'dreambooth',
        dreamboothInput: { name: 'n', version: '1', datasetS3ObjName: 'a.zip', class_prompt: 'c', instance_prompt: 'i' }
      }
    }
    await expect(postGraphql(server, startJob, variables)).rejects.toMatchObject(FETCH_FAILED)
    expect(server.trainingsStarted()).toBe(1)
    const retry = (await (await postGraphql(server, startJob, variables)).json()) as { errors: { message: string }[] }
    expect(retry.errors[0]?.message).toBe(`job ${jobID} already started`)
    expect(server.requests.filter((entry) => entry.fault === 'reset-after').map((entry) => entry.status)).toEqual([
      undefined,
      undefined,
      undefined
    ])
  })

  it("hang: the client's AbortSignal.timeout gives up first", async () => {
    const server = await start()
    server.injectFault('getJobStatus', { kind: 'hang', ms: 10_000 })
    const started = Date.now()
    await expect(
      postGraphql(server, STATUS, { jobID: 'x' }, { signal: AbortSignal.timeout(200) })
    ).rejects.toMatchObject({
      name: 'TimeoutError'
    })
    expect(Date.now() - started).toBeLessThan(5_000)
    // the server is still usable, and closes promptly despite the held request
    expect((await postGraphql(server, STATUS, { jobID: 'x' })).status).toBe(200)
  })

  it('hang: without a client timeout, the connection closes after ms with no answer', async () => {
    const server = await start()
    server.injectFault('inference', { kind: 'hang', ms: 100 })
    const request = fetch(server.baseModelUrl(), {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.apiKey}` },
      body: JSON.stringify({ input: { prompt: 'x' } })
    })
    await expect(request).rejects.toMatchObject(FETCH_FAILED)
    expect(server.requests[0]).toMatchObject({ kind: 'inference', fault: 'hang' })
    expect(server.requests[0]).not.toHaveProperty('status')
    expect(server.requests[0]?.durationMs).toBeGreaterThanOrEqual(90)
  })

  it.each(['upload', 'inference'] as const)(
    'endless on %s: HTTP 200 whose body goes on while the client reads, in place of the answer',
    async (target) => {
      const server = await start()
      const { jobID, url } = await uploadUrl(server)
      server.injectFault(target, { kind: 'endless' })
      const response =
        target === 'upload'
          ? await upload(url)
          : await fetch(server.baseModelUrl(), {
              method: 'POST',
              headers: { Authorization: `Bearer ${server.apiKey}` },
              body: JSON.stringify({ input: { prompt: 'x' } })
            })
      expect(response.status).toBe(200)
      const reader = response.body!.getReader()
      let read = 0
      while (read < 2 * 1024 * 1024) read += (await reader.read()).value?.length ?? 0
      await reader.cancel()
      await new Promise((resolve) => setTimeout(resolve, 100))
      const entry = server.requests.find((request) => request.kind === target)
      expect(entry).toMatchObject({ fault: 'endless', status: 200 })
      expect(entry?.answerBytes).toBeGreaterThanOrEqual(2 * 1024 * 1024 - 64 * 1024)
      // the fault stood in for the answer: nothing stored, no image made
      expect(server.job(jobID)?.uploads).toEqual([])
      if (target === 'upload') expect(entry?.upload).toMatchObject({ bytes: zip.length, stored: false })
    }
  )

  it('malformed: HTTP 200 whose body is not JSON', async () => {
    const server = await start()
    server.injectFault('getJobInputURL', { kind: 'malformed' })
    const response = await postGraphql(server, '{ getJobInputURL(jobID: "x", objName: "a.zip") }')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html')
    await expect(response.json()).rejects.toMatchObject({ name: 'SyntaxError' })
    expect(server.requests[0]?.fault).toBe('malformed')
  })

  it('matches root fields through aliases and fragments, and applies faults before the key check', async () => {
    const server = await start()
    server.injectFault('getRetrainedModels', { kind: 'status', status: 502 })
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { Authorization: 'wrong' },
      body: JSON.stringify({
        query: 'query Q { ...F } fragment F on Query { m: getRetrainedModels(jobID: "x") { name } }'
      })
    })
    expect(response.status).toBe(502)
    expect(server.requests[0]).toMatchObject({
      operationName: 'Q',
      operations: ['getRetrainedModels'],
      fault: 'status'
    })
  })

  it('refuses unknown targets and bad faults; clearFaults drops what is pending', async () => {
    const server = await start()
    expect(() => server.injectFault('getJobStatuz', { kind: 'reset' })).toThrow(/no fault target getJobStatuz/)
    expect(() => server.injectFault('upload', { kind: 'status', status: 42 })).toThrow(/HTTP status/)
    expect(() => server.injectFault('upload', { kind: 'reset' }, 0)).toThrow(/positive integer/)
    server.injectFault('newJobID', { kind: 'reset' }, 5)
    server.clearFaults()
    expect((await postGraphql(server, NEW_JOB)).status).toBe(200)
  })
})

describe('parseFaultSpec', () => {
  it('reads target:kind[:arg]:count', () => {
    expect(parseFaultSpec('getJobStatus:status:503:2')).toEqual({
      target: 'getJobStatus',
      fault: { kind: 'status', status: 503 },
      times: 2
    })
    expect(parseFaultSpec('upload:reset:1')).toEqual({ target: 'upload', fault: { kind: 'reset' }, times: 1 })
    expect(parseFaultSpec('inference:hang:5000:3')).toEqual({
      target: 'inference',
      fault: { kind: 'hang', ms: 5000 },
      times: 3
    })
    expect(parseFaultSpec('newJobID:rate-limit:1')).toEqual({
      target: 'newJobID',
      fault: { kind: 'rate-limit' },
      times: 1
    })
    expect(parseFaultSpec('newJobID:rate-limit:Wed, 21 Oct 2015 07:28:00 GMT:1')).toEqual({
      target: 'newJobID',
      fault: { kind: 'rate-limit', retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT' },
      times: 1
    })
  })

  it.each([
    ['upload:reset:x', /count must be a positive integer/],
    ['upload:reset:0', /count must be a positive integer/],
    ['upload:status:1', /status needs an HTTP status/],
    ['upload:status:abc:1', /HTTP status/],
    ['upload:reset:5:1', /reset takes no argument/],
    ['upload:explode:1', /unknown kind explode/],
    ['upload', /expected target:kind/]
  ])('refuses %s', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(message)
  })
})
