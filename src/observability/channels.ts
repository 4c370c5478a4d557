/**
 * `node:diagnostics_channel` channels that sidewire publishes on, for APM tools and custom
 * tracing. Nothing is built or sent while a channel has no subscribers. Message shapes are
 * documented in docs/observability.md.
 *
 * Subscribe with `diagnostics_channel.subscribe('sidewire:server:connect', fn)`; channel objects
 * are global per name, so subscribers need not import sidewire.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { WireMode } from '../framing/sniff.js';

/** A client connected and its mode was sniffed. */
export interface ServerConnectMessage {
  readonly clientId: string;
  readonly mode: WireMode;
}

/** A client connection closed. */
export interface ServerDisconnectMessage {
  readonly clientId: string;
  readonly mode: WireMode;
  /** How long the connection was open, in ms. */
  readonly durationMs: number;
  /** Why it closed, e.g. `client closed`, `idle timeout`, `server closing`. */
  readonly reason?: string;
}

/** A request finished (plain channel `sidewire:server:request`). */
export interface ServerRequestMessage {
  readonly clientId: string;
  readonly method: string;
  /** The JSON-RPC id. */
  readonly id: string | number | null;
  readonly durationMs: number;
  /** Set when the request failed. */
  readonly error?: { readonly code: number; readonly message: string };
}

/** The context object of the `sidewire:server:request` tracing channel (before `result`/`error` are added). */
export interface ServerRequestContext {
  readonly clientId: string;
  readonly method: string;
  readonly id: string | number | null;
  [key: string]: unknown;
}

/** Something went wrong in the server that no caller will see (socket error, handler crash). */
export interface ServerErrorMessage {
  readonly error: unknown;
  /** Where it happened, e.g. `socket`, `handler`, `listener`. */
  readonly context: string;
  readonly clientId?: string;
}

/** A client connected and completed its hello. */
export interface ClientConnectMessage {
  readonly endpoint: string;
  readonly clientId: string;
}

/** A client lost its connection and schedules reconnect attempt `attempt` (1-based) in `delayMs`. */
export interface ClientReconnectMessage {
  readonly endpoint: string;
  readonly attempt: number;
  readonly delayMs: number;
  /** What ended the previous connection, if known. */
  readonly error?: unknown;
}

/** A client changed state (e.g. `connecting` → `ready`). */
export interface ClientStateMessage {
  readonly endpoint: string;
  readonly from: string;
  readonly to: string;
}

/** The channel names, for subscribers. */
export const CHANNEL_NAMES = Object.freeze({
  serverConnect: 'sidewire:server:connect',
  serverDisconnect: 'sidewire:server:disconnect',
  serverRequest: 'sidewire:server:request',
  serverError: 'sidewire:server:error',
  clientConnect: 'sidewire:client:connect',
  clientReconnect: 'sidewire:client:reconnect',
  clientState: 'sidewire:client:state',
} as const);

/** The channel objects, created once. Check `hasSubscribers` before building costly messages. */
export const channels = Object.freeze({
  serverConnect: diagnosticsChannel.channel(CHANNEL_NAMES.serverConnect),
  serverDisconnect: diagnosticsChannel.channel(CHANNEL_NAMES.serverDisconnect),
  serverRequest: diagnosticsChannel.channel(CHANNEL_NAMES.serverRequest),
  serverError: diagnosticsChannel.channel(CHANNEL_NAMES.serverError),
  clientConnect: diagnosticsChannel.channel(CHANNEL_NAMES.clientConnect),
  clientReconnect: diagnosticsChannel.channel(CHANNEL_NAMES.clientReconnect),
  clientState: diagnosticsChannel.channel(CHANNEL_NAMES.clientState),
  /** Tracing channel `tracing:sidewire:server:request:{start,end,asyncStart,asyncEnd,error}`. */
  serverRequestTrace: diagnosticsChannel.tracingChannel<ServerRequestContext>(CHANNEL_NAMES.serverRequest),
});

export function publishServerConnect(message: ServerConnectMessage): void {
  if (channels.serverConnect.hasSubscribers) channels.serverConnect.publish(message);
}

export function publishServerDisconnect(message: ServerDisconnectMessage): void {
  if (channels.serverDisconnect.hasSubscribers) channels.serverDisconnect.publish(message);
}

export function publishServerRequest(message: ServerRequestMessage): void {
  if (channels.serverRequest.hasSubscribers) channels.serverRequest.publish(message);
}

export function publishServerError(message: ServerErrorMessage): void {
  if (channels.serverError.hasSubscribers) channels.serverError.publish(message);
}

export function publishClientConnect(message: ClientConnectMessage): void {
  if (channels.clientConnect.hasSubscribers) channels.clientConnect.publish(message);
}

export function publishClientReconnect(message: ClientReconnectMessage): void {
  if (channels.clientReconnect.hasSubscribers) channels.clientReconnect.publish(message);
}

export function publishClientState(message: ClientStateMessage): void {
  if (channels.clientState.hasSubscribers) channels.clientState.publish(message);
}

/** True when anyone listens on the request tracing channel (works on every Node 20). */
export function requestTraceActive(): boolean {
  const t = channels.serverRequestTrace;
  return t.start.hasSubscribers || t.end.hasSubscribers || t.asyncStart.hasSubscribers || t.asyncEnd.hasSubscribers || t.error.hasSubscribers;
}

/**
 * Runs a request handler inside the `sidewire:server:request` tracing channel: `start` before,
 * `end` after the synchronous part, `asyncStart`/`asyncEnd` when its promise settles, `error`
 * when it throws or rejects (the context then has `error`; on success it has `result`).
 * Without subscribers it just calls `handler()`. Always `await` the result: while tracing is on, a
 * synchronous throw from `handler` arrives as a rejected promise.
 */
export function traceRequest<T>(context: ServerRequestContext, handler: () => T | Promise<T>): T | Promise<T> {
  if (!requestTraceActive()) return handler();
  return channels.serverRequestTrace.tracePromise(async () => handler(), context);
}
