// The Actions cache (@actions/cache), as the class-image cache and the re-run record use it:
// one folder saved or restored under one key.
//
// Why a staging root: @actions/cache writes each path into its tar relative to GITHUB_WORKSPACE
// and extracts it relative to GITHUB_WORKSPACE again, and an entry's "version" (part of its
// identity) is a hash of the path strings exactly as given. An absolute path under RUNNER_TEMP
// would give another version wherever RUNNER_TEMP lies elsewhere (self-hosted runners, tests),
// and a path relative to the workspace would restore into the saving job's folder. So each call
// runs with one fixed folder under RUNNER_TEMP as both the working directory and GITHUB_WORKSPACE,
// and names the cached folder by a fixed relative name inside it: the same path string, tar
// entries and version on every runner. Callers link or copy files in before a save and move them
// out after a restore. The root is a subfolder: in RUNNER_TEMP itself the library writes its
// archive while tar reads the folder.
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { runnerTemp } from '../shared/paths.js'
import { log } from '../shared/log.js'
import { isEnterpriseServer } from './runner-kind.js'

export const CACHE_ROOT_NAME = 'tiyaro-dreambooth-cache'

/** The staging root of every cached folder. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(runnerTemp(env), CACHE_ROOT_NAME)
}

/** Where a cached folder of this name lives while it is saved or restored. */
export function cachedFolderPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), name)
}

/**
 * Whether the runner offers the cache service @actions/cache will use, told from the environment
 * alone so a run without one does not load the library. The library uses the newer service
 * (ACTIONS_RESULTS_URL) only when ACTIONS_CACHE_SERVICE_V2 is set and never on an enterprise
 * server; else the older one (ACTIONS_CACHE_URL), which is what works on GHES.
 */
export function cacheServiceAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  if (!env.ACTIONS_RUNTIME_TOKEN) return false
  const newer = Boolean(env.ACTIONS_CACHE_SERVICE_V2) && !isEnterpriseServer(env)
  return Boolean(newer ? env.ACTIONS_RESULTS_URL : env.ACTIONS_CACHE_URL)
}

let saidNoCacheService = false

/**
 * cacheServiceAvailable, and when there is none says so: once a run as a warning on an Actions
 * runner (GHES without its cache, a runner of another kind), as information on a machine that is
 * no runner at all (no ACTIONS_RUNTIME_TOKEN: a local run). `lost` says what the user goes without.
 */
export function cacheServiceOrSay(lost: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (cacheServiceAvailable(env)) return true
  if (!env.ACTIONS_RUNTIME_TOKEN) {
    log.info(`Not on an Actions runner (no ACTIONS_RUNTIME_TOKEN), so no Actions cache: ${lost}.`)
    return false
  }
  const why = isEnterpriseServer(env)
    ? `${env.GITHUB_SERVER_URL} is not github.com, and ACTIONS_CACHE_URL, the cache service used there, is not set`
    : 'neither ACTIONS_CACHE_URL nor ACTIONS_RESULTS_URL with ACTIONS_CACHE_SERVICE_V2 is set'
  if (saidNoCacheService) log.info(`No Actions cache service: ${lost}.`)
  else log.warning(`This runner offers no Actions cache service (${why}): ${lost}. The run goes on without it.`)
  saidNoCacheService = true
  return false
}

// The working directory and GITHUB_WORKSPACE are process-wide: one call at a time.
let queue: Promise<unknown> = Promise.resolve()

async function inCacheRoot<T>(body: (cache: typeof import('@actions/cache')) => Promise<T>): Promise<T> {
  const run = queue.then(async () => {
    const cache = await import('@actions/cache')
    const root = cacheRoot()
    await mkdir(root, { recursive: true })
    const previousCwd = process.cwd()
    const previousWorkspace = process.env.GITHUB_WORKSPACE
    process.chdir(root)
    process.env.GITHUB_WORKSPACE = root
    try {
      return await body(cache)
    } finally {
      process.chdir(previousCwd)
      if (previousWorkspace === undefined) delete process.env.GITHUB_WORKSPACE
      else process.env.GITHUB_WORKSPACE = previousWorkspace
    }
  })
  queue = run.catch(() => undefined)
  return run
}

/**
 * Restores the newest entry whose key starts with `keyPrefix` (or is it) into the cached folder
 * `name`, emptied first. Returns the key restored, or undefined on a miss. With `lookupOnly`,
 * only asks whether such an entry exists. The library logs its own failures as warnings.
 */
export async function restoreFolder(
  name: string,
  keyPrefix: string,
  options: { lookupOnly?: boolean } = {}
): Promise<string | undefined> {
  const folder = cachedFolderPath(name)
  if (!options.lookupOnly) await rm(folder, { recursive: true, force: true })
  return inCacheRoot((cache) => cache.restoreCache([name], keyPrefix, [], { lookupOnly: options.lookupOnly === true }))
}

/**
 * Saves the cached folder `name` under `key`. True when saved; false when not (another job
 * saved the key first, which the library logs as info, or an error it logs as a warning).
 */
export async function saveFolder(name: string, key: string): Promise<boolean> {
  const id = await inCacheRoot((cache) => cache.saveCache([name], key))
  return id > 0
}

/** Removes the cached folder; a leftover is harmless, so a failure only shows in the debug log. */
export async function removeCachedFolder(name: string): Promise<void> {
  await rm(cachedFolderPath(name), { recursive: true, force: true }).catch((error: Error) =>
    log.debug(`Could not remove ${name}: ${error.message}`)
  )
}
