import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The runner's temporary folder (RUNNER_TEMP), or the system's outside a runner. */
export function runnerTemp(env: NodeJS.ProcessEnv = process.env): string {
  return env.RUNNER_TEMP || tmpdir()
}

/** The action's folder under RUNNER_TEMP: the zip, generated class images, sample images. */
export function workDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(runnerTemp(env), 'tiyaro-dreambooth')
}
