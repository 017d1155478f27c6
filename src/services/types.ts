// What the pipeline asks of the face that runs it: where class images are kept between runs,
// where a started job is recorded so that running again attaches to it instead of paying for a
// second training, and how to tell the user to attach later. The action passes the GitHub
// implementations (the Actions cache, src/github/); the command passes local ones (a folder
// cache and an idempotency file, in this folder). The pipeline knows only this interface.
import type { Dataset } from '../dataset/index.js'
import type { Config } from '../inputs/index.js'
import type { RunReport } from '../report/index.js'
import type { JobStatus } from '../tiyaro/index.js'

/** Where the class images of this run come from. */
export interface ClassImagesSource {
  /** the folder to scan; undefined when there are no class images */
  readonly classDir?: string
  /** true when the images came from the cache */
  readonly fromCache: boolean
  /** the key they were restored from */
  readonly restoredKey?: string
}

/** The zip's entries with the fingerprint the archive step took of each. */
export interface ArchivedEntries {
  readonly entries: readonly { readonly name: string; readonly fingerprint: string }[]
}

/** One set of class images per (model, class prompt, resolution), kept between runs (keys.ts). */
export interface ClassImageCache {
  /** Before the scan: fills a missing or empty class folder from the cache. Never throws. */
  restore(config: Config): Promise<ClassImagesSource>
  /** After the zip: keeps the class images under their key when it is new. Never throws. */
  save(config: Config, dataset: Dataset, archive: ArchivedEntries, source: ClassImagesSource): Promise<void>
}

/** The record of started jobs that makes running again attach instead of training twice. */
export interface JobRecordStore {
  /** Whether an earlier run may have recorded this run's job: if so, no job is created ahead of time. */
  mayHoldEarlierJob(): boolean
  /**
   * The job an earlier run started with the same zip and parameters (report.zip and
   * report.parametersSent), when it may be attached to; else undefined. `jobStatus` asks the service.
   */
  findEarlier(report: RunReport, jobStatus: (jobId: string) => Promise<JobStatus>): Promise<string | undefined>
  /** Just before the start is sent (a run cut off mid-start leaves it): records report.jobId. Never throws. */
  record(report: RunReport): Promise<void>
}

export interface RunServices {
  readonly classImageCache: ClassImageCache
  readonly jobRecord: JobRecordStore
  /** the sentence that tells the user how to attach to a job that goes on, e.g. after a timeout */
  attachHint(jobId: string): string
  /** the upload's progress, after each chunk the request took; a new try starts again at 0 */
  onUploadProgress?(sentBytes: number, totalBytes: number): void
}
