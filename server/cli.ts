// Runs the local Tiyaro server until SIGINT or SIGTERM: `npm run server -- --revision later`.
// Prints the GraphQL URL, then one line per request (operation, status, fault), never a secret.

import { CLI_USAGE, parseCliArgs, type CliConfig } from './cli-args.js'
import { startTiyaroServer, type RequestLogEntry } from './tiyaro-server.js'

function describeRequest(entry: RequestLogEntry): string {
  const what = entry.operations.length > 0 ? entry.operations.join(',') : `${entry.method} ${entry.path}`
  const status = entry.status === undefined ? 'no answer' : String(entry.status)
  const fault = entry.fault ? ` fault=${entry.fault}` : ''
  const upload = entry.upload ? ` bytes=${entry.upload.bytes}` : ''
  const errors = entry.errors?.length ? ` error=${JSON.stringify(entry.errors[0])}` : ''
  return `${entry.time.toISOString()} ${entry.kind} ${what} -> ${status}${fault}${upload}${errors} (${entry.durationMs ?? 0} ms)`
}

async function main(): Promise<void> {
  let config: CliConfig
  try {
    config = parseCliArgs(process.argv.slice(2))
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${CLI_USAGE}`)
    process.exitCode = 2
    return
  }
  if (config.help) {
    console.log(CLI_USAGE)
    return
  }
  const server = await startTiyaroServer({
    ...config.options,
    onRequest: (entry) => console.log(describeRequest(entry))
  })
  for (const { target, fault, times } of config.faults) server.injectFault(target, fault, times)
  console.log(`Tiyaro test server listening on ${server.graphqlUrl}`)

  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    console.log(`${signal}: stopping`)
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      }
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
