/** Connection ids (docs/protocol.md §4): 12 lowercase hex characters, unique among live connections. */
import { randomBytes } from 'node:crypto';

/** Pattern every clientId matches. */
export const CLIENT_ID_PATTERN = /^[0-9a-f]{12}$/;

/** A fresh clientId that is not in `live`. */
export function newClientId(live: { has(id: string): boolean }): string {
  for (;;) {
    const id = randomBytes(6).toString('hex');
    if (!live.has(id)) return id;
  }
}
