// The dataset layer's public face: find and check the images, then write them as the seed's zip.
export { buildArchive, contentFingerprint, type ArchiveEntry, type ArchiveResult } from './archive.js'
export { checkDataset, type DatasetWarning } from './checks.js'
export { scanDataset } from './scan.js'
export {
  CLASS_FOLDER,
  DEFAULT_RESOLUTION,
  DatasetError,
  compareNames,
  type Dataset,
  type DatasetImage
} from './types.js'
