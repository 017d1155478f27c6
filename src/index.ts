// The action's entry. It ends the process itself once stdout and stderr have handed every byte
// to the runner (shared/flush.ts).
import { run } from './main.js'
import { exitWhenFlushed } from './shared/flush.js'

await run()
await exitWhenFlushed()
