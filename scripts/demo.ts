// npm run demo: the local Tiyaro server, and the bundled action run against it exactly as the
// runner runs it, on the sample images in fixtures/demo, with two sample prompts. Prints the
// outputs, the sample images written and the summary.
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { startTiyaroServer } from '../server/tiyaro-server.js'
import { REPO_ROOT, runAction } from '../test-support/run-action.js'

const API_KEY = 'demo-api-key-0123456789'

async function main(): Promise<void> {
  const server = await startTiyaroServer({ apiKey: API_KEY, trainingMs: 1500 })
  console.log(`Local Tiyaro server: ${server.graphqlUrl}\n`)
  try {
    const run = await runAction({
      inputs: {
        'api-key': API_KEY,
        'api-url': server.graphqlUrl,
        'instance-images': join(REPO_ROOT, 'fixtures/demo/instance'),
        'class-images': join(REPO_ROOT, 'fixtures/demo/class'),
        name: 'demo-toy-robot',
        version: 'v1',
        description: 'The red toy robot of the demo',
        'instance-prompt': 'a photo of sks toy robot',
        'class-prompt': 'a photo of a toy robot',
        'max-train-steps': '400',
        'learning-rate': '2e-6',
        'poll-interval-seconds': '0.5',
        'timeout-minutes': '2',
        'sample-prompts': 'a photo of sks toy robot on the moon\na photo of sks toy robot in a garden'
      }
    })
    console.log('── action log ─────────────────────────────────────────')
    process.stdout.write(run.stdout.replace(/^::add-mask::.*$/gm, '::add-mask::***'))
    if (run.stderr) process.stdout.write(run.stderr)
    console.log('\n── outputs ────────────────────────────────────────────')
    for (const [name, value] of Object.entries(run.outputs)) console.log(`${name}=${value}`)
    console.log('\n── sample images ──────────────────────────────────────')
    const samples = run.outputs['sample-images'] ? (JSON.parse(run.outputs['sample-images']) as string[]) : []
    for (const file of samples) console.log(`${file} (${(await stat(file)).size} bytes)`)
    if (samples.length === 0) console.log('none written')
    console.log('\n── job summary ────────────────────────────────────────')
    console.log(run.summary)
    console.log(`── exit code ${run.exitCode}, ${run.durationMs} ms, ${server.requests.length} requests to the server`)
    if (run.exitCode !== 0) process.exitCode = 1
  } finally {
    await server.close()
  }
}

await main()
