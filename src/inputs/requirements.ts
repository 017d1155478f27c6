// Which inputs a run needs depends on what it does: a dry run sends nothing (so a pull request
// from a fork, which gets no secrets, can run it), and attaching to a job with job-id skips the
// dataset. No input is needed in every mode, so action.yml marks them all `required: false` and
// this table is where "required" lives: getConfig checks it, the README test checks the examples
// against it, and a unit test checks that action.yml's descriptions say the same.
import { problem } from './problems.js'

/** What a run does, as far as its inputs are concerned. */
export type InputMode = 'dry-run' | 'attach' | 'start'

export const INPUT_MODES: readonly InputMode[] = ['dry-run', 'attach', 'start']

/** The inputs each needs, and the modes it is needed in. */
export const NEEDED_IN: Readonly<Record<string, readonly InputMode[]>> = {
  'api-key': ['attach', 'start'],
  'api-url': ['attach', 'start'],
  'instance-images': ['dry-run', 'start'],
  name: ['dry-run', 'start'],
  'instance-prompt': ['dry-run', 'start'],
  'class-prompt': ['dry-run', 'start']
}

const MODE_PHRASE: Readonly<Record<InputMode, string>> = {
  'dry-run': 'for a dry run (dry-run: true)',
  attach: 'to attach to a job (job-id)',
  start: 'to start a training'
}

/** What to do about a missing input, beyond giving it. */
const HINT: Readonly<Record<string, string>> = {
  'api-url':
    "give the GraphQL endpoint of a service that speaks the Tiyaro retraining API (there is no default: the seed's hosted endpoint no longer answers)"
}

const EXEMPT_PHRASE: Readonly<Record<InputMode, string>> = {
  'dry-run': 'a dry run (dry-run: true)',
  attach: 'attaching to a job with job-id',
  start: 'starting a training'
}

/** The mode of a run from its job-id and dry-run inputs (both may be unreadable: then 'start'). */
export function inputMode(jobId: string | undefined, dryRun: boolean | undefined): InputMode {
  if (jobId !== undefined) return 'attach'
  return dryRun === true ? 'dry-run' : 'start'
}

/** The inputs a run of this mode cannot do without. */
export function neededInputs(mode: InputMode): string[] {
  return Object.entries(NEEDED_IN)
    .filter(([, modes]) => modes.includes(mode))
    .map(([name]) => name)
}

/** Why the input is required, naming the mode, and which mode could do without it. */
export function requiredMessage(name: string, mode: InputMode): string {
  const exempt = INPUT_MODES.filter((other) => !(NEEDED_IN[name] ?? INPUT_MODES).includes(other))
  const without =
    exempt.length > 0 ? `; only ${exempt.map((m) => EXEMPT_PHRASE[m]).join(' or ')} can do without it` : ''
  const hint = HINT[name] ? `; ${HINT[name]}` : ''
  return `is required ${MODE_PHRASE[mode]} and was not given (or only whitespace)${hint}${without}`
}

/**
 * The value when it is given; '' when this mode may leave it out; an InputError naming the mode
 * when this mode needs it. Whitespace-only counts as missing.
 */
export function neededFor(mode: InputMode, name: string, value: string): string {
  if (value.trim() !== '') return value
  if (!(NEEDED_IN[name] ?? INPUT_MODES).includes(mode)) return ''
  throw problem(name, requiredMessage(name, mode))
}
