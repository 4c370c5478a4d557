/**
 * `listen()`: bind an endpoint of any kind, publish the discovery file, and hand back a
 * `Listener` (docs/protocol.md §1–2). One transport module per endpoint kind does the binding.
 */
import type { Endpoint } from '../endpoint/endpoint.js';
import { formatEndpoint } from '../endpoint/parse.js';
import { currentUser, ensureRuntimeDir } from '../endpoint/runtime-dir.js';
import { createError } from '../errors.js';
import { currentPlatform } from '../platform/detect.js';
import { listenAbstract } from './abstract.js';
import { discardBound } from './bind.js';
import type { BoundServer } from './bind.js';
import { discoveryPath, readDiscovery, writeDiscovery } from './discovery.js';
import type { WrittenDiscovery } from './discovery.js';
import { TransportListener } from './listener.js';
import { listenPipe } from './pipe.js';
import { listenTcp } from './tcp.js';
import { generateToken } from './token.js';
import type { Listener, ListenOptions } from './types.js';
import { listenUnix } from './unix.js';
import { adoptInherited } from './socket-activation.js';

/** Default socket file mode. */
export const DEFAULT_SOCKET_MODE = 0o600;
/** Default wait for a lock held by another starting server. */
export const DEFAULT_LOCK_TIMEOUT_MS = 2000;

function checkOptions(options: ListenOptions): void {
  const { name, socketMode } = options;
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw createError('ERR_INVALID_ARGUMENT', `invalid service name ${JSON.stringify(name)}: it becomes a file name (<name>.json)`, {
      fixes: ['use letters, digits, ".", "_" or "-", e.g. name: "daemon"'],
      details: { option: 'name', value: name },
    });
  }
  if (socketMode !== undefined && (!Number.isInteger(socketMode) || socketMode < 0 || socketMode > 0o777 || (socketMode & 0o600) !== 0o600)) {
    throw createError('ERR_INVALID_ARGUMENT', `invalid socketMode ${String(socketMode)}: it must be a permission mode that lets the owner read and write`, {
      fixes: ['use 0o600 (owner only, the default) or 0o660 (owner and group)'],
      details: { option: 'socketMode', value: socketMode },
    });
  }
}

function checkPlatform(options: ListenOptions, endpoint: Endpoint): void {
  const platform = options.platform ?? currentPlatform();
  if (platform.supports[endpoint.kind]) return;
  throw createError('ERR_ENDPOINT_PLATFORM', `${formatEndpoint(endpoint)}: ${endpoint.kind} endpoints do not work on ${platform.label}`, {
    details: { endpoint: formatEndpoint(endpoint), platform: platform.id },
    fixes: [
      `use an endpoint that works here, e.g. ${options.endpointEnvVar ?? '<APP>_ENDPOINT'}=tcp://127.0.0.1:0`,
      'or leave the endpoint unset (auto) to get the platform default',
    ],
  });
}

function bindEndpoint(options: ListenOptions, runtimeDir: string): Promise<BoundServer> {
  const endpoint = options.endpoint;
  const envVar = options.endpointEnvVar;
  const where = { runtimeDir, name: options.name, envVar };
  switch (endpoint.kind) {
    case 'unix':
      return listenUnix(endpoint, {
        ...where,
        socketMode: options.socketMode ?? DEFAULT_SOCKET_MODE,
        lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
        cleanupOnExit: options.cleanupOnExit ?? true,
      });
    case 'abstract':
      return listenAbstract(endpoint, where);
    case 'pipe':
      return listenPipe(endpoint, where);
    case 'tcp':
      return listenTcp(endpoint, {
        allowRemote: options.allowRemote ?? false,
        portFallback: options.portFallback ?? false,
        onWarning: options.onWarning,
        envVar,
      });
  }
}

/**
 * True when the discovery file of (app, name) belongs to another live process serving another
 * endpoint (e.g. a daemon on the default endpoint while this one was given an explicit one):
 * that file is not ours to replace — overwriting it would send that server's `auto` clients
 * here, and our close would then delete it. We warn and publish nothing instead.
 */
function heldByAnotherServer(options: ListenOptions, runtimeDir: string, endpoint: Endpoint): boolean {
  const file = discoveryPath(runtimeDir, options.name);
  const other = readDiscovery(file); // undefined when missing, unreadable or its pid is dead
  if (other === undefined || other.pid === process.pid || other.endpoint === formatEndpoint(endpoint)) return false;
  options.onWarning?.(
    `discovery file ${file} belongs to the live server pid ${other.pid} at ${other.endpoint}; it was left alone, ` +
      `so clients using 'auto' (and, on TCP, needing the token) will not find this server — give it another --name`,
  );
  return true;
}

/**
 * Binds `options.endpoint`, writes the discovery file and returns the listener.
 * Unix socket files are probed first: a stale one is reclaimed, a live server is never displaced.
 * @throws EndpointError (ERR_ENDPOINT_IN_USE, ERR_ENDPOINT_NOT_SOCKET, ERR_ENDPOINT_REMOTE,
 *   ERR_ENDPOINT_PERMISSION, ERR_ENDPOINT_LISTEN, ERR_ENDPOINT_PLATFORM, ERR_RUNTIME_DIR_*,
 *   ERR_DISCOVERY_WRITE) or SidewireError ERR_INVALID_ARGUMENT
 */
export async function listen(options: ListenOptions): Promise<Listener> {
  checkOptions(options);
  checkPlatform(options, options.endpoint);
  const runtimeDir = ensureRuntimeDir(options.runtimeDir, currentUser().uid);
  const bound = options.inherited === undefined ? await bindEndpoint(options, runtimeDir) : await adoptInherited(options.inherited, options.endpoint);
  const requireToken = options.requireToken ?? bound.endpoint.kind === 'tcp';
  const token = requireToken ? generateToken() : undefined;
  let discovery: WrittenDiscovery | undefined;
  if ((options.discovery ?? true) && !heldByAnotherServer(options, runtimeDir, bound.endpoint)) {
    try {
      discovery = writeDiscovery({
        runtimeDir,
        name: options.name,
        endpoint: bound.endpoint,
        ...(token === undefined ? {} : { token }),
        ...(options.discoveryExtra === undefined ? {} : { extra: options.discoveryExtra }),
      });
    } catch (err) {
      discardBound(bound);
      throw err;
    }
  }
  return new TransportListener({ bound, token, discovery, cleanupOnExit: options.cleanupOnExit ?? true, onWarning: options.onWarning });
}
