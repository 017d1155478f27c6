// The action's end steps that an input asks for (the artifact, the pull-request comment) share
// their rule here: each runs after the run whatever happened, but never on a dry run (nothing
// was sent that it could keep or tell about), and never throws (each is best effort inside).
import type { Config } from '../inputs/index.js'
import type { RunReport } from '../report/index.js'

/** An end step as main.ts calls it; env is the process's unless a test gives one. */
export type EndStep = (config: Config, report: RunReport, env?: NodeJS.ProcessEnv) => Promise<void>

/** The step `body`, run with the input's value when `input(config)` is set and this is no dry run. */
export function endStep<T>(
  input: (config: Config) => T | undefined,
  body: (value: NonNullable<T>, config: Config, report: RunReport, env: NodeJS.ProcessEnv) => Promise<void>
): EndStep {
  return async (config, report, env = process.env) => {
    const value = input(config)
    if (!value || config.dryRun) return
    await body(value, config, report, env)
  }
}
