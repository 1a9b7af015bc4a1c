// The vhost's Host rules: the request head bound its http.Server enforces, and frp's canonical host name.

/** Largest request head (request line + headers + blank line) the vhost's http.Server accepts. */
export const MAX_HTTP_HEADER_BYTES = 16 * 1024;

/** Lower-case, drop the port (host:port or [v6]:port) and a trailing dot, as frp's CanonicalHost. */
export function canonicalHost(hostPort: string): string {
  let host = hostPort.toLowerCase();
  const colons = host.split(':').length - 1;
  const hasPort = colons === 1 || (colons > 1 && host.startsWith('[') && host.includes(']:'));
  if (hasPort) {
    const idx = host.lastIndexOf(':');
    host = host.slice(0, idx);
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  }
  return host.endsWith('.') ? host.slice(0, -1) : host;
}
