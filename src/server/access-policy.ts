/**
 * The `allow` option of a server (docs/security.md "Peer identity"): which local users may
 * connect, judged on the kernel's peer credentials (SO_PEERCRED) at accept, before any byte of
 * the connection is read. A refused peer is closed at once and counted (`refused{reason="peer"}`).
 *
 * - `'same-user'`: the server's own uid, and root;
 * - `{ uids, gids }`: a uid in `uids` or a primary gid in `gids` (either list may be omitted);
 * - `(peer) => boolean`: your own rule (a throw refuses).
 *
 * Where the kernel gives no credentials (TCP, named pipes, no native helper) the policy cannot be
 * enforced: the token is the control then. `listen()` fails with ERR_ACCESS_POLICY when a policy
 * is set on such an endpoint without a required token, and warns when the token takes over.
 */
import { createError } from '../errors.js';
import type { PeerIdentity } from '../protocol/client-info.js';
import { invalidOption } from '../util/validate-options.js';

/** Who may connect (the `allow` option). */
export type AccessPolicy =
  | 'same-user'
  | { readonly uids?: readonly number[]; readonly gids?: readonly number[] }
  | ((peer: PeerIdentity) => boolean);

/** The most ids a `{ uids, gids }` policy lists. */
const MAX_IDS = 1024;

/** A resolved policy: true when `peer` may connect. */
export type PeerCheck = (peer: PeerIdentity) => boolean;

function idList(value: unknown, option: string): ReadonlySet<number> {
  if (value === undefined) return new Set();
  if (!Array.isArray(value) || value.length > MAX_IDS || !value.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) {
    throw invalidOption(option, value, `an array of at most ${MAX_IDS} user/group ids (integers from 0 to 4294967295)`);
  }
  return new Set(value as number[]);
}

/**
 * Checks the `allow` option once and returns its check (undefined: every peer may connect).
 * @throws SidewireError ERR_INVALID_ARGUMENT naming what is wrong
 */
export function resolveAccessPolicy(policy: AccessPolicy | undefined, ownUid: number | undefined = process.getuid?.()): PeerCheck | undefined {
  if (policy === undefined) return undefined;
  if (policy === 'same-user') {
    if (ownUid === undefined) return () => false; // unreachable where credentials exist (POSIX)
    return (peer) => peer.uid === ownUid || peer.uid === 0;
  }
  if (typeof policy === 'function') {
    return (peer) => {
      try {
        return policy(peer) === true;
      } catch {
        return false;
      }
    };
  }
  if (typeof policy === 'object' && policy !== null && !Array.isArray(policy)) {
    const uids = idList(policy.uids, 'allow.uids');
    const gids = idList(policy.gids, 'allow.gids');
    return (peer) => uids.has(peer.uid) || gids.has(peer.gid);
  }
  throw invalidOption('allow', policy, "'same-user', { uids, gids } or a function (peer) => boolean");
}

/** `--allow` of the CLI: `same-user`, or `uid:N[,uid:M][,gid:G]`. @throws SidewireError ERR_INVALID_ARGUMENT */
export function parseAccessPolicy(text: string): AccessPolicy {
  if (text === 'same-user') return 'same-user';
  const uids: number[] = [];
  const gids: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(uid|gid):(\d{1,10})$/.exec(part.trim());
    if (m === null) {
      throw createError('ERR_INVALID_ARGUMENT', `invalid --allow ${JSON.stringify(text)}: "${part}" is not uid:N or gid:N`, {
        fixes: ['use --allow same-user, or a list such as --allow uid:1000,uid:1001,gid:50'],
      });
    }
    (m[1] === 'uid' ? uids : gids).push(Number(m[2]));
  }
  return { uids, gids };
}

/**
 * Whether a policy can be enforced on an endpoint, decided at listen: undefined when it can (or
 * no policy is set), a warning when the token takes over, or a thrown ERR_ACCESS_POLICY when
 * nothing would enforce it.
 */
export function policyFallback(unavailable: string | undefined, tokenRequired: boolean, where: string): string | undefined {
  if (unavailable === undefined) return undefined;
  if (tokenRequired) {
    return `the allow policy cannot be checked on ${where} (${unavailable}); the token required in $/hello is the access control there`;
  }
  throw createError('ERR_ACCESS_POLICY', `the allow policy cannot be enforced on ${where}: ${unavailable}, and no token is required`, {
    fixes: [
      'listen on a unix socket (the default on Linux and macOS) with the native helper built: `sidewire doctor` shows whether peer credentials are available',
      'or require the token (requireToken: true; TCP requires it by default) so the policy falls back to it',
      'or drop the allow option',
    ],
    details: { endpoint: where, reason: unavailable },
  });
}
