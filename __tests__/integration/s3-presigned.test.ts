// The bundled action against real S3 presigned URLs: the local server signs them with the AWS SDK
// (SigV4, fake credentials) and checks each upload as S3 does, from the bytes the action sends.
// Object keys hold characters that must reach the server exactly as escaped in the URL.
import { describe, expect, it } from '@jest/globals'
import { runWith, useServers } from '../../test-support/action-fixture.js'

// started in the tests, scanned for leaked secrets and closed after them
const serverWith = useServers()

// A backend that files datasets under the user's e-mail and a folder name of their choosing.
const KEY_PREFIX = 'datasets/user+tag@example.com/100% sure é 😀/'
const ESCAPED_PREFIX = '/upload/datasets/user%2Btag%40example.com/100%25%20sure%20%C3%A9%20%F0%9F%98%80/'
const FAST = { 'request-timeout-seconds': '5', 'poll-interval-seconds': '0.1', 'timeout-minutes': '1' }

describe('uploads to S3 presigned URLs (SigV4)', () => {
  it.concurrent(
    'a key with a space, +, %, é and an emoji: the upload is accepted as signed, the job trains',
    async () => {
      const server = await serverWith({ uploadKeyPrefix: KEY_PREFIX })
      const run = await runWith(server, FAST)
      expect(run.exitCode).toBe(0)
      expect(run.outputs.status).toBe('done')
      const jobId = run.outputs['job-id']
      const [issued] = server.issuedUploadUrls
      expect(issued).toContain(`${ESCAPED_PREFIX}${jobId}/toy-robot-v1.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256&`)
      // the URL signs the content type and the host, and carries no checksum the body cannot meet
      expect(new URL(issued!).searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host')
      expect(issued).not.toMatch(/x-amz-checksum/i)
      // one PUT, its path the URL's bytes, accepted on the signature's merit
      const uploads = server.requests.filter((entry) => entry.kind === 'upload')
      expect(uploads).toEqual([
        expect.objectContaining({ path: new URL(issued!).pathname, authorized: true, status: 200 })
      ])
      const stored = server.job(jobId)?.uploads
      expect(stored).toEqual([
        expect.objectContaining({ objName: 'toy-robot-v1.zip', sha256: run.outputs['zip-sha256'] })
      ])
      expect(server.trainingsStarted()).toBe(1)
    }
  )

  it.concurrent('an expired SigV4 URL is refused as S3 refuses it; a fresh one is asked for and works', async () => {
    let offset = 0
    let jumped = false
    const server = await serverWith({
      uploadKeyPrefix: KEY_PREFIX,
      clock: () => Date.now() + offset,
      onRequest: (entry) => {
        // the URL is handed out, then the clock moves past its 15 minutes before the upload
        if (!jumped && entry.operations.includes('getJobInputURL')) {
          jumped = true
          offset += 20 * 60 * 1000
        }
      }
    })
    const run = await runWith(server, FAST)
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    const uploads = server.requests.filter((entry) => entry.kind === 'upload')
    expect(uploads.map((entry) => [entry.status, entry.errors?.[0]])).toEqual([
      [403, 'AccessDenied: Request has expired'],
      [200, undefined]
    ])
    expect(run.stdout).toMatch(/upload refused \(HTTP 403\).*Request has expired/)
    expect(server.issuedUploadUrls).toHaveLength(2)
    expect(server.trainingsStarted()).toBe(1)
  })
})
