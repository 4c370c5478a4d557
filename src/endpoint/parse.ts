/**
 * Endpoint strings (docs/protocol.md §1) to `Endpoint` values and back.
 *
 * Accepted: `unix:///abs/path.sock`, `ipc:///abs/path.sock`, `unix:@name`, `pipe://name`,
 * `tcp://host:port`, `auto` / empty, and the raw spellings `/abs/path.sock`, `\\.\pipe\name`,
 * `//./pipe/name`, `127.0.0.1:5555`, `localhost:5555`. Whether a form works on this platform is
 * decided later, by `validateEndpoint` in resolve.ts.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { EndpointError, createError } from '../errors.js';
import type { Endpoint } from './endpoint.js';
import { ACCEPTED_FORMS, EXAMPLE_PORT, inputSubject, useInput } from './fixes.js';

export interface ParseEndpointOptions {
  /**
   * Where the string came from, woven into messages and fixes, e.g. "MYAPP_ENDPOINT" gives
   * "MYAPP_ENDPOINT=ipc://x is not valid: ..." and "set MYAPP_ENDPOINT to ..., or unset it".
   * @default undefined (the message says "endpoint '...'")
   */
  readonly source?: string;
  /**
   * A directory to suggest when a socket path is relative (e.g. the runtime dir).
   * @default undefined (the relative path resolved against the current directory is suggested)
   */
  readonly suggestDir?: string;
}

/** Longest abstract socket name in bytes (sun_path is 108 bytes, one goes to the leading NUL). */
export const ABSTRACT_NAME_MAX = 107;
/** Longest named pipe name in characters (Windows allows 256 after `\\.\pipe\`). */
export const PIPE_NAME_MAX = 256;

const PIPE_PREFIX_RE = /^(?:\\\\\.\\pipe\\|\/\/\.\/pipe\/)/i;
const SCHEME_RE = /^([a-z][a-z0-9+.-]*):/i;
const HOST_LABEL = '[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?';
const HOSTNAME_RE = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*\\.?$`, 'i');

/** Why a part of an endpoint is invalid, or undefined when it is fine. */
interface Issue {
  readonly reason: string;
  readonly why: string;
  readonly fixes?: readonly string[];
}
type Problem = Issue | undefined;

function edgeSpace(value: string): boolean {
  return value !== value.trim();
}

function unixPathProblem(p: string): Problem {
  if (p.includes('\0')) return { reason: 'nul', why: 'the socket path contains a NUL byte', fixes: ['remove the NUL byte from the path'] };
  if (edgeSpace(p)) return { reason: 'whitespace', why: 'the socket path ends with whitespace', fixes: ['remove the whitespace at the end of the path'] };
  if (!p.startsWith('/')) {
    return { reason: 'relative-path', why: `the socket path must be absolute, and '${p}' is relative`, fixes: [`use an absolute path such as ${path.resolve(p)}`] };
  }
  return undefined;
}

function abstractNameProblem(name: string): Problem {
  const bytes = Buffer.byteLength(name);
  if (bytes === 0) return { reason: 'empty-name', why: 'the abstract socket name is empty', fixes: ['name it, e.g. unix:@myapp'] };
  if (bytes > ABSTRACT_NAME_MAX) {
    const fixes = [`use a name of at most ${ABSTRACT_NAME_MAX} bytes, e.g. unix:@myapp`];
    return { reason: 'name-too-long', why: `the abstract socket name is ${bytes} bytes, more than the ${ABSTRACT_NAME_MAX} allowed`, fixes };
  }
  if (name.includes('\0')) return { reason: 'nul', why: 'the abstract socket name contains a NUL byte', fixes: ['remove the NUL byte from the name'] };
  if (edgeSpace(name)) return { reason: 'whitespace', why: 'the abstract socket name starts or ends with whitespace', fixes: ['remove the whitespace'] };
  return undefined;
}

function pipeNameProblem(name: string): Problem {
  if (name.length === 0) return { reason: 'empty-name', why: 'the pipe name is empty', fixes: ['name it, e.g. pipe://myapp'] };
  if (name.length > PIPE_NAME_MAX) {
    const fixes = [`use a name of at most ${PIPE_NAME_MAX} characters, e.g. pipe://myapp`];
    return { reason: 'name-too-long', why: `the pipe name is ${name.length} characters, more than the ${PIPE_NAME_MAX} allowed`, fixes };
  }
  if (/[\\/]/.test(name)) {
    const last = name.split(/[\\/]/).filter((s) => s !== '').pop() ?? 'myapp';
    return { reason: 'pipe-slash', why: 'a pipe name cannot contain \\ or /', fixes: [`give only the name after \\\\.\\pipe\\, e.g. pipe://${last}`] };
  }
  if (name.includes('\0')) return { reason: 'nul', why: 'the pipe name contains a NUL byte', fixes: ['remove the NUL byte from the name'] };
  if (edgeSpace(name)) return { reason: 'whitespace', why: 'the pipe name starts or ends with whitespace', fixes: ['remove the whitespace'] };
  return undefined;
}

function ipv6Problem(): Issue {
  return {
    reason: 'ipv6',
    why: 'IPv6 addresses are not supported yet',
    fixes: [`use IPv4 loopback instead: tcp://127.0.0.1:PORT (e.g. tcp://127.0.0.1:${EXAMPLE_PORT})`],
  };
}

function hostProblem(host: string): Problem {
  if (host === '') return { reason: 'empty-host', why: 'the host is missing' };
  if (host.includes(':') || host.startsWith('[')) return ipv6Problem();
  if (/^[\d.]+$/.test(host)) return net.isIPv4(host) ? undefined : { reason: 'bad-host', why: `'${host}' is not a valid IPv4 address` };
  if (host.length > 253 || !HOSTNAME_RE.test(host)) return { reason: 'bad-host', why: `'${host}' is not a valid host name` };
  return undefined;
}

function portProblem(port: number): Problem {
  if (Number.isInteger(port) && port >= 0 && port <= 65535) return undefined;
  return { reason: 'bad-port', why: `the port must be an integer from 0 to 65535, not ${String(port)}` };
}

/** Why an `Endpoint` value (e.g. one built in code) is malformed, or undefined. */
export function endpointProblem(endpoint: Endpoint): Problem {
  switch (endpoint?.kind) {
    case 'unix':
      return typeof endpoint.path === 'string' ? unixPathProblem(endpoint.path) : { reason: 'bad-value', why: 'path must be a string' };
    case 'abstract':
      return typeof endpoint.name === 'string' ? abstractNameProblem(endpoint.name) : { reason: 'bad-value', why: 'name must be a string' };
    case 'pipe':
      return typeof endpoint.name === 'string' ? pipeNameProblem(endpoint.name) : { reason: 'bad-value', why: 'name must be a string' };
    case 'tcp':
      if (typeof endpoint.host !== 'string') return { reason: 'bad-value', why: 'host must be a string' };
      return hostProblem(endpoint.host) ?? portProblem(endpoint.port);
    default:
      return { reason: 'bad-kind', why: `unknown endpoint kind '${String((endpoint as { kind?: unknown } | undefined)?.kind)}'` };
  }
}

/** The error for `input`, which failed because of `problem`. */
function formatError(input: string, options: ParseEndpointOptions, problem: Issue, fixes: readonly string[] = []): EndpointError {
  const origin = options.source;
  const all = [...fixes, ...(problem.fixes ?? [])];
  if (all.length === 0) all.push(`use one of the accepted forms: ${ACCEPTED_FORMS.join('; ')}`);
  if (origin !== undefined) all.push(`or unset ${origin} to use the platform default`);
  return createError('ERR_ENDPOINT_FORMAT', `${inputSubject(input, origin)} is not valid: ${problem.why}`, {
    fixes: all,
    details: { value: input, reason: problem.reason, ...(origin === undefined ? {} : { origin }) },
  });
}

/** Throws ERR_ENDPOINT_FORMAT when an `Endpoint` value is malformed. */
export function assertEndpoint(endpoint: Endpoint, options: ParseEndpointOptions = {}): void {
  const problem = endpointProblem(endpoint);
  if (problem === undefined) return;
  const known = problem.reason !== 'bad-kind' && problem.reason !== 'bad-value';
  const shown = known ? formatEndpoint(endpoint) : (JSON.stringify(endpoint) ?? String(endpoint));
  throw formatError(shown, options, problem);
}

function relativePathError(input: string, rel: string, options: ParseEndpointOptions): EndpointError {
  // A socket path is a POSIX path: a POSIX suggestDir keeps its slashes even where node runs as win32.
  const dir = options.suggestDir;
  const example = dir === undefined ? path.resolve(rel) : (dir.startsWith('/') ? path.posix : path).join(dir, path.basename(rel));
  const fix = options.source === undefined
    ? `use an absolute path such as unix://${example}`
    : `set ${options.source} to an absolute path such as unix://${example}, or unset it`;
  const problem = { reason: 'relative-path', why: `the socket path must be absolute, and '${rel}' is relative` };
  return createError('ERR_ENDPOINT_FORMAT', `${inputSubject(input, options.source)} is not valid: ${problem.why}`, {
    fixes: [fix],
    details: { value: input, reason: problem.reason, ...(options.source === undefined ? {} : { origin: options.source }) },
  });
}

/** After `unix:` / `ipc:`: `//` + absolute path, `@name`, or `//@name`. */
function parseUnixish(input: string, rest: string, options: ParseEndpointOptions): Endpoint {
  const body = rest.startsWith('//') ? rest.slice(2) : rest;
  if (body.startsWith('@')) {
    const name = body.slice(1);
    const problem = abstractNameProblem(name);
    if (problem !== undefined) throw formatError(input, options, problem);
    return { kind: 'abstract', name };
  }
  if (body === '') throw formatError(input, options, { reason: 'empty-path', why: 'the socket path is missing' }, [useInput(options.source, 'unix:///abs/path.sock')]);
  if (!body.startsWith('/') && !body.includes('\0')) throw relativePathError(input, body, options);
  const problem = unixPathProblem(body);
  if (problem !== undefined) throw formatError(input, options, problem);
  return { kind: 'unix', path: body };
}

function parsePipe(input: string, name: string, options: ParseEndpointOptions): Endpoint {
  const problem = pipeNameProblem(name);
  if (problem !== undefined) throw formatError(input, options, problem);
  return { kind: 'pipe', name };
}

/** `host:port` (after `tcp://`, or raw). */
function parseHostPort(input: string, text: string, options: ParseEndpointOptions): Endpoint {
  if (text.startsWith('[') || (text.match(/:/g)?.length ?? 0) > 1) throw formatError(input, options, ipv6Problem());
  const colon = text.indexOf(':');
  if (colon < 0) {
    const host = text === '' ? '127.0.0.1' : text;
    throw formatError(input, options, { reason: 'missing-port', why: 'the port is missing' }, [useInput(options.source, `tcp://${host}:0 (0 picks a free port)`)]);
  }
  const host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  const hostIssue = hostProblem(host);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (hostIssue !== undefined) {
    const examplePort = portProblem(port) === undefined ? port : EXAMPLE_PORT;
    throw formatError(input, options, hostIssue, [useInput(options.source, `tcp://127.0.0.1:${examplePort}`)]);
  }
  const portIssue = portProblem(port);
  if (portIssue !== undefined) {
    throw formatError(input, options, { ...portIssue, why: `the port must be an integer from 0 to 65535, not '${portText}'` }, [
      useInput(options.source, `tcp://${host}:${EXAMPLE_PORT}, or tcp://${host}:0 to pick a free port`),
    ]);
  }
  return { kind: 'tcp', host, port };
}

function expectSlashes(input: string, scheme: string, rest: string, options: ParseEndpointOptions): string {
  if (rest.startsWith('//')) return rest.slice(2);
  const example = scheme === 'tcp' ? 'tcp://127.0.0.1:5555' : 'pipe://myapp';
  throw formatError(input, options, { reason: 'bad-form', why: `expected ${scheme}://...` }, [useInput(options.source, `the form ${example}`)]);
}

/**
 * Parses an endpoint string. Whitespace is trimmed; `''` and `auto` give `'auto'`.
 * @throws EndpointError ERR_ENDPOINT_FORMAT, with fixes naming `options.source` when given
 */
export function parseEndpoint(input: string, options: ParseEndpointOptions = {}): Endpoint | 'auto' {
  const text = String(input).trim();
  if (text === '' || text.toLowerCase() === 'auto') return 'auto';
  if (PIPE_PREFIX_RE.test(text)) return parsePipe(text, text.slice(9), options);
  if (text.startsWith('/')) {
    const problem = unixPathProblem(text);
    if (problem !== undefined) throw formatError(text, options, problem);
    return { kind: 'unix', path: text };
  }
  const scheme = SCHEME_RE.exec(text)?.[1]?.toLowerCase();
  const rest = scheme === undefined ? '' : text.slice(scheme.length + 1);
  if (scheme === 'unix' || scheme === 'ipc') return parseUnixish(text, rest, options);
  if (scheme === 'pipe') return parsePipe(text, expectSlashes(text, scheme, rest, options), options);
  if (scheme === 'tcp') return parseHostPort(text, expectSlashes(text, scheme, rest, options).replace(/\/$/, ''), options);
  if (/^[a-z]:[\\/]/i.test(text)) {
    throw formatError(text, options, { reason: 'windows-path', why: 'a Windows file path is not an endpoint; Windows uses named pipes' }, [
      useInput(options.source, 'pipe://NAME (a named pipe) or tcp://127.0.0.1:PORT'),
    ]);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw formatError(text, options, { reason: 'unknown-scheme', why: `unknown scheme '${scheme ?? ''}:'` });
  }
  if (text.includes(':')) return parseHostPort(text, text, options);
  throw formatError(text, options, { reason: 'unknown-form', why: 'it is not a recognised endpoint' });
}

/** The canonical string: `unix:///abs`, `unix:@name`, `pipe://name`, `tcp://host:port`. */
export function formatEndpoint(endpoint: Endpoint): string {
  switch (endpoint.kind) {
    case 'unix':
      return `unix://${endpoint.path}`;
    case 'abstract':
      return `unix:@${endpoint.name}`;
    case 'pipe':
      return `pipe://${endpoint.name}`;
    case 'tcp':
      return `tcp://${endpoint.host}:${endpoint.port}`;
  }
}

/** The address for `net.listen` / `net.connect`: abstract → `\0name`, pipe → `\\.\pipe\name`. */
export function toNetAddress(endpoint: Endpoint): { path: string } | { host: string; port: number } {
  switch (endpoint.kind) {
    case 'unix':
      return { path: endpoint.path };
    case 'abstract':
      return { path: `\0${endpoint.name}` };
    case 'pipe':
      return { path: `\\\\.\\pipe\\${endpoint.name}` };
    case 'tcp':
      return { host: endpoint.host, port: endpoint.port };
  }
}

/** True for `localhost`, 127.0.0.0/8 (also as `::ffff:127.x.x.x`) and `::1`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === 'localhost.') return true;
  if (net.isIPv6(h)) {
    if (/^(?:0{0,4}:){2,7}0{0,3}1$|^::1$/.test(h)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped !== null && isLoopbackHost(mapped[1] as string);
  }
  return net.isIPv4(h) && h.startsWith('127.');
}
