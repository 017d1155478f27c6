// As workflow-v1.0.mjs, for the action.yml schema of @actions/workflow-parser.
import { readFileSync } from 'node:fs'

const schema = new URL('../../node_modules/@actions/workflow-parser/dist/action-v1.0.min.json', import.meta.url)
export default JSON.parse(readFileSync(schema, 'utf8'))
