/**
 * Endpoint resolution (docs/protocol.md §1): explicit option > `<APP>_ENDPOINT` environment variable >
 * platform default, then validation against the platform. Explicit and environment values are
 * validated, never silently replaced; every error names where the value came from and offers a
 * value that works on this platform.
 */
import * as path from 'node:path';
import { EndpointError, isSidewireError, createError } from '../errors.js';
import { currentPlatform, type PlatformInfo } from '../platform/detect.js';
import type { Endpoint } from './endpoint.js';
import { EXAMPLE_PORT, dropOverride, fixList, resolvedSubject, useInstead, type FixContext } from './fixes.js';
import { assertEndpoint, formatEndpoint, isLoopbackHost, parseEndpoint } from './parse.js';
import { currentUser, runtimeDirFor, safeUserName, type UserInputs } from './runtime-dir.js';

export interface ResolveOptions {
  /** Application name: 1–64 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit. */
  readonly app: string;
  /**
   * Service name (socket, pipe and discovery file names), same charset as `app`.
   * @default app
   */
  readonly name?: string;
  /**
   * Explicit endpoint; `'auto'`, `''` or undefined fall through to the environment variable.
   * @default undefined
   */
  readonly endpoint?: string | Endpoint;
  /**
   * Environment variable that overrides the default.
   * @default `envVarFor(app)`, e.g. `MYAPP_ENDPOINT`
   */
  readonly envVar?: string;
  /**
   * Environment to read `envVar` and `XDG_RUNTIME_DIR` from.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Platform facts.
   * @default currentPlatform()
   */
  readonly platform?: PlatformInfo;
  /**
   * The user (uid, name, tmpdir) the runtime dir and pipe name are derived from.
   * @default currentUser()
   */
  readonly user?: UserInputs;
  /**
   * Accept a non-loopback TCP host (a warning is returned instead of ERR_ENDPOINT_REMOTE).
   * @default false
   */
  readonly allowRemote?: boolean;
}

export type EndpointSource = 'explicit' | 'env' | 'default';

export interface ResolvedEndpoint {
  /** The endpoint to use; never 'auto'. */
  readonly endpoint: Endpoint;
  readonly source: EndpointSource;
  readonly envVar: string;
  readonly app: string;
  readonly name: string;
  /** `runtimeDirFor(app, env, user)`, also on Windows (for discovery files). */
  readonly runtimeDir: string;
  /** `<runtimeDir>/<name>.json`. */
  readonly discoveryPath: string;
  readonly platform: PlatformInfo;
  /** Human-readable warnings, e.g. a non-loopback TCP host that was allowed. */
  readonly warnings: readonly string[];
}

/** What `validateEndpoint` needs to know to judge an endpoint and word its fixes. */
export interface ValidateContext {
  readonly platform: PlatformInfo;
  readonly source: EndpointSource;
  readonly envVar: string;
  readonly allowRemote: boolean;
  readonly app: string;
  readonly name: string;
  readonly runtimeDir: string;
  /**
   * The user, for the pipe name suggested on Windows.
   * @default currentUser()
   */
  readonly user?: UserInputs;
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
const ENV_VAR_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The default environment variable for `app`: upper-cased, non-alphanumerics → `_`, plus `_ENDPOINT`. */
export function envVarFor(app: string): string {
  return `${app.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_ENDPOINT`;
}

function invalidArgument(what: string, value: unknown, why: string, fix: string): EndpointError {
  return createError('ERR_INVALID_ARGUMENT', `invalid ${what} ${JSON.stringify(value) ?? String(value)}: ${why}`, {
    fixes: [fix],
    details: { argument: what, value },
  });
}

function checkName(value: unknown, what: 'app' | 'name'): string {
  if (typeof value === 'string' && NAME_RE.test(value)) return value;
  throw invalidArgument(what, value, 'it must be 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit', `use ${what === 'app' ? 'an app' : 'a service'} name such as "myapp"`);
}

/** Adds where the value came from to the details of an endpoint error thrown by `fn`. */
function withSource<T>(ctx: FixContext, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isSidewireError(err)) Object.assign(err.details, { source: ctx.source, envVar: ctx.envVar });
    throw err;
  }
}

/** The platform default endpoint for (app, name) — docs/protocol.md §1. */
export function defaultEndpoint(app: string, name: string, platform: PlatformInfo, runtimeDir: string, user: UserInputs): Endpoint {
  switch (platform.defaultKind) {
    case 'unix':
      return { kind: 'unix', path: path.join(runtimeDir, `${name}.sock`) };
    case 'pipe':
      return { kind: 'pipe', name: `${app}-${safeUserName(user.username)}-${name}` };
    case 'tcp':
      return { kind: 'tcp', host: '127.0.0.1', port: 0 };
  }
}

function fitsPath(p: string, platform: PlatformInfo): boolean {
  return platform.socketPathMax !== null && Buffer.byteLength(p) <= platform.socketPathMax;
}

/** The default as a string, or undefined when it would not work here either (path too long). */
function workingDefault(ctx: ValidateContext): string | undefined {
  const def = defaultEndpoint(ctx.app, ctx.name, ctx.platform, ctx.runtimeDir, ctx.user ?? currentUser());
  if (def.kind === 'unix' && !fitsPath(def.path, ctx.platform)) return undefined;
  return formatEndpoint(def);
}

/** Values that work on this platform, the platform's default kind first. */
function workingValues(ctx: ValidateContext): string[] {
  const { platform, app, name } = ctx;
  const byKind: Array<[string, string | undefined]> = [];
  if (platform.supports.unix) {
    const inDir = path.join(ctx.runtimeDir, `${name}.sock`);
    const inTmp = `/tmp/${name}.sock`;
    byKind.push(['unix', fitsPath(inDir, platform) ? `unix://${inDir}` : fitsPath(inTmp, platform) ? `unix://${inTmp}` : undefined]);
  }
  if (platform.supports.abstract) byKind.push(['abstract', `unix:@${app}-${name}`]);
  if (platform.supports.pipe) byKind.push(['pipe', `pipe://${app}-${safeUserName((ctx.user ?? currentUser()).username)}-${name}`]);
  byKind.push(['tcp', `tcp://127.0.0.1:${EXAMPLE_PORT}`]);
  const first = byKind.filter(([kind]) => kind === platform.defaultKind);
  const rest = byKind.filter(([kind]) => kind !== platform.defaultKind);
  return [...first, ...rest].map(([, value]) => value).filter((v): v is string => v !== undefined);
}

function details(endpoint: Endpoint, ctx: ValidateContext, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { value: formatEndpoint(endpoint), source: ctx.source, envVar: ctx.envVar, kind: endpoint.kind, platform: ctx.platform.id, ...extra };
}

function platformError(endpoint: Endpoint, ctx: ValidateContext, why: string): EndpointError {
  const value = formatEndpoint(endpoint);
  return createError('ERR_ENDPOINT_PLATFORM', `${resolvedSubject(ctx, value)} cannot be used on ${ctx.platform.label}: ${why}`, {
    fixes: fixList(useInstead(ctx, workingValues(ctx)), dropOverride(ctx, workingDefault(ctx))),
    details: details(endpoint, ctx),
  });
}

function pathTooLong(endpoint: Endpoint & { kind: 'unix' }, ctx: ValidateContext, limit: number): EndpointError {
  const length = Buffer.byteLength(endpoint.path);
  const shorter: string[] = [];
  const inTmp = `/tmp/${ctx.name}.sock`;
  if (Buffer.byteLength(inTmp) <= limit) shorter.push(`unix://${inTmp}`);
  if (ctx.platform.supports.abstract) shorter.push(`unix:@${ctx.app}-${ctx.name}`);
  if (shorter.length === 0) shorter.push(`tcp://127.0.0.1:${EXAMPLE_PORT}`);
  const value = formatEndpoint(endpoint);
  const message = `${resolvedSubject(ctx, value)} is too long: the socket path is ${length} bytes, but ${ctx.platform.label} allows at most ${limit}`;
  return createError('ERR_ENDPOINT_PATH_TOO_LONG', message, {
    fixes: fixList(
      useInstead(ctx, shorter),
      ctx.source === 'default' ? 'or set XDG_RUNTIME_DIR (or TMPDIR) to a shorter directory that you own' : undefined,
      ctx.source === 'default' ? 'or choose a shorter app or service name' : undefined,
      dropOverride(ctx, workingDefault(ctx)),
    ),
    details: details(endpoint, ctx, { path: endpoint.path, length, limit }),
  });
}

function checkTcp(endpoint: Endpoint & { kind: 'tcp' }, ctx: ValidateContext): string[] {
  if (isLoopbackHost(endpoint.host)) return [];
  const value = formatEndpoint(endpoint);
  if (ctx.allowRemote) {
    return [`${resolvedSubject(ctx, value)} is not a loopback address: other machines can reach it (remote access was allowed explicitly)`];
  }
  const loopback = `tcp://127.0.0.1:${endpoint.port}`;
  const message = `${resolvedSubject(ctx, value)} is not a loopback address, so other machines could reach it; remote access is off by default`;
  throw createError('ERR_ENDPOINT_REMOTE', message, {
    fixes: fixList(
      useInstead(ctx, [loopback]),
      'or, if other machines really should connect, opt in to remote access (allowRemote: true); clients still need the token',
      dropOverride(ctx, workingDefault(ctx)),
    ),
    details: details(endpoint, ctx, { host: endpoint.host }),
  });
}

/**
 * Checks that `endpoint` can be used on `context.platform`.
 * @returns warnings (e.g. an allowed non-loopback TCP host)
 * @throws EndpointError ERR_ENDPOINT_FORMAT, ERR_ENDPOINT_PLATFORM, ERR_ENDPOINT_PATH_TOO_LONG or ERR_ENDPOINT_REMOTE
 */
export function validateEndpoint(endpoint: Endpoint, context: ValidateContext): string[] {
  const ctx = context;
  withSource(ctx, () => assertEndpoint(endpoint, ctx.source === 'env' ? { source: ctx.envVar } : {}));
  const { platform } = ctx;
  switch (endpoint.kind) {
    case 'unix':
      if (!platform.supports.unix) {
        throw platformError(endpoint, ctx, 'Unix socket files are not used on Windows; sidewire uses named pipes there');
      }
      if (platform.socketPathMax !== null && Buffer.byteLength(endpoint.path) > platform.socketPathMax) {
        throw pathTooLong(endpoint, ctx, platform.socketPathMax);
      }
      return [];
    case 'abstract':
      if (!platform.supports.abstract) {
        const why = platform.wsl === 1 ? 'WSL1 does not support abstract sockets' : 'abstract sockets exist only on Linux';
        throw platformError(endpoint, ctx, why);
      }
      return [];
    case 'pipe':
      if (!platform.supports.pipe) throw platformError(endpoint, ctx, 'named pipes exist only on Windows');
      return [];
    case 'tcp':
      return checkTcp(endpoint, ctx);
  }
}

/**
 * A relative `unix://` path where Unix sockets are not used (Windows): the platform error, whose
 * fixes work there, instead of a format error suggesting an absolute socket path (regression
 * test in test-win32/, docs/windows.md).
 */
function unixOffPlatform(err: unknown, base: Omit<ValidateContext, 'source'>): EndpointError | undefined {
  if (base.platform.supports.unix || !(err instanceof EndpointError) || err.code !== 'ERR_ENDPOINT_FORMAT') return undefined;
  const { reason, value, origin } = err.details;
  if (reason !== 'relative-path' || typeof value !== 'string') return undefined;
  const socketPath = value.replace(/^(?:unix|ipc):(?:\/\/)?/i, '');
  const ctx: ValidateContext = { ...base, source: origin === undefined ? 'explicit' : 'env' };
  return platformError({ kind: 'unix', path: socketPath }, ctx, 'Unix socket files are not used on Windows; sidewire uses named pipes there');
}

/** The explicit option or the environment variable, when one of them names an endpoint. */
function override(
  options: ResolveOptions,
  env: Readonly<Record<string, string | undefined>>,
  envVar: string,
  runtimeDir: string,
): { endpoint: Endpoint; source: EndpointSource } | undefined {
  const explicit = options.endpoint;
  if (explicit !== undefined) {
    const ctx: FixContext = { source: 'explicit', envVar };
    if (typeof explicit !== 'string') return { endpoint: explicit, source: 'explicit' };
    const parsed = withSource(ctx, () => parseEndpoint(explicit, { suggestDir: runtimeDir }));
    if (parsed !== 'auto') return { endpoint: parsed, source: 'explicit' };
  }
  const fromEnv = env[envVar];
  if (fromEnv !== undefined) {
    const ctx: FixContext = { source: 'env', envVar };
    const parsed = withSource(ctx, () => parseEndpoint(fromEnv, { source: envVar, suggestDir: runtimeDir }));
    if (parsed !== 'auto') return { endpoint: parsed, source: 'env' };
  }
  return undefined;
}

/**
 * Resolves where to listen / connect: explicit > environment variable > platform default.
 * Pure apart from an lstat of $XDG_RUNTIME_DIR.
 * @throws EndpointError ERR_INVALID_ARGUMENT, ERR_ENDPOINT_FORMAT, ERR_ENDPOINT_PLATFORM,
 *   ERR_ENDPOINT_PATH_TOO_LONG or ERR_ENDPOINT_REMOTE
 */
export function resolveEndpoint(options: ResolveOptions): ResolvedEndpoint {
  const app = checkName(options.app, 'app');
  const name = options.name === undefined ? app : checkName(options.name, 'name');
  if (options.envVar !== undefined && !ENV_VAR_RE.test(options.envVar)) {
    throw invalidArgument('envVar', options.envVar, 'it is not a valid environment variable name', `use a name such as ${envVarFor(app)}`);
  }
  const envVar = options.envVar ?? envVarFor(app);
  const env = options.env ?? process.env;
  const platform = options.platform ?? currentPlatform();
  const user = options.user ?? currentUser();
  const runtimeDir = runtimeDirFor(app, env, user);
  const base = { platform, envVar, allowRemote: options.allowRemote ?? false, app, name, runtimeDir, user };
  let picked: ReturnType<typeof override>;
  try {
    picked = override(options, env, envVar, runtimeDir);
  } catch (err) {
    throw unixOffPlatform(err, base) ?? err;
  }
  const endpoint = picked?.endpoint ?? defaultEndpoint(app, name, platform, runtimeDir, user);
  const source = picked?.source ?? 'default';
  const warnings = validateEndpoint(endpoint, { platform, source, envVar, allowRemote: options.allowRemote ?? false, app, name, runtimeDir, user });
  return { endpoint, source, envVar, app, name, runtimeDir, discoveryPath: path.join(runtimeDir, `${name}.json`), platform, warnings };
}
