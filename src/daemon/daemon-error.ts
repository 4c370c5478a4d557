/**
 * Errors of the daemon kit: state changes that are not allowed (`ERR_DAEMON_STATE`, whose message
 * is the text-mode reply reason, e.g. `already paused`) and bad configuration (`ERR_CONFIG`).
 * The class lives with the error table in src/errors.ts; it is re-exported here for the kit.
 */
export { DaemonError } from '../errors.js';
