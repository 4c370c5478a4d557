/** The `nats` option of a server or client on a `nats://` endpoint (docs/nats.md "Security"). */
import { either, integer, literal, MAX_TIMER_MS, nested, nonEmptyText, text, type Check } from '../../util/validate-options.js';

/** How to authenticate to the NATS server and whether to use TLS (all optional). */
export interface NatsOptions {
  /**
   * A token (NATS `authorization { token }`).
   * @default undefined
   */
  readonly token?: string;
  /**
   * A file holding the token (first line), checked like sidewire's own files: yours, not
   * writable by others, not a symlink.
   * @default undefined
   */
  readonly tokenFile?: string;
  /**
   * User and password.
   * @default undefined
   */
  readonly user?: string;
  /** @default undefined */
  readonly pass?: string;
  /**
   * A `.creds` file (JWT + nkey seed), checked like `tokenFile`.
   * @default undefined
   */
  readonly credsFile?: string;
  /**
   * A file holding an nkey seed (`SU…`), checked like `tokenFile`.
   * @default undefined
   */
  readonly nkeySeedFile?: string;
  /**
   * TLS: `true` for the system CAs, or the files of a private CA / client certificate.
   * @default undefined (plain TCP; use TLS when the NATS server is not on loopback)
   */
  readonly tls?: true | { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /**
   * How long to wait for the NATS server when connecting, in ms.
   * @default 5000
   */
  readonly connectTimeoutMs?: number;
}

/** The allowed values of the `nats` option. */
export const NATS_CHECK: Check = nested(
  {
    token: text,
    tokenFile: nonEmptyText,
    user: text,
    pass: text,
    credsFile: nonEmptyText,
    nkeySeedFile: nonEmptyText,
    tls: either(literal(true), nested({ caFile: nonEmptyText, certFile: nonEmptyText, keyFile: nonEmptyText }, true)),
    connectTimeoutMs: integer(1, MAX_TIMER_MS),
  },
  true,
);
