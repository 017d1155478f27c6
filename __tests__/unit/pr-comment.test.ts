import { describe, expect, it } from '@jest/globals'
import { commentMarker, mergedPullOfCommit, pullRequestOfEvent, renderComment } from '../../src/github/pr-comment.js'
import { newReport, type RunReport } from '../../src/report/index.js'
import { retrainedModel } from '../../test-support/models.js'

const config = {
  name: 'toy-robot',
  version: 'abc1234',
  apiKey: 'tk-secret-key-123456',
  githubToken: 'ghs_token_abcdef'
}
const model = retrainedModel('toy-robot')

describe('commentMarker', () => {
  it('is a hidden HTML comment per model name that no name can break out of', () => {
    expect(commentMarker('toy-robot')).toBe('<!-- tiyaro-dreambooth:toy-robot -->')
    expect(commentMarker('a --> b')).toBe('<!-- tiyaro-dreambooth:a%20--%3E%20b -->')
    expect(commentMarker('corgi')).not.toBe(commentMarker('husky'))
  })
})

describe('pullRequestOfEvent', () => {
  it('takes the number of pull_request and pull_request_target events only', () => {
    expect(pullRequestOfEvent('pull_request', { pull_request: { number: 7 } })).toBe(7)
    expect(pullRequestOfEvent('pull_request_target', { pull_request: { number: 8 } })).toBe(8)
    expect(pullRequestOfEvent('push', { pull_request: { number: 7 } })).toBeUndefined()
    expect(pullRequestOfEvent('pull_request', {})).toBeUndefined()
    expect(pullRequestOfEvent('pull_request', { pull_request: { number: '7' } })).toBeUndefined()
    expect(pullRequestOfEvent(undefined, undefined)).toBeUndefined()
  })
})

describe('mergedPullOfCommit', () => {
  it('prefers the pull request merged as this commit, then any merged one, never an open one', () => {
    const pulls = [
      { number: 1, merged_at: null, merge_commit_sha: 'sha' },
      { number: 2, merged_at: '2024-01-01T00:00:00Z', merge_commit_sha: 'other' },
      { number: 3, merged_at: '2024-01-02T00:00:00Z', merge_commit_sha: 'sha' }
    ]
    expect(mergedPullOfCommit(pulls, 'sha')).toBe(3)
    expect(mergedPullOfCommit(pulls.slice(0, 2), 'sha')).toBe(2)
    expect(mergedPullOfCommit(pulls.slice(0, 1), 'sha')).toBeUndefined()
    expect(mergedPullOfCommit([], 'sha')).toBeUndefined()
  })
})

describe('renderComment', () => {
  const done: RunReport = {
    ...newReport(),
    status: 'done',
    jobId: 'job-1',
    models: [model],
    instanceImageCount: 5,
    classImageCount: 4,
    classImagesCacheHit: true,
    artifactId: 42
  }

  it('starts with the marker and shows status, job, model URL and card, and image counts', () => {
    const body = renderComment(done, config, {
      runUrl: 'https://github.com/o/r/actions/runs/9',
      runAttempt: 2,
      artifactName: 'result',
      artifactUrl: 'https://github.com/o/r/actions/runs/9/artifacts/42'
    })
    expect(body.split('\n')[0]).toBe('<!-- tiyaro-dreambooth:toy-robot -->')
    expect(body).toContain('DreamBooth training toy-robot abc1234: done')
    expect(body).toContain('| Status | done |')
    expect(body).toContain('| Job | `job-1` |')
    expect(body).toContain(`[model URL](${model.url})`)
    expect(body).toContain(`[model card](${model.modelCard})`)
    expect(body).toContain('| Images | 5 instance, 4 class (class images from the cache) |')
    expect(body).toContain('| Artifact | [result](https://github.com/o/r/actions/runs/9/artifacts/42) |')
    expect(body).toContain('[workflow run (attempt 2)](https://github.com/o/r/actions/runs/9)')
  })

  it('shows the error of a failed run without the API key, escaped', () => {
    const body = renderComment(
      { ...newReport(), status: 'failed', jobId: 'j', errorMessage: 'bad | key tk-secret-key-123456\n<b>' },
      config
    )
    expect(body).toContain('| Error | bad \\| key \\*\\*\\* ⏎ \\<b\\> |')
    expect(body).not.toContain(config.apiKey)
    expect(body).not.toContain('| Images |')
  })

  it('does not link what is not an http(s) URL', () => {
    const body = renderComment({ ...done, models: [{ ...model, url: 'javascript:alert(1)' }] }, config)
    expect(body).not.toContain('](javascript:')
  })
})
