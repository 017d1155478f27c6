// The inputs layer's public face: what the rest of the action uses to read and check its inputs.
// Other layers import from here, never from the files behind it; the tests may reach further in.
export { actionInputs, getConfig, type InputSource } from './read.js'
export { inputMode, neededInputs, type InputMode } from './requirements.js'
export { describeAllowed } from './hyperparameter-inputs.js'
export { HYPERPARAMETERS } from './hyperparameters.js'
export { suggest } from './suggest.js'
export { InputError, type InputProblem } from './problems.js'
export type { Config } from './config.js'
export type { HyperparameterValue, Hyperparameters } from './hyperparameters.js'
