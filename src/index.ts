import { run } from './main.js'

// An explicit exit, so that a socket left open by a library cannot keep the step alive.
await run()
process.exit()
