// Maps the GraphQL root fields of a revision onto the training service.

import type { OperationNames, RootResolvers } from './schema.js'
import type { TrainingService } from './training-service.js'

export interface UploadUrlSigner {
  /** a presigned PUT URL for the object */
  presign(jobId: string, objName: string): Promise<string>
}

export interface StatusLag {
  readonly clock: () => number
  /** a started job reads `notfound` for this long, as from a store that lags behind its writes */
  readonly statusLagMs: number
}

export function createResolvers(
  names: OperationNames,
  service: TrainingService,
  uploads: UploadUrlSigner,
  lag: StatusLag = { clock: Date.now, statusLagMs: 0 }
): RootResolvers<unknown> {
  type Args = Record<string, unknown>
  return {
    Mutation: {
      [names.newJobID]: (_root, args: Args) => service.newJob(args.jobType),
      [names.startJob]: (_root, args: Args) => service.start(args.jobID, args.input)
    },
    Query: {
      [names.getJobInputURL]: (_root, args: Args) => {
        const target = service.checkUploadTarget(args.jobID, args.objName)
        return uploads.presign(target.jobId, target.objName)
      },
      [names.getJobStatus]: (_root, args: Args) => {
        const startedAt = typeof args.jobID === 'string' ? service.job(args.jobID)?.startedAt : undefined
        if (startedAt && lag.clock() - startedAt.getTime() < lag.statusLagMs) {
          return { statusEnum: 'notfound', errMsg: `job ${args.jobID} not found`, created: null, finished: null }
        }
        return service.status(args.jobID)
      },
      [names.getModels]: (_root, args: Args) => service.models(args.jobID)
    }
  }
}
