/**
 * One text-mode session (docs/protocol.md §5): read one line `WORD [args...]`, answer exactly one line
 * (`OK`, `ERR: <message>` or single-line JSON) followed by `\n`, then close.
 *
 * Decisions beyond the contract:
 * - Leading whitespace (spaces, tabs, blank lines) before WORD is skipped, like the mode sniffer.
 * - A line ended by the peer's FIN instead of `\n` (e.g. `printf STATUS | nc -N ...`) is accepted;
 *   the reply is sent if the socket is still writable (servers with `allowHalfOpen`).
 * - `maxLineBytes` counts the whole line including its `\n`.
 * - Only the first line counts; later bytes are read and discarded so the close completes.
 * - Without a token, a leading `AUTH <anything>` is accepted and dropped (see text-auth.ts).
 * - HELP is built in unless the map has its own (see text-help.ts).
 */
import type { Socket } from 'node:net';
import { realTimers, type TimerHandle, type Timers } from '../util/timers.js';
import { readFirstLine, type FirstLineResult } from './first-line.js';
import { applyTextAuth } from './text-auth.js';
import type { TextCommand } from './text-command.js';
import { createHelpCommand } from './text-help.js';
import { decodeTextLine, parseTextLine, sanitizeWord } from './text-line.js';
import { formatTextError, formatTextReply, type TextReply } from './text-reply.js';

export interface TextSessionOptions {
  /** The commands, keyed by UPPER-CASE word. */
  readonly commands: ReadonlyMap<string, TextCommand>;
  /**
   * When set, lines must be `AUTH <token> WORD [args]`, else `ERR: unauthorized`.
   * @default undefined (no token required)
   */
  readonly token?: string;
  /**
   * Time the peer has to send a complete line, else `ERR: timeout`.
   * @default 5000
   */
  readonly lineTimeoutMs?: number;
  /**
   * Longest line in bytes, `\n` included; as soon as this many bytes arrive without `\n` the
   * reply is `ERR: line too long`.
   * @default 4096
   */
  readonly maxLineBytes?: number;
  /**
   * Time a command may run before the reply is `ERR: command timed out` (its signal is aborted).
   * @default 30000
   */
  readonly commandTimeoutMs?: number;
  /**
   * After the reply, time the peer has to close before the socket is destroyed.
   * @default 1000
   */
  readonly closeGraceMs?: number;
  /**
   * Timer functions; a server passes its own (`ServerOptions.timers`).
   * @default realTimers (Node's timers, unref'd: util/timers.ts)
   */
  readonly timers?: Timers;
}

interface ResolvedSession {
  readonly commands: ReadonlyMap<string, TextCommand>;
  readonly token: string | undefined;
  readonly commandTimeoutMs: number;
  readonly timers: Timers;
  readonly signal: AbortSignal;
}

/**
 * Serves one text session on `socket`; `initial` holds the bytes the sniffer already read.
 * Resolves once the socket is closed; never rejects (socket errors end the session quietly).
 */
export async function handleTextSession(socket: Socket, initial: Buffer, options: TextSessionOptions): Promise<void> {
  const timers = options.timers ?? realTimers;
  const closed = whenClosed(socket);
  const ignore = (): void => {};
  socket.on('error', ignore);
  const aborter = new AbortController();
  socket.once('close', () => aborter.abort(new Error('client disconnected')));

  const first = await readFirstLine(socket, initial, {
    maxLineBytes: options.maxLineBytes ?? 4096,
    timeoutMs: options.lineTimeoutMs ?? 5000,
    timers,
  });
  socket.on('data', ignore); // only the first line counts: discard the rest (and so see the peer's FIN)
  socket.resume();
  if (first.kind === 'closed') {
    socket.destroy();
  } else {
    const reply = await replyFor(first, {
      commands: options.commands,
      token: options.token,
      commandTimeoutMs: options.commandTimeoutMs ?? 30_000,
      timers,
      signal: aborter.signal,
    });
    sendAndClose(socket, redact(reply, options.token), options.closeGraceMs ?? 1000, timers);
  }
  await closed;
}

/** The reply line for what the peer sent. */
async function replyFor(first: Exclude<FirstLineResult, { kind: 'closed' }>, session: ResolvedSession): Promise<TextReply> {
  if (first.kind === 'timeout') return 'ERR: timeout';
  if (first.kind === 'too-long') return 'ERR: line too long';
  const text = decodeTextLine(first.bytes);
  if (typeof text !== 'string') return `ERR: ${text.error}`;
  const parsed = parseTextLine(text);
  if ('error' in parsed) return `ERR: ${parsed.error}`;
  const line = applyTextAuth(parsed, session.token);
  if ('error' in line) return `ERR: ${line.error}`;
  const command = session.commands.get(line.word) ?? (line.word === 'HELP' ? createHelpCommand(session.commands) : undefined);
  if (command === undefined) return `ERR: unknown command: ${sanitizeWord(line.word)}`;
  return runCommand(command, line.args, session);
}

/** Runs a command under the command timeout; any failure becomes `ERR: <message>`. */
async function runCommand(command: TextCommand, args: string[], session: ResolvedSession): Promise<TextReply> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(session.signal.reason);
  session.signal.addEventListener('abort', onAbort, { once: true });
  let timer: TimerHandle | undefined;
  const timedOut = new Promise<TextReply>((resolve) => {
    timer = session.timers.setTimeout(() => {
      controller.abort(new Error('command timed out'));
      resolve('ERR: command timed out');
    }, session.commandTimeoutMs);
  });
  const ran = (async (): Promise<TextReply> => {
    try {
      return formatTextReply(await command.run(args, { signal: controller.signal }));
    } catch (err) {
      return formatTextError(err);
    }
  })();
  try {
    return await Promise.race([ran, timedOut]);
  } finally {
    if (timer !== undefined) session.timers.clearTimeout(timer);
    session.signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Never lets the token reach the peer, even if a command put it in its message. Tokens shorter
 * than 8 characters are left alone: redacting them would mangle ordinary replies.
 */
function redact(reply: TextReply, token: string | undefined): TextReply {
  return token === undefined || token.length < 8 ? reply : reply.split(token).join('<token>');
}

/** Writes the reply line, half-closes, and destroys the socket if the peer has not closed after `graceMs`. */
function sendAndClose(socket: Socket, reply: TextReply, graceMs: number, timers: Timers): void {
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`${reply}\n`);
  const timer = timers.setTimeout(() => socket.destroy(), graceMs);
  socket.once('close', () => timers.clearTimeout(timer));
}

function whenClosed(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
