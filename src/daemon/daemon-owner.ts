/**
 * The owner rule of `daemon.stop`: only the user the daemon runs as (or root) may stop it.
 *
 * On a unix socket with the native helper the caller's uid is the kernel's (SO_PEERCRED, the
 * request's `ctx.peer`; docs/security.md "Peer identity") and the rule is that check, nothing
 * else. Where there are no peer credentials (TCP, pipes, no native helper) it is decided from
 * what the endpoint lets through:
 * - unix socket file with no group/other permission bits (the default 0600): only its owner
 *   (and root, who can kill the daemon anyway) can connect at all → allowed;
 * - Windows named pipe: the default pipe DACL gives write access only to the creating user,
 *   Administrators and LocalSystem → allowed;
 * - an endpoint that requires a token (TCP by default): the caller got past `$/hello` with the
 *   per-start token, which is stored only in the 0600 discovery file the owner can read → allowed;
 * - anything else (a 0660 socket, a Linux abstract socket, TCP without a token): other users
 *   could be connected → refused, with the fix (require a token, or a 0600 socket).
 */
import type { Endpoint } from '../endpoint/endpoint.js';
import { formatEndpoint } from '../endpoint/parse.js';

export interface OwnerRuleInput {
  /** The caller's kernel-verified identity, when the connection has one. */
  readonly peer?: { readonly pid: number; readonly uid: number } | undefined;
  /**
   * The uid the daemon runs as.
   * @default process.getuid()
   */
  readonly ownUid?: number | undefined;
  /** The endpoint the daemon listens on. */
  readonly endpoint: Endpoint;
  /** The socket file mode (unix sockets). */
  readonly socketMode: number;
  /** True when the endpoint requires the token (so every caller presented it). */
  readonly tokenRequired: boolean;
}

/** Why the caller cannot be trusted to be the owner, or undefined when it can. */
export function ownerRefusal(input: OwnerRuleInput): string | undefined {
  const { endpoint, socketMode, tokenRequired, peer } = input;
  if (peer !== undefined) {
    const own = input.ownUid ?? process.getuid?.();
    if (peer.uid === own || peer.uid === 0) return undefined;
    return `daemon.stop is only allowed for the daemon's owner (uid ${String(own)}) or root, and the caller (pid ${peer.pid}) is uid ${peer.uid}; ask the owner, or stop it with a signal as that user`;
  }
  if (tokenRequired) return undefined;
  if (endpoint.kind === 'unix' && (socketMode & 0o077) === 0) return undefined;
  if (endpoint.kind === 'pipe') return undefined;
  const where = formatEndpoint(endpoint);
  const why =
    endpoint.kind === 'unix'
      ? `the socket mode ${socketMode.toString(8).padStart(4, '0')} lets other users connect`
      : endpoint.kind === 'abstract'
        ? 'an abstract socket has no permissions: any local user can connect'
        : 'a TCP endpoint without a token accepts any local user';
  return `daemon.stop is only allowed for the daemon's owner, and on ${where} ${why}; stop it with a signal (kill -TERM <pid>), or run it with requireToken: true or a 0600 socket`;
}
