import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFile, spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { parseCliArgs } from '../../server/cli-args.js'

describe('parseCliArgs', () => {
  it('defaults to port 8787 and leaves the rest to the server', () => {
    expect(parseCliArgs([])).toEqual({ help: false, options: { port: 8787 }, faults: [] })
  })

  it('reads every option and repeated faults', () => {
    const config = parseCliArgs([
      '--port',
      '0',
      '--host',
      '127.0.0.2',
      '--api-key',
      'k',
      '--revision',
      'later',
      '--training-ms',
      '50',
      '--outcome',
      'failed',
      '--fail-message',
      'boom',
      '--upload-url-ttl-ms',
      '1000',
      '--upload-signer',
      'hmac',
      '--upload-key-prefix',
      'user+1@example.com/ é/',
      '--vendor',
      'v',
      '--data-dir',
      '/srv/tiyaro-objects',
      '--fault',
      'upload:reset:1',
      '--fault',
      'getJobStatus:status:503:2'
    ])
    expect(config).toEqual({
      help: false,
      options: {
        port: 0,
        host: '127.0.0.2',
        apiKey: 'k',
        revision: 'later',
        trainingMs: 50,
        outcome: 'failed',
        failMessage: 'boom',
        uploadUrlTtlMs: 1000,
        uploadSigner: 'hmac',
        uploadKeyPrefix: 'user+1@example.com/ é/',
        vendor: 'v',
        dataDir: '/srv/tiyaro-objects'
      },
      faults: [
        { target: 'upload', fault: { kind: 'reset' }, times: 1 },
        { target: 'getJobStatus', fault: { kind: 'status', status: 503 }, times: 2 }
      ]
    })
  })

  it.each([
    [['--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['--training-ms=-1'], /--training-ms must be a whole number/],
    [['--revision', 'newest'], /--revision must be one of original, later/],
    [['--outcome', 'maybe'], /--outcome must be one of done, failed, never/],
    [['--upload-signer', 'sigv2'], /--upload-signer must be one of sigv4, hmac/],
    [['--api-key', ''], /--api-key must not be empty/],
    [['--data-dir', ''], /--data-dir must not be empty/],
    [['--fault', 'upload:reset'], /expected target:kind/],
    [['--colour', 'red'], /Unknown option '--colour'/]
  ])('refuses %j', (args, message) => {
    expect(() => parseCliArgs(args)).toThrow(message)
  })
})

describe('server/cli.js', () => {
  const root = resolve(import.meta.dirname, '../..')
  let outDir: string

  // Compile only server/ (the CLI and what it imports) into a folder inside the project, so the
  // project's package.json ("type": "module") and node_modules apply. That reads the AWS SDK's
  // type declarations too (the upload URLs are S3's): some 20 s on a loaded machine, hence 2 min.
  beforeAll(async () => {
    await mkdir(join(root, '.tmp'), { recursive: true })
    outDir = await mkdtemp(join(root, '.tmp', 'server-cli-'))
    await promisify(execFile)(
      process.execPath,
      [
        join(root, 'node_modules/typescript/bin/tsc'),
        '--ignoreConfig',
        '--outDir',
        outDir,
        '--rootDir',
        root,
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--strict',
        '--skipLibCheck',
        '--types',
        'node',
        join(root, 'server/cli.ts')
      ],
      { cwd: root }
    )
  }, 120_000)

  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true })
  })

  it('prints the URL, logs each request in one line without secrets, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        join(outDir, 'server/cli.js'),
        '--port',
        '0',
        '--api-key',
        'cli-secret-key',
        '--revision',
        'later',
        '--fault',
        'getJobStatus:status:503:1'
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    )
    try {
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
      const printed: string[] = []
      const next = async (): Promise<string> => {
        const line = (await lines.next()).value as string
        printed.push(line)
        return line
      }

      const first = await next()
      const match = /^Tiyaro test server listening on (http:\/\/127\.0\.0\.1:\d+\/graphql)$/.exec(first)
      expect(match).not.toBeNull()
      const graphqlUrl = match![1]!

      const ask = (query: string): Promise<Response> =>
        fetch(graphqlUrl, {
          method: 'POST',
          headers: { Authorization: 'cli-secret-key' },
          body: JSON.stringify({ query })
        })
      const created = (await (await ask('mutation { newJobID(jobType: dreambooth) }')).json()) as {
        data: { newJobID: string }
      }
      expect(await next()).toMatch(/^\S+Z graphql newJobID -> 200 \(\d+ ms\)$/)
      const jobID = created.data.newJobID
      const urlAnswer = await ask(`{ getJobInputURL(jobID: "${jobID}", objName: "a.zip") }`)
      const uploadUrl = ((await urlAnswer.json()) as { data: { getJobInputURL: string } }).data.getJobInputURL
      expect(await next()).toMatch(/ graphql getJobInputURL -> 200 /)
      const uploaded = await fetch(uploadUrl, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: 'zip'
      })
      expect(uploaded.status).toBe(200)
      expect(await next()).toMatch(new RegExp(` upload PUT /upload/${jobID}/a.zip -> 200 bytes=3 `))
      expect((await ask('{ getJobStatus(jobID: "x") { statusEnum } }')).status).toBe(503)
      expect(await next()).toMatch(/ graphql getJobStatus -> 503 fault=status /)
      expect((await ask('{ getTrainedModels(jobID: "x") { name } }')).status).toBe(200)
      expect(await next()).toMatch(/ graphql getTrainedModels -> 200 /)

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      child.kill('SIGTERM')
      expect(await next()).toBe('SIGTERM: stopping')
      expect(await exited).toBe(0)
      const signature = new URL(uploadUrl).searchParams.get('X-Amz-Signature')!
      expect(signature).toMatch(/^[0-9a-f]{64}$/)
      for (const secret of ['cli-secret-key', signature]) expect(printed.join('\n')).not.toContain(secret)
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('exits with 2 and the usage on a bad argument', async () => {
    const result = await promisify(execFile)(process.execPath, [
      join(outDir, 'server/cli.js'),
      '--outcome',
      'maybe'
    ]).catch((error: { code: number; stderr: string }) => error)
    expect(result).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--outcome must be one of done, failed, never')
    })
    expect((result as { stderr: string }).stderr).toContain('Usage: node build/server/cli.js')
  })
})
