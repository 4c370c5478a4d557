/**
 * Errors of the daemon kit: state changes that are not allowed (`ERR_DAEMON_STATE`, whose message
 * is the text-mode reply reason, e.g. `already paused`) and bad configuration (`ERR_CONFIG`).
 */
import { SidewireError } from '../errors.js';

/** A daemon-kit error. `message` is short and single-line: text mode replies `ERR: <message>`. */
export class DaemonError extends SidewireError {
  override name = 'DaemonError';
}
