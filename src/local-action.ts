// The entry of `npm run local-action`. @github/local-action shows a run (its log, outputs, summary
// and result, inputs with action.yml's defaults) through its stand-in for @actions/core, which the
// action itself does not import: shared/runner-commands.ts writes the runner's protocol. So here
// those calls go to @actions/core, that is to the stand-in, and then the action runs as on a runner.
import { run as runAction } from './main.js'
import { runner } from './shared/runner-commands.js'

export async function run(): Promise<void> {
  const core = await import('@actions/core')
  Object.assign(runner, {
    getInput: (name: string) => core.getInput(name, { trimWhitespace: false }),
    info: core.info,
    debug: core.debug,
    warning: core.warning,
    setFailed: core.setFailed,
    setSecret: core.setSecret,
    group: core.group,
    setOutput: core.setOutput,
    appendSummary: async (text: string) => {
      await core.summary.addRaw(text, true).write()
    }
  } satisfies typeof runner)
  await runAction()
}
