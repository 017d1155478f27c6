import { describe, expect, it } from '@jest/globals'
import { mapWithConcurrency } from '../../src/shared/concurrency.js'

const tick = () => new Promise((resolve) => setTimeout(resolve, 2))

describe('mapWithConcurrency', () => {
  it('keeps the items order and never runs more than the limit at once', async () => {
    let running = 0
    let most = 0
    const results = await mapWithConcurrency([5, 1, 4, 2, 3, 0, 6], 3, async (item, index) => {
      running++
      most = Math.max(most, running)
      for (let i = 0; i < item; i++) await tick()
      running--
      return `${index}:${item}`
    })
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0', '6:6'])
    expect(most).toBe(3)
  })

  it('starts nothing new after a task throws, and throws the first error', async () => {
    const started: number[] = []
    const run = mapWithConcurrency([0, 1, 2, 3, 4, 5], 2, async (item) => {
      started.push(item)
      await tick()
      if (item === 1) throw new Error('endpoint down')
      return item
    })
    await expect(run).rejects.toThrow('endpoint down')
    expect(started).toEqual([0, 1, 2])
  })

  it('handles no items and a limit above the count', async () => {
    expect(await mapWithConcurrency([], 3, async () => 1)).toEqual([])
    expect(await mapWithConcurrency([1, 2], 10, async (n) => n * 2)).toEqual([2, 4])
  })
})
