// Secrets never leak, not even in part, through the bundled action: a storage that refuses the
// upload with S3's error body (which echoes the signature, the string it signed with the
// credential scope, the access key ID and the query) and a service whose error body holds the
// API key where the action cuts it. The log, the outputs, the summary, the PR comment and the
// artifact's result.json are scanned for the whole secrets and for any 12 characters in a row
// of a key or a signature.
import { describe, expect, it } from '@jest/globals'
import { randomBytes, randomUUID } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readZip } from '../../server/zip-entries.js'
import { TEST_API_KEY, runWith, urlSecrets, useServer } from '../../test-support/action-fixture.js'
import { useGitHubApi, useRunnerServices, useTempDir } from '../../test-support/fixtures.js'
import { type ActionRun, findSecretsIn, runTexts } from '../../test-support/run-action.js'
import { useScriptedServers } from '../../test-support/scripted-api.js'

const GITHUB_TOKEN = 'ghs_leakTestToken0123456789abcdef'
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
const SCOPE = '20240101/us-east-1/s3/aws4_request'

const server = useServer({}, { secrets: [GITHUB_TOKEN] })
const services = useRunnerServices()
const github = useGitHubApi({ token: GITHUB_TOKEN })
const scratch = useTempDir('tiyaro-leaks-')
const scripted = useScriptedServers()

/** A job on github.com for a pull request: runner services, the REST API, the event. */
async function pullRequestEnv(number: number): Promise<Record<string, string>> {
  const path = join(scratch, `event-${randomUUID()}.json`)
  await writeFile(path, JSON.stringify({ action: 'synchronize', number, pull_request: { number } }))
  return {
    ...services.env,
    ...github.env,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: path,
    GITHUB_REPOSITORY: 'octo/dreams',
    GITHUB_RUN_ID: '7000003',
    GITHUB_RUN_ATTEMPT: '1'
  }
}

/** What S3 answers a PUT whose signature does not match, and a little more a broken one echoes. */
function s3SignatureError(url: URL): string {
  const signature = url.searchParams.get('X-Amz-Signature') ?? ''
  return `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided (${signature}) for ${url.href}.</Message><AWSAccessKeyId>${ACCESS_KEY_ID}</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256
20240101T000000Z
${SCOPE}
${randomBytes(32).toString('hex')}</StringToSign><SignatureProvided>${signature}</SignatureProvided><CanonicalRequest>PUT
${url.pathname}
${url.search.slice(1).replaceAll('&', '&amp;')}
host:${url.host}

host
UNSIGNED-PAYLOAD</CanonicalRequest><RequestId>4442587FB7D0A2F9</RequestId></Error>`
}

/** The texts a run left anywhere: its log, outputs, state and summary, its comments and result.json. */
async function everythingShown(run: ActionRun, issueNumber: number): Promise<[string, string][]> {
  const places = runTexts(run)
  for (const comment of github.comments.filter((c) => c.issueNumber === issueNumber)) {
    places.push([`comment ${comment.id}`, comment.body])
  }
  const id = Number(run.outputs['artifact-id'])
  expect(id).toBeGreaterThan(0)
  const files = await readZip(await services.downloadArtifact(id))
  const result = files.find((entry) => entry.name === 'result.json')
  expect(result).toBeDefined()
  places.push(['result.json', (await result!.data()).toString('utf8')])
  return places
}

describe('secrets never leak, not even in part', () => {
  it("S3's SignatureDoesNotMatch body: no signature, scope, access key ID or URL in any place", async () => {
    const issued: string[] = []
    const storage = await scripted.server((request) => {
      const url = new URL(request.url, `http://${request.headers.host}`)
      return { status: 403, body: s3SignatureError(url), contentType: 'application/xml' }
    })
    const api = await scripted.api(server.graphqlUrl, {
      getJobInputURL: () => {
        const query = new URLSearchParams({
          'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
          'X-Amz-Credential': `${ACCESS_KEY_ID}/${SCOPE}`,
          'X-Amz-Date': '20240101T000000Z',
          'X-Amz-Expires': '900',
          'X-Amz-SignedHeaders': 'host',
          'X-Amz-Signature': randomBytes(32).toString('hex')
        })
        const url = `${storage.url}/bucket/jobs/j1/toy-robot-v1.zip?${query}`
        issued.push(url)
        return { json: { data: { getJobInputURL: url } } }
      }
    })

    const run = await runWith(
      server,
      { 'api-url': api.url, 'artifact-name': 'leak-check', 'comment-on-pr': 'true', 'github-token': GITHUB_TOKEN },
      { env: await pullRequestEnv(21) }
    )
    expect(run.exitCode).toBe(1)
    expect(storage.requests.filter((r) => r.method === 'PUT')).toHaveLength(2) // one fresh URL after a 403
    expect(run.outputs['error-message']).toMatch(/^upload refused \(HTTP 403\): SignatureDoesNotMatch The request/)

    const places = await everythingShown(run, 21)
    expect(places.some(([where]) => where.startsWith('comment '))).toBe(true)
    const urls = issued.map(urlSecrets)
    const whole = [...urls.flatMap((url) => url.whole), ACCESS_KEY_ID, SCOPE, encodeURIComponent(SCOPE)]
    const partial = [TEST_API_KEY, GITHUB_TOKEN, ...urls.flatMap((url) => url.partial)]
    expect(findSecretsIn(places, whole, partial)).toEqual([])
  })

  it('an error body with the API key where the action cuts it to 200 characters', async () => {
    const api = await scripted.api(server.graphqlUrl, {
      // 20 characters of the key fall before the cut, 8 after it
      getJobInputURL: () => ({
        status: 400,
        body: `${'x'.repeat(180)}${TEST_API_KEY} echoed`,
        contentType: 'text/plain'
      })
    })
    const run = await runWith(server, { 'api-url': api.url })
    expect(run.exitCode).toBe(1)
    expect(run.outputs['error-message']).toMatch(/^getJobInputURL failed: HTTP 400 x+/)
    expect(findSecretsIn(runTexts(run), [], [TEST_API_KEY])).toEqual([])
  })
})
