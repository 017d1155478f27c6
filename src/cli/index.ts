#!/usr/bin/env node
// The tiyaro-dreambooth command (package.json "bin"; bundled to dist/cli/index.js): the action's
// engine for GitLab CI, Jenkins and a terminal. See README, "Command line".
import { runCommand } from './run.js'

const code = await runCommand(process.argv.slice(2), process.env)
// stdout may be a pipe that has not taken everything yet; then an explicit exit, so that a
// socket left open by a library cannot keep the command alive
await new Promise<void>((done) => process.stdout.write('', () => done()))
process.exit(code)
