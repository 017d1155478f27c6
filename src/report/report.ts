// What a run learned, filled in as it goes: the one record that outputs, the summary, the
// artifact and the PR comment are made from.
import type { ApiRevision, DreamBoothInput, JobStatus, RetrainedModel } from '../tiyaro/index.js'

export type RunStatus = 'done' | 'failed' | 'running' | 'notfound' | 'timed-out' | 'dry-run' | 'cancelled'

export interface PhaseTiming {
  readonly phase: string
  readonly ms: number
}

export interface ZipInfo {
  readonly path: string
  readonly sha256: string
  readonly bytes: number
}

/** Everything the run learned; filled in as it goes, so a failure or a cancel still reports it. */
export interface RunReport {
  status?: RunStatus
  jobId?: string
  errorMessage?: string
  /** the job was not created by this run (job-id input, or a re-run's record) */
  attachedTo?: 'job-id' | 're-run'
  jobStatus?: JobStatus
  models: RetrainedModel[]
  zip?: ZipInfo
  instanceImageCount?: number
  classImageCount?: number
  classImagesCacheHit?: boolean
  parametersSent?: DreamBoothInput
  apiRevision?: ApiRevision
  artifactId?: number
  sampleImages?: readonly { prompt: string; path: string }[]
  /** where the zip's class images came from (class-images, the cache, class-image-generator-url) */
  classImageSources?: ClassImageSources
  readonly timings: PhaseTiming[]
  readonly notes: string[]
  /** the run's warnings as the log showed them (the first ones), and how many there were */
  warnings?: { readonly messages: readonly string[]; readonly total: number }
}

export interface ClassImageSources {
  readonly supplied: number
  readonly restored: number
  readonly generated: number
}

/** "2 supplied, 4 generated": the sources that gave images; undefined when none did. */
export function describeClassImageSources(sources: ClassImageSources): string | undefined {
  const parts = [
    sources.supplied > 0 ? `${sources.supplied} supplied` : '',
    sources.restored > 0 ? `${sources.restored} restored from the cache` : '',
    sources.generated > 0 ? `${sources.generated} generated` : ''
  ].filter(Boolean)
  return parts.length > 0 ? parts.join(', ') : undefined
}

export function newReport(): RunReport {
  return { models: [], timings: [], notes: [] }
}
