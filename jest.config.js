import { createDefaultEsmPreset } from 'ts-jest'

const preset = createDefaultEsmPreset({ tsconfig: 'tsconfig.json' })

/** @type {import('jest').Config} */
export default {
  ...preset,
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    // @actions/workflow-parser imports its schemas as JSON without an import attribute
    '^\\.\\./(workflow|action)-v1\\.0\\.min\\.json$': '<rootDir>/test-support/json-modules/$1-v1.0.mjs',
    '^(\\.{1,2}/.*)\\.js$': '$1'
  },
  testTimeout: 60000,
  // a temp folder of the run's own, which must be empty at the end (test-support/temp-folder-guard.ts)
  globalSetup: '<rootDir>/test-support/global-setup.ts',
  globalTeardown: '<rootDir>/test-support/global-teardown.ts',
  // jest's own cache, kept between runs: not in the temp folder the runs must leave as they found it
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  // integration tests start servers and child processes; two cores, so keep workers low
  maxWorkers: 2
}
