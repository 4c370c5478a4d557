/**
 * Platform detection: which OS flavour this is (including WSL1/WSL2, containers and Cygwin/MSYS
 * shells on Windows), which endpoint kinds work here, and the platform default kind (docs/protocol.md §1).
 *
 * Every probe input is injectable, so any machine of the support matrix can be described in a
 * test or simulated with `sidewire doctor --platform X`. Probes never throw: an unreadable file
 * counts as missing, and a Linux machine whose files say nothing is plain Linux.
 */
import * as fs from 'node:fs';
import { createError } from '../errors.js';
import { detectContainer, detectMsys, detectWsl } from './probes.js';
import { PRESET_FIXTURES, PRESET_NAMES, fixtureInputs } from './presets.js';

export type PlatformId = 'linux' | 'darwin' | 'freebsd' | 'openbsd' | 'netbsd' | 'win32' | 'cygwin' | 'wsl1' | 'wsl2' | 'unknown';
export type ContainerKind = 'docker' | 'podman' | 'container';

/** Everything detection looks at. Each is injectable; missing ones come from the real process. */
export interface PlatformInputs {
  /** `process.platform`. */
  platform: string;
  /** The environment (`process.env`). */
  env: Readonly<Record<string, string | undefined>>;
  /** File text, or undefined when missing/unreadable. Must not throw (throws are caught anyway). */
  readFile(path: string): string | undefined;
  /** Whether a path exists. Must not throw (throws are caught anyway). */
  exists(path: string): boolean;
}

export interface PlatformInfo {
  readonly id: PlatformId;
  /** `process.platform` as reported by Node. */
  readonly nodePlatform: string;
  readonly wsl: 1 | 2 | null;
  /** /.dockerenv → docker, /run/.containerenv → podman, /proc/1/cgroup markers → docker/podman/container. */
  readonly container: ContainerKind | null;
  /** Node on Windows started from a Cygwin/MSYS/Git-Bash shell (id 'cygwin'). */
  readonly msys: boolean;
  readonly supports: { readonly unix: boolean; readonly abstract: boolean; readonly pipe: boolean; readonly tcp: true };
  /** Usable bytes of a socket path: 107 Linux (WSL, containers), 103 macOS/BSD, null without unix sockets. */
  readonly socketPathMax: number | null;
  /** docs/protocol.md §1: unix on linux/darwin/bsd/wsl2/containers, pipe on win32/cygwin, tcp on wsl1/unknown. */
  readonly defaultKind: 'unix' | 'pipe' | 'tcp';
  /** Human text, e.g. "Linux (WSL2, Docker container)". */
  readonly label: string;
}

export type PlatformPreset = 'linux' | 'darwin' | 'freebsd' | 'win32' | 'wsl1' | 'wsl2' | 'cygwin' | 'docker';

/** Preset names accepted by `platformPreset` (and `sidewire doctor --platform`). */
export const PLATFORM_PRESETS: readonly PlatformPreset[] = PRESET_NAMES;

/** sun_path is 108 bytes on Linux and 104 on macOS/BSD; one byte goes to the terminating NUL. */
const LINUX_PATH_MAX = 107;
const BSD_PATH_MAX = 103;

const BSD_NAMES: Readonly<Record<string, { id: PlatformId; label: string }>> = {
  darwin: { id: 'darwin', label: 'macOS' },
  freebsd: { id: 'freebsd', label: 'FreeBSD' },
  openbsd: { id: 'openbsd', label: 'OpenBSD' },
  netbsd: { id: 'netbsd', label: 'NetBSD' },
};

const CONTAINER_LABELS: Readonly<Record<ContainerKind, string>> = {
  docker: 'Docker container',
  podman: 'Podman container',
  container: 'container',
};

const realInputs: PlatformInputs = {
  platform: process.platform,
  env: process.env,
  readFile: (p) => {
    try {
      return fs.readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
  exists: (p) => {
    try {
      return fs.existsSync(p);
    } catch {
      return false;
    }
  },
};

/** Fills missing inputs from the real process and shields detection from probes that throw. */
function safeInputs(partial: Partial<PlatformInputs>): PlatformInputs {
  const readFile = partial.readFile ?? realInputs.readFile;
  const exists = partial.exists ?? realInputs.exists;
  return {
    platform: partial.platform ?? realInputs.platform,
    env: partial.env ?? realInputs.env,
    readFile: (p) => {
      try {
        const text = readFile(p);
        return typeof text === 'string' ? text : undefined;
      } catch {
        return undefined;
      }
    },
    exists: (p) => {
      try {
        return exists(p) === true;
      } catch {
        return false;
      }
    },
  };
}

function linuxInfo(inputs: PlatformInputs): PlatformInfo {
  const wsl = detectWsl(inputs);
  const container = detectContainer(inputs);
  const id: PlatformId = wsl === 1 ? 'wsl1' : wsl === 2 ? 'wsl2' : 'linux';
  const notes = [...(wsl === null ? [] : [`WSL${wsl}`]), ...(container === null ? [] : [CONTAINER_LABELS[container]])];
  return {
    id,
    nodePlatform: inputs.platform,
    wsl,
    container,
    msys: false,
    // WSL1 emulates AF_UNIX without abstract names: be conservative.
    supports: { unix: true, abstract: wsl !== 1, pipe: false, tcp: true },
    socketPathMax: LINUX_PATH_MAX,
    defaultKind: wsl === 1 ? 'tcp' : 'unix',
    label: notes.length === 0 ? 'Linux' : `Linux (${notes.join(', ')})`,
  };
}

function windowsInfo(inputs: PlatformInputs): PlatformInfo {
  const msys = inputs.platform === 'cygwin' || detectMsys(inputs.env);
  const shell = inputs.env['MSYSTEM'] ? `MSYS2 ${inputs.env['MSYSTEM']}` : 'Cygwin/MSYS';
  return {
    id: msys ? 'cygwin' : 'win32',
    nodePlatform: inputs.platform,
    wsl: null,
    container: null,
    msys,
    // Node's AF_UNIX support on Windows is patchy; named pipes are the native choice.
    supports: { unix: false, abstract: false, pipe: true, tcp: true },
    socketPathMax: null,
    defaultKind: 'pipe',
    label: msys ? `Windows (${shell} shell)` : 'Windows',
  };
}

function bsdInfo(inputs: PlatformInputs, id: PlatformId, label: string): PlatformInfo {
  return {
    id,
    nodePlatform: inputs.platform,
    wsl: null,
    container: null,
    msys: false,
    supports: { unix: true, abstract: false, pipe: false, tcp: true },
    socketPathMax: BSD_PATH_MAX,
    defaultKind: 'unix',
    label,
  };
}

/** AIX, SunOS, ...: POSIX, so explicit unix endpoints are allowed, but the default is TCP. */
function unknownInfo(inputs: PlatformInputs): PlatformInfo {
  return {
    id: 'unknown',
    nodePlatform: inputs.platform,
    wsl: null,
    container: null,
    msys: false,
    supports: { unix: true, abstract: false, pipe: false, tcp: true },
    socketPathMax: BSD_PATH_MAX,
    defaultKind: 'tcp',
    label: `unknown platform (${inputs.platform})`,
  };
}

/** Detects the platform from `inputs` (pure given all inputs; missing ones use the real process). */
export function detectPlatform(inputs: Partial<PlatformInputs> = {}): PlatformInfo {
  const all = safeInputs(inputs);
  if (all.platform === 'linux') return linuxInfo(all);
  if (all.platform === 'win32' || all.platform === 'cygwin') return windowsInfo(all);
  if (Object.hasOwn(BSD_NAMES, all.platform)) {
    const bsd = BSD_NAMES[all.platform] as { id: PlatformId; label: string };
    return bsdInfo(all, bsd.id, bsd.label);
  }
  return unknownInfo(all);
}

let cached: PlatformInfo | undefined;

/** The platform of this process, detected once and cached. */
export function currentPlatform(): PlatformInfo {
  cached ??= detectPlatform();
  return cached;
}

/** A canned platform (for `sidewire doctor --platform X` and tests). */
export function platformPreset(name: PlatformPreset): PlatformInfo {
  if (!Object.hasOwn(PRESET_FIXTURES, name)) {
    throw createError('ERR_INVALID_ARGUMENT', `unknown platform preset '${String(name)}'`, {
      fixes: [`use one of: ${PLATFORM_PRESETS.join(', ')}`],
      details: { value: name },
    });
  }
  return detectPlatform(fixtureInputs(PRESET_FIXTURES[name]));
}
