// The command's run: the arguments → a Config (through the action's getConfig), the pipeline with
// the command's services, then the result on stdout and in the files asked for, and an exit code
// that says how it went. Like main.ts for the action, it holds no logic of the run itself.
import { resolve } from 'node:path'
import { DatasetError } from '../dataset/index.js'
import { InputError, getConfig } from '../inputs/index.js'
import { RunFailure, checkJob, runPipeline } from '../pipeline.js'
import { newReport, reportOutputs, type RunReport } from '../report/index.js'
import { errorMessage } from '../shared/errors.js'
import { closeHttp } from '../shared/http.js'
import { log, setLogger } from '../shared/log.js'
import { UsageError, optionValue, parseCommandLine, switchOn, type CliRequest } from './args.js'
import { helpText } from './help.js'
import { describeFailure, inputSource, readApiKey } from './inputs.js'
import { formatOutputs, writeResultFiles } from './results.js'
import { commandServices, defaultCacheDir } from './services.js'
import { TerminalLog, type TextStream } from './terminal.js'
import { VERSION } from './version.js'

export interface CommandIo {
  readonly stdout: TextStream
  readonly stderr: TextStream
}

const EXIT_BY_SIGNAL: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 }

/** Runs the command; returns its exit code. */
export async function runCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CommandIo = { stdout: process.stdout, stderr: process.stderr }
): Promise<number> {
  let request: CliRequest
  let json: boolean
  let verbose: boolean
  try {
    request = parseCommandLine(argv, env)
    json = switchOn(request, 'json')
    verbose = switchOn(request, 'verbose')
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    io.stderr.write(`tiyaro-dreambooth: ${error.message}\n`)
    return 2
  }
  if (request.help) return write(io.stdout, helpText(), 0)
  if (request.version) return write(io.stdout, `${VERSION}\n`, 0)

  const terminal = new TerminalLog(io.stderr, verbose)
  setLogger(terminal)
  const report = newReport()
  const { failure, signal } = await withSignals((cancel) => run(request, report, terminal, cancel))
  if (failure !== undefined) {
    // as the user wrote it: problems name the option, not the action's input
    const described = describeFailure(failure)
    report.errorMessage ??= described
    // a line each: the log makes every line one line, and a list of problems is several
    for (const line of `error: ${described}`.split('\n')) log.info(line)
    if (!(failure instanceof RunFailure || failure instanceof InputError || failure instanceof UsageError)) {
      if (failure instanceof Error && failure.stack) log.debug(failure.stack)
    }
  }
  io.stdout.write(terminal.hide(formatOutputs(reportOutputs(report), json)))
  const path = (flag: string): string | undefined => {
    const value = optionValue(request, flag)
    return value === undefined ? undefined : resolve(value)
  }
  let code = exitCode(report, failure, signal)
  try {
    await writeResultFiles(report, { dotenv: path('dotenv'), summary: path('summary') }, (text) => terminal.hide(text))
  } catch (error) {
    log.info(`error: could not write the result files: ${errorMessage(error)}`)
    if (code === 0) code = 1
  }
  return code
}

async function run(request: CliRequest, report: RunReport, terminal: TerminalLog, cancel: AbortSignal): Promise<void> {
  const apiKey = await readApiKey(request)
  const config = await getConfig(inputSource(request, apiKey), {})
  const cacheDir = optionValue(request, 'cache-dir')
  const idempotencyFile = optionValue(request, 'idempotency-file')
  const services = commandServices({
    cacheDir: cacheDir === undefined ? defaultCacheDir(request.env) : resolve(cacheDir),
    idempotencyFile: idempotencyFile === undefined ? undefined : resolve(idempotencyFile),
    terminal
  })
  if (request.command === 'status') await checkJob(config, report, cancel, services)
  else await runPipeline(config, report, cancel, services)
}

/**
 * Runs `body` with SIGINT and SIGTERM cancelling it (the job, once started, goes on); a second
 * signal ends the process at once. Returns what failed, and the signal when there was one.
 */
async function withSignals(
  body: (cancel: AbortSignal) => Promise<void>
): Promise<{ failure?: unknown; signal?: NodeJS.Signals }> {
  const cancel = new AbortController()
  let received: NodeJS.Signals | undefined
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received) process.exit(EXIT_BY_SIGNAL[signal] ?? 1)
    received = signal
    log.warning(`Received ${signal}: stopping (again to quit at once).`)
    cancel.abort(new Error(`cancelled by ${signal}`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    await body(cancel.signal)
    return { signal: received }
  } catch (error) {
    return { failure: error, signal: received }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await closeHttp()
  }
}

/** 0 done, 1 failed, 2 bad input or usage (nothing sent), 3 timed out, 130/143 interrupted. */
export function exitCode(report: RunReport, failure: unknown, signal?: NodeJS.Signals): number {
  if (signal) return EXIT_BY_SIGNAL[signal] ?? 1
  if (failure === undefined) return 0
  if (failure instanceof UsageError || failure instanceof InputError || failure instanceof DatasetError) return 2
  if (report.status === 'timed-out') return 3
  return 1
}

function write(stream: TextStream, text: string, code: number): number {
  stream.write(text)
  return code
}
