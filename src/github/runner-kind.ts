// Which kind of server the runner belongs to. @actions/artifact (v2+) refuses GitHub Enterprise
// Server, and @actions/cache uses its older service there; both tell it by GITHUB_SERVER_URL, and
// so does this, so the action can say what it will not do before the libraries fail at it.

/**
 * True on GitHub Enterprise Server and on the servers that pass for it (Gitea, Forgejo): any
 * GITHUB_SERVER_URL that is not github.com, *.ghe.com or *.localhost, as the libraries decide.
 */
export function isEnterpriseServer(env: NodeJS.ProcessEnv = process.env): boolean {
  let host: string
  try {
    host = new URL(env.GITHUB_SERVER_URL || 'https://github.com').hostname.trimEnd().toLowerCase()
  } catch {
    return false
  }
  return host !== 'github.com' && !host.endsWith('.ghe.com') && !host.endsWith('.localhost')
}
