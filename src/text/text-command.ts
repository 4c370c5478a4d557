/**
 * What a text-mode command is (docs/protocol.md §5): a description for HELP and a function of the
 * line's arguments. Servers usually build these by aliasing methods (`STATUS` → `daemon.status`).
 */
import type { TextReply } from './text-reply.js';

/** What a text command gets besides its arguments. */
export interface TextCommandContext {
  /** Aborted when the client disconnects or the command runs past `commandTimeoutMs`. */
  readonly signal: AbortSignal;
}

export interface TextCommand {
  /** One line shown by HELP. */
  readonly description: string;
  /**
   * Runs the command. A string is sent as is (`OK`, `PONG`, `ERR: ...`); another value is sent as
   * single-line JSON; `undefined` as `OK`; a throw as `ERR: <message>`.
   */
  run(args: string[], ctx: TextCommandContext): Promise<TextReply | object> | TextReply | object;
}
