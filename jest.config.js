import { createDefaultEsmPreset } from 'ts-jest'

const preset = createDefaultEsmPreset({ tsconfig: 'tsconfig.json' })

/** @type {import('jest').Config} */
export default {
  ...preset,
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60000,
  // integration tests start servers and child processes; two cores, so keep workers low
  maxWorkers: 2
}
