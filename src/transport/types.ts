/**
 * The transport layer's contract: bytes only. Every transport (unix socket file, Linux abstract
 * socket, Windows named pipe, TCP) yields `net.Socket` byte streams, so everything above it
 * (framing, rpc) is transport-agnostic.
 */
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Endpoint } from '../endpoint/endpoint.js';
import type { PlatformInfo } from '../platform/detect.js';
import type { InheritedSocket } from './socket-activation.js';

/** A byte stream between one client and one server. */
export type ByteStream = Socket;

export interface ListenOptions {
  /** Where to listen (already resolved and validated). */
  readonly endpoint: Endpoint;
  /** The runtime dir for discovery/lock files. Created 0700 if missing. */
  readonly runtimeDir: string;
  /** Service name: the discovery file is `<runtimeDir>/<name>.json`. */
  readonly name: string;
  /**
   * Mode of the socket file (unix endpoints only).
   * @default 0o600
   */
  readonly socketMode?: number;
  /**
   * Allow TCP on a non-loopback address (logs a warning through `onWarning`).
   * @default false
   */
  readonly allowRemote?: boolean;
  /**
   * When a fixed TCP port is busy, try the next ports (up to this many; `true` = 20).
   * @default false
   */
  readonly portFallback?: boolean | number;
  /**
   * Require a per-start random token (32 bytes, hex) from clients.
   * @default true for TCP, false otherwise
   */
  readonly requireToken?: boolean;
  /**
   * Write the discovery file `<runtimeDir>/<name>.json`.
   * @default true
   */
  readonly discovery?: boolean;
  /**
   * Remove the socket/lock/discovery files on SIGINT, SIGTERM and process exit.
   * @default true
   */
  readonly cleanupOnExit?: boolean;
  /** Extra fields published in the discovery file (e.g. server name/version). */
  readonly discoveryExtra?: Record<string, unknown>;
  /** Called with human-readable warnings (e.g. remote TCP). */
  readonly onWarning?: (message: string) => void;
  /** Platform facts; defaults to the detected platform. */
  readonly platform?: PlatformInfo;
  /**
   * Name of the environment variable that selects the endpoint, quoted in "how to fix" lines.
   * @default '<APP>_ENDPOINT' (a placeholder)
   */
  readonly endpointEnvVar?: string;
  /**
   * Unix socket files: how long to wait for another server that is starting on the same path
   * (holding `<path>.lock`) before failing with ERR_ENDPOINT_IN_USE.
   * @default 2000
   */
  readonly lockTimeoutMs?: number;
  /**
   * A socket handed over by systemd (socket-activation.ts): adopted instead of binding
   * `endpoint`; its file is never created, locked or removed.
   * @default undefined (bind `endpoint`)
   */
  readonly inherited?: InheritedSocket;
}

/** A listening endpoint. Emits `'connection'` with a `ByteStream` and `'error'` with an Error. */
export interface Listener extends EventEmitter {
  /** The endpoint actually bound (with the real TCP port). */
  readonly endpoint: Endpoint;
  /** The client token when one is required, else undefined. Never logged. */
  readonly token: string | undefined;
  /** Path of the discovery file, when written. */
  readonly discoveryPath: string | undefined;
  /** Stops accepting and removes what this listener created (only if still ours). Idempotent. */
  close(): Promise<void>;
}

/** Contents of `<runtimeDir>/<name>.json` (docs/protocol.md §2). */
export interface DiscoveryRecord {
  readonly endpoint: string;
  readonly pid: number;
  readonly protocol: 1;
  readonly startedAt: string;
  readonly token?: string;
  readonly [extra: string]: unknown;
}

/** What a probe of an endpoint found, without changing anything. */
export type ProbeResult =
  | { readonly state: 'live' }
  | { readonly state: 'stale' } // socket file nobody accepts on
  | { readonly state: 'absent' }
  | { readonly state: 'not-socket'; readonly what: 'file' | 'directory' | 'other' }
  | { readonly state: 'unknown'; readonly error: string; readonly errno?: string };

export interface ConnectOptions {
  /**
   * Give up connecting after this long.
   * @default 5000
   */
  readonly timeoutMs?: number;
}
