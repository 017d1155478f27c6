// The command line and the environment → what the user asked for. Flags win over TIYARO_<NAME>
// variables; an option that does not apply to the command is an error as a flag and ignored as a
// variable (a CI job may set them all once). Everything here is a usage error (exit 2) before
// anything is read or sent; the values themselves are checked later, by the action's parsers.
import { parseArgs } from 'node:util'
import { suggest } from '../inputs/index.js'
import { COMMANDS, OPTIONS, envName, findOption, type CliOption, type Command } from './options.js'

/** Wrong use of the command: the message says what to change. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export interface CliRequest {
  /** undefined with --help or --version */
  readonly command?: Command
  readonly help: boolean
  readonly version: boolean
  /** the job of status and wait */
  readonly jobId?: string
  /** flag → its value (the values, joined by line breaks, for a repeatable option; 'true' for a switch) */
  readonly flags: ReadonlyMap<string, string>
  readonly env: NodeJS.ProcessEnv
}

const KEY_ON_COMMAND_LINE =
  'refused: a value on the command line can be read by every user of this machine (ps, /proc/<pid>/cmdline) ' +
  'and is kept in shell history and CI logs. Give the key in the environment variable TIYARO_API_KEY, ' +
  'or in a file that only you can read: --api-key-file FILE.'

export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): CliRequest {
  const parsed = parseArgs({
    args: [...argv],
    options: Object.fromEntries(
      OPTIONS.map((option) => [option.flag, { type: option.value ? ('string' as const) : ('boolean' as const) }])
    ),
    strict: false,
    allowPositionals: true,
    tokens: true
  })
  const flags = new Map<string, string>()
  const positionals: string[] = []
  let help = false
  let version = false
  const problems: UsageError[] = []
  for (const token of parsed.tokens) {
    if (token.kind === 'positional') positionals.push(token.value)
    if (token.kind !== 'option') continue
    // never echo a value here: it may be a key given by mistake
    if (token.name === 'api-key' || token.name === 'key') {
      throw new UsageError(`${token.rawName}: ${KEY_ON_COMMAND_LINE}`)
    }
    if (token.name === 'help' || token.rawName === '-h') help = true
    else if (token.name === 'version') version = true
    const option = findOption(token.name)
    if (!option || token.rawName.length === 2) {
      if (token.rawName !== '-h') problems.push(unknownOption(token.rawName))
      continue
    }
    problems.push(...checkValue(option, token.rawName, token.value, token.inlineValue))
    const value = option.value ? (token.value ?? '') : 'true'
    const earlier = flags.get(option.flag)
    flags.set(option.flag, option.multiple && earlier !== undefined ? `${earlier}\n${value}` : value)
  }
  if (help || version) return { help, version, flags, env }
  if (problems.length > 0) throw problems[0]
  const [word, ...rest] = positionals
  const command = commandOf(word)
  for (const flag of flags.keys()) {
    const option = findOption(flag)!
    if (!option.commands.includes(command)) {
      throw new UsageError(
        `--${flag} is not an option of ${command} (it applies to ${option.commands.join(', ')}); see tiyaro-dreambooth --help`
      )
    }
  }
  const takesJob = command === 'status' || command === 'wait'
  if (takesJob && rest.length === 0) {
    throw new UsageError(`${command} needs the job's ID: tiyaro-dreambooth ${command} <job-id>`)
  }
  const extra = rest.length - (takesJob ? 1 : 0)
  if (extra > 0) {
    throw new UsageError(
      `${command} takes ${takesJob ? 'one argument, the job ID' : 'no argument'}, but got ${extra} more; a value with spaces needs quotes`
    )
  }
  return { command, help, version, jobId: takesJob ? rest[0] : undefined, flags, env }
}

function commandOf(word: string | undefined): Command {
  if (word === undefined) {
    throw new UsageError(`no command given; use one of ${COMMANDS.join(', ')} (see tiyaro-dreambooth --help)`)
  }
  if ((COMMANDS as readonly string[]).includes(word)) return word as Command
  const near = suggest(word, COMMANDS)
  throw new UsageError(
    `unknown command ${JSON.stringify(word.slice(0, 40))}${near ? `; did you mean ${near}?` : ''} Commands: ${COMMANDS.join(', ')}.`
  )
}

function unknownOption(rawName: string): UsageError {
  const near = rawName.startsWith('--')
    ? suggest(
        rawName.slice(2),
        OPTIONS.map((o) => o.flag)
      )
    : undefined
  return new UsageError(
    `unknown option ${rawName}${near ? `; did you mean --${near}?` : ''} (see tiyaro-dreambooth --help)`
  )
}

function checkValue(option: CliOption, rawName: string, value: string | undefined, inline?: boolean): UsageError[] {
  if (!option.value) return inline ? [new UsageError(`${rawName} takes no value`)] : []
  if (value === undefined) return [new UsageError(`${rawName} needs a value: ${rawName} ${option.value}`)]
  // `--name --class-prompt x`: the name was forgotten, and the next option taken as its value
  if (!inline && value.startsWith('-') && value.length > 1) {
    return [
      new UsageError(
        `${rawName} needs a value: ${rawName} ${option.value} (a value that starts with "-": ${rawName}=VALUE)`
      )
    ]
  }
  return []
}

/** The option's value: its flag, else its TIYARO_<NAME> variable; undefined when neither is set. */
export function optionValue(request: CliRequest, flag: string): string | undefined {
  const option = findOption(flag)
  if (!option || !request.command || !option.commands.includes(request.command)) return undefined
  const given = request.flags.get(flag)
  if (given !== undefined) return option.sets ?? given
  const name = envName(option)
  const fromEnv = name === undefined ? undefined : request.env[name]
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv
}

/** A switch of the command's own (--json, --verbose): its flag, or its variable as true or false. */
export function switchOn(request: CliRequest, flag: string): boolean {
  const value = optionValue(request, flag)
  if (value === undefined) return false
  if (/^true$/i.test(value)) return true
  if (/^false$/i.test(value)) return false
  throw new UsageError(`${envName(findOption(flag)!)}: ${JSON.stringify(value)} is not true or false`)
}
