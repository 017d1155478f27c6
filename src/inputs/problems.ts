// How the inputs report what is wrong: one InputProblem per fault, gathered into one InputError
// so the user sees every problem at once. Every other file of inputs/ builds on this one, which
// imports none of them (so the layer has no import cycle).

/** One thing wrong with one input; `message` is a whole line that names the input. */
export interface InputProblem {
  readonly input: string
  readonly message: string
}

/** Bad inputs. Carries every problem found; the message lists them one a line. */
export class InputError extends Error {
  override readonly name = 'InputError'
  readonly problems: readonly InputProblem[]

  constructor(problems: InputProblem | readonly InputProblem[]) {
    const list = Array.isArray(problems) ? (problems as readonly InputProblem[]) : [problems as InputProblem]
    if (list.length === 0) throw new RangeError('an InputError needs at least one problem')
    super(
      list.length === 1
        ? list[0].message
        : [`${list.length} problems with the inputs:`, ...list.map((p) => p.message)].join('\n')
    )
    this.problems = list
  }

  /** the input of the first problem (the only one when there is one) */
  get input(): string {
    return this.problems[0].input
  }
}

/** An InputError with one problem, its line starting with `label` (the input's name by default). */
export const problem = (input: string, message: string, label = input): InputError =>
  new InputError({ input, message: `${label}: ${message}` })

/** A value as the user wrote it, quoted so that spaces, line breaks and control characters show. */
export const show = (value: string): string => JSON.stringify(value)

/**
 * Runs one check. An InputError's problems are added to `problems` and undefined comes back;
 * anything else thrown is a bug and goes on up.
 */
export function collectProblems<T>(problems: InputProblem[], read: () => T): T | undefined {
  try {
    return read()
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    problems.push(...error.problems)
    return undefined
  }
}
