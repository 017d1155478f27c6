// Preloaded into a run of the action (node --import) to stand for a runner whose name server
// knows no host: every name but localhost fails to resolve with ENOTFOUND, as getaddrinfo says it.
// The tests reach no network through it, and the seed's endpoint fails the same way everywhere.
import dns from 'node:dns'

const realLookup = dns.lookup

dns.lookup = function lookup(hostname, options, callback) {
  const done = typeof options === 'function' ? options : callback
  if (hostname === 'localhost') return realLookup.call(this, hostname, options, callback)
  const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    errno: -3008,
    syscall: 'getaddrinfo',
    hostname
  })
  process.nextTick(() => done(error))
}
