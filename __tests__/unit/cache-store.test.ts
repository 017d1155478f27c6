import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import {
  CACHE_ROOT_NAME,
  cacheRoot,
  cacheServiceAvailable,
  cacheServiceOrSay,
  cachedFolderPath
} from '../../src/github/cache-store.js'
import { isEnterpriseServer } from '../../src/github/runner-kind.js'
import { useStdoutCapture } from '../../test-support/fixtures.js'

describe('cacheServiceAvailable', () => {
  it('needs the runtime token and the URL of the service the library will use', () => {
    const v2 = { ACTIONS_CACHE_SERVICE_V2: 'True' }
    expect(cacheServiceAvailable({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'http://x/', ...v2 })).toBe(true)
    expect(cacheServiceAvailable({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_URL: 'http://x/' })).toBe(true)
    expect(cacheServiceAvailable({ ACTIONS_RESULTS_URL: 'http://x/', ...v2 })).toBe(false)
    expect(cacheServiceAvailable({ ACTIONS_RUNTIME_TOKEN: 't' })).toBe(false)
    // without ACTIONS_CACHE_SERVICE_V2, @actions/cache uses the older service, which needs ACTIONS_CACHE_URL
    expect(cacheServiceAvailable({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'http://x/' })).toBe(false)
  })

  it('on an enterprise server (GHES, Gitea), needs the older service whatever ACTIONS_CACHE_SERVICE_V2 says', () => {
    const ghes = {
      ACTIONS_RUNTIME_TOKEN: 't',
      GITHUB_SERVER_URL: 'https://ghes.example.com',
      ACTIONS_CACHE_SERVICE_V2: 'True'
    }
    expect(isEnterpriseServer(ghes)).toBe(true)
    expect(cacheServiceAvailable({ ...ghes, ACTIONS_RESULTS_URL: 'http://x/' })).toBe(false)
    expect(cacheServiceAvailable({ ...ghes, ACTIONS_CACHE_URL: 'http://x/' })).toBe(true)
    expect(isEnterpriseServer({ GITHUB_SERVER_URL: 'https://github.com' })).toBe(false)
    expect(isEnterpriseServer({ GITHUB_SERVER_URL: 'https://octo.ghe.com' })).toBe(false)
    expect(isEnterpriseServer({})).toBe(false)
  })
})

describe('cacheServiceOrSay', () => {
  const stdout = useStdoutCapture()

  it('says once as a warning on a runner without the service, then as information; says nothing when there is one', () => {
    const withService = { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_URL: 'http://x/' }
    expect(cacheServiceOrSay('first', withService)).toBe(true)
    expect(stdout.chunks()).toEqual([])
    const ghes = { ACTIONS_RUNTIME_TOKEN: 't', GITHUB_SERVER_URL: 'https://ghes.example.com' }
    expect(cacheServiceOrSay('no cached class images', ghes)).toBe(false)
    expect(cacheServiceOrSay('no re-run record', ghes)).toBe(false)
    const lines = stdout.text().split('\n').filter(Boolean)
    expect(lines.filter((line) => line.startsWith('::warning::'))).toEqual([
      '::warning::This runner offers no Actions cache service (https://ghes.example.com is not github.com, and ACTIONS_CACHE_URL, the cache service used there, is not set): no cached class images. The run goes on without it.'
    ])
    expect(lines).toContain('No Actions cache service: no re-run record.')
  })

  it('only informs on a machine that is no runner (a local run)', () => {
    expect(cacheServiceOrSay('nothing cached', {})).toBe(false)
    expect(stdout.text()).toBe(
      'Not on an Actions runner (no ACTIONS_RUNTIME_TOKEN), so no Actions cache: nothing cached.\n'
    )
  })
})

describe('cache paths', () => {
  it('stage every cached folder in one subfolder of RUNNER_TEMP', () => {
    expect(cacheRoot({ RUNNER_TEMP: '/runner/_temp' })).toBe(join('/runner/_temp', CACHE_ROOT_NAME))
    expect(cachedFolderPath('class-images', { RUNNER_TEMP: '/runner/_temp' })).toBe(
      join('/runner/_temp', CACHE_ROOT_NAME, 'class-images')
    )
  })
})
