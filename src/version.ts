/** sidewire's version, reported in `$/hello` and `STATUS`. Kept in step with package.json by a test. */
export const VERSION = '0.1.0';
/** The wire protocol version of docs/protocol.md (`protocol: 1`). */
export const PROTOCOL_VERSION = 1;
