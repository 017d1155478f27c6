// @actions/workflow-parser imports its JSON schemas without an import attribute, which Node
// refuses and Jest only warns about (for now). jest.config.js maps that import here: a module
// whose default export is the schema, which is what the default import of JSON gives.
import { readFileSync } from 'node:fs'

const schema = new URL('../../node_modules/@actions/workflow-parser/dist/workflow-v1.0.min.json', import.meta.url)
export default JSON.parse(readFileSync(schema, 'utf8'))
