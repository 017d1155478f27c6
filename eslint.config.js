import tseslint from 'typescript-eslint'

// The layers of src/ and the one-way arrows between them (README: "How the code is laid out").
// Each entry: the folder, and the imports its files may not make. A violation names the import.
const LAYERS =
  '(shared/ ← inputs/ ← dataset/, tiyaro/ ← report/ ← services/ ← github/, extras/ ← pipeline.ts ← main.ts, cli/)'
const only = (what) => `${what} ${LAYERS}`
/** the faces and the pipeline, which no layer below them imports */
const TOP = ['../pipeline*', '../run-*', '../main*', '../index*', '../cli', '../cli/**']
/**
 * Every file of src/: no static import of @actions/core, whose import graph (http-client, undici,
 * node:http, child_process) costs the action's start-up ~70 ms; shared/runner-commands.ts writes
 * the runner's commands. The lazy `await import()`s in src/github/ may use it: this rule sees only
 * static imports (and lets types through).
 */
const NO_CORE = {
  group: ['@actions/core', '@actions/core/**'],
  allowTypeImports: true,
  message: 'start-up does not load @actions/core: use src/shared/runner-commands.ts'
}
const layerRules = [
  // src/ files outside a layer (main.ts, index.ts, …); a layer's entry below replaces it, so each repeats NO_CORE
  { files: ['src/**/*.ts'], patterns: [] },
  {
    files: ['src/shared/**/*.ts'],
    patterns: [{ group: ['../*', '../**'], message: only('src/shared/ imports nothing of ours') }]
  },
  {
    files: ['src/inputs/**/*.ts'],
    patterns: [
      {
        group: ['../*', '../**', '!../shared', '!../shared/**'],
        message: only('src/inputs/ imports only src/shared/')
      }
    ]
  },
  ...['dataset', 'tiyaro'].map((layer) => ({
    files: [`src/${layer}/**/*.ts`],
    patterns: [
      {
        group: ['../*', '../**', '!../shared', '!../shared/**', '!../inputs', '!../inputs/**'],
        message: only(`src/${layer}/ imports only src/shared/ (and types from src/inputs/)`)
      },
      { group: ['../inputs', '../inputs/**'], allowTypeImports: true, message: only('types only from src/inputs/') }
    ]
  })),
  ...['report', 'services', 'github', 'extras'].map((layer) => ({
    files: [`src/${layer}/**/*.ts`],
    patterns: [
      {
        group: ['../github', '../github/**', '../extras', '../extras/**', ...TOP].filter(
          (pattern) => !pattern.startsWith(`../${layer}`)
        ),
        message: only('only the pipeline and the faces (main.ts, cli/) reach src/github/ and src/extras/')
      },
      ...(layer === 'report'
        ? [
            { group: ['../dataset', '../dataset/**'], message: only('src/report/ does not reach the dataset') },
            { group: ['../services', '../services/**'], message: only('src/report/ does not reach src/services/') }
          ]
        : [])
    ]
  })),
  {
    // the command is a face like main.ts: it reaches the pipeline and the engine, never GitHub's side
    files: ['src/cli/**/*.ts'],
    patterns: [
      {
        group: ['../github', '../github/**', '../main*', '../index*'],
        message: only('src/cli/ is the command: it does not reach src/github/ or the action (main.ts)')
      }
    ]
  },
  {
    // the pipeline runs on the services it is given: the GitHub ones are main.ts's choice
    files: ['src/pipeline.ts', 'src/run-*.ts', 'src/zip-upload.ts'],
    patterns: [
      {
        group: ['./github', './github/**', './cli', './cli/**', './main*', './index*'],
        message: only('the pipeline gets its services from its face; it does not reach src/github/ or the faces')
      }
    ]
  }
]

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', '.node24/', 'coverage/', 'bench/.data/', '.tmp/'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
      'prefer-const': 'error'
    }
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // the action talks through the log (src/shared/log.ts): a console line bypasses masking of commands
      'no-console': 'error'
    }
  },
  {
    // the server stands apart from the action: it shares no code with src/
    files: ['server/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../src', '../src/**'], message: 'server/ stands apart from src/' }] }
      ]
    }
  },
  ...layerRules.map(({ files, patterns }) => ({
    files,
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...patterns, NO_CORE] }] }
  }))
)
