// The hyperparameters as the user gives them: the 21 inputs of their own (max-train-steps, ...)
// and the `hyperparameters` input, a YAML or JSON mapping of snake_case keys, merged into the
// typed values sent to the API. The rules for each value come from the table in
// hyperparameters.ts; a mistyped key or enum value gets a "did you mean" (suggest.ts).
import type { Node as YamlNode } from 'yaml'
import {
  HYPERPARAMETERS,
  type HyperparameterSpec,
  type HyperparameterValue,
  type Hyperparameters
} from './hyperparameters.js'
import { BOOLEAN_ALLOWED, INTEGER, parseBoolean, parseDecimal, type ReadInput } from './parsers.js'
import { InputError, collectProblems, problem, show, type InputProblem } from './problems.js'
import { suggest } from './suggest.js'

const SPEC_BY_KEY = new Map(HYPERPARAMETERS.map((s) => [s.key, s]))

/** The YAML parser: loaded (~300 KB of code) only by a run whose hyperparameters input holds text. */
export type YamlParser = typeof import('yaml')

/** The parser for the hyperparameters input's text; undefined when it is empty. */
export async function yamlParserFor(text: string): Promise<YamlParser | undefined> {
  return text.trim() === '' ? undefined : import('yaml')
}

/** In words, what a hyperparameter accepts. */
export function describeAllowed(spec: HyperparameterSpec): string {
  switch (spec.type) {
    case 'Boolean':
      return BOOLEAN_ALLOWED
    case 'String':
      return spec.oneOf ? `one of ${spec.oneOf.join(', ')}` : 'a non-empty string'
    case 'Int': {
      const multiple = spec.multipleOf === undefined ? '' : `, a multiple of ${spec.multipleOf}`
      return `an integer (decimal digits, optional sign)${describeRange(spec)}${multiple}`
    }
    case 'Float':
      return `a decimal number (like 0.5 or 5e-6)${describeRange(spec)}`
  }
}

function describeRange(spec: HyperparameterSpec): string {
  const { min, max, minExclusive, maxExclusive } = spec
  if (min !== undefined && max !== undefined) {
    if (!minExclusive && !maxExclusive) return ` from ${min} to ${max}`
    return ` with ${min} ${minExclusive ? '<' : '<='} x ${maxExclusive ? '<' : '<='} ${max}`
  }
  if (min !== undefined) return ` ${minExclusive ? '>' : '>='} ${min}`
  if (max !== undefined) return ` ${maxExclusive ? '<' : '<='} ${max}`
  return ''
}

function inRange(spec: HyperparameterSpec, value: number): boolean {
  const { min, max, minExclusive, maxExclusive } = spec
  if (min !== undefined && (value < min || (minExclusive && value === min))) return false
  if (max !== undefined && (value > max || (maxExclusive && value === max))) return false
  return true
}

/**
 * Parses one hyperparameter from its text, as written in its input (already trimmed) or as a
 * string in the `hyperparameters` mapping. `inputName` names it in the error.
 */
export function parseHyperparameterValue(
  spec: HyperparameterSpec,
  raw: string,
  inputName: string
): HyperparameterValue {
  const fail = (what: string): InputError => problem(inputName, `${what}; allowed: ${describeAllowed(spec)}`)
  switch (spec.type) {
    case 'Boolean':
      return parseBoolean(inputName, raw)
    case 'String': {
      if (raw.trim() === '') throw fail('is empty')
      if (spec.oneOf && !spec.oneOf.includes(raw)) {
        const near = suggest(raw, spec.oneOf)
        throw fail(`${show(raw)} is not allowed${near === undefined ? '' : ` (did you mean ${show(near)}?)`}`)
      }
      return raw
    }
    case 'Int': {
      if (!INTEGER.test(raw)) throw fail(`${show(raw)} is not an integer`)
      const value = Number(raw) || 0 // no -0
      if (!inRange(spec, value)) throw fail(`${raw} is out of range`)
      if (spec.multipleOf !== undefined && value % spec.multipleOf !== 0) {
        throw fail(`${raw} is not a multiple of ${spec.multipleOf}`)
      }
      return value
    }
    case 'Float': {
      const parsed = parseDecimal(raw)
      if (parsed === undefined) throw fail(`${show(raw)} is not a finite decimal number`)
      const value = parsed || 0 // no -0
      if (!inRange(spec, value)) throw fail(`${raw} is out of range`)
      return value
    }
  }
}

/** The 21 hyperparameter inputs, then the `hyperparameters` mapping, merged; a key set twice is an error. */
export function readHyperparameters(read: ReadInput, yaml: YamlParser | undefined): Hyperparameters {
  const problems: InputProblem[] = []
  const fromInputs = new Map<string, HyperparameterValue>()
  const inputsGiven = new Set<string>() // even those whose value is refused
  for (const spec of HYPERPARAMETERS) {
    collectProblems(problems, () => {
      const raw = read(spec.input)
      if (raw === '') return
      inputsGiven.add(spec.key)
      fromInputs.set(spec.key, parseHyperparameterValue(spec, raw, spec.input))
    })
  }
  const fromMapping: MappingResult = collectProblems(problems, () =>
    readMapping(read('hyperparameters', { trim: false }), yaml)
  ) ?? { values: new Map(), keysGiven: [], problems: [] }
  problems.push(...fromMapping.problems)
  for (const key of fromMapping.keysGiven) {
    if (inputsGiven.has(key)) {
      problems.push({
        input: INPUT,
        message: `${INPUT}: ${key} is set twice, by the input ${SPEC_BY_KEY.get(key)?.input} and by the key ${key} in hyperparameters; keep one`
      })
    }
  }
  if (problems.length > 0) throw new InputError(problems)
  // In the seed's order, so the parameters sent read the same way every run.
  const merged: Record<string, HyperparameterValue> = {}
  for (const { key } of HYPERPARAMETERS) {
    const value = fromInputs.get(key) ?? fromMapping.values.get(key)
    if (value !== undefined) merged[key] = value
  }
  return merged
}

/**
 * Parses the `hyperparameters` input: a YAML or JSON mapping of snake_case keys to values.
 * Returns only the keys set; throws an InputError listing every problem.
 */
export async function parseHyperparameters(text: string): Promise<Hyperparameters> {
  const { values, problems } = readMapping(text, await yamlParserFor(text))
  if (problems.length > 0) throw new InputError(problems)
  return Object.fromEntries(values)
}

interface MappingResult {
  readonly values: Map<string, HyperparameterValue>
  /** every valid key present with a value, even when the value itself was refused */
  readonly keysGiven: readonly string[]
  readonly problems: readonly InputProblem[]
}

const INPUT = 'hyperparameters'
const EXAMPLE = 'like "learning_rate: 5e-6" on each line, or {"learning_rate": 5e-6}'

// DreamBoothInput fields that have their own inputs and are not training parameters.
const FIELDS_WITH_OWN_INPUT: Readonly<Record<string, string>> = {
  name: 'name',
  version: 'version',
  desc: 'description',
  instance_prompt: 'instance-prompt',
  class_prompt: 'class-prompt',
  datasets3objname: 'zip-name'
}

function readMapping(text: string, yaml: YamlParser | undefined): MappingResult {
  const values = new Map<string, HyperparameterValue>()
  const keysGiven: string[] = []
  const problems: InputProblem[] = []
  const add = (message: string): void => void problems.push({ input: INPUT, message: `${INPUT}: ${message}` })
  if (text.trim() === '' || !yaml) return { values, keysGiven, problems }
  const { isMap, isScalar, parseDocument } = yaml

  // uniqueKeys (the default) makes a duplicate key an error
  const doc = parseDocument(text, { prettyErrors: true })
  for (const error of [...doc.errors, ...doc.warnings]) {
    // the first line names the fault and its line and column; the rest quotes the text
    add(`not valid YAML or JSON: ${error.message.split('\n')[0]}`)
  }
  if (problems.length > 0) return { values, keysGiven, problems }
  const contents = doc.contents
  if (contents === null) return { values, keysGiven, problems } // only comments
  if (!isMap(contents)) {
    add(`must be a mapping of parameter names to values (${EXAMPLE}), not ${describeNode(yaml, contents)}`)
    return { values, keysGiven, problems }
  }

  for (const pair of contents.items) {
    const keyNode = pair.key
    if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
      add(
        `the key ${isScalar(keyNode) ? show(String(keyNode.value)) : describeNode(yaml, keyNode)} is not a parameter name; use snake_case names (${EXAMPLE})`
      )
      continue
    }
    const key = keyNode.value
    const spec = SPEC_BY_KEY.get(key)
    if (!spec) {
      add(unknownKeyMessage(key))
      continue
    }
    const label = `${INPUT}.${key}`
    const valueNode = pair.value as YamlNode | null
    if (valueNode === null || (isScalar(valueNode) && valueNode.value === null)) continue // no value: not sent
    if (!isScalar(valueNode)) {
      keysGiven.push(key)
      add(`${key} is ${describeNode(yaml, valueNode)}; allowed: ${describeAllowed(spec)}`)
      continue
    }
    const value = valueNode.value
    if (typeof value === 'string' && value.trim() === '') continue // empty, as for an input: not sent
    keysGiven.push(key)
    try {
      values.set(key, parseMappingScalar(spec, value, valueNode.source, label))
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      // the problem names `hyperparameters.<key>` in its line; its input is the mapping
      problems.push(...error.problems.map((p) => ({ input: INPUT, message: p.message })))
    }
  }
  return { values, keysGiven, problems }
}

/**
 * A YAML scalar keeps its type: a string is read like the input's text, a number must suit an
 * Int or Float as written (so 0x10 or 1.0 is no Int), a boolean only suits a Boolean.
 */
function parseMappingScalar(
  spec: HyperparameterSpec,
  value: unknown,
  source: string | undefined,
  label: string
): HyperparameterValue {
  const wrongType = (what: string): InputError =>
    problem(INPUT, `${what}; allowed: ${describeAllowed(spec)}${spec.type === 'String' ? ' (quote it)' : ''}`, label)
  if (typeof value === 'string') return parseHyperparameterValue(spec, value.trim(), label)
  if (typeof value === 'number') {
    if (spec.type !== 'Int' && spec.type !== 'Float') throw wrongType(`${source ?? value} is a number`)
    return parseHyperparameterValue(spec, source ?? String(value), label)
  }
  if (typeof value === 'boolean') {
    if (spec.type !== 'Boolean') throw wrongType(`${source ?? value} is a boolean`)
    return value
  }
  throw wrongType(`${show(String(source ?? value))} is not a number, boolean or string`)
}

function describeNode({ isMap, isScalar }: YamlParser, node: unknown): string {
  if (isMap(node)) return 'a mapping'
  if (isScalar(node)) return `the single value ${show(String(node.source ?? node.value))}`
  if (node && typeof node === 'object' && 'items' in node) return 'a list'
  return 'an alias or other YAML node'
}

function unknownKeyMessage(key: string): string {
  const snake = key.toLowerCase().replaceAll('-', '_')
  if (SPEC_BY_KEY.has(snake)) return `unknown key ${show(key)}; did you mean ${show(snake)}? (keys are snake_case)`
  const ownInput = FIELDS_WITH_OWN_INPUT[snake]
  if (ownInput) return `${show(key)} is not a training parameter; set it with the input ${ownInput}`
  const near = suggest(snake, [...SPEC_BY_KEY.keys()])
  const hint = near === undefined ? `use one of ${[...SPEC_BY_KEY.keys()].join(', ')}` : `did you mean ${show(near)}?`
  return `unknown key ${show(key)}; ${hint}`
}
