// The command's options as the action's inputs: getConfig reads them through this InputSource,
// so every value goes through the action's parsers and errors. The key comes from a file or the
// environment, never from argv; the GitHub-only inputs stay empty.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { DatasetError } from '../dataset/index.js'
import { InputError, type InputProblem, type InputSource } from '../inputs/index.js'
import { errorMessage } from '../shared/errors.js'
import { UsageError, optionValue, type CliRequest } from './args.js'
import { OPTIONS, findOption } from './options.js'

/** Longer than any key; a larger file is not a key file. */
const MAX_KEY_FILE_BYTES = 64 * 1024

const OPTION_OF_INPUT = new Map(OPTIONS.filter((option) => option.input).map((option) => [option.input!, option]))

export function inputSource(request: CliRequest, apiKey: string): InputSource {
  return (name) => {
    if (name === 'api-key') return apiKey
    if (name === 'dry-run') return request.command === 'check' ? 'true' : 'false'
    if (name === 'job-id') return request.jobId ?? ''
    if (name === 'job-summary') return optionValue(request, 'summary') === undefined ? 'false' : 'true'
    const option = OPTION_OF_INPUT.get(name)
    return (option && optionValue(request, option.flag)) ?? ''
  }
}

/** The API key: --api-key-file (or TIYARO_API_KEY_FILE), else TIYARO_API_KEY; '' for check. */
export async function readApiKey(request: CliRequest): Promise<string> {
  if (request.command === 'check') return ''
  const file = optionValue(request, 'api-key-file')
  if (file === undefined) return request.env.TIYARO_API_KEY ?? ''
  let text: Buffer
  try {
    text = await readFile(resolve(file))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
    throw new UsageError(`--api-key-file: cannot read ${file} (${code})`)
  }
  if (text.length > MAX_KEY_FILE_BYTES) {
    throw new UsageError(`--api-key-file: ${file} is ${text.length} bytes, too large to be a key file`)
  }
  // the usual key file ends with a line break; the key's own checks follow in getConfig
  return text.toString('utf8').replace(/\r?\n$/, '')
}

/** An input's name as the command's user knows it: the option, or where the key comes from. */
export function optionNameOf(input: string): string {
  if (input === 'api-key') return 'API key (TIYARO_API_KEY or --api-key-file)'
  if (input === 'job-id') return 'job ID'
  const option = OPTION_OF_INPUT.get(input) ?? findOption(input)
  return option ? `--${option.flag}` : input
}

/** A failure as the command's user reads it: an input's problems name the option instead. */
export function describeFailure(error: unknown): string {
  if (error instanceof DatasetError) return line({ input: error.input, message: error.message })
  if (!(error instanceof InputError)) return errorMessage(error)
  if (error.problems.length === 1) return line(error.problems[0])
  const lines = error.problems.map((problem) => `  ${line(problem)}`)
  return [`${error.problems.length} problems with the options:`, ...lines].join('\n')
}

function line(problem: InputProblem): string {
  return problem.message.startsWith(`${problem.input}:`)
    ? `${optionNameOf(problem.input)}${problem.message.slice(problem.input.length)}`
    : problem.message
}
