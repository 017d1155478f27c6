// The action against a service that speaks https, as AppSync and S3 do, through the bundle as
// the runner runs it. A certificate the runner trusts (NODE_EXTRA_CA_CERTS, as on a GitHub
// Enterprise Server runner behind an internal CA) gets the whole run over TLS, the upload to its
// presigned https URL included; one that nobody vouches for is refused before the API key is
// sent, naming the host and why. test-support/tls/ holds the test server's self-signed
// certificate (for 127.0.0.1 and localhost) and its key, made for these tests only.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { WORKFLOW_CALLS, operationsSeen, runWith, useServers } from '../../test-support/action-fixture.js'
import { REPO_ROOT } from '../../test-support/run-action.js'

const TLS_DIR = join(REPO_ROOT, 'test-support', 'tls')
const CERT = join(TLS_DIR, 'server-cert.pem')
const tls = { key: readFileSync(join(TLS_DIR, 'server-key.pem')), cert: readFileSync(CERT) }
const startServer = useServers()

describe('a service over https', () => {
  it('with a certificate the runner trusts (NODE_EXTRA_CA_CERTS): the run trains, the upload over TLS too', async () => {
    const server = await startServer({ tls })
    expect(server.graphqlUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/graphql$/)
    const run = await runWith(server, {}, { env: { NODE_EXTRA_CA_CERTS: CERT } })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('done')
    expect(operationsSeen(server).filter((op, i, all) => op !== all[i - 1])).toEqual([...WORKFLOW_CALLS])
    expect(server.issuedUploadUrls.length).toBeGreaterThan(0)
    for (const url of server.issuedUploadUrls) expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//)
    expect(server.jobs[0]?.uploads.map((upload) => upload.sha256)).toEqual([run.outputs['zip-sha256']])
  })

  it('with a certificate nobody vouches for: a TLS error naming the host; no request reaches the service', async () => {
    const server = await startServer({ tls })
    const run = await runWith(server, { 'timeout-minutes': '0.05', 'request-timeout-seconds': '2' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toMatch(
      /^newJobID: connection failed: cannot reach 127\.0\.0\.1:\d+: TLS error: its certificate is self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\)\.$/
    )
    // the handshake failed, so no request (and no API key) was ever sent
    expect(server.requests).toHaveLength(0)
    expect(server.jobs).toHaveLength(0)
  })
})
