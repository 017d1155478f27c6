// The command's log: human-readable lines on stderr (stdout is kept for the result). Groups are
// headings, warnings say "warning:", debug lines show only with --verbose, and every value given
// to setSecret is replaced by *** in whatever is printed. The upload's progress is a bar redrawn
// in place on a terminal, and a plain line at each quarter elsewhere (a CI log keeps every line).
import type { LogLocation, Logger } from '../shared/log.js'
import { formatBytes } from '../shared/format.js'
import { redact } from '../shared/secrets.js'

/** What the log writes to: process.stderr, or a stand-in in the tests. */
export interface TextStream {
  write(text: string): unknown
  readonly isTTY?: boolean
  readonly columns?: number
}

const BAR_WIDTH = 30
const REDRAW_EVERY_MS = 100

export class TerminalLog implements Logger {
  private readonly secrets = new Set<string>()
  /** the bar's text while it is on screen, so that a log line can clear and redraw it */
  private bar: string | undefined
  private lastDraw = 0
  /** the last quarter reported as a plain line; -1 before the first */
  private quarter = -1
  private sent = 0

  constructor(
    private readonly stream: TextStream,
    private readonly verbose = false,
    private readonly now: () => number = Date.now
  ) {}

  info(message: string): void {
    this.line(message)
  }

  warning(message: string, location?: LogLocation): void {
    this.line(`warning: ${location?.file ? `${location.file}: ` : ''}${message}`)
  }

  debug(message: string): void {
    if (this.verbose) this.line(`debug: ${message}`)
  }

  async group<T>(name: string, body: () => Promise<T>): Promise<T> {
    this.line(`==> ${name}`)
    return body()
  }

  setSecret(secret: string): void {
    if (secret !== '') this.secrets.add(secret)
  }

  /** The text with every secret replaced by *** (redact takes the longest first: a secret may hold another). */
  hide(text: string): string {
    return redact(text, [...this.secrets])
  }

  /** The upload's progress: `sent` of `total` bytes; a try that starts again goes back to 0. */
  progress(sent: number, total: number): void {
    const restarted = sent < this.sent
    this.sent = sent
    if (this.stream.isTTY) return this.drawBar(sent, total)
    if (restarted) this.quarter = -1
    const quarter = total > 0 ? Math.floor((sent / total) * 4) : 4
    // the last quarter is the log's "Uploaded … bytes" line
    if (quarter > Math.max(this.quarter, 0) && quarter < 4) {
      this.line(`Upload: ${quarter * 25}% (${formatBytes(sent)} of ${formatBytes(total)})`)
    }
    this.quarter = Math.max(this.quarter, quarter)
  }

  private drawBar(sent: number, total: number): void {
    const done = total === 0 || sent >= total
    const time = this.now()
    if (!done && this.bar !== undefined && time - this.lastDraw < REDRAW_EVERY_MS) return
    this.lastDraw = time
    const fraction = total > 0 ? Math.min(1, sent / total) : 1
    const filled = Math.round(fraction * BAR_WIDTH)
    const percent = `${Math.floor(fraction * 100)}`.padStart(3)
    const text = `Upload [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent}% ${formatBytes(sent)} of ${formatBytes(total)}`
    // never wider than the terminal: a wrapped bar could not be redrawn in place
    this.bar = text.slice(0, Math.max(20, (this.stream.columns || 80) - 1))
    this.stream.write(`\r\x1b[2K${this.bar}`)
    if (done) {
      this.stream.write('\n')
      this.bar = undefined
    }
  }

  private line(message: string): void {
    const text = this.hide(message)
    if (this.bar !== undefined) this.stream.write('\r\x1b[2K')
    this.stream.write(`${text}\n`)
    if (this.bar !== undefined) this.stream.write(this.bar)
  }
}
