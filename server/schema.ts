// The Tiyaro DreamBooth retraining API as GraphQL SDL, in the two revisions of its documentation:
// 'original' (startRetrainingJob, getRetrainedModels) and 'later' (startTrainingJob,
// getTrainedModels returning TrainedModels, and JobStatus.jobInput). The types are the seed's.

import { buildSchema, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql'

export type SchemaRevision = 'original' | 'later'

export const SCHEMA_REVISIONS: readonly SchemaRevision[] = ['original', 'later']

/** The root field names of a revision. */
export interface OperationNames {
  readonly newJobID: 'newJobID'
  readonly getJobInputURL: 'getJobInputURL'
  readonly startJob: 'startRetrainingJob' | 'startTrainingJob'
  readonly getJobStatus: 'getJobStatus'
  readonly getModels: 'getRetrainedModels' | 'getTrainedModels'
}

export function operationNames(revision: SchemaRevision): OperationNames {
  return {
    newJobID: 'newJobID',
    getJobInputURL: 'getJobInputURL',
    startJob: revision === 'original' ? 'startRetrainingJob' : 'startTrainingJob',
    getJobStatus: 'getJobStatus',
    getModels: revision === 'original' ? 'getRetrainedModels' : 'getTrainedModels'
  }
}

const SHARED_TYPES = `
enum JobType {
  dreambooth
}

input JobInput {
  jobType: JobType
  dreamboothInput: DreamBoothInput
}

input DreamBoothInput {
  name: String!
  version: String!
  desc: String
  datasetS3ObjName: String!

  #  Parameters to the training job - required
  class_prompt: String!
  instance_prompt: String!

  #  Parameters to the training job all optional
  model: String
  vae: String
  seed: Int
  prior_loss_weight: Float
  resolution: Int
  train_batch_size: Int
  lr_warmup_steps: Int
  lr_scheduler: String
  num_class_images: Int
  learning_rate: Float
  gradient_accumulation_steps: Int
  max_train_steps: Int
  train_text_encoder: Boolean
  use_8bit_adam: Boolean
  mixed_precision: String
  with_prior_preservation: Boolean
  adam_beta1: Float
  adam_beta2: Float
  adam_weight_decay: Float
  adam_epsilon: Float
  max_grad_norm: Float
}

enum JobStatusEnum {
  running
  done
  failed
  notfound
}
`

/** The SDL text of a revision. */
export function schemaSdl(revision: SchemaRevision): string {
  const names = operationNames(revision)
  const modelType = revision === 'original' ? 'RetrainedModels' : 'TrainedModels'
  const jobInputField = revision === 'later' ? '\n  jobInput: String' : ''
  return `${SHARED_TYPES}
type JobStatus {
  errMsg: String
  created: String
  finished: String
  statusEnum: JobStatusEnum${jobInputField}
}

type ${modelType} {
  vendor: String!
  version: String!
  name: String!
  url: String!
  modelCard: String!
}

type Query {
  ${names.getJobInputURL}(jobID: String, objName: String): String
  ${names.getJobStatus}(jobID: String): JobStatus
  ${names.getModels}(jobID: String): [${modelType}]
}

type Mutation {
  ${names.newJobID}(jobType: JobType): String
  ${names.startJob}(jobID: String, input: JobInput): String
}

schema {
  query: Query
  mutation: Mutation
}
`
}

/** Resolvers of the root fields, by root type and field name. */
export interface RootResolvers<Context> {
  readonly Query: Readonly<Record<string, GraphQLFieldResolver<unknown, Context>>>
  readonly Mutation: Readonly<Record<string, GraphQLFieldResolver<unknown, Context>>>
}

/**
 * Builds the executable schema of a revision. Every root field must get a resolver, and every
 * resolver must name a root field, so a renamed operation cannot silently resolve to null.
 */
export function buildTiyaroSchema<Context>(revision: SchemaRevision, resolvers: RootResolvers<Context>): GraphQLSchema {
  const schema = buildSchema(schemaSdl(revision))
  for (const [typeName, type] of [
    ['Query', schema.getQueryType()],
    ['Mutation', schema.getMutationType()]
  ] as const) {
    if (!type) throw new Error(`schema has no ${typeName} type`)
    const fields = type.getFields()
    const given = resolvers[typeName]
    for (const name of Object.keys(fields)) {
      const resolve = given[name]
      if (!resolve) throw new Error(`no resolver for ${typeName}.${name}`)
      fields[name]!.resolve = resolve
    }
    for (const name of Object.keys(given)) {
      if (!(name in fields)) throw new Error(`resolver ${typeName}.${name} names no field of revision '${revision}'`)
    }
  }
  return schema
}
