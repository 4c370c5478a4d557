/**
 * `sidewire doctor --zeromq ENDPOINT` (docs/zeromq.md "Checking an endpoint"): whether a ZeroMQ
 * endpoint is valid here (ipc:// path length, Windows → tcp://127.0.0.1:5555, loopback), whether
 * a server is alive there or an ipc:// file is stale, and whether zeromq.js loads. Like the rest
 * of doctor it only looks: it binds and removes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SidewireError } from '../errors.js';
import type { PlatformInfo } from '../platform/detect.js';
import { probeEndpoint } from '../transport/probe.js';
import type { ProbeResult } from '../transport/types.js';
import { formatZeroMQ, resolveZeroMQAddress } from '../zeromq/zeromq-address.js';
import type { DoctorReport, Problem } from './doctor.js';

export interface ZeroMQDoctorReport {
  /** The endpoint as given. */
  readonly value: string;
  /** Its ZeroMQ spelling, or null when it is not valid here. */
  readonly endpoint: string | null;
  /** What is there now. */
  readonly state: ProbeResult['state'] | 'not-checked' | 'invalid';
  /** Whether zeromq.js loads in this runtime (null when simulated). */
  readonly library: { readonly available: boolean; readonly reason?: string } | null;
}

const STATE_TEXT: Record<ZeroMQDoctorReport['state'], string> = {
  live: 'a server is listening there (a second one is refused, never displaces it)',
  stale: 'stale ipc file (no server); sidewire reclaims it when it binds',
  absent: 'nothing there yet; a server can bind',
  'not-socket': 'something that is not a socket is in the way',
  unknown: 'could not be probed',
  'not-checked': 'not checked (simulated platform)',
  invalid: 'not valid here',
};

function problemOf(err: SidewireError): Problem {
  return { code: err.code, message: err.message, fixes: err.fixes };
}

async function library(): Promise<ZeroMQDoctorReport['library']> {
  try {
    const { zeromq } = await import('../zeromq/load-zeromq.js');
    zeromq();
    return { available: true };
  } catch (err) {
    return { available: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Checks `value` and adds what was found to `report` (a new report). */
export async function withZeroMQ(report: DoctorReport, value: string, env: Readonly<Record<string, string | undefined>>): Promise<DoctorReport & { zeromq: ZeroMQDoctorReport }> {
  const platform: PlatformInfo = report.platform;
  const problems: Problem[] = [...report.problems];
  let resolved;
  try {
    resolved = resolveZeroMQAddress(value, { app: report.app, name: report.name, env, platform, what: '--zeromq' });
  } catch (err) {
    if (!(err instanceof SidewireError)) throw err;
    const zeromq: ZeroMQDoctorReport = { value, endpoint: null, state: 'invalid', library: report.simulated ? null : await library() };
    return { ...report, ok: false, badArguments: true, problems: [...problems, problemOf(err)], zeromq };
  }
  const { endpoint } = resolved;
  let state: ZeroMQDoctorReport['state'] = 'not-checked';
  let lib: ZeroMQDoctorReport['library'] = null;
  if (!report.simulated) {
    const loaded = await library();
    lib = loaded;
    if (loaded !== null && !loaded.available) problems.push({ code: 'ERR_DEPENDENCY_MISSING', message: loaded.reason ?? 'zeromq.js does not load', fixes: ['install it beside sidewire: npm install zeromq@^6.8.0', 'under Bun: run the server with Node.js'] });
    if (endpoint.kind === 'unix' && !fs.existsSync(path.dirname(endpoint.path))) {
      const dir = path.dirname(endpoint.path);
      problems.push({ code: 'ERR_ENDPOINT_LISTEN', message: `the ipc socket's directory ${dir} does not exist`, fixes: [`create it: mkdir -p -m 700 ${dir}`] });
    }
    state = endpoint.kind === 'tcp' && endpoint.port === 0 ? 'absent' : (await probeEndpoint(endpoint, { timeoutMs: 1000 })).state;
    if (state === 'not-socket' && endpoint.kind === 'unix') {
      problems.push({ code: 'ERR_ENDPOINT_NOT_SOCKET', message: `${endpoint.path} is not a socket; sidewire will not remove it`, fixes: [`move it out of the way (mv ${endpoint.path} ${endpoint.path}.bak) if it is not needed`, 'or choose another ipc:// path'] });
    }
  }
  const zeromq: ZeroMQDoctorReport = { value, endpoint: formatZeroMQ(endpoint), state, library: lib };
  return { ...report, ok: problems.length === 0, problems, warnings: [...report.warnings, ...resolved.warnings], zeromq };
}

/** The lines doctor prints for the ZeroMQ part. */
export function renderZeroMQ(z: ZeroMQDoctorReport): string[] {
  const lines = [`zeromq:       ${z.endpoint ?? z.value} (${STATE_TEXT[z.state]})`];
  if (z.library !== null) lines.push(`zeromq.js:    ${z.library.available ? 'available' : `not available: ${z.library.reason ?? ''}`}`);
  return lines;
}
