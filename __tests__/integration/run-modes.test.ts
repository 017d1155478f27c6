// The four run modes, decided in-process by obtainJob() against the local Tiyaro server and the
// local runner services (the re-run record lives in the Actions cache).
import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import { actionsRunServices } from '../../src/github/index.js'
import { getConfig } from '../../src/inputs/index.js'
import { newRunContext, obtainJob, type RunMode } from '../../src/pipeline.js'
import { newReport } from '../../src/report/index.js'
import { closeHttp } from '../../src/shared/http.js'
import { operationsSeen, trainingInputs, useServer } from '../../test-support/action-fixture.js'
import { useRunnerServices, useTempDir } from '../../test-support/fixtures.js'

const server = useServer()
const services = useRunnerServices()
const scratch = useTempDir('tiyaro-run-modes-')
const savedEnv = { ...process.env }

afterAll(async () => {
  process.env = savedEnv
  await closeHttp()
})

/** Sets the action's inputs and the runner's variables, then decides the mode as a run would. */
async function modeOf(inputs: Record<string, string> = {}, attempt = '1'): Promise<RunMode> {
  const env: NodeJS.ProcessEnv = {
    ...savedEnv,
    ...services.env,
    RUNNER_TEMP: await mkdtemp(join(scratch, 'runner-')),
    GITHUB_WORKSPACE: scratch,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: attempt
  }
  for (const [name, value] of Object.entries(trainingInputs(server, inputs))) {
    if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = value
  }
  process.env = env
  const report = newReport()
  const config = await getConfig()
  return obtainJob(newRunContext(config, report, new AbortController().signal, actionsRunServices))
}

describe('obtainJob', () => {
  it('dry-run: builds the zip and makes no request', async () => {
    const before = server.requests.length
    expect(await modeOf({ 'dry-run': 'true' })).toEqual({ kind: 'dry-run' })
    expect(operationsSeen(server, before)).toEqual([])
  })

  it('attached: a job-id input skips create, upload and start', async () => {
    const before = server.requests.length
    expect(await modeOf({ 'job-id': 'job-given-123' })).toEqual({ kind: 'attached', jobId: 'job-given-123' })
    expect(operationsSeen(server, before)).toEqual([])
  })

  it('started, then re-run: attempt 2 of the same run attaches to the job attempt 1 started', async () => {
    const before = server.requests.length
    const first = await modeOf({}, '1')
    expect(first.kind).toBe('started')
    const seen = operationsSeen(server, before)
    expect(seen.filter((op) => op === 'newJobID')).toHaveLength(1)
    expect(seen).toContain('upload')
    expect(seen.filter((op) => op === 'startRetrainingJob')).toHaveLength(1)

    const again = server.requests.length
    const second = await modeOf({}, '2')
    expect(second).toEqual({ kind: 're-run', jobId: first.kind === 'started' ? first.jobId : '' })
    expect(operationsSeen(server, again)).not.toContain('startRetrainingJob')
    expect(operationsSeen(server, again)).not.toContain('newJobID')
  })
})
