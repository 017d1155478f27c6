// The dataset layer's public face: find and check the images, then make them the seed's zip, in
// one pass into the upload, a file or the hash.
export { DatasetZip, contentFingerprint, type ArchiveEntry, type ArchiveResult } from './archive.js'
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
