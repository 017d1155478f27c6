// jest.config.js globalSetup: the test run gets a temp folder of its own, which
// global-teardown.ts checks is empty at the end and removes.
//
// This makes a folder in the system temp folder and points TMPDIR (TEMP, TMP) at it, so that
// os.tmpdir() in the test files, the jest workers (started after this) and the action's child
// processes names it. A folder of its own keeps the check exact while other test runs share the
// machine. Self-contained: jest imports this file natively, not through its module map.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** What teardown needs: the run's folder and the variables as they were. */
export interface TempFolderRecord {
  readonly root: string
  readonly saved: Record<string, string | undefined>
}
/** Where the record is kept for global-teardown.ts (the same process). */
export const RECORD_VARIABLE = 'TIYARO_TEST_TEMP_FOLDER'
export const TEMP_VARIABLES = ['TMPDIR', 'TEMP', 'TMP']

export default function globalSetup(): void {
  const root = mkdtempSync(join(tmpdir(), 'tiyaro-tests-'))
  const record: TempFolderRecord = {
    root,
    saved: Object.fromEntries(TEMP_VARIABLES.map((name) => [name, process.env[name]]))
  }
  for (const name of TEMP_VARIABLES) process.env[name] = root
  process.env[RECORD_VARIABLE] = JSON.stringify(record)
}
