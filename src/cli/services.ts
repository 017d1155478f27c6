// What the pipeline is given when it runs as the command: the class-image cache in a folder of
// this machine, the idempotency file (when one is given) as the record of started jobs, the wait
// command as the way to attach later, and the upload's progress on the terminal.
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { folderClassImageCache, idempotencyFile, type JobRecordStore, type RunServices } from '../services/index.js'
import type { TerminalLog } from './terminal.js'

/** Without --idempotency-file nothing is recorded, and every train starts a job. */
const NO_RECORD: JobRecordStore = {
  mayHoldEarlierJob: () => false,
  findEarlier: async () => undefined,
  record: async () => undefined
}

export interface CommandServicesOptions {
  readonly cacheDir: string
  readonly idempotencyFile?: string
  readonly terminal: TerminalLog
}

export function commandServices({ cacheDir, idempotencyFile: file, terminal }: CommandServicesOptions): RunServices {
  return {
    classImageCache: folderClassImageCache(cacheDir),
    jobRecord: file === undefined ? NO_RECORD : idempotencyFile(file),
    attachHint: (jobId) => `Wait for it later with: tiyaro-dreambooth wait ${jobId}`,
    onUploadProgress: (sent, total) => terminal.progress(sent, total)
  }
}

/** The user's cache folder: $XDG_CACHE_HOME (when absolute, as the spec asks) or ~/.cache. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CACHE_HOME
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'tiyaro-dreambooth')
}
