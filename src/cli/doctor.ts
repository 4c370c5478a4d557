/**
 * `sidewire doctor`: what platform this is, which endpoint would be used and why, whether the
 * runtime dir is safe, whether a socket already there is live or stale — and every problem with
 * its fix. It only looks: it creates, removes and binds nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SidewireError } from '../errors.js';
import { formatEndpoint } from '../endpoint/parse.js';
import { resolveEndpoint, envVarFor, type ResolvedEndpoint } from '../endpoint/resolve.js';
import { checkRuntimeDir, currentUser, type UserInputs } from '../endpoint/runtime-dir.js';
import { currentPlatform, platformPreset, PLATFORM_PRESETS, type PlatformInfo, type PlatformPreset } from '../platform/detect.js';
import { probeEndpoint } from '../transport/probe.js';
import { readDiscovery } from '../transport/discovery.js';
import { shmStatus, type ShmStatus } from '../transport/shm/native.js';
import { abstractNameStatus, type AbstractNameStatus } from '../transport/abstract-exact.js';
import { peerIdentityStatus, type PeerIdentityStatus } from '../transport/peer-identity.js';
import { activationStatus, type ActivationStatus } from '../transport/sd-notify.js';
import type { ProbeResult } from '../transport/types.js';
import { ENDPOINT_OPTIONS, EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';
import { DOCTOR_HELP } from './doctor-help.js';
import { renderZeroMQ, withZeroMQ, type ZeroMQDoctorReport } from './doctor-zeromq.js';

export interface Problem {
  readonly code: string;
  readonly message: string;
  readonly fixes: readonly string[];
}

export interface DoctorReport {
  readonly ok: boolean;
  /** The problem lies in the command line itself (bad --app/--name/--endpoint): exit 2. */
  readonly badArguments: boolean;
  readonly simulated: boolean;
  readonly platform: PlatformInfo;
  readonly app: string;
  readonly name: string;
  readonly envVar: string;
  readonly endpoint: string | null;
  readonly source: ResolvedEndpoint['source'] | null;
  readonly runtimeDir: { readonly path: string; readonly state: 'safe' | 'missing' | 'unsafe' | 'not-checked' } | null;
  readonly socket: { readonly state: ProbeResult['state'] | 'not-checked'; readonly pid?: number } | null;
  /** The native helper, so the shared-memory side channel, on this machine (null when simulated). */
  readonly sharedMemory: ShmStatus | null;
  /** How abstract socket names are bound here (null when simulated or without abstract sockets). */
  readonly abstractNames: AbstractNameStatus | null;
  /** Kernel-verified peer identity of unix-socket connections (null when simulated). */
  readonly peerCredentials: PeerIdentityStatus | null;
  /** systemd socket activation and READY=1 notification (null when simulated). */
  readonly socketActivation: ActivationStatus | null;
  readonly warnings: readonly string[];
  readonly problems: readonly Problem[];
  /** With `--zeromq ENDPOINT`: that endpoint's checks (doctor-zeromq.ts). */
  readonly zeromq?: ZeroMQDoctorReport;
}

function toProblem(err: SidewireError): Problem {
  return { code: err.code, message: err.message, fixes: err.fixes };
}

/** Builds the report. `simulate` names a platform preset to reason about instead of this machine. */
export async function diagnose(options: {
  app: string;
  name?: string | undefined;
  endpoint?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  simulate?: PlatformPreset | undefined;
}): Promise<DoctorReport> {
  const simulated = options.simulate !== undefined;
  const platform = options.simulate === undefined ? currentPlatform() : platformPreset(options.simulate);
  const me = currentUser();
  const user: UserInputs = platform.supports.unix ? me : { ...me, uid: null };
  const problems: Problem[] = [];
  let resolved: ResolvedEndpoint;
  try {
    resolved = resolveEndpoint({ app: options.app, name: options.name, endpoint: options.endpoint, env: options.env, platform, user });
  } catch (err) {
    if (!(err instanceof SidewireError)) throw err;
    const name = options.name ?? options.app;
    const badArguments = err.code === 'ERR_INVALID_ARGUMENT' || err.details['source'] === 'explicit';
    return {
      ok: false, badArguments, simulated, platform, app: options.app, name, envVar: envVarFor(options.app),
      endpoint: null, source: null, runtimeDir: null, socket: null, sharedMemory: simulated ? null : shmStatus(),
      abstractNames: abstractNames(simulated, platform), peerCredentials: simulated ? null : peerIdentityStatus(), socketActivation: simulated ? null : activationStatus(), warnings: [], problems: [toProblem(err)],
    };
  }
  const { endpoint } = resolved;
  let runtimeDir: DoctorReport['runtimeDir'] = { path: resolved.runtimeDir, state: 'not-checked' };
  let socket: DoctorReport['socket'] = { state: 'not-checked' };
  if (!simulated) {
    const status = checkRuntimeDir(resolved.runtimeDir, user.uid);
    runtimeDir = { path: resolved.runtimeDir, state: status.state };
    // The runtime dir matters for sockets inside it, and for discovery files always.
    if (status.state === 'unsafe') problems.push(toProblem(status.error));
    if (endpoint.kind === 'unix') {
      const dir = path.dirname(endpoint.path);
      if (dir !== resolved.runtimeDir && !fs.existsSync(dir)) {
        problems.push({
          code: 'ERR_ENDPOINT_LISTEN',
          message: `the socket's directory ${dir} does not exist`,
          fixes: [`create it: mkdir -p -m 700 ${dir}`, `or unset ${resolved.envVar} to use the default under ${resolved.runtimeDir}`],
        });
      }
    }
    const probe = await probeEndpoint(endpoint, { timeoutMs: 1000 });
    const record = readDiscovery(resolved.discoveryPath);
    const pid = record !== undefined && record.endpoint === formatEndpoint(endpoint) ? record.pid : undefined;
    socket = pid === undefined ? { state: probe.state } : { state: probe.state, pid };
    if (probe.state === 'not-socket') {
      const where = endpoint.kind === 'unix' ? endpoint.path : formatEndpoint(endpoint);
      problems.push({
        code: 'ERR_ENDPOINT_NOT_SOCKET',
        message: `${where} is a ${probe.what}, not a socket; sidewire will not remove it`,
        fixes: [`move it out of the way (mv ${where} ${where}.bak) if it is not needed`, `or set ${resolved.envVar} to another path`],
      });
    }
  }
  const names = abstractNames(simulated, platform);
  return {
    ok: problems.length === 0, badArguments: false, simulated, platform, app: resolved.app, name: resolved.name, envVar: resolved.envVar,
    endpoint: formatEndpoint(endpoint), source: resolved.source, runtimeDir, socket, sharedMemory: simulated ? null : shmStatus(),
    peerCredentials: simulated ? null : peerIdentityStatus(), socketActivation: simulated ? null : activationStatus(),
    abstractNames: names, warnings: names?.names === 'padded' && endpoint.kind === 'abstract' ? [...resolved.warnings, PADDED_WARNING] : resolved.warnings, problems,
  };
}

/** This machine's abstract-name binding, where abstract sockets exist and the platform is not simulated. */
function abstractNames(simulated: boolean, platform: PlatformInfo): AbstractNameStatus | null {
  return simulated || !platform.supports.abstract ? null : abstractNameStatus();
}

const PADDED_WARNING = 'this abstract endpoint is padded to 108 bytes (no native helper): only Node.js processes reach it, not Python, socat, Rust, Go or Bun';

const ABSTRACT_TEXT = {
  native: 'exact length (native helper): programs in any language reach unix:@name',
  runtime: "exact length (this runtime's own sockets): programs in any language reach unix:@name",
} as const;

const SOCKET_TEXT: Record<string, string> = {
  live: 'a server is listening there',
  stale: 'stale socket file (no server); the next server start reclaims it',
  absent: 'nothing there yet; a server can listen',
  'not-socket': 'something that is not a socket is in the way',
  unknown: 'could not be probed',
  'not-checked': 'not checked (simulated platform)',
};

function sourceText(report: DoctorReport): string {
  switch (report.source) {
    case 'explicit': return 'explicit --endpoint';
    case 'env': return `from ${report.envVar}`;
    case 'default': return `platform default (set ${report.envVar} or --endpoint to override)`;
    default: return '';
  }
}

/** The human-readable rendering of a report. */
export function renderReport(r: DoctorReport): string {
  const s = r.platform.supports;
  const can = [s.unix && 'unix sockets', s.abstract && 'abstract sockets', s.pipe && 'named pipes', 'TCP'].filter(Boolean).join(', ');
  const lines = [
    `platform:     ${r.platform.label}${r.simulated ? ' (simulated with --platform)' : ''}`,
    `can use:      ${can}${r.platform.socketPathMax === null ? '' : ` (socket paths up to ${r.platform.socketPathMax} bytes)`}`,
    `app / name:   ${r.app} / ${r.name}`,
  ];
  if (r.endpoint !== null) lines.push(`endpoint:     ${r.endpoint}`, `because:      ${sourceText(r)}`);
  if (r.runtimeDir !== null) lines.push(`runtime dir:  ${r.runtimeDir.path} (${r.runtimeDir.state})`);
  if (r.socket !== null) {
    const pid = r.socket.pid === undefined ? '' : ` (pid ${r.socket.pid})`;
    lines.push(`socket:       ${SOCKET_TEXT[r.socket.state] ?? r.socket.state}${pid}`);
  }
  if (r.sharedMemory !== null) {
    const m = r.sharedMemory;
    lines.push(`shared memory: ${m.available ? `available (native helper: ${m.build} build, ${m.path})` : `not available: ${m.reason}`}`);
  }
  if (r.abstractNames !== null) {
    const a = r.abstractNames;
    lines.push(`abstract names: ${a.by === null ? `padded to 108 bytes, only Node.js processes reach them: ${a.reason ?? 'unknown'}` : ABSTRACT_TEXT[a.by]}`);
  }
  if (r.peerCredentials !== null) {
    const p = r.peerCredentials;
    lines.push(`peer credentials: ${p.available ? 'available (SO_PEERCRED on unix sockets: ctx.peer, the allow policy)' : `not available: ${p.reason}`}`);
  }
  if (r.socketActivation !== null) {
    const a = r.socketActivation;
    lines.push(`socket activation: ${a.available ? 'available (systemd LISTEN_FDS adopted and checked; READY=1/STOPPING=1 to NOTIFY_SOCKET)' : `limited: ${a.reason}`}`);
  }
  if (r.zeromq !== undefined) lines.push(...renderZeroMQ(r.zeromq));
  for (const w of r.warnings) lines.push(`warning:      ${w}`);
  if (r.problems.length === 0) lines.push('', 'No problems found.');
  for (const p of r.problems) {
    lines.push('', `problem:      ${p.code}: ${p.message}`, 'how to fix:');
    p.fixes.forEach((fix, i) => lines.push(`  ${i + 1}. ${fix}`));
  }
  return lines.join('\n') + '\n';
}

export const doctor: Command = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const { values } = parseCommandArgs(argv, { ...ENDPOINT_OPTIONS, platform: { type: 'string' }, zeromq: { type: 'string' } });
  if (values['help'] === true) {
    io.stdout(DOCTOR_HELP);
    return EXIT.ok;
  }
  const simulate = values['platform'] as string | undefined;
  if (simulate !== undefined && !(PLATFORM_PRESETS as readonly string[]).includes(simulate)) {
    throw new UsageError(`unknown --platform '${simulate}'; use one of ${PLATFORM_PRESETS.join(', ')}`);
  }
  const base = await diagnose({
    app: (values['app'] as string | undefined) ?? 'sidewire',
    name: values['name'] as string | undefined,
    endpoint: values['endpoint'] as string | undefined,
    env: io.env,
    simulate: simulate as PlatformPreset | undefined,
  });
  const zeromq = values['zeromq'] as string | undefined;
  const report = zeromq === undefined ? base : await withZeroMQ(base, zeromq, io.env);
  if (values['json'] === true) io.stdout(JSON.stringify(report, null, 2) + '\n');
  else io.stdout(renderReport(report));
  if (report.badArguments) return EXIT.usage;
  return report.ok ? EXIT.ok : EXIT.failed;
};
