// The floor of the start-up figure: a bare Node script that sends newJobID to the action's api-url
// the moment it starts (Node's own http client, nothing else loaded), run by the bench exactly as
// it runs the action (an ES module under the runner's INPUT_* variables). Its time from spawn to
// the request is what Node itself costs on this machine before any code of the action could run.
const http = process.getBuiltinModule('node:http')
const request = http.request(process.env['INPUT_API-URL'] ?? '', {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: process.env['INPUT_API-KEY'] ?? '' }
})
request.on('response', (answer) => {
  answer.resume()
  answer.on('end', () => process.exit(answer.statusCode === 200 ? 0 : 1))
})
request.on('error', () => process.exit(1))
request.end(JSON.stringify({ query: 'mutation { newJobID(jobType: dreambooth) }' }))
