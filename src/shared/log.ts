// The run's log. Every layer writes through `log`, never through @actions/core or the console,
// so one place decides how a line reaches the reader: as the runner's log commands in an
// action, as plain lines on stderr for the command line (setLogger). `withNamespace` gives an
// area its prefix ("Class-image cache: …") instead of typing it into every message.
import * as core from '@actions/core'

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

/** The runner's log: plain lines, `::warning`, `::debug`, `::group`, `::add-mask`. */
export const actionsLogger: Logger = {
  info: (message) => core.info(message),
  warning: (message, location) => core.warning(message, location),
  debug: (message) => core.debug(message),
  group: (name, body) => core.group(name, body),
  setSecret: (secret) => core.setSecret(secret)
}

let current: Logger = actionsLogger

/** Replaces the logger for the rest of the process (the command line's face does this first). */
export function setLogger(logger: Logger): void {
  current = logger
}

export interface Log extends Logger {
  /** the same log, each message prefixed with `namespace: ` */
  withNamespace(namespace: string): Log
}

function namespaced(prefix: string): Log {
  const text = (message: string): string => (prefix ? `${prefix}: ${message}` : message)
  return {
    info: (message) => current.info(text(message)),
    warning: (message, location) => current.warning(text(message), location),
    debug: (message) => current.debug(text(message)),
    group: (name, body) => current.group(name, body),
    setSecret: (secret) => current.setSecret(secret),
    withNamespace: (namespace) => namespaced(prefix ? `${prefix}: ${namespace}` : namespace)
  }
}

export const log: Log = namespaced('')
