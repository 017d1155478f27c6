// npm run demo: the local Tiyaro server, a local stand-in for the runner's cache and artifact
// services (Azurite), and the bundled action run against them exactly as the runner runs it.
// Two jobs train two concepts of one class: the first supplies the class images and saves them
// to the cache (a miss), the second gives none and restores them (a hit). Each log is printed as
// the Actions log shows it (actions-log.ts), and a table closes the action's part. Then the
// command (dist/cli/index.js) checks and trains against the same server (commandPart).
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { startTiyaroServer } from '../server/tiyaro-server.js'
import { REPO_ROOT, removeRunTemps, runAction, type ActionRun } from '../test-support/run-action.js'
import { removeCliTemps, runCli } from '../test-support/run-cli.js'
import { startRunnerServices } from '../test-support/runner-services.js'
import { actionsLogView, textTable } from './actions-log.js'

const API_KEY = 'demo-api-key-0123456789'

/** Where the demo prints: the terminal, or a test that reads what a person would see. */
export type Print = (text: string) => void

/** Runs the demo; true when both jobs succeeded. */
export async function runDemo(print: Print = (text) => console.log(text)): Promise<boolean> {
  const rule = (title: string): void => print(`\n── ${title} ${'─'.repeat(Math.max(0, 60 - title.length))}`)
  const printLog = (run: ActionRun): void => {
    // as the Actions log shows it: groups as headings, masks applied, no debug lines
    print(actionsLogView(run.stdout))
    if (run.stderr) print(run.stderr)
  }
  const printOutputs = (run: ActionRun): void => {
    rule('outputs')
    for (const [name, value] of Object.entries(run.outputs)) print(`${name}=${value}`)
    print(`(exit code ${run.exitCode}, ${run.durationMs} ms)`)
  }

  const server = await startTiyaroServer({ apiKey: API_KEY, trainingMs: 1500 })
  const services = await startRunnerServices()
  print(`Local Tiyaro server: ${server.graphqlUrl}`)
  print(`Local cache and artifact services: ${services.url}`)
  const common = {
    'api-key': API_KEY,
    'api-url': server.graphqlUrl,
    'class-prompt': 'a photo of a toy robot',
    'max-train-steps': '400',
    'learning-rate': '2e-6',
    'poll-interval-seconds': '0.5',
    'timeout-minutes': '2'
  }
  const env = { ...services.env, GITHUB_RUN_ID: '1001', GITHUB_RUN_ATTEMPT: '1', GITHUB_REPOSITORY: 'demo/toy-robots' }
  try {
    const first = await runAction({
      env,
      inputs: {
        ...common,
        'instance-images': join(REPO_ROOT, 'fixtures/demo/instance'),
        'class-images': join(REPO_ROOT, 'fixtures/demo/class'),
        name: 'demo-toy-robot',
        version: 'v1',
        description: 'The red toy robot of the demo',
        'instance-prompt': 'a photo of sks toy robot',
        'artifact-name': 'demo-toy-robot',
        'sample-prompts': 'a photo of sks toy robot on the moon\na photo of sks toy robot in a garden'
      }
    })
    rule('job 1: the Actions log')
    printLog(first)
    printOutputs(first)
    rule('job 1: sample images (placeholders from the local server)')
    // the local server has no model: it answers each prompt with a flat-colour PNG of its own
    print('The local server draws a flat-colour placeholder per prompt; a real service returns what the model made.')
    const samples = first.outputs['sample-images'] ? (JSON.parse(first.outputs['sample-images']) as string[]) : []
    for (const file of samples) print(`${file} (${(await stat(file)).size} bytes, placeholder)`)
    if (samples.length === 0) print('none written')
    rule('job 1: job summary (Markdown)')
    print(first.summary)

    // The second concept gives no class images: the cache has them from job 1.
    const second = await runAction({
      env,
      inputs: {
        ...common,
        'instance-images': join(REPO_ROOT, 'fixtures/demo/instance'),
        name: 'demo-toy-robot-2',
        version: 'v1',
        'instance-prompt': 'a photo of zwx toy robot'
      }
    })
    rule('job 2 (no class-images given): the class-image lines of its Actions log')
    for (const line of actionsLogView(second.stdout).split('\n')) if (/class image|cache/i.test(line)) print(line)
    printOutputs(second)

    rule('result')
    const row = (job: string, run: ActionRun, cache: string): string[] => [
      job,
      run.outputs.status ?? `exit ${run.exitCode}`,
      `${run.outputs['instance-image-count'] ?? '?'} + ${run.outputs['class-image-count'] ?? '?'}`,
      cache,
      `${(run.durationMs / 1000).toFixed(1)} s`,
      run.outputs['model-url'] ?? ''
    ]
    const hit = (run: ActionRun): string => (run.outputs['class-images-cache-hit'] === 'true' ? 'restored' : 'saved')
    print(
      textTable(
        ['job', 'status', 'images (instance + class)', 'class images', 'time', 'model URL'],
        [row('1 demo-toy-robot', first, hit(first)), row('2 demo-toy-robot-2', second, hit(second))]
      )
    )
    print(
      `\n${server.trainingsStarted()} trainings, ${server.requests.length} requests to the local Tiyaro server, ` +
        `${services.cacheEntries().length} cache entries, ${services.artifacts().length} artifact`
    )
    const commandOk = await commandPart(server.graphqlUrl, print)
    return first.exitCode === 0 && second.exitCode === 0 && commandOk
  } finally {
    await services.stop()
    await server.close()
    await removeRunTemps()
  }
}

if (process.argv[1]?.endsWith('demo.js')) {
  if (!(await runDemo())) process.exitCode = 1
}

/**
 * Part 2: the same engine as the tiyaro-dreambooth command (dist/cli/index.js), run as a user
 * runs it in a terminal or a CI job: check, then train with --json. True when both exit 0.
 */
async function commandPart(graphqlUrl: string, print: Print): Promise<boolean> {
  const rule = (title: string): void => print(`\n── ${title} ${'─'.repeat(Math.max(0, 60 - title.length))}`)
  const env = { TIYARO_API_KEY: API_KEY, TIYARO_API_URL: graphqlUrl }
  const dataset = [
    ...['--instance-images', join(REPO_ROOT, 'fixtures/demo/instance')],
    ...['--class-images', join(REPO_ROOT, 'fixtures/demo/class')],
    ...['--name', 'demo-toy-robot-cli', '--instance-prompt', 'a photo of sks toy robot'],
    ...['--class-prompt', 'a photo of a toy robot', '--max-train-steps', '400']
  ]
  try {
    const check = await runCli(['check', ...dataset])
    rule('the command: tiyaro-dreambooth check (no key, no network)')
    print(`${check.stderr}${check.stdout}(exit code ${check.exitCode})`)
    const train = await runCli(['train', ...dataset, '--poll-interval-seconds', '0.5', '--json'], { env })
    rule('the command: tiyaro-dreambooth train --json, its stderr')
    print(train.stderr.trimEnd())
    rule('the command: its stdout')
    print(`${train.stdout}(exit code ${train.exitCode}, ${(train.durationMs / 1000).toFixed(1)} s)`)
    return check.exitCode === 0 && train.exitCode === 0
  } finally {
    await removeCliTemps()
  }
}
