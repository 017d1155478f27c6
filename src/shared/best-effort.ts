// The extras around a training (the class-image cache, the record of started jobs, the artifact,
// the PR comment) must never fail a training that worked: their errors become one warning each.
import { errorMessage } from './errors.js'
import { log } from './log.js'

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
