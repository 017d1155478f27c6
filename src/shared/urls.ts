// Where a secret may travel in clear: the host checks that the inputs (api-url,
// class-image-generator-url) and the inference calls share, so both draw the line in one place.

/** True for the hosts where plain http cannot leave the machine. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    // WHATWG URL has already normalised IPv4 forms such as 127.1 to dotted quads
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  )
}
