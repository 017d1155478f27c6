// The command's --help, and README's options table (npm run docs), both made from options.ts so
// that neither can list an option that does not exist or miss one that does.
import { COMMANDS, COMMAND_HELP, OPTIONS, envName, requiredIn, type CliOption } from './options.js'

const WIDTH = 100
const INDENT = '      '

export const EXIT_CODES: readonly (readonly [number, string])[] = [
  [0, 'done; also check, train --no-wait once the training started, and status of a running job'],
  [1, 'the job failed or was not found, or the run failed'],
  [2, 'bad input or usage: nothing was sent'],
  [3, 'timed out: the job goes on at the service; wait for it with tiyaro-dreambooth wait <job-id>'],
  [130, 'interrupted (Ctrl-C); 143 for SIGTERM. A started job goes on']
]

/** `--flag VALUE`, as the option is written. */
export function usageOf(option: CliOption): string {
  return option.value ? `--${option.flag} ${option.value}` : `--${option.flag}`
}

export function helpText(): string {
  const lines = [
    'Usage: tiyaro-dreambooth <command> [options]',
    '',
    ...wrap(
      'Retrains a Stable Diffusion model with DreamBooth through the Tiyaro retraining API: the engine of the ' +
        'tiyaro-dreambooth GitHub Action, for GitLab CI, Jenkins and a terminal. Progress goes to stderr, ' +
        'the outputs to stdout.',
      ''
    ),
    '',
    'Commands:',
    ...COMMANDS.map((command) => {
      const usage = command === 'status' || command === 'wait' ? `${command} <job-id>` : command
      return `  ${usage.padEnd(18)}${COMMAND_HELP[command]}`
    }),
    '',
    ...wrap(
      'Options. Each one can also be set by the environment variable TIYARO_<NAME> (upper case, dashes as ' +
        'underscores, e.g. TIYARO_CLASS_PROMPT); a flag wins over its variable. The switches --no-wait and ' +
        '--no-cache-class-images are TIYARO_WAIT=false and TIYARO_CACHE_CLASS_IMAGES=false.',
      ''
    ),
    ''
  ]
  for (const option of OPTIONS) {
    lines.push(`  ${usageOf(option)}`)
    const facts = [
      requiredIn(option).length > 0 ? `Required for ${requiredIn(option).join(', ')}.` : '',
      option.default === undefined ? '' : `Default: ${option.default}.`,
      option.commands.length === COMMANDS.length ? '' : `For ${option.commands.join(', ')}.`
    ].filter(Boolean)
    lines.push(...wrap([option.help, ...facts].join(' '), INDENT))
  }
  lines.push(
    '',
    ...wrap(
      'The API key: --api-key-file FILE (or TIYARO_API_KEY_FILE), else the variable TIYARO_API_KEY. It is never ' +
        'taken from an option value: the command line can be read by every user of the machine. check needs no key.',
      ''
    ),
    '',
    'Exit codes:',
    ...EXIT_CODES.map(([code, meaning]) => `  ${String(code).padEnd(5)}${meaning}`),
    ''
  )
  return `${lines.join('\n')}\n`
}

/** README's table of the options: the same facts as --help. */
export function optionsMarkdown(): string {
  const escape = (text: string): string => text.replace(/\|/g, '\\|')
  const rows = OPTIONS.map((option) => {
    const env = envName(option)
    const cells = [
      `\`${usageOf(option)}\``,
      env ? `\`${env}\`` : '',
      requiredIn(option).length > 0
        ? `**required** (${requiredIn(option).join(', ')})`
        : option.default === undefined
          ? ''
          : `\`${option.default}\``,
      option.commands.join(', '),
      escape(option.help)
    ]
    return `| ${cells.join(' | ')} |`
  })
  return ['| Option | Variable | Default | Commands | Description |', '| --- | --- | --- | --- | --- |', ...rows].join(
    '\n'
  )
}

function wrap(text: string, indent: string): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  if (line !== '') lines.push(indent + line)
  return lines
}
