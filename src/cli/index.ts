#!/usr/bin/env node
// The tiyaro-dreambooth command (package.json "bin"; bundled to dist/cli/index.js): the action's
// engine for GitLab CI, Jenkins and a terminal. See README, "Command line".
import { exitWhenFlushed } from '../shared/flush.js'
import { runCommand } from './run.js'

await exitWhenFlushed(await runCommand(process.argv.slice(2), process.env))
