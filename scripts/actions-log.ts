// What a person sees in the Actions log for what a step printed: the runner turns workflow
// commands into display (groups into headings, annotations into "Warning: …" lines), applies
// every mask registered with ::add-mask:: and hides ::debug:: lines unless debug logging is on.
// The demo and `npm run local-action` print a run through this, so no raw `::` command shows.

/** One command's value or property, unescaped as the runner does (%25, %0D, %0A, %3A, %2C). */
function unescape(text: string): string {
  return text
    .replace(/%0D/gi, '\r')
    .replace(/%0A/gi, '\n')
    .replace(/%3A/gi, ':')
    .replace(/%2C/gi, ',')
    .replace(/%25/g, '%')
}

const ANNOTATIONS: Readonly<Record<string, string>> = { error: 'Error', warning: 'Warning', notice: 'Notice' }

/** Where an annotation points, from `file=a.png,line=3`: ` (a.png:3)`. */
function where(properties: string): string {
  const props = new Map(
    properties
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const eq = pair.indexOf('=')
        return [pair.slice(0, eq).trim(), unescape(pair.slice(eq + 1))] as const
      })
  )
  const file = props.get('file')
  if (!file) return ''
  const line = props.get('line')
  return ` (${file}${line ? `:${line}` : ''})`
}

export interface LogViewOptions {
  /** show ::debug:: lines, as ACTIONS_STEP_DEBUG does */
  readonly debug?: boolean
  /** put before each line inside a group */
  readonly indent?: string
}

/** The step's output as the Actions log shows it. */
export function actionsLogView(stdout: string, options: LogViewOptions = {}): string {
  const indent = options.indent ?? '  '
  const masks: string[] = []
  const shown: string[] = []
  let inGroup = false
  let stopToken: string | undefined
  const mask = (line: string): string =>
    masks.reduce((text, secret) => (secret === '' ? text : text.split(secret).join('***')), line)
  const show = (line: string): void => {
    for (const part of mask(line).split('\n')) shown.push(inGroup ? `${indent}${part}` : part)
  }
  for (const line of stdout.replace(/\r?\n$/, '').split(/\r?\n/)) {
    if (stopToken !== undefined) {
      if (line === `::${stopToken}::`) stopToken = undefined
      else show(line)
      continue
    }
    const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line)
    if (!command) {
      show(line)
      continue
    }
    const [, name, properties = '', value] = command
    if (name === 'add-mask') {
      // longest first, so a secret that contains another is hidden whole
      masks.push(unescape(value))
      masks.sort((a, b) => b.length - a.length)
    } else if (name === 'group') {
      inGroup = false
      show(`▸ ${unescape(value)}`)
      inGroup = true
    } else if (name === 'endgroup') {
      inGroup = false
    } else if (name === 'debug') {
      if (options.debug) show(`Debug: ${unescape(value)}`)
    } else if (name in ANNOTATIONS) {
      show(`${ANNOTATIONS[name]}${where(properties)}: ${unescape(value)}`)
    } else if (name === 'stop-commands') {
      stopToken = value
    }
    // any other command (echo, save-state …) is the runner's business and shows nothing
  }
  return shown.join('\n')
}

/** A plain-text table with aligned columns, for a closing summary in a terminal. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((width) => '─'.repeat(width))), ...rows.map(line)].join('\n')
}
