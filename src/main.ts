// The action's run(): reads the inputs, runs the pipeline, and whatever happened writes the
// outputs, the summary, the artifact and the PR comment. Signals cancel the run, not the job.
import { actionsRunServices, commentOnPullRequest, uploadResultArtifact } from './github/index.js'
import { InputError, getConfig, type Config } from './inputs/index.js'
import { RunFailure, runPipeline } from './pipeline.js'
import { newReport, writeOutputs, writeSummary, type RunReport } from './report/index.js'
import { errorMessage } from './shared/errors.js'
import { closeHttp } from './shared/http.js'
import { annotateHeldWarnings, failureText, log, loggedWarnings } from './shared/log.js'
import { runner } from './shared/runner-commands.js'

export async function run(): Promise<void> {
  const report = newReport()
  const cancel = new AbortController()
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!cancel.signal.aborted) log.warning(`Received ${signal}: stopping.`)
    cancel.abort(new Error(`cancelled by ${signal}`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let config: Config | undefined
  try {
    config = await getConfig()
    await runPipeline(config, report, cancel.signal, actionsRunServices)
  } catch (error) {
    fail(report, error)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    // after a failure too: the artifact and the comment say what went wrong; neither throws
    if (config) {
      await uploadResultArtifact(config, report)
      await commentOnPullRequest(config, report)
    }
    writeOutputs(report)
    const summary = (config?.jobSummary ?? true) && !!process.env.GITHUB_STEP_SUMMARY
    report.warnings = loggedWarnings()
    await writeSummary(report, summary).catch((error: unknown) =>
      log.warning(`Could not write the job summary: ${errorMessage(error)}`)
    )
    annotateHeldWarnings(
      summary
        ? 'the job summary lists them all, and the log shows each on a line starting with "Warning:".'
        : 'the log shows each on a line starting with "Warning:".'
    )
    await closeHttp()
  }
}

function fail(report: RunReport, error: unknown): void {
  const message = errorMessage(error)
  report.errorMessage ??= message
  if (error instanceof Error && !(error instanceof RunFailure) && !(error instanceof InputError) && error.stack) {
    for (const line of error.stack.split('\n')) log.debug(line)
  }
  runner.setFailed(failureText(message))
}
