/**
 * Text mode of a `Server` (docs/protocol.md §5): text WORDs are aliases of registered methods
 * (`STATUS` → `daemon.status`), so the SAME handler serves JSON and text. A text line
 * `WORD arg1 arg2` calls the method with params `["arg1", "arg2"]` (or no params without args),
 * through the server's request runner (request-runner.ts), the one path JSON and binary requests
 * take too: same closing check, method lookup, params schema, handler context and error wording.
 * A command is a request with id null (`ctx.id` is undefined: a text line has no id).
 *
 * Decisions:
 * - Text mode is served once at least one alias exists (or a custom `modeHandlers.text` is
 *   given); before that the router answers `ERR: text mode not enabled on this server`.
 * - Errors are worded like JSON mode: a `ResponseError` gives `ERR: <its message>`; any other
 *   throw is reported through the server's `error` event and answered
 *   `ERR: internal error in method '<name>'` (no internals reach the peer).
 * - While the server shuts down, commands get `ERR: server busy: shutting down`.
 * - The command timeout is the server's `limits.requestTimeoutMs` when set, else 30 s; the
 *   session keeps it (`ERR: command timed out`), and its signal aborts the handler's.
 * - Text sessions get a clientId (RequestContext.clientId) but are not listed by `clients()`.
 */
import type { Socket } from 'node:net';
import { SidewireError, createError } from '../errors.js';
import type { ClientInfo, PeerIdentity } from '../protocol/client-info.js';
import { newClientId } from './client-id.js';
import type { ConnectionHost } from './connection-host.js';
import type { ModeHandler } from './connection-router.js';
import { plainRunnerHost, RequestRunner, type RequestSource, type RunnerHost } from './request-runner.js';
import { ErrorCodes, ResponseError } from '../protocol/response-error.js';
import type { TextCommand } from '../text/text-command.js';
import { handleTextSession, type TextSessionOptions } from '../text/text-session.js';

/** What the text mode needs from its server (a subset of the connection host). */
export type TextModeHost = Pick<ConnectionHost, 'token' | 'isClosing' | 'limits' | 'timers' | 'methods' | 'reportError' | 'observer' | 'peerOf'>;

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

/** A session runs one command, and times it itself (`commandTimeoutMs`, text-session.ts). */
const COMMAND_LIMITS = { maxInFlight: 1, requestTimeoutMs: 0 } as const;

function badAlias(message: string, fix: string, details: Record<string, unknown>): SidewireError {
  return createError('ERR_INVALID_ARGUMENT', message, { fixes: [fix], details });
}

/** The text-mode part of a server: aliases, settings, and the mode handler. */
export class ServerTextMode {
  private readonly aliases = new Map<string, { method: string; description: string | undefined }>();
  private readonly active = new Set<string>();
  private settings: TextModeSettings = {};
  /** What the request runners of text sessions get from the server. */
  private readonly runnerHost: RunnerHost<RequestSource>;

  /** `liveIds`: ids of the server's JSON/binary connections, so text clientIds never collide. */
  constructor(
    private readonly host: TextModeHost,
    private readonly liveIds: { has(id: string): boolean },
  ) {
    this.runnerHost = plainRunnerHost(host, COMMAND_LIMITS); // aliases point at user methods only (see alias())
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
        timers: this.host.timers,
      };
      await handleTextSession(socket, initial, options);
    } finally {
      this.active.delete(clientId);
      observer?.clientDisconnected(clientId, 'text', this.host.timers.now() - openedAt, this.host.isClosing() ? 'server closing' : 'closed');
    }
  }

  /** The command map of one session: every alias whose method exists now, run by one request runner. */
  private commands(clientId: string, socket: Socket): Map<string, TextCommand> {
    const out = new Map<string, TextCommand>();
    const connectedAt = this.host.timers.now();
    const source: RequestSource = {
      clientId,
      authenticated: true, // AUTH <token> was checked by the session (text-auth.ts)
      info: () => textClientInfo(clientId, connectedAt, socket, runner.count, this.host.peerOf?.(socket)),
    };
    const runner = new RequestRunner(source, this.runnerHost, 'command');
    for (const [word, alias] of this.aliases) {
      const entry = this.host.methods.method(alias.method);
      if (entry === undefined) continue;
      out.set(word, {
        description: alias.description ?? entry.description ?? `runs ${alias.method}`,
        run: (args, { signal }) => runCommand(runner, alias.method, args, signal) as Promise<object>,
      });
    }
    return out;
  }
}

/**
 * Runs a command's method through the request runner, as a request with id null. An error reply
 * is thrown as its ResponseError (the session answers `ERR: <message>`); the session's signal
 * (command timeout, disconnect) settles the request and aborts the handler's signal with its reason.
 */
async function runCommand(runner: RequestRunner<RequestSource>, method: string, args: string[], signal: AbortSignal): Promise<unknown> {
  const onAbort = (): void => {
    const why = signal.reason instanceof Error ? signal.reason.message : 'aborted';
    runner.abortAll(ErrorCodes.Cancelled, `cancelled: ${why}`, signal.reason);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const reply = await runner.run({ jsonrpc: '2.0', id: null, method, params: args.length === 0 ? undefined : args });
    if ('error' in reply) throw new ResponseError(reply.error.code, reply.error.message, reply.error.data);
    return reply.result;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * The ClientInfo a handler sees for a text session. `mode` is `'text'` at run time; the cast is
 * there because `ClientInfo['mode']` does not list `'text'` yet.
 */
function textClientInfo(clientId: string, connectedAt: number, socket: Socket, inFlight: number, peer: PeerIdentity | undefined): ClientInfo {
  return {
    clientId,
    mode: 'text' as ClientInfo['mode'],
    connectedAt,
    helloDone: false,
    authenticated: true,
    client: undefined,
    subscriptions: [],
    inFlight,
    droppedEvents: 0,
    bufferedBytes: socket.writableLength,
    ...(peer === undefined ? {} : { peer }),
  };
}
