// The command's options: one table that the argument parser, --help and README's options table
// (npm run docs) are all made from. An option that feeds an input of the action carries that
// input's name, so its value goes through the same parsing and the same errors as in the action.
import { HYPERPARAMETERS, describeAllowed, neededInputs, type InputMode } from '../inputs/index.js'

export const COMMANDS = ['train', 'check', 'status', 'wait'] as const
export type Command = (typeof COMMANDS)[number]

export const COMMAND_HELP: Record<Command, string> = {
  train: 'Check the images, build the zip, upload it, start the training and wait for it.',
  check: "The dry run: check the inputs and images and build the zip; train's options, no key, no network.",
  status: 'Check the job <job-id> once and print it.',
  wait: 'Wait for the job <job-id> within --timeout-minutes and read its models.'
}

export interface CliOption {
  /** the long flag, without the dashes */
  readonly flag: string
  /** the action input it feeds; undefined for the command's own options */
  readonly input?: string
  /** placeholder of its value; undefined for a switch, which takes none */
  readonly value?: string
  /** a switch: the value it gives its input (`--no-wait` gives wait=false) */
  readonly sets?: 'true' | 'false'
  /** may be given more than once (the values are joined by line breaks) */
  readonly multiple?: boolean
  readonly commands: readonly Command[]
  /** the default, as --help shows it */
  readonly default?: string
  readonly help: string
}

const ALL = COMMANDS
// check takes every option of train (a CI job can run the same line twice) and checks it the same
// way; what it would send, it does not
const RUNS: readonly Command[] = ['train', 'check', 'status', 'wait']
const DATASET: readonly Command[] = ['train', 'check']

const PLACEHOLDER = { Int: 'INT', Float: 'NUMBER', Boolean: 'BOOL', String: 'TEXT' } as const

/** The 21 training parameters, as in the action. */
const TRAINING_PARAMETERS: CliOption[] = HYPERPARAMETERS.map((spec) => ({
  flag: spec.input,
  input: spec.input,
  value: PLACEHOLDER[spec.type],
  commands: DATASET,
  help: `Training parameter ${spec.key}: ${describeAllowed(spec)}. Not sent when not set.`
}))

type Extra = Partial<Pick<CliOption, 'input' | 'sets' | 'multiple' | 'default'>>

/** An option that feeds the input of its name, unless `extra` says otherwise; its help is in HELP. */
const option = (
  flag: string,
  value: string | undefined,
  commands: readonly Command[],
  extra: Extra = {}
): CliOption => ({
  flag,
  input: flag,
  value,
  commands,
  help: HELP[flag] ?? '',
  ...extra
})
/** The command's own options feed no input. */
const own = (flag: string, value: string | undefined, commands: readonly Command[], extra: Extra = {}): CliOption =>
  option(flag, value, commands, { input: undefined, ...extra })

const HELP: Record<string, string> = {
  'api-url': 'GraphQL endpoint of a service that speaks the Tiyaro retraining API (https, or http on a loopback host).',
  'api-key-file':
    'File holding the API key. Without it the key is read from TIYARO_API_KEY; it is never taken as an option value.',
  'request-timeout-seconds':
    'How long one request may go without an answer (the upload: without progress) before it is retried.',
  'instance-images': 'Folder of instance images (JPEG, PNG or WebP, read recursively).',
  'class-images': 'Folder of class images. When missing or empty, train fills it from the class-image cache.',
  name: 'Model name. Use a unique name for each model.',
  'model-version': "Model version (the action's version input).",
  description: 'Model description.',
  'instance-prompt': 'Prompt that names the new concept, e.g. "a photo of sks dog".',
  'class-prompt': 'Prompt of the existing class, e.g. "a photo of dog".',
  hyperparameters: 'The training parameters as one YAML or JSON mapping of their snake_case names.',
  'zip-name': 'Name of the uploaded zip.',
  'class-image-generator-url':
    'Inference URL of the base model: generates the class images missing for num-class-images (check counts them).',
  'keep-zip':
    'Keep the zip on disk and give its path as zip-path; without it the zip goes straight into the upload (check always keeps it).',
  'no-wait': 'Return once the training has started (status running); wait for it later with the wait command.',
  'timeout-minutes': 'How long the whole run may take, waiting included. The job goes on after a timeout.',
  'poll-interval-seconds': 'Time between two status checks.',
  'sample-prompts':
    'After the job is done, one image per prompt from the trained model (repeat the option for more prompts).',
  'no-cache-class-images': 'Neither restore nor save class images in the cache folder.',
  'cache-dir': 'Folder of the class-image cache.',
  'idempotency-file':
    'Records the job train starts: train again with the same file, zip and parameters attaches to it instead of training twice.',
  json: "Print the outputs as one JSON object on stdout, keyed by the action's output names.",
  dotenv: "Write the outputs to FILE as KEY=value lines, in upper snake case (GitLab's artifacts:reports:dotenv).",
  summary: 'Write the Markdown summary of the run to FILE.',
  verbose: 'Show debug lines too.',
  help: 'Show this help and exit.',
  version: 'Print the version and exit.'
}

export const OPTIONS: readonly CliOption[] = [
  option('api-url', 'URL', RUNS),
  own('api-key-file', 'FILE', RUNS),
  option('request-timeout-seconds', 'SECONDS', RUNS, { default: '60' }),
  option('instance-images', 'DIR', DATASET),
  option('class-images', 'DIR', DATASET),
  option('name', 'NAME', DATASET),
  option('model-version', 'VERSION', DATASET, { input: 'version', default: '1' }),
  option('description', 'TEXT', DATASET),
  option('instance-prompt', 'TEXT', DATASET),
  option('class-prompt', 'TEXT', DATASET),
  ...TRAINING_PARAMETERS,
  option('hyperparameters', 'YAML', DATASET),
  option('zip-name', 'NAME', DATASET, { default: '<name>-<version>.zip' }),
  option('class-image-generator-url', 'URL', DATASET),
  option('keep-zip', undefined, ['train'], { sets: 'true' }),
  option('no-wait', undefined, ['train', 'check'], { input: 'wait', sets: 'false' }),
  option('timeout-minutes', 'MINUTES', ['train', 'check', 'wait'], { default: '120' }),
  option('poll-interval-seconds', 'SECONDS', ['train', 'check', 'wait'], { default: '30' }),
  option('sample-prompts', 'PROMPT', ['train', 'check', 'wait'], { multiple: true }),
  option('no-cache-class-images', undefined, ['train', 'check'], { input: 'cache-class-images', sets: 'false' }),
  own('cache-dir', 'DIR', ['train', 'check'], {
    default: '$XDG_CACHE_HOME/tiyaro-dreambooth or ~/.cache/tiyaro-dreambooth'
  }),
  own('idempotency-file', 'FILE', ['train', 'check']),
  own('json', undefined, ALL),
  own('dotenv', 'FILE', ALL),
  own('summary', 'FILE', ALL),
  own('verbose', undefined, ALL),
  own('help', undefined, ALL),
  own('version', undefined, ALL)
]

/** The action's inputs the command does not offer: they need GitHub. */
export const GITHUB_ONLY_INPUTS = ['github-token', 'comment-on-pr', 'artifact-name'] as const

/**
 * The inputs the command sets itself: the key from the environment or a file, job-summary from
 * --summary, the rest from the command.
 */
export const COMMAND_SET_INPUTS = ['api-key', 'dry-run', 'job-id', 'job-summary'] as const

/** The environment variable an option can also come from: TIYARO_<NAME>; a switch's is its input's (TIYARO_WAIT=false). */
export function envName(option: CliOption): string | undefined {
  if (option.flag === 'help' || option.flag === 'version') return undefined
  const name = option.sets ? option.input! : option.flag
  return `TIYARO_${name.toUpperCase().replaceAll('-', '_')}`
}

/** What each command does, as the inputs see it (which inputs it needs: src/inputs/requirements.ts). */
const MODE_OF: Record<Command, InputMode> = { train: 'start', check: 'dry-run', status: 'attach', wait: 'attach' }

/** The commands that cannot do without the option's input. */
export function requiredIn(option: CliOption): Command[] {
  return option.input ? COMMANDS.filter((command) => neededInputs(MODE_OF[command]).includes(option.input!)) : []
}

export function findOption(flag: string): CliOption | undefined {
  return OPTIONS.find((option) => option.flag === flag)
}
