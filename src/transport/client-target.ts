/**
 * Where a client connects, and with which token (docs/protocol.md §1–2): the endpoint is resolved like
 * the server's (explicit > `<APP>_ENDPOINT` > platform default); the discovery file
 * `<runtime dir>/<name>.json` then supplies the real endpoint (e.g. the real TCP port) for the
 * default, and the token for whichever endpoint it describes.
 */
import type { Endpoint } from '../endpoint/endpoint.js';
import { formatEndpoint, parseEndpoint } from '../endpoint/parse.js';
import { resolveEndpoint, type EndpointSource, type ResolvedEndpoint } from '../endpoint/resolve.js';
import { readTrustedDiscovery } from './discovery.js';
import type { DiscoveryRecord } from './types.js';

export interface ClientTargetOptions {
  /**
   * Application name.
   * @default 'sidewire'
   */
  readonly app?: string;
  /**
   * Service name.
   * @default the app name
   */
  readonly name?: string;
  /**
   * Where to connect; overrides the environment variable.
   * @default the env var, else the discovery file, else the platform default
   */
  readonly endpoint?: string | Endpoint;
  /**
   * Environment variable that may hold the endpoint.
   * @default `<APP>_ENDPOINT`
   */
  readonly envVar?: string;
  /**
   * Environment to read.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Token to present in `$/hello`.
   * @default the token in the discovery file, when it describes the endpoint used
   */
  readonly token?: string;
  /**
   * Allow a non-loopback TCP endpoint.
   * @default false
   */
  readonly allowRemote?: boolean;
}

export interface ClientTarget {
  readonly endpoint: Endpoint;
  readonly token: string | undefined;
  readonly source: EndpointSource | 'discovery';
  readonly discoveryPath: string;
}

/** Reads the discovery file's endpoint, or undefined when it is unusable. */
function discoveredEndpoint(record: DiscoveryRecord | undefined): Endpoint | undefined {
  if (record === undefined) return undefined;
  try {
    const e = parseEndpoint(record.endpoint);
    return e === 'auto' ? undefined : e;
  } catch {
    return undefined;
  }
}

/**
 * Resolves the endpoint and token for a client.
 * @throws EndpointError for a malformed explicit or environment endpoint; SidewireError
 *   ERR_FILE_UNSAFE for a discovery file (or its dir) that is not safe to trust (docs/security.md)
 */
export function resolveClientTarget(options: ClientTargetOptions = {}): ClientTarget {
  const resolved = resolveClientEndpoint(options);
  const record = readTrustedDiscovery(resolved.discoveryPath); // ERR_FILE_UNSAFE for a file another user could have planted
  const discovered = discoveredEndpoint(record);
  let endpoint = resolved.endpoint;
  let source: ClientTarget['source'] = resolved.source;
  // The default (and an explicit tcp port 0, which nobody can connect to) defer to the discovery file.
  const deferToDiscovery = resolved.source === 'default' || (endpoint.kind === 'tcp' && endpoint.port === 0);
  if (deferToDiscovery && discovered !== undefined) {
    endpoint = discovered;
    source = 'discovery';
  }
  const recordMatches = discovered !== undefined && formatEndpoint(discovered) === formatEndpoint(endpoint);
  const token = options.token ?? (recordMatches ? record?.token : undefined);
  return { endpoint, token, source, discoveryPath: resolved.discoveryPath };
}

/**
 * The endpoint a client with these options uses: the same resolution as the server's (explicit >
 * environment > platform default), app `sidewire` unless given.
 * @throws EndpointError for a malformed explicit or environment endpoint
 */
export function resolveClientEndpoint(options: ClientTargetOptions): ResolvedEndpoint {
  return resolveEndpoint({
    app: options.app ?? 'sidewire',
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.envVar === undefined ? {} : { envVar: options.envVar }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.allowRemote === undefined ? {} : { allowRemote: options.allowRemote }),
  });
}
