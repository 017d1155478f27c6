// Maps the GraphQL root fields of a revision onto the training service.

import type { OperationNames, RootResolvers } from './schema.js'
import type { TrainingService } from './training-service.js'

export interface UploadUrlSigner {
  /** a presigned PUT URL for the object */
  presign(jobId: string, objName: string): Promise<string>
}

export function createResolvers(
  names: OperationNames,
  service: TrainingService,
  uploads: UploadUrlSigner
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
      [names.getJobStatus]: (_root, args: Args) => service.status(args.jobID),
      [names.getModels]: (_root, args: Args) => service.models(args.jobID)
    }
  }
}
