/**
 * Loopback checks for the health server: which bind addresses count as local, and which HTTP
 * `Host` headers are accepted (a defence against DNS rebinding: a web page on evil.example that
 * re-points its name at 127.0.0.1 still sends `Host: evil.example`).
 */

const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function isIpv4Loopback(host: string): boolean {
  const m = IPV4_LOOPBACK.exec(host);
  return m !== null && m.slice(1).every((part) => Number(part) <= 255);
}

/** True for `localhost`, `127.0.0.0/8`, `::1` (also bracketed or as `::ffff:127.x.x.x`). */
export function isLoopbackHost(host: string): boolean {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (h.startsWith('::ffff:')) h = h.slice('::ffff:'.length);
  return isIpv4Loopback(h);
}

/** Splits a Host header into name and optional port; undefined when it is malformed. */
function hostName(header: string): string | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  return m === null ? undefined : m[1]!.toLowerCase();
}

export interface HostCheckOptions {
  /** The server listens on a unix socket: any Host, or none, is fine there. */
  readonly unixSocket: boolean;
  /** Extra accepted host names (without port), compared case-insensitively. */
  readonly allowedHosts: readonly string[];
}

/**
 * True when a request with this `Host` header may be served: `localhost`, `127.x.x.x` or
 * `[::1]` with an optional `:port`, or one of `allowedHosts`. Over a unix socket every request is
 * accepted (browsers cannot reach one).
 */
export function isAllowedHostHeader(header: string | undefined, options: HostCheckOptions): boolean {
  if (options.unixSocket) return true;
  if (header === undefined || header === '') return false;
  const name = hostName(header);
  if (name === undefined) return false;
  if (name === 'localhost' || name === '[::1]' || isIpv4Loopback(name)) return true;
  return options.allowedHosts.some((h) => h.toLowerCase() === name);
}
