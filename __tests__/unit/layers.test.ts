import { describe, expect, it } from '@jest/globals'
import { ESLint } from 'eslint'

// The layer rules of eslint.config.js, tried on code that breaks them: each failure names the import.
const eslint = new ESLint()

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((message) => message.message)
}

describe('layer rules', () => {
  it.each([
    ['src/shared/x.ts', "import { run } from '../main.js'", '../main.js'],
    ['src/shared/x.ts', "import { getConfig } from '../inputs/index.js'", '../inputs/index.js'],
    ['src/inputs/x.ts', "import { scanDataset } from '../dataset/index.js'", '../dataset/index.js'],
    ['src/dataset/x.ts', "import { TiyaroApi } from '../tiyaro/index.js'", '../tiyaro/index.js'],
    ['src/dataset/x.ts', "import { getConfig } from '../inputs/index.js'", '../inputs/index.js'],
    ['src/tiyaro/x.ts', "import { scanDataset } from '../dataset/index.js'", '../dataset/index.js'],
    ['src/tiyaro/x.ts', "import { newReport } from '../report/index.js'", '../report/index.js'],
    ['src/report/x.ts', "import { isReRun } from '../github/index.js'", '../github/index.js'],
    ['src/github/x.ts', "import { generateMissingClassImages } from '../extras/index.js'", '../extras/index.js'],
    ['src/extras/x.ts', "import { recordStartedJob } from '../github/rerun.js'", '../github/rerun.js'],
    ['src/github/x.ts', "import { runPipeline } from '../pipeline.js'", '../pipeline.js'],
    ['src/report/x.ts', "import { runFingerprint } from '../services/index.js'", '../services/index.js'],
    ['src/services/x.ts', "import { actionsRunServices } from '../github/index.js'", '../github/index.js'],
    ['src/services/x.ts', "import { runPipeline } from '../pipeline.js'", '../pipeline.js'],
    ['src/services/x.ts', "import { runCommand } from '../cli/run.js'", '../cli/run.js'],
    ['src/github/x.ts', "import { runCommand } from '../cli/run.js'", '../cli/run.js'],
    ['src/cli/x.ts', "import { actionsRunServices } from '../github/index.js'", '../github/index.js'],
    ['src/cli/x.ts', "import { run } from '../main.js'", '../main.js'],
    ['src/pipeline.ts', "import { isReRun } from './github/index.js'", './github/index.js'],
    ['src/run-end.ts', "import { runCommand } from './cli/run.js'", './cli/run.js'],
    ['server/x.ts', "import { log } from '../src/shared/log.js'", '../src/shared/log.js'],
    // start-up does not load @actions/core (shared/runner-commands.ts writes the commands), in no folder of src/
    ['src/main.ts', "import { setFailed } from '@actions/core'", '@actions/core'],
    ['src/shared/x.ts', "import { info } from '@actions/core'", '@actions/core'],
    ['src/inputs/x.ts', "import { getInput } from '@actions/core'", '@actions/core'],
    ['src/report/x.ts', "import { summary } from '@actions/core/lib/summary.js'", '@actions/core/lib/summary.js'],
    ['src/github/x.ts', "import { warning } from '@actions/core'", '@actions/core'],
    ['src/cli/x.ts', "import { debug } from '@actions/core'", '@actions/core']
  ])('%s may not import: %s', async (filePath, code, specifier) => {
    const messages = await restrictedImports(filePath, `${code}\nexport const used = [${code.split(/[{}]/)[1]}]\n`)
    expect(messages).toHaveLength(1)
    expect(messages[0]).toContain(`'${specifier}'`)
  })

  it.each([
    ['src/dataset/x.ts', "import { formatBytes } from '../shared/format.js'"],
    ['src/tiyaro/x.ts', "import type { Config } from '../inputs/config.js'"],
    ['src/github/x.ts', "import { newReport } from '../report/index.js'"],
    ['src/extras/x.ts', "import { callInference } from '../tiyaro/index.js'"],
    ['src/main.ts', "import { actionsRunServices } from './github/index.js'"],
    ['src/github/x.ts', "import { runFingerprint } from '../services/index.js'"],
    ['src/cli/x.ts', "import { runPipeline } from '../pipeline.js'"],
    ['src/cli/x.ts', "import { folderClassImageCache } from '../services/index.js'"],
    ['src/pipeline.ts', "import type { RunServices } from './services/index.js'"],
    ['src/shared/x.ts', "import type { AnnotationProperties } from '@actions/core'"]
  ])('%s may import: %s', async (filePath, code) => {
    const names = code.split(/[{}]/)[1]!.replace('type ', '')
    expect(await restrictedImports(filePath, `${code}\nexport type Used = typeof ${names}\n`)).toEqual([])
  })

  it('lets src/github/ load @actions/core lazily, as @actions/cache and the rest do', async () => {
    const code = "export const load = async () => (await import('@actions/core')).getInput('x')\n"
    expect(await restrictedImports('src/github/x.ts', code)).toEqual([])
  })
})
