// The services layer's public face: the interface the pipeline receives for what a run keeps
// between runs, the key rules every implementation follows, and the command's local
// implementations (a folder cache and an idempotency file). src/github/ implements the same
// interface on the Actions cache.
export {
  attachable,
  cachedImageName,
  classCacheKey,
  classCacheKeyPrefix,
  classImagePurpose,
  keyToSave,
  restoredClassFolder,
  runFingerprint,
  wantsRestore
} from './keys.js'
export { folderClassImageCache } from './folder-cache.js'
export { idempotencyFile, parseIdempotencyRecord, type IdempotencyRecord } from './idempotency-file.js'
export type { ArchivedEntries, ClassImageCache, ClassImagesSource, JobRecordStore, RunServices } from './types.js'
