import { describe, expect, it } from '@jest/globals'
import { UsageError, parseCommandLine, switchOn, type CliRequest } from '../../src/cli/args.js'
import { describeFailure, inputSource } from '../../src/cli/inputs.js'
import { COMMAND_SET_INPUTS, GITHUB_ONLY_INPUTS, OPTIONS, envName } from '../../src/cli/options.js'
import { exitCode } from '../../src/cli/run.js'
import { DatasetError } from '../../src/dataset/index.js'
import { InputError, getConfig } from '../../src/inputs/index.js'
import { RunFailure } from '../../src/pipeline.js'
import { newReport } from '../../src/report/index.js'
import { readActionYaml } from '../../scripts/action-tables.js'
import { REPO_ROOT } from '../../test-support/run-action.js'

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}): CliRequest => parseCommandLine(argv, env)
const usageError = (argv: string[], env: NodeJS.ProcessEnv = {}): string => {
  try {
    parse(argv, env)
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return (error as Error).message
  }
  throw new Error(`no usage error for ${argv.join(' ')}`)
}
const inputs = (request: CliRequest, key = ''): ((name: string) => string) => inputSource(request, key)

describe('the options table', () => {
  const action = readActionYaml(REPO_ROOT)

  it('offers every input of action.yml, except those that need GitHub and those the command sets itself', () => {
    const offered = new Set(OPTIONS.map((option) => option.input).filter(Boolean))
    const expected = Object.keys(action.inputs).filter(
      (name) =>
        !(GITHUB_ONLY_INPUTS as readonly string[]).includes(name) &&
        !(COMMAND_SET_INPUTS as readonly string[]).includes(name)
    )
    expect([...offered].sort()).toEqual(expected.sort())
  })

  it("shows the action's default for each input that has one", () => {
    for (const option of OPTIONS) {
      const input = option.input && action.inputs[option.input]
      if (!input || option.sets || !input.default) continue
      expect([option.flag, option.default]).toEqual([option.flag, input.default])
    }
  })

  it('gives every option a description and a TIYARO_<NAME> variable (but --help and --version)', () => {
    for (const option of OPTIONS) expect(option.help).not.toBe('')
    expect(envName(OPTIONS.find((o) => o.flag === 'class-prompt')!)).toBe('TIYARO_CLASS_PROMPT')
    expect(envName(OPTIONS.find((o) => o.flag === 'no-wait')!)).toBe('TIYARO_WAIT')
    expect(envName(OPTIONS.find((o) => o.flag === 'version')!)).toBeUndefined()
  })
})

describe('parseCommandLine', () => {
  it('flags win over TIYARO_<NAME> variables; a variable alone is used', () => {
    const request = parse(['train', '--name', 'flag-name'], { TIYARO_NAME: 'env-name', TIYARO_CLASS_PROMPT: 'a dog' })
    expect(inputs(request)('name')).toBe('flag-name')
    expect(inputs(request)('class-prompt')).toBe('a dog')
  })

  it('--model-version feeds the version input; --version prints the version', () => {
    expect(inputs(parse(['train', '--model-version', 'v2']))('version')).toBe('v2')
    expect(inputs(parse(['train'], { TIYARO_MODEL_VERSION: 'v3' }))('version')).toBe('v3')
    expect(parse(['--version']).version).toBe(true)
    expect(parse(['train', '--help', '--bogus']).help).toBe(true)
  })

  it('--no-wait and TIYARO_WAIT=false both set wait to false', () => {
    expect(inputs(parse(['train', '--no-wait']))('wait')).toBe('false')
    expect(inputs(parse(['train'], { TIYARO_WAIT: 'false' }))('wait')).toBe('false')
    expect(inputs(parse(['train']))('wait')).toBe('')
  })

  it('the command sets dry-run and job-id; the GitHub-only inputs stay empty', () => {
    expect(inputs(parse(['check']))('dry-run')).toBe('true')
    expect(inputs(parse(['train']))('dry-run')).toBe('false')
    expect(inputs(parse(['wait', 'job-7']))('job-id')).toBe('job-7')
    const env = { TIYARO_ARTIFACT_NAME: 'x', TIYARO_COMMENT_ON_PR: 'true', TIYARO_GITHUB_TOKEN: 'ghs_x' }
    for (const name of GITHUB_ONLY_INPUTS) expect(inputs(parse(['train'], env))(name)).toBe('')
  })

  it('a variable of an option the command does not take is ignored; the flag is an error', () => {
    expect(inputs(parse(['status', 'job-1'], { TIYARO_INSTANCE_IMAGES: 'x' }))('instance-images')).toBe('')
    expect(usageError(['status', 'job-1', '--name', 'x'])).toBe(
      '--name is not an option of status (it applies to train, check); see tiyaro-dreambooth --help'
    )
  })

  it('joins a repeated --sample-prompts with line breaks', () => {
    const request = parse(['train', '--sample-prompts', 'one', '--sample-prompts=two'])
    expect(inputs(request)('sample-prompts')).toBe('one\ntwo')
  })

  it('refuses a key on the command line, in either form, without showing it', () => {
    for (const argv of [
      ['train', '--api-key', 'secret-value-1'],
      ['train', '--api-key=secret-value-1']
    ]) {
      const message = usageError(argv)
      expect(message).toMatch(/^--api-key: refused: a value on the command line can be read by every user/)
      expect(message).not.toContain('secret-value-1')
    }
  })

  it('names unknown options and commands, with the nearest one', () => {
    expect(usageError(['train', '--max-train-step', '4'])).toBe(
      'unknown option --max-train-step; did you mean --max-train-steps? (see tiyaro-dreambooth --help)'
    )
    expect(usageError(['train', '-x'])).toContain('unknown option -x')
    expect(usageError(['trian'])).toContain('unknown command "trian"; did you mean train?')
    expect(usageError([])).toContain('no command given')
  })

  it('wants a value where one is needed, and none for a switch', () => {
    expect(usageError(['train', '--name'])).toBe('--name needs a value: --name NAME')
    expect(usageError(['train', '--name', '--class-prompt', 'x'])).toContain('--name needs a value')
    expect(inputs(parse(['train', '--description=-dash-first']))('description')).toBe('-dash-first')
    expect(usageError(['train', '--json=yes'])).toBe('--json takes no value')
  })

  it('status and wait take exactly one job ID; train and check none', () => {
    expect(usageError(['wait'])).toBe("wait needs the job's ID: tiyaro-dreambooth wait <job-id>")
    expect(usageError(['status', 'a', 'b'])).toContain('status takes one argument, the job ID, but got 1 more')
    expect(usageError(['train', 'extra'])).toContain('train takes no argument, but got 1 more')
  })

  it('reads the switches --json and --verbose from their flags or variables', () => {
    expect(switchOn(parse(['check', '--json']), 'json')).toBe(true)
    expect(switchOn(parse(['check'], { TIYARO_JSON: 'TRUE' }), 'json')).toBe(true)
    expect(switchOn(parse(['check']), 'verbose')).toBe(false)
    expect(() => switchOn(parse(['check'], { TIYARO_VERBOSE: 'yes' }), 'verbose')).toThrow(
      'TIYARO_VERBOSE: "yes" is not true or false'
    )
  })
})

describe('getConfig through the command', () => {
  it('applies the action parsing, and names the options in its errors', async () => {
    const request = parse(['train', '--max-train-steps', '1.5', '--model-version', 'v\u0000'])
    const error = await getConfig(inputSource(request, ''), {}).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(InputError)
    const text = describeFailure(error)
    expect(text).toMatch(/^\d+ problems with the options:/)
    expect(text).toContain('\n  API key (TIYARO_API_KEY or --api-key-file): is required')
    expect(text).toContain('\n  --instance-images: is required')
    expect(text).toContain('\n  --max-train-steps: "1.5"')
    expect(text).toContain('\n  --model-version: ')
  })

  it('check needs no key', async () => {
    const request = parse([
      'check',
      '--instance-images',
      'x',
      '--name',
      'n',
      '--instance-prompt',
      'i',
      '--class-prompt',
      'c'
    ])
    expect(await getConfig(inputSource(request, ''), {})).toMatchObject({ dryRun: true, apiKey: '', version: '1' })
  })
})

describe('exitCode', () => {
  const report = newReport()
  it.each([
    ['done', undefined, undefined, 0],
    ['failed job', new RunFailure('failed'), undefined, 1],
    ['bad input', new InputError({ input: 'name', message: 'name: bad' }), undefined, 2],
    ['bad images', new DatasetError('instance-images', 'bad image'), undefined, 2],
    ['usage', new UsageError('bad'), undefined, 2],
    ['Ctrl-C', new RunFailure('cancelled'), 'SIGINT', 130],
    ['SIGTERM', undefined, 'SIGTERM', 143]
  ] as const)('%s → %d', (_, failure, signal, code) => {
    expect(exitCode(report, failure, signal)).toBe(code)
  })

  it('timed out → 3', () => {
    expect(exitCode({ ...newReport(), status: 'timed-out' }, new RunFailure('timed out'))).toBe(3)
  })
})
