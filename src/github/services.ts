// What the pipeline is given when it runs as the action: the class-image cache and the re-run
// record on the Actions cache, and the job-id input as the way to attach to a job later.
import type { RunServices } from '../services/index.js'
import { actionsClassImageCache } from './class-cache.js'
import { actionsJobRecord } from './rerun.js'

export const actionsRunServices: RunServices = {
  classImageCache: actionsClassImageCache,
  jobRecord: actionsJobRecord,
  attachHint: (jobId) => `Attach to it later with the input job-id: ${jobId}`
}
