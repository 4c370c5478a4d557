/**
 * Looks at an endpoint without changing anything: is a server alive there, is a socket file
 * stale, or is something else in the way? Used before binding (stale reclaim) and by
 * `sidewire doctor`.
 */
import * as fs from 'node:fs';
import type { Endpoint } from '../endpoint/endpoint.js';
import { systemCode } from '../errors.js';
import { dial } from './dial.js';
import type { ProbeResult } from './types.js';

export interface ProbeOptions {
  /**
   * Give up a probe connection after this long (the result is then 'unknown').
   * @default 1000
   */
  readonly timeoutMs?: number;
}

function lstatKind(p: string): ProbeResult | 'socket' {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch (err) {
    const code = systemCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { state: 'absent' };
    return code === undefined ? { state: 'unknown', error: `cannot inspect ${p}: ${String(err)}` } : { state: 'unknown', error: `cannot inspect ${p}: ${code}`, errno: code };
  }
  if (st.isSocket()) return 'socket';
  if (st.isDirectory()) return { state: 'not-socket', what: 'directory' };
  if (st.isFile()) return { state: 'not-socket', what: 'file' };
  return { state: 'not-socket', what: 'other' };
}

/**
 * Probes `endpoint`. Unix: missing → absent; not a socket → not-socket; a socket that accepts →
 * live (closed at once, nothing sent); refused → stale. Other kinds: accepted → live,
 * refused / no such pipe → absent. Anything else → unknown.
 */
export async function probeEndpoint(endpoint: Endpoint, options: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 1000;
  if (endpoint.kind === 'unix') {
    const kind = lstatKind(endpoint.path);
    if (kind !== 'socket') return kind;
  }
  const result = await dial(endpoint, timeoutMs);
  if (result.ok) {
    result.socket.destroy();
    return { state: 'live' };
  }
  if (result.timedOut) return { state: 'unknown', error: `no answer within ${timeoutMs} ms` };
  const code = systemCode(result.error);
  switch (code) {
    case 'ECONNREFUSED':
      return endpoint.kind === 'unix' ? { state: 'stale' } : { state: 'absent' };
    case 'ENOENT':
      return { state: 'absent' };
    case 'EAGAIN':
      // Unix socket whose accept backlog is full: a busy server, not a dead one.
      return { state: 'live' };
    default:
      return code === undefined ? { state: 'unknown', error: result.error.message } : { state: 'unknown', error: code, errno: code };
  }
}
