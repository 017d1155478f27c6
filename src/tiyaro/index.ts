// The Tiyaro layer's public face: the GraphQL client, the upload, the one start, the wait and
// the inference API. It speaks to the service and nothing else: no GitHub, no dataset.
export {
  TiyaroApi,
  type ApiRevision,
  type DreamBoothInput,
  type JobStatus,
  type JobStatusEnum,
  type RetrainedModel
} from './api.js'
export { dreamboothInput } from './dreambooth-input.js'
export { IMAGE_EXTENSIONS, callInference, type InferenceImage, type InferenceInput } from './inference.js'
export { startJobOnce } from './start-job.js'
export { UploadRefusedError, uploadZip } from './upload.js'
export { isFinal, waitForJob, type WaitOutcome } from './wait.js'
