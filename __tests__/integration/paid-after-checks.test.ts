// Nothing that costs credits happens before every image passed its checks: with
// class-image-generator-url set, a bad instance or class image fails the run before any
// inference call (class images are generated only for a dataset that can be trained).
import { describe, expect, it } from '@jest/globals'
import { copyFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DEMO_CLASS, DEMO_INSTANCE, runWith, useServers } from '../../test-support/action-fixture.js'
import { useTempDir } from '../../test-support/fixtures.js'

const startServer = useServers()
const scratch = useTempDir('tiyaro-paid-')

/** A workspace with copies of the demo images; `spoil` adds a file that is not an image. */
async function workspaceWith(spoil: 'instance' | 'class'): Promise<string> {
  const workspace = await mkdtemp(join(scratch, 'workspace-'))
  for (const [from, to] of [
    [DEMO_INSTANCE, 'instance'],
    [DEMO_CLASS, 'class']
  ] as const) {
    await mkdir(join(workspace, to))
    for (const name of await readdir(from)) await copyFile(join(from, name), join(workspace, to, name))
  }
  await writeFile(join(workspace, spoil, 'notes.txt'), 'not an image\n')
  return workspace
}

describe('class-image generation waits for the checks', () => {
  it.each(['instance', 'class'] as const)('a bad %s image: exit 1, no inference call, no job', async (spoil) => {
    const server = await startServer()
    const workspace = await workspaceWith(spoil)
    const run = await runWith(
      server,
      {
        'instance-images': 'instance',
        'class-images': 'class',
        'num-class-images': '8',
        'class-image-generator-url': server.baseModelUrl()
      },
      { workspace }
    )
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain(`${spoil}-images: 1 problem in`)
    expect(run.stdout).toContain('notes.txt: not a JPEG, PNG or WebP image')
    expect(server.requests.filter((entry: { kind: string }) => entry.kind === 'inference')).toHaveLength(0)
    expect(server.requests).toHaveLength(0)
  })
})
