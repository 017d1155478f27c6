// A local stand-in for the few GitHub REST endpoints a pull-request comment needs, answered the
// way api.github.com answers @actions/github's Octokit (point GITHUB_API_URL or `baseUrl` here).
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export type TokenPermission = 'write' | 'read'

export interface GitHubApiOptions {
  /** The only token accepted (`Authorization: token X` or `Bearer X`). Default `test-github-token`. */
  token?: string
  /** `read` answers 403 to creating or updating a comment, as a read-only GITHUB_TOKEN gets. Default `write`. */
  permission?: TokenPermission
}

export interface CommentUser {
  login: string
  id: number
  type: 'Bot' | 'User'
}

export interface StoredComment {
  id: number
  owner: string
  repo: string
  issueNumber: number
  body: string
  user: CommentUser
  createdAt: string
  updatedAt: string
}

export interface ApiRequest {
  method: string
  /** Path and query as received. */
  url: string
  body: unknown
  status: number
}

export interface GitHubApi {
  /** Base URL for Octokit, without a trailing slash. */
  url: string
  token: string
  /** Mutable: switch between a write and a read-only token mid-test. */
  permission: TokenPermission
  env: { GITHUB_API_URL: string }
  /** All comments, oldest first (the live store). */
  readonly comments: StoredComment[]
  /** Seeds a comment, e.g. from another user, without a request. */
  addComment(comment: {
    owner: string
    repo: string
    issueNumber: number
    body: string
    user?: CommentUser
  }): StoredComment
  /** Makes GET /repos/{o}/{r}/commits/{sha}/pulls list this pull request. */
  addPullForCommit(sha: string, number: number, state?: 'merged' | 'open'): void
  readonly requests: readonly ApiRequest[]
  stop(): Promise<void>
}

/** Who a comment made with a workflow's GITHUB_TOKEN belongs to. */
export const GITHUB_ACTIONS_BOT: CommentUser = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' }

const DEFAULT_PER_PAGE = 30
const MAX_PER_PAGE = 100
const DOCS = 'https://docs.github.com/rest'

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly documentationUrl = DOCS
  ) {
    super(message)
  }
}

/** GitHub's timestamps have no milliseconds. */
function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function positiveInt(value: string | null, fallback: number): number {
  const parsed = value === null ? NaN : Number.parseInt(value, 10)
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback
}

export async function startGitHubApi(options: GitHubApiOptions = {}): Promise<GitHubApi> {
  const token = options.token ?? 'test-github-token'
  const comments: StoredComment[] = []
  const pullsByCommit = new Map<string, { number: number; state: 'merged' | 'open' }[]>()
  const requests: ApiRequest[] = []
  let nextCommentId = 1_000_001
  let origin = ''

  function addComment(comment: {
    owner: string
    repo: string
    issueNumber: number
    body: string
    user?: CommentUser
  }): StoredComment {
    const now = timestamp()
    const stored: StoredComment = {
      id: nextCommentId++,
      owner: comment.owner,
      repo: comment.repo,
      issueNumber: comment.issueNumber,
      body: comment.body,
      user: comment.user ?? GITHUB_ACTIONS_BOT,
      createdAt: now,
      updatedAt: now
    }
    comments.push(stored)
    return stored
  }

  function commentJson(c: StoredComment): Record<string, unknown> {
    const repoUrl = `${origin}/repos/${c.owner}/${c.repo}`
    return {
      id: c.id,
      node_id: `IC_${Buffer.from(String(c.id)).toString('base64url')}`,
      url: `${repoUrl}/issues/comments/${c.id}`,
      html_url: `https://github.com/${c.owner}/${c.repo}/pull/${c.issueNumber}#issuecomment-${c.id}`,
      issue_url: `${repoUrl}/issues/${c.issueNumber}`,
      body: c.body,
      user: { login: c.user.login, id: c.user.id, type: c.user.type },
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER'
    }
  }

  function pullJson(
    owner: string,
    repo: string,
    sha: string,
    pull: { number: number; state: 'merged' | 'open' }
  ): Record<string, unknown> {
    const merged = pull.state === 'merged'
    return {
      id: 500_000 + pull.number,
      number: pull.number,
      state: merged ? 'closed' : 'open',
      title: `Pull request #${pull.number}`,
      url: `${origin}/repos/${owner}/${repo}/pulls/${pull.number}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${pull.number}`,
      merged_at: merged ? timestamp() : null,
      merge_commit_sha: sha,
      head: { ref: `feature-${pull.number}`, sha },
      base: { ref: 'main' }
    }
  }

  function authorize(header: string | undefined): void {
    if (!header) throw new ApiError(401, 'Requires authentication')
    const presented = /^(?:token|bearer) (.+)$/i.exec(header)?.[1]
    if (presented !== token) throw new ApiError(401, 'Bad credentials')
  }

  function requireWrite(documentationUrl: string): void {
    if (api.permission !== 'write') throw new ApiError(403, 'Resource not accessible by integration', documentationUrl)
  }

  function commentBody(body: unknown): string {
    const text = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['body'] : undefined
    if (typeof text !== 'string') throw new ApiError(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
    return text
  }

  /** Routes one request; returns status, JSON and extra headers. */
  function route(
    method: string,
    url: URL,
    body: unknown
  ): { status: number; json: unknown; headers?: Record<string, string> } {
    const path = url.pathname
    let match = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path)
    if (match) {
      const [, owner = '', repo = '', number = ''] = match
      const issueNumber = Number(number)
      if (method === 'GET') {
        const all = comments.filter((c) => c.owner === owner && c.repo === repo && c.issueNumber === issueNumber)
        const perPage = Math.min(positiveInt(url.searchParams.get('per_page'), DEFAULT_PER_PAGE), MAX_PER_PAGE)
        const page = positiveInt(url.searchParams.get('page'), 1)
        const lastPage = Math.max(1, Math.ceil(all.length / perPage))
        const link = (p: number, rel: string): string => {
          const target = new URL(url.pathname + url.search, origin)
          target.searchParams.set('per_page', String(perPage))
          target.searchParams.set('page', String(p))
          return `<${target.href}>; rel="${rel}"`
        }
        const links: string[] = []
        if (page > 1) links.push(link(page - 1, 'prev'))
        if (page < lastPage) links.push(link(page + 1, 'next'), link(lastPage, 'last'))
        if (page > 1) links.push(link(1, 'first'))
        const json = all.slice((page - 1) * perPage, page * perPage).map(commentJson)
        return { status: 200, json, headers: links.length > 0 ? { link: links.join(', ') } : {} }
      }
      if (method === 'POST') {
        requireWrite(`${DOCS}/issues/comments#create-an-issue-comment`)
        const created = addComment({ owner, repo, issueNumber, body: commentBody(body) })
        return {
          status: 201,
          json: commentJson(created),
          headers: { location: `${origin}/repos/${owner}/${repo}/issues/comments/${created.id}` }
        }
      }
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(path)
    if (match && method === 'PATCH') {
      const [, owner, repo, id] = match
      requireWrite(`${DOCS}/issues/comments#update-an-issue-comment`)
      const comment = comments.find((c) => c.owner === owner && c.repo === repo && c.id === Number(id))
      if (!comment) throw new ApiError(404, 'Not Found')
      comment.body = commentBody(body)
      comment.updatedAt = timestamp()
      return { status: 200, json: commentJson(comment) }
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/pulls$/.exec(path)
    if (match && method === 'GET') {
      const [, owner = '', repo = '', sha = ''] = match
      return { status: 200, json: (pullsByCommit.get(sha) ?? []).map((pull) => pullJson(owner, repo, sha, pull)) }
    }
    throw new ApiError(404, 'Not Found')
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const method = req.method ?? 'GET'
      const raw = Buffer.concat(chunks).toString('utf8')
      let body: unknown
      let reply: { status: number; json: unknown; headers?: Record<string, string> }
      try {
        authorize(req.headers.authorization)
        try {
          body = raw ? JSON.parse(raw) : undefined
        } catch {
          throw new ApiError(400, 'Problems parsing JSON')
        }
        reply = route(method, new URL(req.url ?? '/', origin), body)
      } catch (error) {
        const failure = error instanceof ApiError ? error : new ApiError(500, String(error))
        reply = {
          status: failure.status,
          json: {
            message: failure.message,
            documentation_url: failure.documentationUrl,
            status: String(failure.status)
          }
        }
      }
      requests.push({ method, url: req.url ?? '', body, status: reply.status })
      res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers })
      res.end(JSON.stringify(reply.json))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  server.unref()
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  let stopped: Promise<void> | undefined
  const api: GitHubApi = {
    url: origin,
    token,
    permission: options.permission ?? 'write',
    env: { GITHUB_API_URL: origin },
    comments,
    addComment,
    addPullForCommit(sha, number, state = 'merged') {
      pullsByCommit.set(sha, [...(pullsByCommit.get(sha) ?? []), { number, state }])
    },
    requests,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return stopped
    }
  }
  return api
}
