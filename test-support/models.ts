// A retrained model as the API lists one, for the tests of what the action shows about it (the
// outputs, the summary, the pull-request comment): each test needs one, differing by name only.
import type { RetrainedModel } from '../src/tiyaro/index.js'

/** Model `name` of vendor acme, version abc1234, with its URL and model card named after it. */
export function retrainedModel(name: string): RetrainedModel {
  return {
    vendor: 'acme',
    version: 'abc1234',
    name,
    url: `https://api.example/v1/${name}`,
    modelCard: `https://example/card/${name}`
  }
}
