/**
 * Readiness notification to the service manager (`sd_notify`, docs/daemon.md "Socket
 * activation"): when `NOTIFY_SOCKET` is set, a server sends `READY=1` once it listens and
 * `STOPPING=1` when its graceful close begins — one datagram to that unix datagram socket (a
 * path, or `@name` for an abstract one). Node.js has no AF_UNIX datagram sockets, so the native
 * helper sends it (`notify`, native/peer.c); without the helper nothing is sent and the caller is
 * told why (use `Type=simple` or `Type=exec` then).
 */
import { shmNative, shmUnavailable } from './shm/native.js';

/** What sending one notification did. */
export type NotifyOutcome =
  | { readonly sent: true }
  | { readonly sent: false; readonly reason: string };

/** The NOTIFY_SOCKET of `env`, or undefined when the service manager expects no notification. */
export function notifySocket(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const value = env['NOTIFY_SOCKET'];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Sends `fields` (e.g. `{ READY: '1', STATUS: 'listening' }`) to NOTIFY_SOCKET, as `KEY=value`
 * lines; undefined when NOTIFY_SOCKET is not set.
 */
export function sdNotify(fields: Readonly<Record<string, string>>, env: Readonly<Record<string, string | undefined>> = process.env): NotifyOutcome | undefined {
  const target = notifySocket(env);
  if (target === undefined) return undefined;
  if (!target.startsWith('/') && !target.startsWith('@')) return { sent: false, reason: `NOTIFY_SOCKET=${target} is neither a path nor an @abstract name` };
  const native = shmNative();
  if (native?.notify === undefined) {
    return { sent: false, reason: `NOTIFY_SOCKET is set but sending to it needs the native helper (${shmUnavailable() ?? 'it is out of date: rebuild it'}); use Type=simple or Type=exec in the service unit` };
  }
  const message = Object.entries(fields).map(([k, v]) => `${k}=${v.replace(/\n/g, ' ')}`).join('\n');
  const result = native.notify(target, message);
  return result === 0 ? { sent: true } : { sent: false, reason: `sending to NOTIFY_SOCKET=${target} failed (errno ${-result})` };
}

/** Whether socket activation and readiness notification work here, for `sidewire doctor`. */
export interface ActivationStatus {
  /** Inherited sockets can be checked against the endpoint and READY=1 can be sent. */
  readonly available: boolean;
  /** Why not (with the fix), or null. */
  readonly reason: string | null;
}

export function activationStatus(): ActivationStatus {
  if (process.platform !== 'linux') return { available: false, reason: `systemd socket activation is Linux-only (this is ${process.platform}); launchd: see docs/daemon.md` };
  const native = shmNative();
  if (native === null) return { available: false, reason: `the native helper is not loaded (${shmUnavailable() ?? 'unknown'}): inherited sockets are adopted unchecked and READY=1 is not sent` };
  if (native.socketInfo === undefined || native.notify === undefined) return { available: false, reason: 'the native helper predates socket activation: rebuild it (npm run build:native)' };
  return { available: true, reason: null };
}
