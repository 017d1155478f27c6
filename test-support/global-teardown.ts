// jest.config.js globalTeardown: fails the run when the tests left anything in the temp folder
// global-setup.ts made for it. The folder goes either way; a failure names what was in it, for
// each fixture, helper or test removes what it made (see test-support/fixtures.ts).
// Self-contained like global-setup.ts (only a type is imported).
import { readdirSync, rmSync } from 'node:fs'
import type { TempFolderRecord } from './global-setup.js'

/**
 * Caches of tools the tests run, kept there on purpose and not made by test code: Node's module
 * compile cache, which tsc (__tests__/server/cli.test.ts runs it) turns on. They go with the folder.
 */
const TOOL_CACHES = new Set(['node-compile-cache'])

export default function globalTeardown(): void {
  const text = process.env.TIYARO_TEST_TEMP_FOLDER // RECORD_VARIABLE of global-setup.ts
  if (!text) return
  delete process.env.TIYARO_TEST_TEMP_FOLDER
  const { root, saved } = JSON.parse(text) as TempFolderRecord
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  const leftovers = readdirSync(root, { withFileTypes: true })
    .filter((entry) => !TOOL_CACHES.has(entry.name))
    .map((entry) => `${entry.name}${entry.isDirectory() ? '/' : ''}`)
    .sort()
  rmSync(root, { recursive: true, force: true })
  if (leftovers.length > 0) {
    throw new Error(
      `The tests left ${leftovers.length} entries in the temp folder ${root} (removed now); ` +
        `whoever makes one removes it:\n${leftovers.map((name) => `  ${name}`).join('\n')}`
    )
  }
}
