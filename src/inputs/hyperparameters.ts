// The 21 optional DreamBoothInput training parameters of the seed, with the GraphQL type each
// is sent as and the values the training script accepts (ranges from the later revision and
// the diffusers DreamBooth script it follows).

export type GraphQLScalar = 'Int' | 'Float' | 'Boolean' | 'String'

export interface HyperparameterSpec {
  /** snake_case field of DreamBoothInput, also the key in the `hyperparameters` input */
  readonly key: string
  /** kebab-case action input of the same name */
  readonly input: string
  readonly type: GraphQLScalar
  /** inclusive lower bound, for Int and Float */
  readonly min?: number
  /** upper bound, for Int and Float */
  readonly max?: number
  /** the lower / upper bound itself is not allowed */
  readonly minExclusive?: boolean
  readonly maxExclusive?: boolean
  /** allowed values, for String */
  readonly oneOf?: readonly string[]
  /** Int must be a multiple of this */
  readonly multipleOf?: number
}

export const INT32_MIN = -2147483648
export const INT32_MAX = 2147483647

const spec = (
  key: string,
  type: GraphQLScalar,
  rest: Omit<HyperparameterSpec, 'key' | 'input' | 'type'> = {}
): HyperparameterSpec => ({ key, input: key.replaceAll('_', '-'), type, ...rest })

export const LR_SCHEDULERS = [
  'linear',
  'cosine',
  'cosine_with_restarts',
  'polynomial',
  'constant',
  'constant_with_warmup'
] as const

export const MIXED_PRECISIONS = ['no', 'fp16', 'bf16'] as const

/** In the seed's order. */
export const HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  spec('model', 'String'),
  spec('vae', 'String'),
  spec('seed', 'Int', { min: INT32_MIN, max: INT32_MAX }),
  spec('prior_loss_weight', 'Float', { min: 0 }),
  spec('resolution', 'Int', { min: 64, max: 4096, multipleOf: 8 }),
  spec('train_batch_size', 'Int', { min: 1, max: 1024 }),
  spec('lr_warmup_steps', 'Int', { min: 0, max: INT32_MAX }),
  spec('lr_scheduler', 'String', { oneOf: LR_SCHEDULERS }),
  spec('num_class_images', 'Int', { min: 0, max: 100000 }),
  spec('learning_rate', 'Float', { min: 0, max: 1, minExclusive: true }),
  spec('gradient_accumulation_steps', 'Int', { min: 1, max: INT32_MAX }),
  spec('max_train_steps', 'Int', { min: 1, max: INT32_MAX }),
  spec('train_text_encoder', 'Boolean'),
  spec('use_8bit_adam', 'Boolean'),
  spec('mixed_precision', 'String', { oneOf: MIXED_PRECISIONS }),
  spec('with_prior_preservation', 'Boolean'),
  spec('adam_beta1', 'Float', { min: 0, max: 1, maxExclusive: true }),
  spec('adam_beta2', 'Float', { min: 0, max: 1, maxExclusive: true }),
  spec('adam_weight_decay', 'Float', { min: 0 }),
  spec('adam_epsilon', 'Float', { min: 0, minExclusive: true }),
  spec('max_grad_norm', 'Float', { min: 0, minExclusive: true })
]

export type HyperparameterValue = number | boolean | string

/** Only the parameters the user set; a key that is absent is not sent. */
export type Hyperparameters = Readonly<Record<string, HyperparameterValue>>
