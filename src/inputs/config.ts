// The typed result of reading the inputs: what every later step of the run is given.
import type { Hyperparameters } from './hyperparameters.js'

/** Every input of the action, parsed and checked once by `getConfig()` in read.ts. */
export interface Config {
  /** '' on a dry run without one (a dry run sends nothing) */
  readonly apiKey: string
  /** GraphQL endpoint: https, or http on a loopback host; '' on a dry run without one */
  readonly apiUrl: string
  /** absolute path; with `jobId`, the dataset inputs (this, name, prompts) may be empty strings (requirements.ts) */
  readonly instanceImages: string
  /** absolute path, or undefined when the input is empty */
  readonly classImages?: string
  readonly name: string
  readonly version: string
  readonly description?: string
  readonly instancePrompt: string
  readonly classPrompt: string
  /** the optional DreamBoothInput fields the user set, from their own inputs and `hyperparameters` */
  readonly hyperparameters: Hyperparameters
  /** objName and datasetS3ObjName */
  readonly zipName: string
  readonly wait: boolean
  readonly timeoutMs: number
  readonly pollIntervalMs: number
  /** how long one request may go without an answer before it counts as lost and is retried */
  readonly requestTimeoutMs: number
  /** attach to this job instead of creating one */
  readonly jobId?: string
  readonly cacheClassImages: boolean
  readonly dryRun: boolean
  /** keep the zip on disk (zip-path) even when neither dry-run nor artifact-name needs it */
  readonly keepZip: boolean
  readonly artifactName?: string
  readonly githubToken?: string
  readonly commentOnPr: boolean
  /** write the job summary (job-summary) */
  readonly jobSummary: boolean
  /** one prompt per non-empty line */
  readonly samplePrompts: readonly string[]
  readonly classImageGeneratorUrl?: string
}
