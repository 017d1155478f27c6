// "Try it on your own images": .env.example and `npm run local-action` run the action from its
// sources with @github/local-action against the local server, as the README says. Only the
// server's address differs (the test's server listens on a free port) and RUNNER_TEMP (a fresh
// folder); the rest of .env.example is used as written.
import { afterAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseCliArgs } from '../../server/cli-args.js'
import { DEFAULT_API_KEY } from '../../server/tiyaro-server.js'
import { operationsSeen, useServers } from '../../test-support/action-fixture.js'
import { REPO_ROOT } from '../../test-support/run-action.js'

const startServer = useServers()
let scratch: string | undefined

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true })
})

/** package.json's local-action script, with the .env file replaced by `envFile`. */
async function localActionCommand(envFile: string): Promise<string[]> {
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  const words = pkg.scripts['local-action'].split(' ')
  expect(words).toEqual(['local-action', 'run', '.', 'src/local-action.ts', '.env'])
  return [join(REPO_ROOT, 'node_modules/.bin/local-action'), ...words.slice(1, -1), envFile]
}

describe('npm run local-action with .env.example', () => {
  it('trains on the local server from the sources, and shows the outputs', async () => {
    const example = await readFile(join(REPO_ROOT, '.env.example'), 'utf8')
    // the key and the address npm run server uses when given no switch
    const { port } = parseCliArgs([]).options
    expect(example).toContain(`\nINPUT_API-KEY=${DEFAULT_API_KEY}\n`)
    expect(example).toContain(`\nINPUT_API-URL=http://127.0.0.1:${port}/graphql\n`)
    const server = await startServer({ apiKey: DEFAULT_API_KEY, trainingMs: 300 })
    scratch = await mkdtemp(join(tmpdir(), 'tiyaro-local-action-'))
    const envFile = join(scratch, '.env')
    await writeFile(
      envFile,
      example
        .replace(/^INPUT_API-URL=.*$/m, `INPUT_API-URL=${server.graphqlUrl}`)
        .replace(/^RUNNER_TEMP=.*$/m, `RUNNER_TEMP=${join(scratch, 'runner-temp')}`)
    )
    const [command, ...args] = await localActionCommand(envFile)
    const env: NodeJS.ProcessEnv = {}
    for (const [name, value] of Object.entries(process.env)) {
      if (!/^(INPUT_|GITHUB_|RUNNER_|ACTIONS_|NODE_OPTIONS$)/.test(name)) env[name] = value
    }
    // tsx (local-action runs the sources through it) keeps a cache in the temp folder: this one's
    env.TMPDIR = join(scratch, 'tmp')
    await mkdir(env.TMPDIR)
    const child = spawn(command!, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve))

    expect([exitCode, output.slice(-2000)]).toEqual([0, expect.any(String)])
    expect(output).toMatch(/│ 'status' +│ 'done' +│/)
    expect(output).toMatch(/│ 'sample-images' +│ '\[".*01-a-photo-of-sks-toy-robot-on-the-moon\.png"\]' +│/)
    expect(output).not.toContain(DEFAULT_API_KEY)
    const seen = operationsSeen(server)
    expect(seen).toContain('upload')
    expect(seen.filter((op) => op === 'startRetrainingJob')).toHaveLength(1)
  }, 240_000)
})
