// The pull-request comment (`comment-on-pr`): one comment per model name on the pull request of
// the run (the event's, or the one a pushed commit merged), found again by a hidden marker and
// updated, so re-runs and later pushes never pile up comments. A comment that cannot be written
// is a warning that says which permission to grant, never a failed training. Values from
// elsewhere are redacted, cut and escaped as in the summary; the marker is the comment's first
// line, where no value shown in a comment can be.
import type { Config } from '../inputs/index.js'
import { LIMITS, STATUS_ICON, cell, code, firstRows, link, outputStatus, type RunReport } from '../report/index.js'
import { bestEffort } from '../shared/best-effort.js'
import { endStep } from './end-step.js'
import { formatDuration } from '../shared/format.js'
import { redact } from '../shared/secrets.js'
import { log } from '../shared/log.js'

/** Models listed in a comment, as far as they fit: GitHub refuses a comment body over 65536 characters. */
export const MAX_COMMENT_MODELS = 20
const MAX_COMMENT_CHARS = 60_000

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target'])

/** The hidden line that tells this action's comment for this model apart from any other. */
export function commentMarker(name: string): string {
  return `<!-- tiyaro-dreambooth:${encodeURIComponent(name)} -->`
}

/** Whether a comment is this action's for this model: its first line is the marker, nothing else. */
export function isOurComment(body: string | null | undefined, name: string): boolean {
  return body?.split(/\r?\n/, 1)[0] === commentMarker(name)
}

/** The pull request number of a pull_request or pull_request_target event; undefined otherwise. */
export function pullRequestOfEvent(eventName: string | undefined, payload: unknown): number | undefined {
  if (!eventName || !PULL_REQUEST_EVENTS.has(eventName)) return undefined
  const number = (payload as { pull_request?: { number?: unknown } } | undefined)?.pull_request?.number
  return typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : undefined
}

export interface AssociatedPull {
  readonly number: number
  readonly merged_at?: string | null
  readonly merge_commit_sha?: string | null
}

/** Of the pull requests a pushed commit belongs to, the one it merged: by merge commit, else any merged one. */
export function mergedPullOfCommit(pulls: readonly AssociatedPull[], sha: string): number | undefined {
  const merged = pulls.filter((pull) => pull.merged_at)
  return (merged.find((pull) => pull.merge_commit_sha === sha) ?? merged[0])?.number
}

export interface CommentContext {
  /** link to the workflow run, when known */
  readonly runUrl?: string
  readonly runAttempt?: number
  /** link to the artifact, when one was uploaded */
  readonly artifactUrl?: string
  readonly artifactName?: string
}

/** The comment's Markdown: marker, status, model links and card, image counts, job. */
export function renderComment(
  report: RunReport,
  config: Pick<Config, 'name' | 'version' | 'apiKey' | 'githubToken'>,
  context: CommentContext = {}
): string {
  const status = outputStatus(report) ?? 'failed'
  const icon = STATUS_ICON[report.status ?? 'failed'] ?? ''
  const rows: [string, string | undefined][] = [
    ['Status', cell(status)],
    ['Job', report.jobId && code(report.jobId).text],
    [
      'Attached to',
      report.attachedTo === 're-run'
        ? 'the job an earlier attempt of this run started'
        : report.attachedTo === 'job-id'
          ? 'an existing job (job-id)'
          : undefined
    ],
    ['Error', report.errorMessage && cell(redact(report.errorMessage, [config.apiKey, config.githubToken]))],
    ['Images', imageCounts(report)],
    ['Zip', report.zip && `${report.zip.bytes} bytes, sha256 \`${report.zip.sha256}\``],
    ['Created', report.jobStatus?.created ? cell(report.jobStatus.created, LIMITS.name) : undefined],
    ['Finished', report.jobStatus?.finished ? cell(report.jobStatus.finished, LIMITS.name) : undefined],
    ['Artifact', context.artifactUrl ? link(context.artifactName ?? 'artifact', context.artifactUrl) : undefined],
    [
      'Run',
      context.runUrl
        ? link(
            context.runAttempt && context.runAttempt > 1
              ? `workflow run (attempt ${context.runAttempt})`
              : 'workflow run',
            context.runUrl
          )
        : undefined
    ]
  ]
  const lines = [
    commentMarker(config.name),
    `### ${icon} DreamBooth training ${cell(`${config.name} ${config.version}`, LIMITS.text)}: ${cell(status)}`,
    '',
    '| | |',
    '| --- | --- |'
  ]
  for (const [label, value] of rows) if (value) lines.push(`| ${label} | ${value} |`)
  lines.push('')
  if (report.models.length > 0) {
    const { shown } = firstRows(report.models, MAX_COMMENT_MODELS)
    lines.push('| Model | Version | API | Model card |', '| --- | --- | --- | --- |')
    let length = lines.join('\n').length
    let listed = 0
    for (const model of shown) {
      const [name, version] = [cell(model.name, LIMITS.name), cell(model.version, LIMITS.name)]
      const row = `| ${name} | ${version} | ${link('model URL', model.url)} | ${link('model card', model.modelCard)} |`
      if (length + row.length + 1 > MAX_COMMENT_CHARS) break
      lines.push(row)
      length += row.length + 1
      listed++
    }
    const more = report.models.length - listed
    if (more > 0) lines.push('', `> … and ${more} more: the run's summary lists them.`)
    lines.push('')
  }
  return lines.join('\n')
}

function imageCounts(report: RunReport): string | undefined {
  if (report.instanceImageCount === undefined) return undefined
  const fromCache = report.classImagesCacheHit ? ' (class images from the cache)' : ''
  return `${report.instanceImageCount} instance, ${report.classImageCount ?? 0} class${fromCache}`
}

/** An HTTP status from an Octokit error, if it has one. */
function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status
  return typeof status === 'number' ? status : undefined
}

/** Creates or updates the run's comment when `comment-on-pr` is set. Never throws. */
export const commentOnPullRequest = endStep(
  (config) => config.commentOnPr,
  async (_wanted, config, report, env) => {
    const token = config.githubToken
    if (!token) {
      log.warning(
        'comment-on-pr: github-token is empty, so no comment was written; pass a token (the default is github.token).'
      )
      return
    }
    const started = Date.now()
    let pull: number | undefined
    const failed = {
      warning: (text: string, error: unknown): string => {
        const where = pull === undefined ? 'the pull request' : `pull request #${pull}`
        const message = redact(text, [config.apiKey, config.githubToken])
        if (httpStatus(error) !== 403) return `comment-on-pr: could not comment on ${where}: ${message}`
        return (
          `comment-on-pr: could not comment on ${where}: the token may not write comments (HTTP 403: ${message}). ` +
          'Grant it with "permissions: pull-requests: write" (or "issues: write") in the workflow; ' +
          'on pull requests from forks the token is read-only.'
        )
      },
      fallback: undefined
    }
    await bestEffort(failed, async () => {
      const { context, getOctokit } = await import('@actions/github')
      const octokit = getOctokit(token)
      const repo = context.repo
      const eventName = context.eventName
      pull = pullRequestOfEvent(eventName, context.payload)
      if (pull === undefined && eventName === 'push' && context.sha) {
        const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
          ...repo,
          commit_sha: context.sha
        })
        pull = mergedPullOfCommit(data, context.sha)
        if (pull === undefined) {
          log.info(`comment-on-pr: commit ${context.sha.slice(0, 7)} did not merge a pull request; no comment.`)
          return
        }
      } else if (pull === undefined) {
        log.info(`comment-on-pr: the ${eventName ?? 'unknown'} event has no pull request; no comment.`)
        return
      }
      const body = renderComment(report, config, commentContext(config, report, env, `${repo.owner}/${repo.repo}`))
      let existing: { id: number } | undefined
      for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, {
        ...repo,
        issue_number: pull,
        per_page: 100
      })) {
        existing = page.data.find((comment) => isOurComment(comment.body, config.name))
        if (existing) break
      }
      if (existing) {
        const { data } = await octokit.rest.issues.updateComment({ ...repo, comment_id: existing.id, body })
        log.info(
          `Updated the comment on pull request #${pull}: ${data.html_url} (${formatDuration(Date.now() - started)})`
        )
      } else {
        const { data } = await octokit.rest.issues.createComment({ ...repo, issue_number: pull, body })
        log.info(`Commented on pull request #${pull}: ${data.html_url} (${formatDuration(Date.now() - started)})`)
      }
    })
  }
)

function commentContext(config: Config, report: RunReport, env: NodeJS.ProcessEnv, repository: string): CommentContext {
  const server = env.GITHUB_SERVER_URL || 'https://github.com'
  const runId = env.GITHUB_RUN_ID
  const runUrl = runId ? `${server}/${repository}/actions/runs/${runId}` : undefined
  const attempt = Number(env.GITHUB_RUN_ATTEMPT)
  return {
    runUrl,
    runAttempt: Number.isInteger(attempt) ? attempt : undefined,
    artifactName: config.artifactName,
    artifactUrl: runUrl && report.artifactId !== undefined ? `${runUrl}/artifacts/${report.artifactId}` : undefined
  }
}
