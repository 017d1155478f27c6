// The zip made straight into the upload, through the bundled action: what the storage receives
// (exactly Content-Length bytes, never chunked, the same bytes on every try and as before the
// zip was streamed), when the zip is on disk (zip-path), files that change under the action
// between the check and the zip, and cancelling while the zip is made or sent.
import { afterAll, describe, expect, it } from '@jest/globals'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  copyFileSync,
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync
} from 'node:fs'
import { cp, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { ServerOptions, TiyaroServer } from '../../server/tiyaro-server.js'
import { DEMO_CLASS, DEMO_INSTANCE, runWith, useServers } from '../../test-support/action-fixture.js'
import type { ActionRun, RunActionOptions } from '../../test-support/run-action.js'
import { pngBytes } from '../../test-support/images.js'

const startServer = useServers()
const folders: string[] = []
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })))
})

async function serverWith(options: ServerOptions = {}): Promise<TiyaroServer> {
  const server = await startServer(options)
  return server
}

/** A copy of the demo images that a test may change under the action, and the (FAST) inputs that use it. */
async function demoCopy(): Promise<{ instance: string; class: string; inputs: Record<string, string> }> {
  const root = await mkdtemp(join(tmpdir(), 'tiyaro-zip-upload-'))
  folders.push(root)
  await cp(DEMO_INSTANCE, join(root, 'instance'), { recursive: true })
  await cp(DEMO_CLASS, join(root, 'class'), { recursive: true })
  const dirs = { instance: join(root, 'instance'), class: join(root, 'class') }
  return { ...dirs, inputs: { ...FAST, 'instance-images': dirs.instance, 'class-images': dirs.class } }
}

/** The demo images' zip as the writer made it before the zip was streamed into the upload. */
const DEMO_ZIP = { bytes: '168431', sha256: '6678f0e251f081560f13c40d7b0009dfcaa96b1da4340f2216804c3504ded730' }
const FAST = { 'request-timeout-seconds': '10', 'poll-interval-seconds': '0.1', 'timeout-minutes': '1' }
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function uploadsOf(server: TiyaroServer) {
  return server.requests.filter((entry) => entry.kind === 'upload')
}

/** Zip files left in the action's work folder under RUNNER_TEMP. */
async function zipsIn(runnerTemp: string): Promise<string[]> {
  const dir = join(runnerTemp, 'tiyaro-dreambooth')
  return existsSync(dir) ? (await readdir(dir)).filter((name) => name.endsWith('.zip')) : []
}

/** Calls `act` once the action printed the scan's line: the images have passed their checks. */
function afterTheCheck(act: () => void): (child: ChildProcess) => void {
  return (child) => {
    let done = false
    child.stdout?.on('data', (chunk: Buffer) => {
      if (!done && /^\d+ instance images, \d+ class images$/m.test(chunk.toString())) {
        done = true
        act()
      }
    })
  }
}

describe('the upload', () => {
  it('sends exactly Content-Length bytes, never chunked: the zip the writer always made, not kept on disk', async () => {
    const server = await serverWith()
    const run = await runWith(server, FAST)
    expect(run.exitCode).toBe(0)
    expect({ bytes: run.outputs['zip-bytes'], sha256: run.outputs['zip-sha256'] }).toEqual(DEMO_ZIP)
    const [upload, ...more] = uploadsOf(server)
    expect(more).toEqual([])
    expect(upload!.status).toBe(200)
    expect(upload!.upload).toMatchObject({
      contentLength: DEMO_ZIP.bytes,
      bytes: Number(DEMO_ZIP.bytes),
      sha256: DEMO_ZIP.sha256,
      stored: true
    })
    expect(upload!.upload?.transferEncoding).toBeUndefined()
    // no dry run, no artifact, no keep-zip: the zip never touched the disk
    expect(run.outputs['zip-path']).toBe('')
    expect(await zipsIn(run.runnerTemp)).toEqual([])
  })

  it('keep-zip: the same pass writes the zip to disk, and zip-path names it', async () => {
    const server = await serverWith()
    const run = await runWith(server, { ...FAST, 'keep-zip': 'true' })
    expect(run.exitCode).toBe(0)
    const path = run.outputs['zip-path']
    expect(path).toBe(join(run.runnerTemp, 'tiyaro-dreambooth', 'toy-robot-v1.zip'))
    expect(sha256(await readFile(path))).toBe(DEMO_ZIP.sha256)
    expect(run.outputs['zip-sha256']).toBe(DEMO_ZIP.sha256)
    expect(uploadsOf(server)[0]!.upload?.sha256).toBe(DEMO_ZIP.sha256)
  })

  it('dry-run: the zip is on disk and zip-path names it, with no request', async () => {
    const server = await serverWith()
    const run = await runWith(server, { 'dry-run': 'true' })
    expect(run.exitCode).toBe(0)
    expect(sha256(await readFile(run.outputs['zip-path']))).toBe(DEMO_ZIP.sha256)
    expect({ bytes: run.outputs['zip-bytes'], sha256: run.outputs['zip-sha256'] }).toEqual(DEMO_ZIP)
    expect(server.requests).toEqual([])
  })

  it('makes the zip again from the images for each retry, to the same bytes', async () => {
    const server = await serverWith()
    server.injectFault('upload', { kind: 'status', status: 503 }, 2)
    const run = await runWith(server, { ...FAST, 'keep-zip': 'true' })
    expect(run.exitCode).toBe(0)
    const uploads = uploadsOf(server)
    expect(uploads.map((entry) => [entry.status, entry.upload?.bytes, entry.upload?.sha256])).toEqual([
      [503, Number(DEMO_ZIP.bytes), DEMO_ZIP.sha256],
      [503, Number(DEMO_ZIP.bytes), DEMO_ZIP.sha256],
      [200, Number(DEMO_ZIP.bytes), DEMO_ZIP.sha256]
    ])
    expect(sha256(await readFile(run.outputs['zip-path']))).toBe(DEMO_ZIP.sha256)
    expect(server.trainingsStarted()).toBe(1)
  })
})

describe('files that change under the action', () => {
  /** Holds the upload URL back 1.5 s (an answer lost, then retried): time to change a file after the check. */
  async function slowUrlServer(): Promise<TiyaroServer> {
    const server = await serverWith()
    server.injectFault('getJobInputURL', { kind: 'hang', ms: 1500 })
    return server
  }

  /** A run on a demo copy against slowUrlServer; `change` acts on the image folder/name once it passed its check. */
  async function runChangingAfterCheck(
    folder: 'instance' | 'class',
    name: string,
    change: (image: string) => void,
    options: Partial<RunActionOptions> = {}
  ): Promise<{ server: TiyaroServer; image: string; run: ActionRun }> {
    const server = await slowUrlServer()
    const dirs = await demoCopy()
    const image = join(dirs[folder], name)
    const run = await runWith(server, dirs.inputs, { ...options, onSpawn: afterTheCheck(() => change(image)) })
    return { server, image, run }
  }

  /** The upload's folder, the image's name in it, what happens to the image after its check, and what the error says. */
  const CHANGES: [string, 'instance' | 'class', string, (image: string) => void, RegExp][] = [
    [
      'grew',
      'instance',
      'robot-03.jpg',
      (image) => writeFileSync(image, Buffer.concat([readFileSync(image), Buffer.alloc(9)])),
      /it is \d+ bytes now, not the \d+ checked/
    ],
    [
      'shrank',
      'instance',
      'robot-04.jpg',
      (image) => truncateSync(image, 1000),
      /it is 1000 bytes now, not the \d+ checked/
    ],
    [
      'was replaced by another file (renamed over it)',
      'class',
      'toy-robot-01.jpg',
      (image) => {
        const other = join(dirname(dirname(image)), 'replacement.jpg')
        copyFileSync(join(DEMO_CLASS, 'toy-robot-03.jpg'), other)
        renameSync(other, image)
      },
      /another file took its place/
    ],
    [
      'was replaced by a symbolic link to /dev/null (a device)',
      'instance',
      'robot-02.jpg',
      (image) => {
        rmSync(image)
        symlinkSync('/dev/null', image)
      },
      /it is not a regular file any more/
    ],
    [
      'was replaced by a FIFO',
      'class',
      'toy-robot-02.jpg',
      (image) => {
        rmSync(image)
        spawnSync('mkfifo', [image])
      },
      /it is not a regular file any more/
    ]
  ]

  it.each(CHANGES)(
    'an image that %s between the check and the upload fails naming it, and nothing is started',
    async (_what, folder, name, change, reason) => {
      // a FIFO or a device would hang a run that read it: the time limit makes that a failure
      const { server, image, run } = await runChangingAfterCheck(folder, name, change, { timeoutMs: 60_000 })
      expect(run.signal).toBeNull()
      expect(run.exitCode).toBe(1)
      const named = new RegExp(
        `^${folder}-images: ${escapeRegExp(image)} changed after it was checked: ${reason.source}`
      )
      expect(run.outputs['error-message']).toMatch(named)
      expect(run.stdout).toMatch(new RegExp(`^::error::${named.source.slice(1)}`, 'm'))
      expect(server.trainingsStarted()).toBe(0)
      expect(server.jobs.flatMap((job) => job.uploads)).toEqual([])
    }
  )

  it("a FIFO that took an image's place is never opened: a writer waiting on it stays blocked", async () => {
    let writer: ChildProcess | undefined
    try {
      const { server, image, run } = await runChangingAfterCheck(
        'instance',
        'robot-05.jpg',
        (image) => {
          rmSync(image)
          spawnSync('mkfifo', [image])
          // opening the FIFO for reading, even without reading, would let this writer's open return
          writer = spawn('sh', ['-c', 'printf x > "$1"', 'sh', image], { stdio: 'ignore' })
        },
        { timeoutMs: 60_000 }
      )
      expect(run.exitCode).toBe(1)
      expect(run.outputs['error-message']).toContain(`${image} changed after it was checked: it is not a regular file`)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(writer?.exitCode).toBeNull()
      expect(server.trainingsStarted()).toBe(0)
    } finally {
      writer?.kill()
    }
  })

  it('a FIFO in the folder from the start is named by the check, which never opens it', async () => {
    const server = await serverWith()
    const dirs = await demoCopy()
    expect(spawnSync('mkfifo', [join(dirs.instance, 'pipe.jpg')]).status).toBe(0)
    const run = await runWith(server, dirs.inputs)
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toMatch(
      // outputs are one line: the message's line breaks are shown as ⏎
      /^instance-images: 1 problem in .*: ⏎ {3}pipe\.jpg: not a regular file/
    )
    expect(server.requests).toEqual([])
  })

  it('an image rewritten between two tries (same size, same time) fails the retry naming it, and nothing is started', async () => {
    const dirs = await demoCopy()
    const image = join(dirs.class, 'toy-robot-04.jpg')
    // a time in whole seconds, which can be set again exactly: size and time stay as checked
    const time = Math.floor(Date.now() / 1000) - 60
    utimesSync(image, time, time)
    const server = await serverWith({
      onRequest: (entry) => {
        if (entry.kind !== 'upload' || entry.status !== 503) return
        // the first try was answered 503; before the retry, one byte of the image changes
        const bytes = readFileSync(image)
        bytes[bytes.length - 3] ^= 0xff
        writeFileSync(image, bytes)
        utimesSync(image, time, time)
      }
    })
    server.injectFault('upload', { kind: 'status', status: 503 })
    const run = await runWith(server, dirs.inputs)
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toContain(
      `class-images: ${image} changed after it was checked: its content differs from the zip made before`
    )
    // the retry found the change before its first byte was sent: its request never went out
    expect(uploadsOf(server)).toHaveLength(1)
    expect(server.trainingsStarted()).toBe(0)
    expect(server.jobs.flatMap((job) => job.uploads)).toEqual([])
    // the zip that was made whole (the first try's) is reported
    expect(run.outputs['zip-sha256']).toBe(DEMO_ZIP.sha256)
  })
})

describe('cancelling', () => {
  it('SIGTERM while the upload waits for its answer: stops at once, nothing is started', async () => {
    const server = await serverWith()
    server.injectFault('upload', { kind: 'hang', ms: 30_000 })
    let sentAt = 0
    const run = await runWith(server, FAST, {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (uploadsOf(server).some((entry) => entry.upload !== undefined)) {
            clearInterval(poll)
            sentAt = Date.now()
            child.kill('SIGTERM')
          }
        }, 20)
        child.on('close', () => clearInterval(poll))
      }
    })
    expect(sentAt).toBeGreaterThan(0)
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toMatch(/cancelled by SIGTERM/)
    expect(server.trainingsStarted()).toBe(0)
    expect(run.durationMs).toBeLessThan(25_000)
  })

  it('SIGTERM while the zip is being made: stops at once and leaves no partial zip', async () => {
    // 25 images of 40 MiB each that cost no disk: a PNG header, then a sparse run of zeros
    const root = await mkdtemp(join(tmpdir(), 'tiyaro-cancel-zip-'))
    folders.push(root)
    for (let index = 0; index < 25; index++) {
      const path = join(root, `large-${String(index).padStart(2, '0')}.png`)
      await writeFile(path, pngBytes({ width: 8, height: 8, seed: index }))
      await truncate(path, 40 * 1024 * 1024)
    }
    const server = await serverWith()
    let sentAt = 0
    let exitedAt = 0
    const run = await runWith(
      server,
      { 'dry-run': 'true', 'instance-images': root, 'class-images': '' },
      {
        onSpawn: (child) => {
          child.on('exit', () => (exitedAt = Date.now()))
          child.stdout?.on('data', (chunk: Buffer) => {
            if (!sentAt && chunk.toString().includes('::group::Build zip')) {
              sentAt = Date.now()
              child.kill('SIGTERM')
            }
          })
        }
      }
    )
    expect(sentAt).toBeGreaterThan(0)
    // a 1000 MiB zip takes seconds to write; the run ends long before it would be done
    expect(exitedAt - sentAt).toBeLessThan(3000)
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toMatch(/cancelled by SIGTERM/)
    expect(await zipsIn(run.runnerTemp)).toEqual([])
    expect(server.requests).toEqual([])
  })
})
