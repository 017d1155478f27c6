import { describe, expect, it } from '@jest/globals'
import { TransientError, backoffDelay, parseRetryAfter, withRetries } from '../../src/shared/retry.js'

describe('parseRetryAfter', () => {
  it('reads seconds', () => {
    expect(parseRetryAfter('1')).toBe(1000)
    expect(parseRetryAfter(' 2.5 ')).toBe(2500)
  })
  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-11-24T10:00:00Z')
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:05 GMT', now)).toBe(5000)
    expect(parseRetryAfter('Tue, 24 Nov 2026 09:00:00 GMT', now)).toBe(0)
  })
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null)).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
  })
})

describe('backoffDelay', () => {
  it('doubles up to the cap, with jitter in the upper half', () => {
    expect(backoffDelay(1, 1000, 30000, () => 0)).toBe(500)
    expect(backoffDelay(1, 1000, 30000, () => 1)).toBe(1000)
    expect(backoffDelay(3, 1000, 30000, () => 1)).toBe(4000)
    expect(backoffDelay(10, 1000, 30000, () => 1)).toBe(30000)
  })
})

describe('withRetries', () => {
  const fast = { baseDelayMs: 1, maxDelayMs: 2 }

  it('retries transient errors and returns the first success', async () => {
    const seen: number[] = []
    const result = await withRetries(
      { what: 'x', ...fast, onRetry: ({ attempt }) => seen.push(attempt) },
      async (attempt) => {
        if (attempt < 3) throw new TransientError('busy')
        return 'ok'
      }
    )
    expect(result).toBe('ok')
    expect(seen).toEqual([1, 2])
  })

  it('fails at once on an error that is not transient', async () => {
    let calls = 0
    await expect(
      withRetries({ what: 'x', ...fast }, async () => {
        calls++
        throw new Error('bad input')
      })
    ).rejects.toThrow('bad input')
    expect(calls).toBe(1)
  })

  it('stops after maxAttempts', async () => {
    let calls = 0
    await expect(
      withRetries({ what: 'x', ...fast, maxAttempts: 3 }, async () => {
        calls++
        throw new TransientError('busy')
      })
    ).rejects.toThrow('busy')
    expect(calls).toBe(3)
  })

  it('waits at least what Retry-After asked for', async () => {
    const delays: number[] = []
    await withRetries({ what: 'x', ...fast, onRetry: ({ delayMs }) => delays.push(delayMs) }, async (attempt) => {
      if (attempt === 1) throw new TransientError('429', { retryAfterMs: 20 })
      return 1
    })
    expect(delays).toEqual([20])
  })

  it('does not wait past the deadline', async () => {
    let calls = 0
    const now = 1000
    await expect(
      withRetries({ what: 'x', baseDelayMs: 100, deadline: now + 50, now: () => now }, async () => {
        calls++
        throw new TransientError('busy')
      })
    ).rejects.toThrow('busy')
    expect(calls).toBe(1)
  })

  it('stops waiting when cancelled', async () => {
    const controller = new AbortController()
    const promise = withRetries({ what: 'x', baseDelayMs: 60_000, signal: controller.signal }, async () => {
      throw new TransientError('busy')
    })
    setTimeout(() => controller.abort(new Error('cancelled')), 10)
    await expect(promise).rejects.toThrow('cancelled')
  })
})
