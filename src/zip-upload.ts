// The zip's part of a run. The checked images become the zip in one pass wherever it is needed:
// into the upload's body (each try of the upload makes it again, to the same bytes), to disk for
// a dry run, or through the hash alone when a re-run looks for its earlier attempt's job. The
// first whole pass also gives what follows it: the report's zip, the duplicate warnings and the
// class-image cache key, all from the size and CRC-32 of each image taken on the way.
import { relative } from 'node:path'
import { DEFAULT_RESOLUTION, checkDataset, type ArchiveResult, type Dataset, type DatasetZip } from './dataset/index.js'
import type { Config } from './inputs/index.js'
import type { ZipInfo } from './report/index.js'
import type { RunContext } from './run-context.js'
import type { ClassImagesSource } from './services/index.js'
import { log } from './shared/log.js'
import { UploadRefusedError, uploadZip } from './tiyaro/index.js'

/** The checked images, and their zip, made later in one pass where it is needed. */
export interface PreparedZip {
  readonly dataset: Dataset
  readonly zip: DatasetZip
  readonly classImages: ClassImagesSource
  /** the warnings and the cache save that follow the first whole pass are done */
  followedUp: boolean
}

/** A pass of the zip that nothing uploads: to disk (a dry run) or for its sha256 (a re-run). */
export async function buildZip(context: RunContext, prepared: PreparedZip): Promise<void> {
  const made = await prepared.zip.build()
  log.info(`${made.path || 'The zip'}: ${made.bytes} bytes, sha256 ${made.sha256}`)
  await zipMade(context, prepared, made)
}

/** What follows the first whole pass: the report, the warnings found on the way, the class-image cache. */
async function zipMade(
  { config, report, services }: RunContext,
  prepared: PreparedZip,
  made: ArchiveResult
): Promise<void> {
  report.zip = zipInfo(made)
  if (prepared.followedUp) return
  prepared.followedUp = true
  annotate(prepared.dataset, made, config)
  // the pass took each image's fingerprint, which the cache key reuses
  await services.classImageCache.save(config, prepared.dataset, made, prepared.classImages)
}

function zipInfo({ path, sha256, bytes }: ArchiveResult): ZipInfo {
  return { path, sha256, bytes }
}

/** Warnings that save a paid training, as file annotations. */
function annotate(dataset: Dataset, archive: ArchiveResult, config: Config): void {
  const resolution =
    typeof config.hyperparameters.resolution === 'number' ? config.hyperparameters.resolution : DEFAULT_RESOLUTION
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd()
  for (const warning of checkDataset(dataset, archive, { resolution })) {
    log.warning(warning.message, warning.file ? { file: relative(workspace, warning.file) } : undefined)
  }
}

/** The zip, made as it is sent; a retry makes it again from the images, to the same bytes. */
export async function uploadDataset(
  context: RunContext,
  jobId: string,
  firstUrl: Promise<string>,
  prepared: PreparedZip
): Promise<void> {
  const { config, api, retry, services } = context
  const { zip } = prepared
  const progress = services.onUploadProgress
  const onProgress = progress && ((sent: number) => progress.call(services, sent, zip.bytes))
  let url: Promise<string> | undefined = firstUrl
  const upload = async (): Promise<ArchiveResult> => {
    const target = await (url ?? api.getJobInputUrl(jobId, config.zipName))
    url = undefined
    return uploadZip(target, { source: zip, idleTimeoutMs: config.requestTimeoutMs, retry, onProgress })
  }
  log.info(`Zipping ${zip.bytes} bytes into the upload as ${config.zipName}`)
  let made: ArchiveResult
  try {
    made = await upload()
  } catch (error) {
    if (!(error instanceof UploadRefusedError)) throw error
    // An expired or refused URL gets one fresh one: the storage said no, not the network.
    log.info(`${error.message}; asking for a fresh upload URL`)
    made = await upload()
  } finally {
    // a whole pass made the zip even when its upload failed: its size and sha256 are known
    if (zip.made) context.report.zip ??= zipInfo(zip.made)
  }
  log.info(
    `Uploaded ${made.bytes} bytes as ${config.zipName}, sha256 ${made.sha256}${made.path ? `; a copy is at ${made.path}` : ''}`
  )
  await zipMade(context, prepared, made)
}
