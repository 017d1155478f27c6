import { beforeEach, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import * as yaml from 'yaml'
import { parse as parseYaml } from 'yaml'
import { HYPERPARAMETERS } from '../../src/inputs/hyperparameters.js'
import { parseHyperparameterValue, parseHyperparameters } from '../../src/inputs/hyperparameter-inputs.js'
import { InputError, actionInputs, getConfig, type Config } from '../../src/inputs/index.js'
import { defaultZipName, parseServiceUrl } from '../../src/inputs/parsers.js'
import { defaultVersion, readConfig } from '../../src/inputs/read.js'
import { editDistance, suggest } from '../../src/inputs/suggest.js'
import {
  HYPERPARAMETER_CASES,
  HYPERPARAMETER_INPUTS,
  HYPERPARAMETER_VALUES
} from '../../test-support/hyperparameter-cases.js'
import { useEnv, useStdoutCapture } from '../../test-support/fixtures.js'

const API_KEY = 'tk_live_0123456789abcdefSECRET'
const API_URL = 'https://retrain.example.com/graphql'
const WORKSPACE = '/home/runner/work/repo/repo'
const REQUIRED: Readonly<Record<string, string>> = {
  'api-key': API_KEY,
  'api-url': API_URL,
  'instance-images': 'data/instance',
  name: 'my-model',
  'instance-prompt': 'a photo of sks dog',
  'class-prompt': 'a photo of dog'
}
const ENV: NodeJS.ProcessEnv = { GITHUB_WORKSPACE: WORKSPACE }

// core.getInput reads process.env: each test starts with no INPUT_* variable and gets the
// originals back afterwards. Output (the ::add-mask:: commands) is captured, not printed.
const env = useEnv('each')
const stdout = useStdoutCapture()

beforeEach(() => {
  env.clearInputs()
})

/** As the runner passes `with:` values: INPUT_<NAME uppercased>, hyphens kept. */
function setInputs(inputs: Readonly<Record<string, string>>): void {
  env.setInputs(inputs)
}

function configOf(inputs: Readonly<Record<string, string>> = {}, env: NodeJS.ProcessEnv = ENV): Config {
  setInputs({ ...REQUIRED, ...inputs })
  // getConfig's checks, with the YAML parser it loads when the hyperparameters input holds text
  return readConfig(actionInputs, env, yaml)
}

function errorOf(inputs: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = ENV): InputError {
  setInputs({ ...REQUIRED, ...inputs })
  try {
    readConfig(actionInputs, env, yaml)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('getConfig accepted the inputs')
}

describe('getConfig: defaults', () => {
  it('returns every default for the required inputs alone', () => {
    expect(configOf({}, { GITHUB_WORKSPACE: WORKSPACE, GITHUB_SHA: 'abc1234def5678' })).toStrictEqual({
      apiKey: API_KEY,
      apiUrl: API_URL,
      instanceImages: resolve(WORKSPACE, 'data/instance'),
      classImages: undefined,
      name: 'my-model',
      version: 'abc1234',
      description: undefined,
      instancePrompt: 'a photo of sks dog',
      classPrompt: 'a photo of dog',
      hyperparameters: {},
      zipName: 'my-model-abc1234.zip',
      wait: true,
      timeoutMs: 120 * 60_000,
      pollIntervalMs: 30_000,
      requestTimeoutMs: 60_000,
      jobId: undefined,
      cacheClassImages: true,
      dryRun: false,
      keepZip: false,
      artifactName: undefined,
      githubToken: undefined,
      commentOnPr: false,
      jobSummary: true,
      samplePrompts: [],
      classImageGeneratorUrl: undefined
    })
  })

  it('uses version 1 without GITHUB_SHA, and an explicit version as given', () => {
    expect(configOf({}, ENV).version).toBe('1')
    expect(configOf({}, ENV).zipName).toBe('my-model-1.zip')
    expect(configOf({ version: 'v2.1' }, { ...ENV, GITHUB_SHA: 'abc1234def' }).version).toBe('v2.1')
    expect(defaultVersion({ GITHUB_SHA: '0123456789abcdef' })).toBe('0123456')
    expect(defaultVersion({ GITHUB_SHA: '' })).toBe('1')
  })

  it('resolves paths against GITHUB_WORKSPACE, else the working directory; absolute paths stay', () => {
    const config = configOf({ 'class-images': 'data/class' })
    expect(config.instanceImages).toBe(`${WORKSPACE}/data/instance`)
    expect(config.classImages).toBe(`${WORKSPACE}/data/class`)
    expect(configOf({ 'instance-images': '/srv/images' }).instanceImages).toBe('/srv/images')
    expect(configOf({}, {}).instanceImages).toBe(resolve(process.cwd(), 'data/instance'))
  })

  it('agrees with the defaults that action.yml declares', () => {
    const action = parseYaml(readFileSync(resolve('action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>
    }
    const declared: Record<string, string> = {}
    for (const [name, input] of Object.entries(action.inputs)) {
      // ${{ github.token }} is the runner's to fill in
      if (input.default !== undefined && !input.default.includes('${{')) declared[name] = input.default
    }
    // no default endpoint: the seed's hosted one no longer answers (README: "Which service")
    expect(Object.keys(declared)).not.toContain('api-url')
    expect(Object.keys(declared)).toContain('timeout-minutes')
    const env = { ...ENV, GITHUB_SHA: 'feedface00' }
    const implicit = configOf({}, env)
    expect(configOf(declared, env)).toStrictEqual(implicit)
  })

  it('reads every input of action.yml and no other', async () => {
    const action = parseYaml(readFileSync(resolve('action.yml'), 'utf8')) as { inputs: Record<string, unknown> }
    setInputs(REQUIRED)
    const real = process.env
    const read = new Set<string>()
    process.env = new Proxy(real, {
      get(target, key) {
        if (typeof key === 'string' && key.startsWith('INPUT_')) read.add(key)
        return Reflect.get(target, key)
      }
    })
    try {
      await getConfig(actionInputs, ENV)
    } finally {
      process.env = real
    }
    const expected = Object.keys(action.inputs).map((name) => `INPUT_${name.toUpperCase()}`)
    expect([...read].sort()).toEqual(expected.sort())
  })
})

describe('getConfig: another input source', () => {
  it('reads any InputSource as it reads the runner: same trimming, checks and masking', async () => {
    const inputs: Record<string, string> = {
      ...REQUIRED,
      name: '  my-model \n',
      'instance-prompt': ' a photo of sks dog ',
      seed: ' 7 '
    }
    const source = (name: string): string => inputs[name] ?? ''
    const config = await getConfig(source, ENV)
    expect(stdout.chunks()).toContain(`::add-mask::${API_KEY}\n`)
    expect(config.name).toBe('my-model')
    expect(config.instancePrompt).toBe(' a photo of sks dog ')
    expect(config.hyperparameters).toStrictEqual({ seed: 7 })
    expect(config).toStrictEqual(configOf(inputs))
    const bad: Record<string, string> = { ...inputs, seed: 'x', version: '1\0' }
    const error = await getConfig((name) => bad[name] ?? '', ENV).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).problems.map((p) => p.input)).toEqual(['version', 'seed'])
  })
})

describe('getConfig: required inputs and text kept byte-exact', () => {
  // The messages name the mode and which mode could do without the input (src/inputs/requirements.ts).
  const DATASET_INPUTS = ['instance-images', 'name', 'instance-prompt', 'class-prompt']

  it.each(['api-key', ...DATASET_INPUTS])('refuses %s when empty or only whitespace, to start a training', (input) => {
    for (const value of ['', '  \n\t ']) {
      const error = errorOf({ [input]: value })
      expect(error.problems).toHaveLength(1)
      expect(error.input).toBe(input)
      const without = input === 'api-key' ? 'a dry run (dry-run: true)' : 'attaching to a job with job-id'
      expect(error.message).toBe(
        `${input}: is required to start a training and was not given (or only whitespace); only ${without} can do without it`
      )
    }
  })

  it('refuses a missing api-url at once, saying there is no default and what to give', () => {
    const error = errorOf({ 'api-url': '' })
    expect(error.problems).toHaveLength(1)
    expect(error.message).toBe(
      "api-url: is required to start a training and was not given (or only whitespace); give the GraphQL endpoint of a service that speaks the Tiyaro retraining API (there is no default: the seed's hosted endpoint no longer answers); only a dry run (dry-run: true) can do without it"
    )
  })

  it('needs only api-key and api-url when attaching to a job with job-id', async () => {
    setInputs({ 'api-key': API_KEY, 'api-url': API_URL, 'job-id': 'job-123' })
    const config = await getConfig(actionInputs, ENV)
    expect(config.jobId).toBe('job-123')
    expect(config.apiUrl).toBe(API_URL)
    expect(config.instanceImages).toBe('')
    expect(config.name).toBe('')
    expect(config.zipName).toBe('')
  })

  it('still needs api-key and api-url to attach, naming the mode', async () => {
    setInputs({ 'job-id': 'job-123' })
    const error = await getConfig(actionInputs, ENV).then(
      () => {
        throw new Error('getConfig accepted an attach without api-key and api-url')
      },
      (thrown: unknown) => thrown as InputError
    )
    expect(error.problems.map((p) => p.input)).toEqual(['api-key', 'api-url'])
    expect(error.problems[0].message).toBe(
      'api-key: is required to attach to a job (job-id) and was not given (or only whitespace); only a dry run (dry-run: true) can do without it'
    )
    expect(error.problems[1].message).toMatch(/^api-url: is required to attach to a job \(job-id\) and was not given/)
  })

  it('needs no api-key and no api-url for a dry run (a fork pull request has no secrets)', async () => {
    const inputs: Record<string, string> = { ...REQUIRED, 'dry-run': 'true' }
    delete inputs['api-key']
    delete inputs['api-url']
    setInputs(inputs)
    const config = await getConfig(actionInputs, ENV)
    expect(config.dryRun).toBe(true)
    expect(config.apiKey).toBe('')
    expect(config.apiUrl).toBe('')
    expect(stdout.text()).not.toContain('::add-mask::')
  })

  it('checks an api-key or api-url given to a dry run all the same', () => {
    expect(errorOf({ 'dry-run': 'true', 'api-url': 'http://example.com/graphql' }).input).toBe('api-url')
    expect(configOf({ 'dry-run': 'true' }).apiKey).toBe(API_KEY)
  })

  it.each(DATASET_INPUTS)('still needs %s for a dry run, naming the mode', (input) => {
    const error = errorOf({ 'dry-run': 'true', [input]: '' })
    expect(error.message).toBe(
      `${input}: is required for a dry run (dry-run: true) and was not given (or only whitespace); only attaching to a job with job-id can do without it`
    )
  })

  it('keeps prompts and description exactly as given: quotes, backslash, newline, emoji, spaces', () => {
    const instancePrompt = ' a "photo" of sks\\dog\nin the snow 🐶 '
    const classPrompt = 'a photo of a dog\'s "face"\r\n'
    const description = '  Line 1\n\tLine 2 — ü \\n  '
    const config = configOf({ 'instance-prompt': instancePrompt, 'class-prompt': classPrompt, description })
    expect(config.instancePrompt).toBe(instancePrompt)
    expect(config.classPrompt).toBe(classPrompt)
    expect(config.description).toBe(description)
    expect(Buffer.from(config.instancePrompt).equals(Buffer.from(instancePrompt))).toBe(true)
  })

  it('treats a whitespace-only description as not given', () => {
    expect(configOf({ description: ' \n ' }).description).toBeUndefined()
  })

  it('refuses a NUL character in any input', () => {
    const error = errorOf({ 'class-prompt': 'a dog\0', version: '1\u0000', 'sample-prompts': 'x\0' })
    expect(error.problems.map((p) => p.input)).toEqual(['version', 'class-prompt', 'sample-prompts'])
    expect(error.message).toContain('class-prompt: contains a NUL character')
  })
})

describe('getConfig: hyperparameter inputs', () => {
  it('parses each of the 21 to its GraphQL type, in the seed order', () => {
    expect(HYPERPARAMETER_CASES.map(([input]) => input)).toEqual(HYPERPARAMETERS.map((s) => s.input))
    const config = configOf(HYPERPARAMETER_INPUTS)
    expect(config.hyperparameters).toStrictEqual(HYPERPARAMETER_VALUES)
    expect(Object.keys(config.hyperparameters)).toEqual(HYPERPARAMETERS.map((s) => s.key))
  })

  it('sends only the parameters that were set', () => {
    expect(configOf({ seed: '7', 'learning-rate': '' }).hyperparameters).toStrictEqual({ seed: 7 })
  })

  // each row's message is what follows `<input>: `; the ranges are worded as the errors word them
  const INTEGER = 'allowed: an integer (decimal digits, optional sign)'
  const DECIMAL = 'allowed: a decimal number (like 0.5 or 5e-6)'
  it.each([
    ['seed', '1.5', '"1.5" is not an integer; allowed: an integer'],
    ['seed', 'abc', '"abc" is not an integer'],
    ['seed', '1e3', '"1e3" is not an integer'],
    ['seed', '0x10', '"0x10" is not an integer'],
    ['seed', '2147483648', `2147483648 is out of range; ${INTEGER} from -2147483648 to 2147483647`],
    ['resolution', '500', `500 is not a multiple of 8; ${INTEGER} from 64 to 4096, a multiple of 8`],
    ['resolution', '8192', '8192 is out of range'],
    ['train-batch-size', '0', '0 is out of range'],
    ['learning-rate', 'NaN', `"NaN" is not a finite decimal number; ${DECIMAL} with 0 < x <= 1`],
    ['learning-rate', 'Infinity', '"Infinity" is not a finite decimal number'],
    ['learning-rate', '1e999', '"1e999" is not a finite decimal number'],
    ['learning-rate', '0', `0 is out of range; ${DECIMAL} with 0 < x <= 1`],
    ['learning-rate', '0x1', '"0x1" is not a finite decimal number'],
    ['adam-beta1', '1', `1 is out of range; ${DECIMAL} with 0 <= x < 1`],
    ['adam-epsilon', '0', `0 is out of range; ${DECIMAL} > 0`],
    ['prior-loss-weight', '-0.5', `-0.5 is out of range; ${DECIMAL} >= 0`],
    ['train-text-encoder', 'yes', '"yes" is not a boolean; use true or false (also True, TRUE, False, FALSE)'],
    ['mixed-precision', 'fp61', '"fp61" is not allowed (did you mean "fp16"?); allowed: one of no, fp16, bf16'],
    ['lr-scheduler', 'Cosine', '"Cosine" is not allowed (did you mean "cosine"?)'],
    [
      'lr-scheduler',
      'step',
      '"step" is not allowed; allowed: one of linear, cosine, cosine_with_restarts, polynomial, constant, constant_with_warmup'
    ]
  ])('refuses %s: %s', (input, value, expected) => {
    const error = errorOf({ [input]: value })
    expect(error.problems).toHaveLength(1)
    expect(error.input).toBe(input)
    expect(error.message.startsWith(`${input}: ${expected}`)).toBe(true)
  })

  it('accepts the decimal forms of a Float', () => {
    for (const [text, value] of [
      ['1e-6', 1e-6],
      ['.5', 0.5],
      ['1', 1],
      ['+0.25', 0.25],
      ['5E-1', 0.5]
    ] as const) {
      expect(configOf({ 'learning-rate': text }).hyperparameters).toStrictEqual({ learning_rate: value })
    }
  })

  it('parseHyperparameterValue names the input it is given', () => {
    const seed = HYPERPARAMETERS.find((s) => s.key === 'seed')!
    expect(parseHyperparameterValue(seed, '-0', 'seed')).toBe(0)
    expect(Object.is(parseHyperparameterValue(seed, '-0', 'seed'), -0)).toBe(false)
    expect(() => parseHyperparameterValue(seed, '1.0', 'my-seed')).toThrow(/^my-seed: "1\.0" is not an integer/)
  })
})

describe('getConfig: the hyperparameters mapping', () => {
  it('getConfig loads the YAML parser for a mapping and reports its problems', async () => {
    setInputs({ ...REQUIRED, hyperparameters: 'learning_rate: 2e-6\nlr_scheduler: constant\n' })
    expect((await getConfig(actionInputs, ENV)).hyperparameters).toStrictEqual({
      learning_rate: 2e-6,
      lr_scheduler: 'constant'
    })
    setInputs({ ...REQUIRED, hyperparameters: 'seed: [1' })
    await expect(getConfig(actionInputs, ENV)).rejects.toThrow(/hyperparameters: not valid YAML or JSON/)
  })

  it('reads YAML, typed, and merges it with the separate inputs in seed order', () => {
    const config = configOf({
      seed: '3',
      hyperparameters: [
        '# from the matrix',
        'learning_rate: 2e-6',
        'resolution: "512"',
        'lr_scheduler: constant',
        'train_text_encoder: false',
        'model: stabilityai/stable-diffusion-2-1',
        'num_class_images: 100',
        'adam_beta1:',
        'vae: ""'
      ].join('\n')
    })
    expect(config.hyperparameters).toStrictEqual({
      model: 'stabilityai/stable-diffusion-2-1',
      seed: 3,
      resolution: 512,
      lr_scheduler: 'constant',
      num_class_images: 100,
      learning_rate: 2e-6,
      train_text_encoder: false
    })
    expect(Object.keys(config.hyperparameters)).toEqual([
      'model',
      'seed',
      'resolution',
      'lr_scheduler',
      'num_class_images',
      'learning_rate',
      'train_text_encoder'
    ])
  })

  it('reads JSON, including numbers and booleans given as strings', () => {
    const config = configOf({
      hyperparameters: '{"max_train_steps": 400, "adam_epsilon": 1E-8, "use_8bit_adam": "TRUE", "seed": "-1"}'
    })
    expect(config.hyperparameters).toStrictEqual({
      seed: -1,
      max_train_steps: 400,
      use_8bit_adam: true,
      adam_epsilon: 1e-8
    })
  })

  it('applies the input rules to each value and keeps the YAML type', () => {
    const error = errorOf({
      hyperparameters: [
        'resolution: 1.0',
        'seed: 0x10',
        'max_train_steps: "12.5"',
        'model: 5',
        'train_text_encoder: yes',
        'with_prior_preservation: 1',
        'learning_rate: .nan',
        'mixed_precision: [fp16]',
        'lr_scheduler: true'
      ].join('\n')
    })
    expect(error.problems.every((p) => p.input === 'hyperparameters')).toBe(true)
    expect(error.problems.map((p) => p.message)).toEqual([
      'hyperparameters.resolution: "1.0" is not an integer; allowed: an integer (decimal digits, optional sign) from 64 to 4096, a multiple of 8',
      'hyperparameters.seed: "0x10" is not an integer; allowed: an integer (decimal digits, optional sign) from -2147483648 to 2147483647',
      'hyperparameters.max_train_steps: "12.5" is not an integer; allowed: an integer (decimal digits, optional sign) from 1 to 2147483647',
      'hyperparameters.model: 5 is a number; allowed: a non-empty string (quote it)',
      'hyperparameters.train_text_encoder: "yes" is not a boolean; use true or false (also True, TRUE, False, FALSE)',
      'hyperparameters.with_prior_preservation: 1 is a number; allowed: true or false (also True, TRUE, False, FALSE)',
      'hyperparameters.learning_rate: ".nan" is not a finite decimal number; allowed: a decimal number (like 0.5 or 5e-6) with 0 < x <= 1',
      'hyperparameters: mixed_precision is a list; allowed: one of no, fp16, bf16',
      'hyperparameters.lr_scheduler: true is a boolean; allowed: one of linear, cosine, cosine_with_restarts, polynomial, constant, constant_with_warmup (quote it)'
    ])
  })

  it('refuses an unknown key and suggests the nearest name', () => {
    const error = errorOf({
      hyperparameters: 'learning-rate: 1e-6\nlearnig_rate: 1e-6\nMax_Train_Steps: 3\ninstance_prompt: a dog\nfoo: 1'
    })
    expect(error.problems.map((p) => p.message)).toEqual([
      'hyperparameters: unknown key "learning-rate"; did you mean "learning_rate"? (keys are snake_case)',
      'hyperparameters: unknown key "learnig_rate"; did you mean "learning_rate"?',
      'hyperparameters: unknown key "Max_Train_Steps"; did you mean "max_train_steps"? (keys are snake_case)',
      'hyperparameters: "instance_prompt" is not a training parameter; set it with the input instance-prompt',
      `hyperparameters: unknown key "foo"; use one of ${HYPERPARAMETERS.map((s) => s.key).join(', ')}`
    ])
  })

  it('refuses a key set both as its own input and in the mapping, naming both', () => {
    const error = errorOf({ 'learning-rate': '1e-6', hyperparameters: 'learning_rate: 2e-6' })
    expect(error.message).toBe(
      'hyperparameters: learning_rate is set twice, by the input learning-rate and by the key learning_rate in hyperparameters; keep one'
    )
  })

  const NOT_A_MAPPING =
    'must be a mapping of parameter names to values (like "learning_rate: 5e-6" on each line, or {"learning_rate": 5e-6})'

  it.each([
    ['a list', '- learning_rate: 1e-6', `${NOT_A_MAPPING}, not a list`],
    ['a scalar', 'learning_rate=1e-6', `${NOT_A_MAPPING}, not the single value "learning_rate=1e-6"`],
    ['duplicate keys', 'seed: 1\nseed: 2', 'not valid YAML or JSON: Map keys must be unique at line 2, column 1'],
    [
      'duplicate JSON keys',
      '{"seed": 1,\n "seed": 2}',
      'not valid YAML or JSON: Map keys must be unique at line 2, column 2'
    ],
    ['a syntax error', 'seed: 1\nresolution: [512', 'not valid YAML or JSON:'],
    ['broken JSON', '{"seed": 1', 'not valid YAML or JSON:']
  ])('refuses %s', (_, text, expected) => {
    const error = errorOf({ hyperparameters: text })
    expect(error.input).toBe('hyperparameters')
    expect(error.message).toContain(`hyperparameters: ${expected}`)
    expect(error.message).not.toContain('\n')
  })

  it('reports the line of a syntax error', () => {
    expect(errorOf({ hyperparameters: 'seed: 1\nresolution: [512' }).message).toMatch(/at line 2, column \d+/)
  })

  it('takes a mapping of only comments as nothing set', () => {
    expect(configOf({ hyperparameters: '# nothing yet\n' }).hyperparameters).toStrictEqual({})
  })

  it('parseHyperparameters returns the typed keys and lists every problem', async () => {
    expect(await parseHyperparameters('{"seed": 5, "model": "m"}')).toStrictEqual({ seed: 5, model: 'm' })
    await expect(parseHyperparameters('seed: x\nresolution: 4')).rejects.toThrow(
      /^2 problems with the inputs:\nhyperparameters\.seed: "x" is not an integer.*\nhyperparameters\.resolution: 4 is out of range/
    )
  })
})

describe('getConfig: URLs', () => {
  it.each([
    'https://example.com/graphql',
    'http://localhost:4000/graphql',
    'http://127.0.0.5:8080/graphql',
    'http://[::1]:8080/graphql'
  ])('accepts %s', (url) => {
    expect(configOf({ 'api-url': url }).apiUrl).toBe(url)
    expect(configOf({ 'class-image-generator-url': url }).classImageGeneratorUrl).toBe(url)
  })

  it('refuses http on a host that is not loopback, saying https is required', () => {
    for (const url of ['http://example.com/graphql', 'http://10.0.0.1/graphql', 'http://128.0.0.1/', 'http://[::2]/']) {
      expect(errorOf({ 'api-url': url }).message).toBe(
        `api-url: "${url}": https is required (http is only allowed for localhost, 127.0.0.0/8 and [::1])`
      )
    }
  })

  it('refuses other schemes and text that is not an absolute URL', () => {
    expect(errorOf({ 'api-url': 'ftp://example.com/x' }).message).toBe(
      'api-url: "ftp://example.com/x": https is required (ftp: is not supported)'
    )
    expect(errorOf({ 'api-url': 'example.com/graphql' }).message).toBe(
      'api-url: "example.com/graphql" is not an absolute URL; give an https:// URL'
    )
  })

  it('refuses credentials in the URL without showing them', () => {
    const error = errorOf({ 'api-url': 'https://alice:hunter2@example.com/graphql' })
    expect(error.message).toBe(
      'api-url: "https://***:***@example.com/graphql" holds a user name or password, which would show in logs; remove it (the API key goes in api-key)'
    )
    expect(errorOf({ 'class-image-generator-url': 'http://token@localhost/' }).message).not.toContain('token@')
  })

  it('applies the same rules to class-image-generator-url', () => {
    expect(errorOf({ 'class-image-generator-url': 'http://example.com/infer' }).input).toBe('class-image-generator-url')
    expect(parseServiceUrl('x', 'https://example.com')).toBe('https://example.com/')
  })
})

describe('getConfig: zip-name', () => {
  it('reduces the default to [A-Za-z0-9._-]', () => {
    expect(configOf({ name: 'My Model!' }, { ...ENV, GITHUB_SHA: 'abc1234ffffffff' }).zipName).toBe(
      'My-Model-abc1234.zip'
    )
    expect(defaultZipName('..hidden', '1')).toBe('hidden-1.zip')
    expect(defaultZipName('a--b', 'v1.0')).toBe('a--b-v1.0.zip')
    expect(defaultZipName('chien (été)', '1')).toBe('chien-t-1.zip')
    expect(defaultZipName('model', 'final.zip')).toBe('model-final.zip')
  })

  it('keeps a valid explicit name and refuses any other, never changing it', () => {
    expect(configOf({ 'zip-name': 'dataset_v2.zip' }).zipName).toBe('dataset_v2.zip')
    for (const name of ['my zip.zip', 'model.tar', '.hidden.zip', '-x.zip', 'a/b.zip']) {
      expect(errorOf({ 'zip-name': name }).message).toBe(
        `zip-name: ${JSON.stringify(name)} is not allowed; use letters, digits, ".", "_" and "-", starting with a letter or digit and ending in ".zip"`
      )
    }
  })

  it('asks for zip-name when name and version leave nothing usable', () => {
    expect(errorOf({ name: '日本語', version: 'β' }).message).toContain(
      'zip-name: the default made from name and version'
    )
  })
})

describe('getConfig: run options', () => {
  it('reads booleans as core.getBooleanInput does', () => {
    const config = configOf({
      wait: 'False',
      'cache-class-images': 'FALSE',
      'dry-run': 'True',
      'keep-zip': 'true',
      'comment-on-pr': 'TRUE',
      'job-summary': 'false'
    })
    expect([
      config.wait,
      config.cacheClassImages,
      config.dryRun,
      config.keepZip,
      config.commentOnPr,
      config.jobSummary
    ]).toEqual([false, false, true, true, true, false])
    expect(errorOf({ wait: 'yes' }).message).toBe(
      'wait: "yes" is not a boolean; use true or false (also True, TRUE, False, FALSE)'
    )
  })

  it('converts timeout-minutes, poll-interval-seconds and request-timeout-seconds, fractions allowed', () => {
    const config = configOf({
      'timeout-minutes': '0.5',
      'poll-interval-seconds': '0.1',
      'request-timeout-seconds': '0.5'
    })
    expect(config.timeoutMs).toBe(30_000)
    expect(config.pollIntervalMs).toBe(100)
    expect(config.requestTimeoutMs).toBe(500)
    const longest = configOf({
      'timeout-minutes': '8640',
      'poll-interval-seconds': '3600',
      'request-timeout-seconds': '600'
    })
    expect([longest.timeoutMs, longest.pollIntervalMs, longest.requestTimeoutMs]).toEqual([
      8640 * 60_000,
      3600_000,
      600_000
    ])
  })

  // what each number input's error says is allowed
  const ALLOWED: Readonly<Record<string, string>> = {
    'timeout-minutes': 'use a number above 0 and up to 8640 (fractions allowed)',
    'poll-interval-seconds': 'use a number from 0.1 to 3600 (fractions allowed)',
    'request-timeout-seconds': 'use a number from 0.5 to 600 (fractions allowed)'
  }

  it.each([
    ['timeout-minutes', '0', '0 is out of range'],
    ['timeout-minutes', '8641', '8641 is out of range'],
    ['timeout-minutes', '2h', '"2h" is not a decimal number'],
    ['poll-interval-seconds', '0.05', '0.05 is out of range'],
    ['poll-interval-seconds', 'Infinity', '"Infinity" is not a decimal number'],
    ['request-timeout-seconds', '0.4', '0.4 is out of range'],
    ['request-timeout-seconds', '601', '601 is out of range']
  ])('refuses %s: %s', (input, value, what) => {
    expect(errorOf({ [input]: value }).message).toBe(`${input}: ${what}; ${ALLOWED[input]}`)
  })

  it('trims job-id and checks its characters', () => {
    expect(configOf({ 'job-id': '  job:2024.01_a-b \n' }).jobId).toBe('job:2024.01_a-b')
    expect(errorOf({ 'job-id': 'job id' }).message).toBe(
      'job-id: "job id" is not a job ID; use 1 to 128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit'
    )
    expect(errorOf({ 'job-id': 'x'.repeat(129) }).input).toBe('job-id')
    // a leading "::" would read as a workflow command wherever the ID starts a line
    expect(errorOf({ 'job-id': '::error::x' }).input).toBe('job-id')
  })

  it('refuses job-id with dry-run', () => {
    expect(errorOf({ 'job-id': 'job-1', 'dry-run': 'true' }).message).toMatch(
      /^job-id: cannot be used with dry-run: true/
    )
  })

  it('reads one sample prompt a non-empty line, keeping each as written', () => {
    const config = configOf({ 'sample-prompts': '  sks dog on the beach\r\n\r\n\nsks dog, "oil painting" 🎨\n   \n' })
    expect(config.samplePrompts).toEqual(['  sks dog on the beach', 'sks dog, "oil painting" 🎨'])
    const many = Array.from({ length: 21 }, (_, i) => `prompt ${i}`).join('\n')
    expect(errorOf({ 'sample-prompts': many }).message).toBe(
      'sample-prompts: has 21 prompts; at most 20 are allowed (one a line)'
    )
  })

  it('checks artifact-name as actions/artifact does', () => {
    expect(configOf({ 'artifact-name': 'dreambooth result 1' }).artifactName).toBe('dreambooth result 1')
    expect(errorOf({ 'artifact-name': 'a/b:c' }).message).toBe(
      'artifact-name: "a/b:c" contains ":", "/"; an artifact name cannot contain " : < > | * ? \\ / or line breaks'
    )
  })
})

describe('getConfig: several problems, secrets', () => {
  it('reports every problem at once, one a line', () => {
    const error = errorOf({ name: '', seed: '1.5', 'api-url': 'http://example.com', hyperparameters: 'lr: 1' })
    expect(error.problems.map((p) => p.input)).toEqual(['api-url', 'name', 'seed', 'hyperparameters'])
    const lines = error.message.split('\n')
    expect(lines[0]).toBe('4 problems with the inputs:')
    expect(lines.slice(1).map((line) => line.split(':')[0])).toEqual(['api-url', 'name', 'seed', 'hyperparameters'])
  })

  it('masks the api key and the token before anything else, even when the inputs are bad', async () => {
    setInputs({ 'api-key': `  ${API_KEY}\n`, 'github-token': 'ghs_token0123456789' })
    await expect(getConfig(actionInputs, ENV)).rejects.toThrow(InputError)
    expect(stdout.chunks()[0]).toBe(`::add-mask::${API_KEY}\n`)
    expect(stdout.chunks()).toContain('::add-mask::ghs_token0123456789\n')
    expect(configOf({ 'github-token': 'ghs_token0123456789' }).githubToken).toBe('ghs_token0123456789')
  })

  it('never shows the api key in an error, even given as another input', () => {
    const key = 'tk_"quoted\\back_0123456789SECRET'
    const error = errorOf({
      'api-key': key,
      seed: key,
      'mixed-precision': key,
      'zip-name': key,
      'job-id': key,
      'artifact-name': key,
      'api-url': `http://example.com/${key}`,
      hyperparameters: `resolution: ${JSON.stringify(key)}\n${JSON.stringify(key)}: 1`
    })
    expect(error.problems.length).toBeGreaterThanOrEqual(8)
    for (const text of [error.message, ...error.problems.map((p) => p.message)]) {
      expect(text).not.toContain(key)
      expect(text).not.toContain(JSON.stringify(key).slice(1, -1))
      expect(text).not.toContain('0123456789SECRET')
    }
    expect(error.message).toContain('seed: "***" is not an integer')
  })

  it('refuses an api key that an HTTP header cannot carry, without showing it', () => {
    const error = errorOf({ 'api-key': 'line-one-SECRET\nline-two-SECRET' })
    expect(error.message).toBe(
      'api-key: contains a line break, control or non-ASCII character, which an Authorization header cannot carry; check the secret (its value is not shown)'
    )
    expect(stdout.chunks()).toContain('::add-mask::line-one-SECRET\n')
    expect(stdout.chunks()).toContain('::add-mask::line-two-SECRET\n')
  })
})

describe('suggestions', () => {
  it('finds near misses only', () => {
    expect(editDistance('fp61', 'fp16')).toBe(1)
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(suggest('lineer', ['linear', 'cosine'])).toBe('linear')
    expect(suggest('BF16', ['no', 'fp16', 'bf16'])).toBe('bf16')
    expect(suggest('adamw', ['linear', 'cosine'])).toBeUndefined()
  })
})
