// One sample for each of the 21 hyperparameter inputs, in the seed's order: the text a workflow
// gives and the typed value the API must receive. The unit tests of the inputs and the
// integration test of the whole action both use it. The texts vary their forms on purpose (a
// sign, a leading dot, exponents in either case, a trailing zero, booleans in three spellings);
// the values suit the demo dataset (512 px images, 4 class images).

export type HyperparameterCase = readonly [input: string, text: string, value: number | boolean | string]

export const HYPERPARAMETER_CASES: readonly HyperparameterCase[] = [
  ['model', 'runwayml/stable-diffusion-v1-5', 'runwayml/stable-diffusion-v1-5'],
  ['vae', 'stabilityai/sd-vae-ft-mse', 'stabilityai/sd-vae-ft-mse'],
  ['seed', '-42', -42],
  ['prior-loss-weight', '1.5', 1.5],
  ['resolution', '512', 512],
  ['train-batch-size', '+2', 2],
  ['lr-warmup-steps', '0', 0],
  ['lr-scheduler', 'cosine_with_restarts', 'cosine_with_restarts'],
  ['num-class-images', '4', 4],
  ['learning-rate', '5e-6', 5e-6],
  ['gradient-accumulation-steps', '4', 4],
  ['max-train-steps', '800', 800],
  ['train-text-encoder', 'True', true],
  ['use-8bit-adam', 'FALSE', false],
  ['mixed-precision', 'bf16', 'bf16'],
  ['with-prior-preservation', 'true', true],
  ['adam-beta1', '.9', 0.9],
  ['adam-beta2', '0.999', 0.999],
  ['adam-weight-decay', '1E-2', 0.01],
  ['adam-epsilon', '1e-08', 1e-8],
  ['max-grad-norm', '1.0', 1]
]

/** The 21 inputs as a workflow's `with:` gives them. */
export const HYPERPARAMETER_INPUTS: Readonly<Record<string, string>> = Object.fromEntries(
  HYPERPARAMETER_CASES.map(([input, text]) => [input, text])
)

/** What they must become: the snake_case DreamBoothInput fields with their typed values. */
export const HYPERPARAMETER_VALUES: Readonly<Record<string, number | boolean | string>> = Object.fromEntries(
  HYPERPARAMETER_CASES.map(([input, , value]) => [input.replaceAll('-', '_'), value])
)
