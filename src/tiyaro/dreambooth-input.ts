// The job's parameters as the start sends them: the seed's DreamBoothInput from the config.
import type { Config } from '../inputs/index.js'
import type { DreamBoothInput } from './api.js'

/** The DreamBoothInput sent to the start: the required fields, then what the user set. */
export function dreamboothInput(config: Config): DreamBoothInput {
  return {
    name: config.name,
    version: config.version,
    ...(config.description ? { desc: config.description } : {}),
    datasetS3ObjName: config.zipName,
    class_prompt: config.classPrompt,
    instance_prompt: config.instancePrompt,
    ...config.hyperparameters
  }
}
