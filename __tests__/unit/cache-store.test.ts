import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { CACHE_ROOT_NAME, cacheRoot, cacheServiceAvailable, cachedFolderPath } from '../../src/github/cache-store.js'

describe('cacheServiceAvailable', () => {
  it('needs the runtime token and a cache service URL', () => {
    expect(cacheServiceAvailable({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'http://x/' })).toBe(true)
    expect(cacheServiceAvailable({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_URL: 'http://x/' })).toBe(true)
    expect(cacheServiceAvailable({ ACTIONS_RESULTS_URL: 'http://x/' })).toBe(false)
    expect(cacheServiceAvailable({ ACTIONS_RUNTIME_TOKEN: 't' })).toBe(false)
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
