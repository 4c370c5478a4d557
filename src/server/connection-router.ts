/**
 * What happens to an accepted socket before it becomes a connection: the connection limit, then
 * the wire mode sniffed from the first significant bytes (docs/protocol.md §3). JSON and LSP
 * framing go to the rpc layer; text and binary go to pluggable handlers; anything else is closed.
 */
import type { Socket } from 'node:net';
import { sniffMode, type WireMode } from '../framing/sniff.js';
import { ErrorCodes } from '../protocol/response-error.js';
import type { TimerHandle, Timers } from '../util/timers.js';
import { endPolitely } from '../stream/end-politely.js';

/**
 * Takes over a socket whose mode was sniffed; `initial` holds the bytes read so far, from the
 * first significant one. The socket is paused and allows half-open (`allowHalfOpen = true`): the
 * handler must end it when done, also after the peer's EOF.
 */
export type ModeHandler = (socket: Socket, initial: Buffer) => void;

/** Handlers for the non-JSON modes. */
export interface ModeHandlers {
  /** Text mode (docs/protocol.md §5). Absent: reply `ERR: text mode not enabled on this server` and close. */
  readonly text?: ModeHandler;
  /** Binary mode. Absent: the server's own binary mode (`RouteOptions.binary`). */
  readonly binary?: ModeHandler;
}

export interface RouteOptions {
  /** Handles JSON-mode sockets. */
  readonly json: ModeHandler;
  /** Handles LSP-framed JSON-RPC sockets (`Content-Length:` headers, docs/protocol.md "LSP framing"). */
  readonly lsp: ModeHandler;
  /** Handles binary-mode sockets when `modeHandlers.binary` is absent (the server's binary mode). */
  readonly binary: ModeHandler;
  readonly modeHandlers: ModeHandlers;
  /**
   * Close a socket that sent nothing significant within this long (0 = wait forever), after one
   * -32003 line (`limits.firstByteTimeoutMs`, docs/protocol.md "Limits").
   */
  readonly sniffTimeoutMs: number;
  readonly timers: Timers;
  /** Told the sniffed mode (and the chunk that decided it) before the socket is handed over or closed (metrics). */
  readonly observe?: (mode: WireMode | 'invalid', socket: Socket, chunk: Buffer) => void;
}

/** The one line sent to a connection over the limit. */
export function busyLine(limit: number): string {
  return (
    JSON.stringify({
      jsonrpc: '2.0',
      id: null,
      error: { code: ErrorCodes.Busy, message: `server busy: too many connections (limit ${limit})` },
    }) + '\n'
  );
}

/** The one line sent before closing a connection that missed a deadline (id null). */
export function timeoutLine(message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: ErrorCodes.TimedOut, message } }) + '\n';
}

/**
 * Calls `fn` once `ms` have passed and the input that arrived meanwhile has been read: the timer
 * waits one more `setImmediate` (after the event loop's poll phase), so when the loop was blocked
 * past the deadline, what a prompt client sent during the block (its first bytes, its `$/hello`)
 * is handled before the deadline is judged. Returns the function that cancels it.
 */
export function inputDeadline(timers: Timers, ms: number, fn: () => void): () => void {
  let immediate: ReturnType<typeof setImmediate> | undefined;
  const timer: TimerHandle = timers.setTimeout(() => {
    immediate = setImmediate(fn);
  }, ms);
  return () => {
    timers.clearTimeout(timer);
    if (immediate !== undefined) clearImmediate(immediate);
  };
}

/** Reads until the mode is known, then hands the socket over. */
export function routeConnection(socket: Socket, options: RouteOptions): void {
  let cancelDeadline: (() => void) | undefined;
  /** The start of a possible LSP header (a `C`...), kept until the next bytes decide (sniff.ts). */
  let held: Buffer | undefined;
  const stop = (): void => {
    socket.removeListener('data', onData);
    socket.removeListener('end', onEnd);
    cancelDeadline?.();
  };
  const handOver = (mode: WireMode, initial: Buffer): void => {
    if (mode === 'json') options.json(socket, initial);
    else if (mode === 'lsp') options.lsp(socket, initial);
    else if (mode === 'text') {
      if (options.modeHandlers.text !== undefined) options.modeHandlers.text(socket, initial);
      else endPolitely(socket, options.timers, 'ERR: text mode not enabled on this server\n');
    } else (options.modeHandlers.binary ?? options.binary)(socket, initial);
  };
  const onData = (data: Buffer): void => {
    const chunk = held === undefined ? data : Buffer.concat([held, data]);
    const sniff = sniffMode(chunk);
    if (sniff.mode === 'undecided') {
      held = sniff.keep === undefined ? undefined : chunk.subarray(sniff.keep); // whitespace only: drop it and wait
      return;
    }
    stop();
    socket.pause();
    options.observe?.(sniff.mode, socket, chunk);
    if (sniff.mode === 'invalid') socket.destroy();
    else handOver(sniff.mode, chunk.subarray(sniff.offset));
  };
  const onEnd = (): void => {
    stop();
    if (held === undefined) {
      socket.destroy(); // EOF before any significant byte
      return;
    }
    // A short text command (`C`, `CO`...) then EOF: text mode (it sees `readableEnded`).
    socket.pause();
    options.observe?.('text', socket, held);
    handOver('text', held);
  };
  socket.on('data', onData);
  socket.once('end', onEnd);
  socket.once('close', stop);
  const ms = options.sniffTimeoutMs;
  if (ms > 0) {
    cancelDeadline = inputDeadline(options.timers, ms, () => {
      stop();
      endPolitely(socket, options.timers, timeoutLine(`timed out: nothing received within ${ms} ms of connecting`));
    });
  }
}
