// Command-line arguments of the local server (server/cli.ts), parsed into ServerOptions.

import { parseArgs } from 'node:util'
import { parseFaultSpec, type Fault } from './faults.js'
import { SCHEMA_REVISIONS, type SchemaRevision } from './schema.js'
import type { Outcome } from './training-types.js'
import type { ServerOptions } from './tiyaro-server.js'
import { UPLOAD_SIGNERS, type UploadSignerKind } from './upload-auth.js'

export const CLI_USAGE = `Usage: node build/server/cli.js [options]
  --port N                 port to listen on (default 8787; 0 = any free port)
  --host H                 address to listen on (default 127.0.0.1)
  --api-key K              API key clients must send (default test-api-key)
  --revision R             original | later (default original)
  --training-ms N          time from a job's start to its end (default 300)
  --outcome O              done | failed | never (default done)
  --fail-message M         errMsg of failed jobs (default "CUDA out of memory")
  --upload-url-ttl-ms N    lifetime of presigned upload URLs (default 900000)
  --upload-signer S        sigv4 (real S3 presigned URLs, checked as S3 does) | hmac (the
                           server's own simple scheme, which takes chunked bodies) (default sigv4)
  --upload-key-prefix P    sigv4: start of every object key, before <jobID>/<objName> (default none)
  --vendor V               vendor of trained models (default local)
  --data-dir DIR           folder for uploaded objects, kept when the server stops (default: a new
                           folder under the system's temporary folder, removed when it stops)
  --fault T:KIND[:ARG]:N   inject a fault into the next N requests of target T; repeatable
                           (e.g. getJobStatus:status:503:2, upload:reset:1, inference:hang:5000:1,
                            getJobStatus:rate-limit:7:1)
  --help                   show this help`

export interface CliConfig {
  readonly help: boolean
  readonly options: ServerOptions
  readonly faults: readonly { readonly target: string; readonly fault: Fault; readonly times: number }[]
}

const OUTCOMES: readonly Outcome[] = ['done', 'failed', 'never']

/** Parses the arguments (without the node and script paths); throws an Error naming the bad one. */
export function parseCliArgs(args: readonly string[]): CliConfig {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string', default: '8787' },
      host: { type: 'string' },
      'api-key': { type: 'string' },
      revision: { type: 'string' },
      'training-ms': { type: 'string' },
      outcome: { type: 'string' },
      'fail-message': { type: 'string' },
      'upload-url-ttl-ms': { type: 'string' },
      'upload-signer': { type: 'string' },
      'upload-key-prefix': { type: 'string' },
      vendor: { type: 'string' },
      'data-dir': { type: 'string' },
      fault: { type: 'string', multiple: true },
      help: { type: 'boolean', default: false }
    }
  })
  const integer = (name: string, text: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    if (text === undefined) return undefined
    const value = Number(text)
    if (!/^\d+$/.test(text) || value > max)
      throw new Error(`--${name} must be a whole number from 0 to ${max}, got ${text}`)
    return value
  }
  const oneOf = <T extends string>(name: string, text: string | undefined, allowed: readonly T[]): T | undefined => {
    if (text === undefined) return undefined
    if (!(allowed as readonly string[]).includes(text))
      throw new Error(`--${name} must be one of ${allowed.join(', ')}, got ${text}`)
    return text as T
  }
  const options: Record<string, unknown> = {
    port: integer('port', values.port, 65535),
    host: values.host,
    apiKey: values['api-key'],
    revision: oneOf<SchemaRevision>('revision', values.revision, SCHEMA_REVISIONS),
    trainingMs: integer('training-ms', values['training-ms']),
    outcome: oneOf('outcome', values.outcome, OUTCOMES),
    failMessage: values['fail-message'],
    uploadUrlTtlMs: integer('upload-url-ttl-ms', values['upload-url-ttl-ms']),
    uploadSigner: oneOf<UploadSignerKind>('upload-signer', values['upload-signer'], UPLOAD_SIGNERS),
    uploadKeyPrefix: values['upload-key-prefix'],
    vendor: values.vendor,
    dataDir: values['data-dir']
  }
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key]
  if (options.apiKey === '') throw new Error('--api-key must not be empty')
  if (options.dataDir === '') throw new Error('--data-dir must not be empty')
  return {
    help: values.help,
    options: options as ServerOptions,
    faults: (values.fault ?? []).map(parseFaultSpec)
  }
}
