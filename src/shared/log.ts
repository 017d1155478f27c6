// The run's log. Every layer writes through `log`, never through runner-commands.ts or the console,
// so one place decides how a line reaches the reader: as the runner's log commands in an
// action, as plain lines on stderr for the command line (setLogger). `withNamespace` gives an
// area its prefix ("Class-image cache: …") instead of typing it into every message.
// Messages hold text from elsewhere (server answers, file names, inputs), so this one place
// also makes every line harmless: secrets redacted, length bounded, no line break and no
// workflow command (`::cmd::` at a line's start, `##[cmd]` anywhere) the runner would obey.
import { clip } from './format.js'
import { addSecret, redactSecrets } from './redaction.js'
import { runner } from './runner-commands.js'

export interface LogLocation {
  /** a file the warning is about, relative to the workspace: shown as a file annotation */
  readonly file?: string
}

export interface Logger {
  info(message: string): void
  warning(message: string, location?: LogLocation): void
  debug(message: string): void
  /** runs `body` inside a collapsible group (or under a heading) named `name` */
  group<T>(name: string, body: () => Promise<T>): Promise<T>
  /** a value that must never be shown (an API key, a signed URL) */
  setSecret(secret: string): void
}

/** The longest message shown; a server's error body can be any length. */
export const MAX_LOG_MESSAGE = 16 * 1024
/** GitHub shows at most this many warning annotations per step. */
export const ANNOTATION_LIMIT = 10

// C0 and C1 controls but the tab, and the Unicode line and paragraph separators
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r' }

/**
 * One line that the runner shows as text: line breaks and other controls escaped (`\n`),
 * `##[` broken up, and a line that would start with `::` (after blanks) prefixed with `\`.
 */
export function neutralise(text: string): string {
  const line = text
    .replace(CONTROL, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replaceAll('##[', '#\\#[')
  return /^[\s\u180e\u200b\ufeff]*::/.test(line) ? `\\${line}` : line
}

/** A message as the log shows it: redacted before it is cut, then neutralised. */
export function logText(message: string): string {
  return neutralise(clip(redactSecrets(message), MAX_LOG_MESSAGE))
}

/**
 * The step's error as `setFailed` shows it: redacted before it is cut, `##[` broken up. Its line
 * breaks stay: runner-commands.ts escapes them inside the `::error::` command.
 */
export function failureText(message: string): string {
  return clip(redactSecrets(message), MAX_LOG_MESSAGE).replaceAll('##[', '#\\#[')
}

/** The runner's log, with GitHub's limit of annotations per step kept. */
export interface ActionsLogger extends Logger {
  /**
   * At the end of the step: the warnings that did not fit as annotations, as one annotation
   * that says how many and `where` they are listed (a single one held back is shown as it is).
   */
  annotateHeldWarnings(where: string): void
}

/**
 * The runner's log: plain lines, `::warning`, `::debug`, `::group`, `::add-mask`. The first
 * ANNOTATION_LIMIT - 1 warnings are annotations; later ones are log lines, summed up in the last.
 */
export function createActionsLogger(): ActionsLogger {
  let annotated = 0
  const held: string[] = []
  return {
    info: (message) => runner.info(message),
    warning: (message, location) => {
      if (annotated < ANNOTATION_LIMIT - 1) {
        annotated++
        runner.warning(message, location)
      } else {
        held.push(message)
        runner.info(`Warning: ${message}`)
      }
    },
    debug: (message) => runner.debug(message),
    group: (name, body) => runner.group(name, body),
    setSecret: (secret) => runner.setSecret(secret),
    annotateHeldWarnings: (where) => {
      if (held.length === 0) return
      const text =
        held.length === 1
          ? held[0]!
          : `${held.length} more warnings than GitHub shows as annotations (${ANNOTATION_LIMIT} a step): ${where}`
      held.length = 0
      annotated++
      runner.warning(text)
    }
  }
}

export const actionsLogger: ActionsLogger = createActionsLogger()

/** The actions log's held warnings, summed up (see ActionsLogger); nothing for another logger. */
export function annotateHeldWarnings(where: string): void {
  actionsLogger.annotateHeldWarnings(where)
}

let current: Logger = actionsLogger

/** Replaces the logger for the rest of the process (the command line's face does this first). */
export function setLogger(logger: Logger): void {
  current = logger
}

/** The most warnings kept for the job summary; the count goes on. */
const KEPT_WARNINGS = 1000
const warnings: string[] = []
let warningCount = 0

/** The warnings logged so far, as shown (at most the first 1000), and how many there were. */
export function loggedWarnings(): { readonly messages: readonly string[]; readonly total: number } {
  return { messages: [...warnings], total: warningCount }
}

export interface Log extends Logger {
  /** the same log, each message prefixed with `namespace: ` */
  withNamespace(namespace: string): Log
}

function namespaced(prefix: string): Log {
  const text = (message: string): string => logText(prefix ? `${prefix}: ${message}` : message)
  return {
    info: (message) => current.info(text(message)),
    warning: (message, location) => {
      const line = text(message)
      warningCount++
      if (warnings.length < KEPT_WARNINGS) warnings.push(line)
      current.warning(line, location?.file === undefined ? location : { ...location, file: logText(location.file) })
    },
    debug: (message) => current.debug(text(message)),
    group: (name, body) => current.group(logText(name), body),
    setSecret: (secret) => {
      addSecret(secret)
      current.setSecret(secret)
    },
    withNamespace: (namespace) => namespaced(prefix ? `${prefix}: ${namespace}` : namespace)
  }
}

export const log: Log = namespaced('')
