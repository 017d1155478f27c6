// Cancellation by the runner, and every request through a real proxy process.
import { describe, expect, it } from '@jest/globals'
import { runWith, useServers } from '../../test-support/action-fixture.js'
import { useProxyProcess } from '../../test-support/fixtures.js'

const serverWith = useServers()
const proxy = useProxyProcess()

/** Waits until the proxy logged every connection that has closed by now. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200))

describe('cancellation', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s while waiting: stops at once, keeps the outputs, says how to attach',
    async (signal) => {
      const server = await serverWith({ outcome: 'never' })
      let sentAt = 0
      const run = await runWith(
        server,
        { 'poll-interval-seconds': '30', 'timeout-minutes': '10' },
        {
          onSpawn: (child) => {
            child.stdout?.on('data', (chunk: Buffer) => {
              if (!sentAt && chunk.toString().includes('check 1: running')) {
                sentAt = Date.now()
                child.kill(signal)
              }
            })
          }
        }
      )
      expect(sentAt).toBeGreaterThan(0)
      expect(run.exitCode).toBe(1)
      const jobId = run.outputs['job-id']
      expect(jobId).toBeTruthy()
      expect(run.outputs.status).toBe('running')
      expect(run.outputs['zip-sha256']).toMatch(/^[0-9a-f]{64}$/)
      expect(run.stdout).toContain(`job-id: ${jobId}`)
      expect(run.summary).toContain(jobId)
      // one status check only: the 30 s interval was not waited out
      expect(server.requests.filter((entry) => entry.operations.includes('getJobStatus'))).toHaveLength(1)
      expect(server.trainingsStarted()).toBe(1)
    }
  )
})

describe('proxies', () => {
  it('sends every request, the upload included, through HTTP_PROXY', async () => {
    const server = await serverWith()
    const before = proxy.log.length
    const run = await runWith(server, { 'poll-interval-seconds': '0.1' }, { env: { HTTP_PROXY: proxy.url } })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    await settle()
    const host = new URL(server.url).host
    const through = proxy.log.slice(before).filter((entry) => entry.host === host)
    expect(through.length).toBeGreaterThan(0)
    // the zip went through the proxy: more bytes than the zip itself crossed it
    const bytes = through.reduce((sum, entry) => sum + entry.sent, 0)
    expect(bytes).toBeGreaterThan(Number(run.outputs['zip-bytes']))
    expect(server.requests.length).toBeGreaterThan(0)
  })

  it('honours the lower-case http_proxy', async () => {
    const server = await serverWith()
    const before = proxy.log.length
    const run = await runWith(server, { 'poll-interval-seconds': '0.1' }, { env: { http_proxy: proxy.url } })
    expect(run.exitCode).toBe(0)
    await settle()
    expect(proxy.log.slice(before).filter((entry) => entry.host === new URL(server.url).host).length).toBeGreaterThan(0)
  })

  it('goes direct to a host that NO_PROXY names', async () => {
    const server = await serverWith()
    const before = proxy.log.length
    const run = await runWith(
      server,
      { 'poll-interval-seconds': '0.1' },
      { env: { HTTP_PROXY: proxy.url, NO_PROXY: 'example.com,127.0.0.1' } }
    )
    expect(run.exitCode).toBe(0)
    await settle()
    expect(proxy.log.slice(before).filter((entry) => entry.host === new URL(server.url).host)).toEqual([])
  })

  it('fails clearly when the proxy is down, after retrying', async () => {
    const server = await serverWith()
    const run = await runWith(
      server,
      { 'timeout-minutes': '0.03', 'request-timeout-seconds': '1' },
      { env: { HTTP_PROXY: 'http://127.0.0.1:9' } }
    )
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toMatch(/connection failed/)
    expect(server.requests).toHaveLength(0)
  })
})
