// File names from the user's folder, through the bundled action: names that one person would
// read as the same (NFC vs NFD), and names that are not UTF-8, fail before any request.
import { describe, expect, it } from '@jest/globals'
import { copyFile, mkdir, mkdtemp, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { TiyaroServer } from '../../server/tiyaro-server.js'
import { DEMO_INSTANCE, runWith, useServers } from '../../test-support/action-fixture.js'
import { useTempDir } from '../../test-support/fixtures.js'

const startServer = useServers()
const scratch = useTempDir('tiyaro-names-')

/** A workspace whose instance folder holds the demo images; returns it and the instance folder. */
async function demoWorkspace(): Promise<{ workspace: string; instance: string }> {
  const workspace = await mkdtemp(join(scratch, 'workspace-'))
  const instance = join(workspace, 'instance')
  await mkdir(instance)
  for (const name of await readdir(DEMO_INSTANCE)) await copyFile(join(DEMO_INSTANCE, name), join(instance, name))
  return { workspace, instance }
}

async function runOn(workspace: string): Promise<Awaited<ReturnType<typeof runWith>> & { server: TiyaroServer }> {
  const server = await startServer()
  const run = await runWith(server, { 'instance-images': 'instance', 'class-images': '' }, { workspace })
  return { ...run, server }
}

describe('file names', () => {
  it('two names that differ only by Unicode normalisation are a clash: exit 1, no request', async () => {
    const { workspace, instance } = await demoWorkspace()
    const [first] = await readdir(instance)
    await mkdir(join(instance, 'mac'))
    await mkdir(join(instance, 'linux'))
    await copyFile(join(instance, first!), join(instance, 'linux', 'caf\u00e9.jpg'))
    await copyFile(join(instance, first!), join(instance, 'mac', 'cafe\u0301.jpg'))
    const run = await runOn(workspace)
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('linux/caf\u00e9.jpg, mac/cafe\u0301.jpg: each would be stored as')
    expect(run.server.requests).toHaveLength(0)
  })

  it('a name that is not UTF-8 is named with its bytes: exit 1, no request', async () => {
    const { workspace, instance } = await demoWorkspace()
    const [first] = await readdir(instance)
    const bad = Buffer.concat([Buffer.from(`${instance}/photo-`), Buffer.from([0xe9]), Buffer.from('.jpg')])
    await copyFile(join(instance, first!), bad)
    const run = await runOn(workspace)
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('the name is not valid UTF-8 (bytes \\x70\\x68\\x6f\\x74\\x6f\\x2d\\xe9')
    expect(run.outputs['error-message']).toContain('instance-images: 1 problem in')
    expect(run.server.requests).toHaveLength(0)
  })
})
