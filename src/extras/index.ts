// The paid extras' public face: class images generated from the class prompt before the
// training, sample images from the trained model after it. Both call the inference API.
export { generateMissingClassImages } from './class-generator.js'
export { SAMPLES_TIME_LIMIT_MS, sampleTrainedModel, samplesDir } from './samples.js'
