/**
 * Text mode of a `Server` (docs/protocol.md §5): text WORDs are aliases of registered methods
 * (`STATUS` → `daemon.status`), so the SAME handler serves JSON and text. A text line
 * `WORD arg1 arg2` calls the method with params `["arg1", "arg2"]` (or no params without args),
 * through the server's method table: params schemas apply, handlers get a `RequestContext`.
 *
 * Decisions:
 * - Text mode is served once at least one alias exists (or a custom `modeHandlers.text` is
 *   given); before that the router answers `ERR: text mode not enabled on this server`.
 * - Errors are worded like JSON mode: a `ResponseError` gives `ERR: <its message>`; any other
 *   throw is reported through the server's `error` event and answered
 *   `ERR: internal error in method '<name>'` (no internals reach the peer).
 * - While the server shuts down, commands get `ERR: server busy: shutting down`.
 * - The command timeout is the server's `limits.requestTimeoutMs` when set, else 30 s.
 * - Text sessions get a clientId (RequestContext.clientId) but are not listed by `clients()`.
 */
import type { Socket } from 'node:net';
import { SidewireError } from '../errors.js';
import type { ClientInfo } from '../protocol/client-info.js';
import { newClientId } from './client-id.js';
import type { ConnectionHost } from './connection-host.js';
import type { ModeHandler } from './connection-router.js';
import { validateParams, type RequestContext } from './dispatch.js';
import { ErrorCodes, ResponseError } from '../protocol/response-error.js';
import { traceRequest } from '../observability/channels.js';
import type { TimerHandle, Timers } from '../util/timers.js';
import type { TextTimers } from '../text/first-line.js';
import type { TextCommand } from '../text/text-command.js';
import { handleTextSession, type TextSessionOptions } from '../text/text-session.js';

/** What the text mode needs from its server (a subset of the connection host). */
export type TextModeHost = Pick<ConnectionHost, 'token' | 'isClosing' | 'limits' | 'timers' | 'methods' | 'reportError' | 'observer'>;

export interface TextAliasOptions {
  /**
   * The line HELP shows for this WORD.
   * @default the method's description, else `runs <method>`
   */
  readonly description?: string;
}

/** Tunables of text sessions (see TextSessionOptions). */
export interface TextModeSettings {
  /**
   * Time a client has to send a complete line, else `ERR: timeout`.
   * @default 5000
   */
  readonly lineTimeoutMs?: number;
  /**
   * Longest line in bytes, `\n` included, else `ERR: line too long`.
   * @default 4096
   */
  readonly maxLineBytes?: number;
  /**
   * After the reply, time the peer has to close before the socket is destroyed.
   * @default 1000
   */
  readonly closeGraceMs?: number;
}

/** One alias as listed by `ServerTextMode.list()`. */
export interface TextAlias {
  readonly word: string;
  readonly method: string;
  readonly description: string | undefined;
}

const WORD_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;

function badAlias(message: string, fix: string, details: Record<string, unknown>): SidewireError {
  return new SidewireError('ERR_INVALID_ARGUMENT', message, { fixes: [fix], details });
}

/** The rpc layer's timers in the shape text sessions take. */
function textTimersFrom(timers: Timers): TextTimers {
  return {
    setTimeout: ((fn: () => void, ms: number) => timers.setTimeout(fn, ms)) as unknown as typeof setTimeout,
    clearTimeout: ((handle: TimerHandle | undefined) => {
      if (handle !== undefined) timers.clearTimeout(handle);
    }) as unknown as typeof clearTimeout,
  };
}

/** The text-mode part of a server: aliases, settings, and the mode handler. */
export class ServerTextMode {
  private readonly aliases = new Map<string, { method: string; description: string | undefined }>();
  private readonly active = new Set<string>();
  private settings: TextModeSettings = {};
  private readonly timers: TextTimers;

  /** `liveIds`: ids of the server's JSON/binary connections, so text clientIds never collide. */
  constructor(
    private readonly host: TextModeHost,
    private readonly liveIds: { has(id: string): boolean },
  ) {
    this.timers = textTimersFrom(host.timers);
  }

  /** True once at least one alias exists. */
  get enabled(): boolean {
    return this.aliases.size > 0;
  }

  /**
   * Makes text WORD run `method` (registered now or later). WORD: a letter, then up to 63
   * letters, digits, `_`, `.` or `-`; case-insensitive; `AUTH` is reserved. Replaces an alias of
   * the same WORD. An alias `HELP` replaces the built-in HELP.
   * @throws SidewireError ERR_INVALID_ARGUMENT for a bad WORD or a reserved `$/` method
   */
  alias(word: string, method: string, options: TextAliasOptions = {}): void {
    if (typeof word !== 'string' || !WORD_RE.test(word)) {
      throw badAlias(`invalid text command ${JSON.stringify(word)}: a WORD is a letter followed by up to 63 letters, digits, "_", "." or "-"`, 'use a word such as "STATUS"', { word });
    }
    const upper = word.toUpperCase();
    if (upper === 'AUTH') throw badAlias('the text command AUTH is reserved (AUTH <token> WORD [args])', 'choose another word', { word });
    if (typeof method !== 'string' || method === '' || method.startsWith('$/')) {
      throw badAlias(`cannot alias ${upper} to ${JSON.stringify(method)}: aliases point at registered methods, not reserved $/ ones`, 'register a method with server.method() and alias that', { word, method });
    }
    this.aliases.set(upper, { method, description: options.description });
  }

  /** Removes the alias of WORD; returns whether there was one. */
  unalias(word: string): boolean {
    return this.aliases.delete(String(word).toUpperCase());
  }

  /** The aliases, sorted by WORD. */
  list(): TextAlias[] {
    return [...this.aliases.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([word, a]) => ({ word, method: a.method, description: a.description }));
  }

  /** Changes the session tunables (for sessions that start afterwards). */
  configure(settings: TextModeSettings): void {
    this.settings = { ...this.settings, ...settings };
  }

  /** The mode handler the connection router calls for text sockets. */
  readonly handle: ModeHandler = (socket, initial) => {
    void this.session(socket, initial);
  };

  private async session(socket: Socket, initial: Buffer): Promise<void> {
    const clientId = newClientId({ has: (id) => this.active.has(id) || this.liveIds.has(id) });
    this.active.add(clientId);
    const observer = this.host.observer;
    const openedAt = this.host.timers.now();
    observer?.clientConnected(clientId, 'text');
    try {
      const { requestTimeoutMs } = this.host.limits;
      const options: TextSessionOptions = {
        ...this.settings,
        commands: this.commands(clientId, socket),
        token: this.host.token(),
        commandTimeoutMs: requestTimeoutMs > 0 ? requestTimeoutMs : DEFAULT_COMMAND_TIMEOUT_MS,
        timers: this.timers,
      };
      await handleTextSession(socket, initial, options);
    } finally {
      this.active.delete(clientId);
      observer?.clientDisconnected(clientId, 'text', this.host.timers.now() - openedAt, this.host.isClosing() ? 'server closing' : 'closed');
    }
  }

  /** The command map of one session: every alias whose method exists now. */
  private commands(clientId: string, socket: Socket): Map<string, TextCommand> {
    const out = new Map<string, TextCommand>();
    const connectedAt = this.host.timers.now();
    for (const [word, alias] of this.aliases) {
      const entry = this.host.methods.method(alias.method);
      if (entry === undefined) continue;
      out.set(word, {
        description: alias.description ?? entry.description ?? `runs ${alias.method}`,
        run: (args, { signal }) => {
          const info = (): ClientInfo => textClientInfo(clientId, connectedAt, socket);
          return this.run(alias.method, args, { clientId, signal, method: alias.method, id: undefined, get connection() { return info(); } }) as Promise<object>;
        },
      });
    }
    return out;
  }

  /** Runs `method` like JSON mode does: closing check, params schema, handler, error wording. */
  /**
   * Runs a command's method like a request (id null): published on the `sidewire:server:request`
   * channel and its tracing channel, counted in the request metrics.
   */
  private async run(method: string, args: string[], ctx: RequestContext): Promise<unknown> {
    const observer = this.host.observer;
    const started = observer?.requestStarted() ?? 0;
    try {
      const result = await traceRequest({ clientId: ctx.clientId, method, id: null }, () => this.execute(method, args, ctx));
      observer?.requestDone(ctx.clientId, method, null, started, { id: null });
      return result;
    } catch (err) {
      const error = err instanceof ResponseError ? { code: err.code, message: err.message } : { code: ErrorCodes.InternalError, message: String(err) };
      observer?.requestDone(ctx.clientId, method, null, started, { id: null, error });
      throw err;
    }
  }

  private async execute(method: string, args: string[], ctx: RequestContext): Promise<unknown> {
    if (this.host.isClosing()) throw new ResponseError(ErrorCodes.Busy, 'server busy: shutting down');
    const entry = this.host.methods.method(method);
    if (entry === undefined) throw new ResponseError(ErrorCodes.MethodNotFound, `method not found: ${method}`);
    const params = await validateParams(entry, args.length === 0 ? undefined : args);
    try {
      return await entry.handler(params, ctx);
    } catch (err) {
      if (err instanceof ResponseError) throw err;
      this.host.reportError(err, { clientId: ctx.clientId, method });
      throw new ResponseError(ErrorCodes.InternalError, `internal error in method '${method}'`);
    }
  }
}

/**
 * The ClientInfo a handler sees for a text session. `mode` is `'text'` at run time; the cast is
 * there because `ClientInfo['mode']` does not list `'text'` yet.
 */
function textClientInfo(clientId: string, connectedAt: number, socket: Socket): ClientInfo {
  return {
    clientId,
    mode: 'text' as ClientInfo['mode'],
    connectedAt,
    helloDone: false,
    authenticated: true,
    client: undefined,
    subscriptions: [],
    inFlight: 1,
    droppedEvents: 0,
    bufferedBytes: socket.writableLength,
  };
}
