// The local server's stand-ins for AppSync's real answers and for hostile servers: the exact
// shapes the client is tested against.
import { describe, expect, it } from '@jest/globals'
import { parseFaultSpec } from '../../server/faults.js'
import type { TiyaroServer } from '../../server/tiyaro-server.js'
import { writeZip } from '../../server/zip-fixture-writer.js'
import { pngBytes } from '../../test-support/images.js'
import { useTestServers } from '../../test-support/server-fixture.js'

const start = useTestServers()

interface Answer {
  readonly status: number
  readonly body?: { data?: Record<string, unknown> | null; errors?: Record<string, unknown>[] }
}

/** The value of a root field in an answer. */
const value = (answer: Answer, field: string): unknown => answer.body?.data?.[field]

async function post(server: TiyaroServer, query: string): Promise<Answer> {
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { Authorization: server.apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ query }),
    redirect: 'manual'
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined }
}

const NEW_JOB = 'mutation { newJobID(jobType: dreambooth) }'
const location = { line: 1, column: 1, sourceName: null }

describe('AppSync shapes', () => {
  it('resolver-error: HTTP 200, the field null, an error with path, errorType and the Lambda message', async () => {
    const server = await start()
    server.injectFault('getJobStatus', { kind: 'resolver-error', errorType: 'Lambda:Unhandled' })
    const answer = await post(server, '{ getJobStatus(jobID: "x") { statusEnum } }')
    expect(answer).toEqual({
      status: 200,
      body: {
        data: { getJobStatus: null },
        errors: [
          {
            path: ['getJobStatus'],
            data: null,
            errorType: 'Lambda:Unhandled',
            errorInfo: null,
            locations: [location],
            message: 'Task timed out after 30.03 seconds'
          }
        ]
      }
    })
  })

  it('partial: the operation runs, the value at the path is null, and an error names it', async () => {
    const server = await start()
    server.injectFault('newJobID', { kind: 'partial', path: ['newJobID', 'x'], message: 'nope' })
    await post(server, NEW_JOB)
    expect(server.jobs).toHaveLength(1)
    server.injectFault('getJobStatus', { kind: 'partial', path: ['getJobStatus', 'finished'], errorType: 'E' })
    const answer = await post(server, `{ getJobStatus(jobID: "${server.jobs[0]!.id}") { statusEnum finished } }`)
    expect(answer.body).toEqual({
      data: { getJobStatus: { statusEnum: 'notfound', finished: null } },
      errors: [
        expect.objectContaining({
          path: ['getJobStatus', 'finished'],
          errorType: 'E',
          message: 'E at getJobStatus.finished'
        })
      ]
    })
  })

  it('partial on a list index past its end grows the list with a null entry', async () => {
    const server = await start()
    server.injectFault('getRetrainedModels', { kind: 'partial', path: ['getRetrainedModels', 0] })
    const answer = await post(server, '{ getRetrainedModels(jobID: "x") { name } }')
    expect(answer.body).toMatchObject({
      data: { getRetrainedModels: [null] },
      errors: [{ path: ['getRetrainedModels', 0] }]
    })
  })

  it("graphql-java wording: AppSync's FieldUndefined validation error, data null, no path", async () => {
    const server = await start({ revision: 'later', validationWording: 'graphql-java' })
    const answer = await post(server, 'mutation { startRetrainingJob(jobID: "x") }')
    expect(answer).toEqual({
      status: 200,
      body: {
        data: null,
        errors: [
          {
            path: null,
            data: null,
            errorType: null,
            errorInfo: null,
            locations: [location],
            message:
              "Validation error of type FieldUndefined: Field 'startRetrainingJob' in type 'Mutation' is undefined @ 'startRetrainingJob'"
          }
        ]
      }
    })
  })

  it('statusLagMs: a started job reads notfound until the lag has passed', async () => {
    let now = Date.now()
    const server = await start({ statusLagMs: 3000, clock: () => now })
    const id = value(await post(server, NEW_JOB), 'newJobID') as string
    const url = value(await post(server, `{ getJobInputURL(jobID: "${id}", objName: "a.zip") }`), 'getJobInputURL')
    const zip = writeZip([{ name: 'a.png', data: pngBytes({ width: 2, height: 2 }) }])
    const headers = { 'Content-Type': 'application/octet-stream' }
    expect((await fetch(url as string, { method: 'PUT', headers, body: zip })).status).toBe(200)
    const input =
      '{ jobType: dreambooth, dreamboothInput: { name: "n", version: "1", datasetS3ObjName: "a.zip", class_prompt: "c", instance_prompt: "i" } }'
    expect(
      (await post(server, `mutation { startRetrainingJob(jobID: "${id}", input: ${input}) }`)).body?.errors
    ).toBeUndefined()
    const status = async () =>
      (
        value(await post(server, `{ getJobStatus(jobID: "${id}") { statusEnum } }`), 'getJobStatus') as {
          statusEnum: string
        }
      ).statusEnum
    expect(server.trainingsStarted()).toBe(1)
    expect(await status()).toBe('notfound')
    now += 3000
    expect(await status()).not.toBe('notfound')
  })
})

describe('hostile answers', () => {
  it('answer: any JSON in place of the answer, the operation not run', async () => {
    const server = await start()
    server.injectFault('newJobID', { kind: 'answer', body: { data: { newJobID: 'a\n::error::b' } } })
    expect((await post(server, NEW_JOB)).body).toEqual({ data: { newJobID: 'a\n::error::b' } })
    expect(server.jobs).toHaveLength(0)
  })

  it('redirect: the status and Location, nothing else', async () => {
    const server = await start()
    server.injectFault('newJobID', { kind: 'redirect', status: 307, location: 'https://elsewhere.example/graphql' })
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      body: JSON.stringify({ query: NEW_JOB }),
      redirect: 'manual'
    })
    expect(response.status).toBe(307)
    expect(response.headers.get('location')).toBe('https://elsewhere.example/graphql')
    expect(server.jobs).toHaveLength(0)
  })

  it('endless: a 200 body that goes on while the client reads; the log counts what was sent', async () => {
    const server = await start()
    server.injectFault('newJobID', { kind: 'endless' })
    const response = await fetch(server.graphqlUrl, { method: 'POST', body: JSON.stringify({ query: NEW_JOB }) })
    const reader = response.body!.getReader()
    let read = 0
    while (read < 4 * 1024 * 1024) read += (await reader.read()).value?.length ?? 0
    await reader.cancel()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(server.requests[0]?.answerBytes).toBeGreaterThanOrEqual(4 * 1024 * 1024 - 64 * 1024)
  })

  it('trickle: one byte per interval, never an end', async () => {
    const server = await start()
    server.injectFault('upload', { kind: 'trickle', intervalMs: 20 })
    const response = await fetch(`${server.url}/upload/x/a.zip`, { method: 'PUT', body: 'zip' })
    const reader = response.body!.getReader()
    const first = await reader.read()
    expect(response.status).toBe(200)
    expect(first.done).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 200))
    await reader.cancel()
    expect(server.requests[0]?.answerBytes).toBeGreaterThanOrEqual(2)
  })

  it('delay-after: the operation runs at once, the answer comes after ms', async () => {
    const server = await start()
    server.injectFault('newJobID', { kind: 'delay-after', ms: 300 })
    const sent = Date.now()
    const answer = post(server, NEW_JOB)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(server.jobs).toHaveLength(1)
    expect(value(await answer, 'newJobID')).toBe(server.jobs[0]!.id)
    expect(Date.now() - sent).toBeGreaterThanOrEqual(290)
  })

  it('refuses GraphQL-only faults on uploads and inference', async () => {
    const server = await start()
    expect(() => server.injectFault('upload', { kind: 'delay-after', ms: 1 })).toThrow(/GraphQL operations only/)
    expect(() => server.injectFault('inference', { kind: 'resolver-error', errorType: 'X' })).toThrow(/GraphQL/)
  })
})

describe('parseFaultSpec, the new kinds', () => {
  it.each([
    ['getJobStatus:resolver-error:Lambda:Unhandled:3', { kind: 'resolver-error', errorType: 'Lambda:Unhandled' }, 3],
    [
      'upload:redirect:307:https://elsewhere/x:1',
      { kind: 'redirect', status: 307, location: 'https://elsewhere/x' },
      1
    ],
    ['getJobStatus:endless:1', { kind: 'endless' }, 1],
    ['upload:trickle:100:2', { kind: 'trickle', intervalMs: 100 }, 2],
    ['startRetrainingJob:delay-after:5000:1', { kind: 'delay-after', ms: 5000 }, 1]
  ])('reads %s', (spec, fault, times) => {
    expect(parseFaultSpec(spec)).toEqual({ target: spec.split(':')[0], fault, times })
  })

  it.each([
    ['upload:redirect:200:https://x/:1', /3xx status/],
    ['upload:trickle:0:1', /intervalMs > 0/],
    ['newJobID:answer:{}:1', /only given from code/]
  ])('refuses %s', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(message)
  })
})
