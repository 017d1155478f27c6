// npm run demo: the local Tiyaro server, a local stand-in for the runner's cache and artifact
// services (Azurite), and the bundled action run against them exactly as the runner runs it.
// Two jobs train two concepts of one class: the first supplies the class images and saves them
// to the cache (a miss), the second gives none and restores them (a hit).
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { startTiyaroServer } from '../server/tiyaro-server.js'
import { REPO_ROOT, runAction, type ActionRun } from '../test-support/run-action.js'
import { startRunnerServices } from '../test-support/runner-services.js'

const API_KEY = 'demo-api-key-0123456789'

const rule = (title: string): void => console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 60 - title.length))}`)

async function main(): Promise<void> {
  const server = await startTiyaroServer({ apiKey: API_KEY, trainingMs: 1500 })
  const services = await startRunnerServices()
  console.log(`Local Tiyaro server: ${server.graphqlUrl}`)
  console.log(`Local cache and artifact services: ${services.url}`)
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
    rule('job 1: action log')
    // as the runner shows it: masks hidden, debug lines only with debug logging on
    process.stdout.write(first.stdout.replace(/^::add-mask::.*$/gm, '::add-mask::***').replace(/^::debug::.*\n/gm, ''))
    if (first.stderr) process.stdout.write(first.stderr)
    printOutputs(first)
    rule('job 1: sample images')
    const samples = first.outputs['sample-images'] ? (JSON.parse(first.outputs['sample-images']) as string[]) : []
    for (const file of samples) console.log(`${file} (${(await stat(file)).size} bytes)`)
    if (samples.length === 0) console.log('none written')
    rule('job 1: job summary')
    console.log(first.summary)

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
    rule('job 2 (no class-images given): class-image lines of the log')
    for (const line of second.stdout.split('\n')) if (/class image|cache/i.test(line)) console.log(line)
    printOutputs(second)

    rule('result')
    console.log(
      `job 1: ${first.outputs.status}, class-images-cache-hit=${first.outputs['class-images-cache-hit']} (saved), model ${first.outputs['model-url']}`
    )
    console.log(
      `job 2: ${second.outputs.status}, class-images-cache-hit=${second.outputs['class-images-cache-hit']} (restored), model ${second.outputs['model-url']}`
    )
    console.log(
      `${server.trainingsStarted()} trainings, ${server.requests.length} requests to the Tiyaro server, ${services.cacheEntries().length} cache entries, ${services.artifacts().length} artifact`
    )
    if (first.exitCode !== 0 || second.exitCode !== 0) process.exitCode = 1
  } finally {
    await services.stop()
    await server.close()
  }
}

function printOutputs(run: ActionRun): void {
  rule('outputs')
  for (const [name, value] of Object.entries(run.outputs)) console.log(`${name}=${value}`)
  console.log(`(exit code ${run.exitCode}, ${run.durationMs} ms)`)
}

await main()
