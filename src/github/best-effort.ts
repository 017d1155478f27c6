// The GitHub-side extras (class-image cache, re-run record, artifact, PR comment) must never
// fail a training that worked: their errors become one warning each and the run goes on.
import { errorMessage } from '../shared/errors.js'
import { log } from '../shared/log.js'

export interface BestEffortOptions<T> {
  /** the warning to show, made from the error's message */
  readonly warning: (message: string, error: unknown) => string
  /** what the extra gives when it failed */
  readonly fallback: T
  /** runs after the body whether it failed or not; its own failure is ignored */
  readonly cleanup?: () => Promise<unknown>
}

export async function bestEffort<T>(options: BestEffortOptions<T>, body: () => Promise<T>): Promise<T> {
  try {
    return await body()
  } catch (error) {
    log.warning(options.warning(errorMessage(error), error))
    return options.fallback
  } finally {
    await options.cleanup?.().catch(() => undefined)
  }
}
