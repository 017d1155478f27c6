import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import type { TiyaroServer } from '../../server/tiyaro-server.js'
import { writeZip } from '../../server/zip-fixture-writer.js'
import { encodeSolidPng, readPng } from '../../test-support/png.js'
import { graphql, graphqlData, storedBytes, useTestServers } from '../../test-support/server-fixture.js'

// ---- helpers: a bare client, as an integration test of the action would speak to the server ----

const start = useTestServers()

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let time = Date.parse('2026-01-02T03:04:05.000Z')
  return { now: () => time, advance: (ms) => (time += ms) }
}

async function put(url: string, body: Uint8Array, contentType = 'application/octet-stream'): Promise<Response> {
  return fetch(url, { method: 'PUT', headers: { 'Content-Type': contentType }, body })
}

const NEW_JOB = 'mutation New($type: JobType) { newJobID(jobType: $type) }'
const INPUT_URL = 'query Url($jobID: String, $objName: String) { getJobInputURL(jobID: $jobID, objName: $objName) }'
const STATUS = 'query Status($jobID: String) { getJobStatus(jobID: $jobID) { statusEnum errMsg created finished } }'
const START = `mutation Start($jobID: String, $input: JobInput) { startRetrainingJob(jobID: $jobID, input: $input) }`
const MODELS =
  'query Models($jobID: String) { getRetrainedModels(jobID: $jobID) { vendor version name url modelCard } }'

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff, 0xd9])
const PNG = encodeSolidPng(4, 4, [10, 20, 30])
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([4, 0, 0, 0]), Buffer.from('WEBP')])

const validZip = (): Buffer =>
  writeZip([
    { name: 'instance-1.jpeg', data: JPEG },
    { name: 'instance-2.png', data: PNG, method: 'deflate' },
    { name: 'dataset_class/' },
    { name: 'dataset_class/class-1.webp', data: WEBP }
  ])

const dreamboothInput = (objName: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'milkyway',
  version: 'v1',
  datasetS3ObjName: objName,
  class_prompt: 'a photo of a galaxy',
  instance_prompt: 'a photo of sks galaxy',
  ...extra
})

/** create → URL → PUT; returns the job ID. */
async function uploadedJob(server: TiyaroServer, zip: Buffer = validZip(), objName = 'milkyway.zip'): Promise<string> {
  const jobID = (await graphqlData(server, NEW_JOB, { type: 'dreambooth' })).newJobID as string
  const url = (await graphqlData(server, INPUT_URL, { jobID, objName })).getJobInputURL as string
  expect((await put(url, zip)).status).toBe(200)
  return jobID
}

async function startedJob(
  server: TiyaroServer,
  input: Record<string, unknown> = dreamboothInput('milkyway.zip')
): Promise<string> {
  const jobID = await uploadedJob(server)
  await graphqlData(server, START, { jobID, input: { jobType: 'dreambooth', dreamboothInput: input } })
  return jobID
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

// ---- GraphQL endpoint ---------------------------------------------------------------------------

describe('authorization', () => {
  it('refuses a missing or wrong key with 401 and an AppSync-like body, and logs no key', async () => {
    const server = await start({ apiKey: 'secret-key-123' })
    const unauthorized = {
      status: 401,
      body: { errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] }
    }
    expect(await graphql(server, NEW_JOB, { type: 'dreambooth' }, { apiKey: null })).toEqual(unauthorized)
    expect(await graphql(server, NEW_JOB, { type: 'dreambooth' }, { apiKey: 'wrong' })).toEqual(unauthorized)
    expect(await graphql(server, NEW_JOB, { type: 'dreambooth' }, { apiKey: 'Bearer secret-key-123' })).toEqual(
      unauthorized
    )
    expect(server.jobs).toEqual([])

    expect((await graphql(server, NEW_JOB, { type: 'dreambooth' })).status).toBe(200)
    expect(server.requests.map((entry) => [entry.authorized, entry.status])).toEqual([
      [false, 401],
      [false, 401],
      [false, 401],
      [true, 200]
    ])
    expect(JSON.stringify(server.requests)).not.toContain('secret-key-123')
  })

  it.each([
    ['', 'Request body is empty.'],
    ['{"query": mutation', 'request body is not JSON'],
    ['[]', 'request body must be a JSON object'],
    ['{}', 'query must be a string'],
    ['{"query": "{ getJobStatus(jobID: \\"x\\") { statusEnum }"}', 'Syntax Error: Expected Name, found <EOF>.'],
    ['{"query": "{ __typename }", "variables": [1]}', 'variables must be a JSON object']
  ])('answers the unusable body %j with 400 MalformedHttpRequestException', async (body, message) => {
    const server = await start()
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { Authorization: server.apiKey, 'Content-Type': 'application/json' },
      body
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ errors: [{ errorType: 'MalformedHttpRequestException', message }] })
  })
})

describe('schema', () => {
  it('puts newJobID and the start under Mutation: as a query they fail validation with HTTP 200', async () => {
    const server = await start()
    for (const query of ['query { newJobID(jobType: dreambooth) }', '{ startRetrainingJob(jobID: "x") }']) {
      const answer = await graphql(server, query)
      expect(answer.status).toBe(200)
      expect(answer.body.data).toBeNull()
      expect(answer.body.errors?.[0]?.message).toMatch(
        /^Cannot query field "(newJobID|startRetrainingJob)" on type "Query"\.$/
      )
    }
    const asMutation = await graphql(server, 'mutation { getJobInputURL(jobID: "x", objName: "a.zip") }')
    expect(asMutation.body.errors?.[0]?.message).toBe('Cannot query field "getJobInputURL" on type "Mutation".')
    expect(server.jobs).toEqual([])
  })

  it('takes jobType as an enum literal, not a string', async () => {
    const server = await start()
    const asString = await graphql(server, 'mutation { newJobID(jobType: "dreambooth") }')
    expect(asString.body.errors?.[0]?.message).toMatch(/Enum "JobType" cannot represent non-enum value: "dreambooth"/)
    const missing = await graphql(server, 'mutation { newJobID }')
    expect(missing.body).toEqual({
      data: { newJobID: null },
      errors: [
        expect.objectContaining({
          message: 'jobType must be dreambooth, got undefined',
          errorType: 'BadRequestException'
        })
      ]
    })
    const literal = await graphqlData(server, 'mutation { newJobID(jobType: dreambooth) }')
    expect(literal.newJobID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it('answers introspection, so a client can tell the revision', async () => {
    const server = await start({ revision: 'later' })
    const data = await graphqlData(
      server,
      '{ __schema { mutationType { fields { name } } } __type(name: "JobStatus") { fields { name } } }'
    )
    expect(data).toEqual({
      __schema: { mutationType: { fields: [{ name: 'newJobID' }, { name: 'startTrainingJob' }] } },
      __type: {
        fields: [
          { name: 'errMsg' },
          { name: 'created' },
          { name: 'finished' },
          { name: 'statusEnum' },
          { name: 'jobInput' }
        ]
      }
    })
  })
})

describe('a whole retraining', () => {
  it('goes create → URL → upload → start → running → done → models', async () => {
    const clock = manualClock()
    const server = await start({ trainingMs: 1000, clock: clock.now, vendor: 'acme' })
    const zip = validZip()

    const jobID = (await graphqlData(server, NEW_JOB, { type: 'dreambooth' })).newJobID as string
    expect(server.job(jobID)?.state).toBe('created')
    // created but not started: no status yet
    expect((await graphqlData(server, STATUS, { jobID })).getJobStatus).toEqual({
      statusEnum: 'notfound',
      errMsg: `job ${jobID} not found`,
      created: null,
      finished: null
    })

    const url = (await graphqlData(server, INPUT_URL, { jobID, objName: 'milky way.zip' })).getJobInputURL as string
    expect(url.startsWith(`${server.url}/upload/${jobID}/milky%20way.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256&`)).toBe(true)
    const upload = await put(url, zip)
    expect(upload.status).toBe(200)
    expect(upload.headers.get('etag')).toBe(`"${createHash('md5').update(zip).digest('hex')}"`)
    expect(server.job(jobID)?.uploads).toEqual([
      expect.objectContaining({ objName: 'milky way.zip', size: zip.length, sha256: sha256(zip) })
    ])
    expect(await storedBytes(server, jobID)).toEqual([zip])

    const started = await graphqlData(server, START, {
      jobID,
      input: { jobType: 'dreambooth', dreamboothInput: dreamboothInput('milky way.zip') }
    })
    expect(started).toEqual({ startRetrainingJob: jobID })
    expect(server.trainingsStarted()).toBe(1)

    const running = (await graphqlData(server, STATUS, { jobID })).getJobStatus
    expect(running).toEqual({
      statusEnum: 'running',
      errMsg: null,
      created: '2026-01-02T03:04:05.000Z',
      finished: null
    })
    expect((await graphqlData(server, MODELS, { jobID })).getRetrainedModels).toEqual([])

    clock.advance(999)
    expect((await graphqlData(server, STATUS, { jobID })).getJobStatus).toMatchObject({ statusEnum: 'running' })
    clock.advance(1)
    expect((await graphqlData(server, STATUS, { jobID })).getJobStatus).toEqual({
      statusEnum: 'done',
      errMsg: null,
      created: '2026-01-02T03:04:05.000Z',
      finished: '2026-01-02T03:04:06.000Z'
    })
    expect((await graphqlData(server, MODELS, { jobID })).getRetrainedModels).toEqual([
      {
        vendor: 'acme',
        version: 'v1',
        name: 'milkyway',
        url: `${server.url}/v1/ent/acme/1/milkyway?version=v1`,
        modelCard: `${server.url}/models/acme/milkyway/v1`
      }
    ])
    const card = await fetch(`${server.url}/models/acme/milkyway/v1`)
    expect(card.status).toBe(200)
    expect(await card.json()).toMatchObject({ vendor: 'acme', name: 'milkyway', version: 'v1', jobID })

    expect(server.requests.map((entry) => [entry.kind, entry.operations, entry.status])).toEqual([
      ['graphql', ['newJobID'], 200],
      ['graphql', ['getJobStatus'], 200],
      ['graphql', ['getJobInputURL'], 200],
      ['upload', [], 200],
      ['graphql', ['startRetrainingJob'], 200],
      ['graphql', ['getJobStatus'], 200],
      ['graphql', ['getRetrainedModels'], 200],
      ['graphql', ['getJobStatus'], 200],
      ['graphql', ['getJobStatus'], 200],
      ['graphql', ['getRetrainedModels'], 200],
      ['model-card', [], 200]
    ])
    expect(server.requests[3]?.upload).toEqual({
      objName: 'milky way.zip',
      // what the client announced, recorded so tests can tell a sized upload from a chunked one
      contentLength: String(zip.length),
      bytes: zip.length,
      sha256: sha256(zip),
      stored: true
    })
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/graphql',
      operationName: 'New',
      variables: { type: 'dreambooth' }
    })
  })

  it('ends in real time after trainingMs', async () => {
    const server = await start({ trainingMs: 150 })
    const jobID = await startedJob(server)
    expect((await graphqlData(server, STATUS, { jobID })).getJobStatus).toMatchObject({ statusEnum: 'running' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect((await graphqlData(server, STATUS, { jobID })).getJobStatus).toMatchObject({ statusEnum: 'done' })
  })

  it('fails with the fail message, or per job when the outcome is a function', async () => {
    const clock = manualClock()
    const server = await start({
      trainingMs: 10,
      clock: clock.now,
      outcome: (input) => ((input.dreamboothInput as { name: string }).name === 'bad' ? 'failed' : 'done'),
      failMessage: 'GPU on fire'
    })
    const bad = await startedJob(server, dreamboothInput('milkyway.zip', { name: 'bad' }))
    const good = await startedJob(server)
    clock.advance(10)
    expect((await graphqlData(server, STATUS, { jobID: bad })).getJobStatus).toMatchObject({
      statusEnum: 'failed',
      errMsg: 'GPU on fire'
    })
    expect((await graphqlData(server, MODELS, { jobID: bad })).getRetrainedModels).toEqual([])
    expect((await graphqlData(server, STATUS, { jobID: good })).getJobStatus).toMatchObject({ statusEnum: 'done' })
    expect(server.job(bad)?.state).toBe('failed')
  })

  it("keeps a 'never' job running until setOutcome ends it", async () => {
    const clock = manualClock()
    const server = await start({ trainingMs: 10, clock: clock.now, outcome: 'never' })
    const jobID = await startedJob(server)
    clock.advance(60 * 60 * 1000)
    expect((await graphqlData(server, STATUS, { jobID })).getJobStatus).toMatchObject({ statusEnum: 'running' })
    server.setOutcome('failed', { jobId: jobID })
    expect((await graphqlData(server, STATUS, { jobID })).getJobStatus).toMatchObject({
      statusEnum: 'failed',
      errMsg: 'CUDA out of memory'
    })
    expect(() => server.setOutcome('done', { jobId: jobID })).toThrow(/already ended/)
  })
})

describe('starting a job', () => {
  it('starts a job once: a second start is an error, counted but not trained', async () => {
    const server = await start()
    const jobID = await startedJob(server)
    const again = await graphql(server, START, {
      jobID,
      input: { jobType: 'dreambooth', dreamboothInput: dreamboothInput('milkyway.zip') }
    })
    expect(again.body).toEqual({
      data: { startRetrainingJob: null },
      errors: [expect.objectContaining({ message: `job ${jobID} already started`, errorType: 'ConflictException' })]
    })
    expect(server.job(jobID)?.startCount).toBe(2)
    expect(server.trainingsStarted()).toBe(1)
  })

  it('is started while its dataset is checked: running, and a second start is refused', async () => {
    const server = await start({ trainingMs: 0 })
    // a big first entry, so that the check takes many turns of the event loop, and a bad last one
    const zip = writeZip([
      { name: 'a.png', data: Buffer.concat([PNG, Buffer.alloc(16 * 1024 * 1024)]) },
      { name: 'notes.png', data: Buffer.from('hello') }
    ])
    const jobID = await uploadedJob(server, zip)
    const input = { jobType: 'dreambooth', dreamboothInput: dreamboothInput('milkyway.zip') }
    const first = graphql(server, START, { jobID, input })
    while (server.job(jobID)?.state === 'created') await new Promise((resolve) => setImmediate(resolve))
    // the status answers from this state; with trainingMs 0 only the pending check keeps it running
    expect(server.job(jobID)?.state).toBe('running')
    const again = await graphql(server, START, { jobID, input })
    expect(again.body.errors?.[0]).toMatchObject({ message: `job ${jobID} already started` })
    expect((await first).body).toEqual({ data: { startRetrainingJob: jobID } })
    expect((await graphqlData(server, STATUS, { jobID })).getJobStatus).toMatchObject({
      statusEnum: 'failed',
      errMsg: expect.stringContaining('entry "notes.png" is not a JPEG, PNG or WebP image')
    })
    expect(server.trainingsStarted()).toBe(1)
  })

  it('refuses an unknown job, a missing input and a dataset that was not uploaded', async () => {
    const server = await start()
    const input = { jobType: 'dreambooth', dreamboothInput: dreamboothInput('milkyway.zip') }
    const unknown = await graphql(server, START, { jobID: 'no-such-job', input })
    expect(unknown.body.errors?.[0]).toMatchObject({
      message: 'job no-such-job not found',
      errorType: 'NotFoundException'
    })

    const jobID = await uploadedJob(server)
    const noInput = await graphql(server, START, { jobID })
    expect(noInput.body.errors?.[0]?.message).toBe('input is required')
    const noDreambooth = await graphql(server, START, { jobID, input: { jobType: 'dreambooth' } })
    expect(noDreambooth.body.errors?.[0]?.message).toBe('input.dreamboothInput is required')
    const otherName = await graphql(server, START, {
      jobID,
      input: { jobType: 'dreambooth', dreamboothInput: dreamboothInput('other.zip') }
    })
    expect(otherName.body.errors?.[0]?.message).toMatch(/^dataset "other.zip" was not uploaded for job /)
    const missingRequired = await graphql(server, START, {
      jobID,
      input: { jobType: 'dreambooth', dreamboothInput: { name: 'n', version: '1', datasetS3ObjName: 'milkyway.zip' } }
    })
    expect(missingRequired.body.errors?.[0]?.message).toMatch(
      /Field "class_prompt" of required type "String!" was not provided/
    )
    expect(server.trainingsStarted()).toBe(0)
    expect(server.job(jobID)?.startCount).toBe(3)
  })

  it.each([
    [
      'not a zip',
      Buffer.from('PK but not really a zip'),
      /^dataset milkyway.zip: not a valid zip archive \(not a zip: end of central directory record not found\)$/
    ],
    ['no instance image', writeZip([{ name: 'dataset_class/c.png', data: PNG }]), /no instance image at the root/],
    [
      'a nested folder',
      writeZip([
        { name: 'a.png', data: PNG },
        { name: 'pets/b.png', data: PNG }
      ]),
      /entry "pets\/b.png" is not allowed/
    ],
    [
      'a folder in dataset_class',
      writeZip([
        { name: 'a.png', data: PNG },
        { name: 'dataset_class/x/b.png', data: PNG }
      ]),
      /"dataset_class\/x\/b.png" is not allowed/
    ],
    [
      'a text file',
      writeZip([
        { name: 'a.png', data: PNG },
        { name: 'notes.jpg', data: Buffer.from('hello') }
      ]),
      /entry "notes.jpg" is not a JPEG, PNG or WebP image/
    ],
    [
      'a hidden file',
      writeZip([
        { name: 'a.png', data: PNG },
        { name: '.DS_Store', data: Buffer.from([0, 0, 0, 1]) }
      ]),
      /entry ".DS_Store" is not a JPEG/
    ],
    [
      'a duplicate entry',
      writeZip([
        { name: 'a.png', data: PNG },
        { name: 'a.png', data: PNG }
      ]),
      /entry "a.png" appears twice/
    ]
  ])('starts a job whose zip has %s, which then fails with errMsg saying why', async (_case, zip, reason) => {
    const server = await start()
    const jobID = await uploadedJob(server, zip)
    await graphqlData(server, START, {
      jobID,
      input: { jobType: 'dreambooth', dreamboothInput: dreamboothInput('milkyway.zip') }
    })
    const status = (await graphqlData(server, STATUS, { jobID })).getJobStatus as { statusEnum: string; errMsg: string }
    expect(status.statusEnum).toBe('failed')
    expect(status.errMsg).toMatch(reason)
    expect(server.trainingsStarted()).toBe(1)
  })

  it('records the input exactly as coerced: types, values, absent fields; quotes, backslashes, newlines, emoji', async () => {
    const server = await start({ revision: 'later' })
    const tricky = 'a "quoted" \\ back\\slash,\nnew line, tab\t, emoji 🐶🚀, accents éü, \u2028 and \u0000 too'
    const input = dreamboothInput('milkyway.zip', {
      desc: tricky,
      instance_prompt: `${tricky} sks`,
      seed: 42,
      learning_rate: 5e-6,
      prior_loss_weight: 1,
      resolution: 512,
      train_text_encoder: true,
      use_8bit_adam: false,
      mixed_precision: 'fp16',
      vae: null
    })
    const jobID = await uploadedJob(server)
    await graphqlData(
      server,
      'mutation S($jobID: String, $input: JobInput) { startTrainingJob(jobID: $jobID, input: $input) }',
      {
        jobID,
        input: { jobType: 'dreambooth', dreamboothInput: input }
      }
    )
    const recorded = server.job(jobID)?.input
    expect(recorded).toStrictEqual({ jobType: 'dreambooth', dreamboothInput: input })
    const fields = recorded?.dreamboothInput as Record<string, unknown>
    expect(Object.keys(fields)).not.toContain('model')
    expect(fields.vae).toBeNull()
    expect(Number.isInteger(fields.seed)).toBe(true)
    expect(typeof fields.learning_rate).toBe('number')
    expect(typeof fields.train_text_encoder).toBe('boolean')
    expect(Buffer.from(fields.desc as string, 'utf8').equals(Buffer.from(tricky, 'utf8'))).toBe(true)

    const status = await graphqlData(server, 'query S($jobID: String) { getJobStatus(jobID: $jobID) { jobInput } }', {
      jobID
    })
    expect(JSON.parse((status.getJobStatus as { jobInput: string }).jobInput)).toStrictEqual(input)
    expect(server.requests.at(-2)?.variables).toStrictEqual({
      jobID,
      input: { jobType: 'dreambooth', dreamboothInput: input }
    })
  })

  it('refuses a Float where an Int belongs, before any start', async () => {
    const server = await start()
    const jobID = await uploadedJob(server)
    const answer = await graphql(server, START, {
      jobID,
      input: { jobType: 'dreambooth', dreamboothInput: dreamboothInput('milkyway.zip', { seed: 1.5 }) }
    })
    expect(answer.status).toBe(200)
    expect(answer.body.errors?.[0]?.message).toMatch(/Int cannot represent non-integer value: 1.5/)
    expect(server.job(jobID)?.startCount).toBe(0)
  })
})

describe('revisions', () => {
  it("'later' has startTrainingJob, getTrainedModels and JobStatus.jobInput; the original names fail", async () => {
    const clock = manualClock()
    const server = await start({ revision: 'later', trainingMs: 5, clock: clock.now })
    const jobID = await uploadedJob(server)
    const original = await graphql(server, START, {
      jobID,
      input: { jobType: 'dreambooth', dreamboothInput: dreamboothInput('milkyway.zip') }
    })
    expect(original.body.errors?.[0]?.message).toBe(
      'Cannot query field "startRetrainingJob" on type "Mutation". Did you mean "startTrainingJob"?'
    )
    const originalModels = await graphql(server, MODELS, { jobID })
    expect(originalModels.body.errors?.[0]?.message).toMatch(/^Cannot query field "getRetrainedModels" on type "Query"/)

    await graphqlData(server, 'mutation ($j: String, $i: JobInput) { startTrainingJob(jobID: $j, input: $i) }', {
      j: jobID,
      i: { jobType: 'dreambooth', dreamboothInput: dreamboothInput('milkyway.zip') }
    })
    clock.advance(5)
    const data = await graphqlData(
      server,
      'query ($j: String) { getJobStatus(jobID: $j) { statusEnum jobInput } getTrainedModels(jobID: $j) { __typename name } }',
      { j: jobID }
    )
    expect(data).toEqual({
      getJobStatus: { statusEnum: 'done', jobInput: JSON.stringify(dreamboothInput('milkyway.zip')) },
      getTrainedModels: [{ __typename: 'TrainedModels', name: 'milkyway' }]
    })
    expect(() => server.injectFault('startRetrainingJob', { kind: 'reset' })).toThrow(
      /no fault target startRetrainingJob/
    )
  })

  it("'original' has no jobInput and no later names", async () => {
    const server = await start()
    for (const query of ['{ getJobStatus(jobID: "x") { jobInput } }', '{ getTrainedModels(jobID: "x") { name } }']) {
      expect((await graphql(server, query)).body.errors?.[0]?.message).toMatch(
        /^Cannot query field "(jobInput|getTrainedModels)"/
      )
    }
  })
})

// ---- uploads --------------------------------------------------------------------------------------

describe('presigned uploads', () => {
  it('checks objName: non-empty, a file name, ending in .zip', async () => {
    const server = await start()
    const jobID = (await graphqlData(server, NEW_JOB, { type: 'dreambooth' })).newJobID as string
    for (const objName of ['', 'dir/data.zip', 'data.tar', null]) {
      const answer = await graphql(server, INPUT_URL, { jobID, objName })
      expect(answer.body.errors?.[0]?.message).toMatch(/objName/)
    }
    const unknown = await graphql(server, INPUT_URL, { jobID: 'nope', objName: 'a.zip' })
    expect(unknown.body.errors?.[0]?.message).toBe('job nope not found')
  })

  it('hmac signer: refuses a tampered signature, path or expiry with 403 SignatureDoesNotMatch', async () => {
    const server = await start({ uploadSigner: 'hmac' })
    const jobID = (await graphqlData(server, NEW_JOB, { type: 'dreambooth' })).newJobID as string
    const url = new URL((await graphqlData(server, INPUT_URL, { jobID, objName: 'a.zip' })).getJobInputURL as string)

    const signature = url.searchParams.get('X-Tiyaro-Signature')!
    const tampered = new URL(url)
    tampered.searchParams.set('X-Tiyaro-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`)
    const otherObject = new URL(url)
    otherObject.pathname = otherObject.pathname.replace('a.zip', 'b.zip')
    const laterExpiry = new URL(url)
    laterExpiry.searchParams.set('X-Tiyaro-Expires', String(Number(url.searchParams.get('X-Tiyaro-Expires')) + 3600))

    for (const target of [tampered, otherObject, laterExpiry]) {
      const response = await put(target.href, validZip())
      expect(response.status).toBe(403)
      expect(await response.text()).toMatch(/^<\?xml[^>]*>\n<Error><Code>SignatureDoesNotMatch<\/Code><Message>/)
    }
    const unsigned = new URL(url)
    unsigned.search = ''
    const response = await put(unsigned.href, validZip())
    expect(response.status).toBe(403)
    expect(await response.text()).toContain('<Code>AccessDenied</Code>')
    expect(server.job(jobID)?.uploads).toEqual([])
    expect(server.requests.filter((entry) => entry.kind === 'upload').map((entry) => entry.authorized)).toEqual([
      false,
      false,
      false,
      false
    ])
    // the log never holds a presigned URL's signature
    expect(JSON.stringify(server.requests)).not.toContain(signature)
  })

  it('refuses an expired URL with 403 AccessDenied "Request has expired"', async () => {
    const clock = manualClock()
    const server = await start({ uploadUrlTtlMs: 60_000, clock: clock.now })
    const jobID = (await graphqlData(server, NEW_JOB, { type: 'dreambooth' })).newJobID as string
    const url = (await graphqlData(server, INPUT_URL, { jobID, objName: 'a.zip' })).getJobInputURL as string
    clock.advance(59_000)
    expect((await put(url, validZip())).status).toBe(200)
    clock.advance(1_000)
    const expired = await put(url, validZip())
    expect(expired.status).toBe(403)
    expect(await expired.text()).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>')
  })

  it('refuses an expired URL in real time too (ttl 0)', async () => {
    const server = await start({ uploadUrlTtlMs: 0 })
    const jobID = (await graphqlData(server, NEW_JOB, { type: 'dreambooth' })).newJobID as string
    const url = (await graphqlData(server, INPUT_URL, { jobID, objName: 'a.zip' })).getJobInputURL as string
    const response = await put(url, validZip())
    expect(response.status).toBe(403)
    expect(await response.text()).toContain('Request has expired')
  })

  it('refuses another Content-Type with 403 SignatureDoesNotMatch, as S3 does', async () => {
    const server = await start()
    const jobID = (await graphqlData(server, NEW_JOB, { type: 'dreambooth' })).newJobID as string
    const url = (await graphqlData(server, INPUT_URL, { jobID, objName: 'a.zip' })).getJobInputURL as string
    for (const contentType of ['application/zip', 'application/octet-stream; charset=binary']) {
      const response = await put(url, validZip(), contentType)
      expect(response.status).toBe(403)
      expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>')
    }
    const none = await fetch(url, { method: 'PUT', body: new Blob([validZip()]) })
    expect(none.status).toBe(403)
    expect(server.job(jobID)?.uploads).toEqual([])
  })

  it('hmac signer: accepts a chunked body of unknown length, keeps it byte for byte, and a re-upload replaces it', async () => {
    const server = await start({ uploadSigner: 'hmac' })
    const jobID = (await graphqlData(server, NEW_JOB, { type: 'dreambooth' })).newJobID as string
    const url = (await graphqlData(server, INPUT_URL, { jobID, objName: 'a.zip' })).getJobInputURL as string
    const zip = validZip()
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < zip.length; offset += 100) controller.enqueue(zip.subarray(offset, offset + 100))
        controller.close()
      }
    })
    const response = await fetch(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: stream,
      duplex: 'half'
    } as RequestInit)
    expect(response.status).toBe(200)
    expect(await storedBytes(server, jobID)).toEqual([zip])

    const other = writeZip([{ name: 'x.png', data: PNG }])
    expect((await put(url, other)).status).toBe(200)
    expect(server.job(jobID)?.uploads.map((upload) => upload.sha256)).toEqual([sha256(other)])
  })

  it('refuses a PUT that has neither Content-Length nor chunked encoding with 411', async () => {
    const server = await start()
    const jobID = (await graphqlData(server, NEW_JOB, { type: 'dreambooth' })).newJobID as string
    const url = new URL((await graphqlData(server, INPUT_URL, { jobID, objName: 'a.zip' })).getJobInputURL as string)
    // fetch always frames its body, so write the request by hand
    const socket = connect(Number(url.port), url.hostname)
    socket.end(
      `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
        'Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n'
    )
    let answer = ''
    for await (const chunk of socket) answer += String(chunk)
    expect(answer).toMatch(/^HTTP\/1.1 411 /)
    expect(answer).toContain('<Code>MissingContentLength</Code>')
  })

  it('refuses a body above the size limit', async () => {
    const server = await start({ maxUploadBytes: 1000 })
    const jobID = (await graphqlData(server, NEW_JOB, { type: 'dreambooth' })).newJobID as string
    const url = (await graphqlData(server, INPUT_URL, { jobID, objName: 'a.zip' })).getJobInputURL as string
    const response = await put(url, Buffer.alloc(1001))
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('<Code>EntityTooLarge</Code>')
    expect((await put(url, Buffer.alloc(1000))).status).toBe(200)
  })
})

describe('the data folder', () => {
  const files = async (dir: string): Promise<string[]> =>
    (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => relative(dir, join(entry.parentPath, entry.name)))

  it('holds each stored object in a file, one a name, and goes when the server closes', async () => {
    const server = await start()
    const zip = validZip()
    const jobID = await uploadedJob(server, zip)
    const [stored] = server.job(jobID)!.uploads
    expect(stored!.path.startsWith(join(server.dataDir, jobID))).toBe(true)
    expect(await readFile(stored!.path)).toEqual(zip)

    const url = (await graphqlData(server, INPUT_URL, { jobID, objName: 'milkyway.zip' })).getJobInputURL as string
    const other = writeZip([{ name: 'x.png', data: PNG }])
    expect((await put(url, other)).status).toBe(200)
    const [replacement] = server.job(jobID)!.uploads
    expect(await files(server.dataDir)).toEqual([relative(server.dataDir, replacement!.path)])
    expect(await readFile(replacement!.path)).toEqual(other)

    await server.close()
    expect(existsSync(server.dataDir)).toBe(false)
  })

  it('leaves nothing behind of a body that breaks the size limit on the way', async () => {
    // the hmac scheme takes a chunked body (S3's SigV4 answers one 501), so the size comes only as the bytes do
    const server = await start({ maxUploadBytes: 1000, uploadSigner: 'hmac' })
    const jobID = (await graphqlData(server, NEW_JOB, { type: 'dreambooth' })).newJobID as string
    const url = (await graphqlData(server, INPUT_URL, { jobID, objName: 'a.zip' })).getJobInputURL as string
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let sent = 0; sent < 3000; sent += 100) controller.enqueue(new Uint8Array(100))
        controller.close()
      }
    })
    // it may drop the connection
    await fetch(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body,
      duplex: 'half'
    } as RequestInit).catch(() => undefined)
    for (let waited = 0; !server.requests.at(-1)?.errors?.includes('EntityTooLarge') && waited < 5000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(server.requests.at(-1)?.errors).toEqual(['EntityTooLarge'])
    expect(server.job(jobID)?.uploads).toEqual([])
    expect(await files(server.dataDir)).toEqual([])
  })

  it('is kept when it was given', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tiyaro-data-'))
    try {
      const server = await start({ dataDir })
      expect(server.dataDir).toBe(dataDir)
      const zip = validZip()
      const jobID = await uploadedJob(server, zip)
      await server.close()
      expect(await storedBytes(server, jobID)).toEqual([zip])
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})

// ---- inference ------------------------------------------------------------------------------------

describe('inference', () => {
  async function infer(url: string, input: Record<string, unknown>, authorization?: string): Promise<Response> {
    return fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(authorization ? { Authorization: authorization } : {}) },
      body: JSON.stringify({ input })
    })
  }

  it('answers a base model with a real PNG of the asked size, the same for the same prompt and seed', async () => {
    const server = await start()
    const response = await infer(
      server.baseModelUrl(),
      { prompt: 'a dog', seed: 7, width: 96, height: 40 },
      `Bearer ${server.apiKey}`
    )
    expect(response.status).toBe(200)
    const body = (await response.json()) as { response: { images: string[] } }
    expect(body.response.images).toHaveLength(1)
    const png = Buffer.from(body.response.images[0]!, 'base64')
    // IHDR read by hand: width and height are the first two big-endian words of its data
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR')
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([96, 40])
    const decoded = readPng(png)
    expect(decoded).toMatchObject({
      width: 96,
      height: 40,
      bitDepth: 8,
      colorType: 2,
      chunks: ['IHDR', 'IDAT', 'IEND']
    })
    expect(decoded.pixels.length).toBe(96 * 40 * 3)

    const again = (await (
      await infer(server.baseModelUrl(), { prompt: 'a dog', seed: 7, width: 96, height: 40 }, `Bearer ${server.apiKey}`)
    ).json()) as typeof body
    expect(again.response.images[0]).toBe(body.response.images[0])
    const otherSeed = (await (
      await infer(server.baseModelUrl(), { prompt: 'a dog', seed: 8 }, `Bearer ${server.apiKey}`)
    ).json()) as typeof body
    const small = readPng(Buffer.from(otherSeed.response.images[0]!, 'base64'))
    expect([small.width, small.height]).toEqual([64, 64])
    expect(small.pixels.subarray(0, 3)).not.toEqual(decoded.pixels.subarray(0, 3))
    expect(server.requests[0]).toMatchObject({
      kind: 'inference',
      status: 200,
      inferenceInput: { prompt: 'a dog', seed: 7, width: 96, height: 40 }
    })
  })

  it('needs Bearer and the key, a prompt, and a size up to 1024', async () => {
    const server = await start()
    expect((await infer(server.baseModelUrl(), { prompt: 'x' })).status).toBe(401)
    expect((await infer(server.baseModelUrl(), { prompt: 'x' }, server.apiKey)).status).toBe(401)
    const bearer = `Bearer ${server.apiKey}`
    expect((await infer(server.baseModelUrl(), { prompt: '' }, bearer)).status).toBe(400)
    const tooWide = await infer(server.baseModelUrl(), { prompt: 'x', width: 1025 }, bearer)
    expect(tooWide.status).toBe(400)
    expect(await tooWide.json()).toEqual({ message: 'input.width must be an integer from 1 to 1024' })
    expect((await infer(server.baseModelUrl(), { prompt: 'x', width: 1024, height: 1 }, bearer)).status).toBe(200)
  })

  it("serves a trained model's url once its job is done, and only then", async () => {
    const clock = manualClock()
    const server = await start({ trainingMs: 10, clock: clock.now })
    const jobID = await startedJob(server, dreamboothInput('milkyway.zip', { name: 'my model', version: '1.0' }))
    const modelUrl = `${server.url}/v1/ent/local/1/my%20model?version=1.0`
    const bearer = `Bearer ${server.apiKey}`
    expect((await infer(modelUrl, { prompt: 'sks galaxy' }, bearer)).status).toBe(404)
    clock.advance(10)
    const [model] = (await graphqlData(server, MODELS, { jobID })).getRetrainedModels as { url: string }[]
    expect(model?.url).toBe(modelUrl)
    const response = await infer(
      `${model!.url}&serviceTier=gpuflex`,
      { prompt: 'sks galaxy', width: 8, height: 8 },
      bearer
    )
    expect(response.status).toBe(200)
    const { response: result } = (await response.json()) as { response: { images: string[] } }
    expect(readPng(Buffer.from(result.images[0]!, 'base64'))).toMatchObject({ width: 8, height: 8 })
    expect((await infer(`${server.url}/v1/ent/local/1/my%20model?version=2.0`, { prompt: 'x' }, bearer)).status).toBe(
      404
    )
  })
})
