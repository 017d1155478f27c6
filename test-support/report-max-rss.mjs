// Preloaded into a run of the action (node --import) to write its peak resident memory, in KiB,
// to the file MAX_RSS_FILE names as it exits: how a test sees that memory stayed flat.
import { writeFileSync } from 'node:fs'

process.on('exit', () => {
  if (process.env.MAX_RSS_FILE) writeFileSync(process.env.MAX_RSS_FILE, String(process.resourceUsage().maxRSS))
})
