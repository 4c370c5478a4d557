/**
 * Canned probe inputs for each platform of the support matrix. `sidewire doctor --platform X`
 * reasons about platform X with them, and tests use `fixtureInputs` to describe a machine.
 */
import type { PlatformInputs, PlatformPreset } from './detect.js';

/** A described machine: what `process.platform` says, the environment, and the files that exist. */
export interface PlatformFixture {
  readonly platform: string;
  /** @default {} */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Readable files and their text; every other path is missing. @default {} */
  readonly files?: Readonly<Record<string, string>>;
}

/** Probe inputs that answer from a fixture instead of the real machine. */
export function fixtureInputs(fixture: PlatformFixture): PlatformInputs {
  const files = fixture.files ?? {};
  return {
    platform: fixture.platform,
    env: fixture.env ?? {},
    readFile: (p) => (Object.hasOwn(files, p) ? files[p] : undefined),
    exists: (p) => Object.hasOwn(files, p),
  };
}

const LINUX_VERSION = 'Linux version 6.5.0-35-generic (buildd@lcy02-amd64-079) (gcc 12.3.0) #35-Ubuntu SMP\n';
const WSL1_RELEASE = '4.4.0-19041-Microsoft\n';
const WSL1_VERSION = 'Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com) (gcc version 5.4.0 (GCC) ) #1237-Microsoft\n';
const WSL2_RELEASE = '5.15.153.1-microsoft-standard-WSL2\n';
const WSL2_VERSION = 'Linux version 5.15.153.1-microsoft-standard-WSL2 (root@941d701f84f1) (gcc (GCC) 11.2.0) #1 SMP\n';

/** Every preset name, in the order `sidewire doctor` lists them. */
export const PRESET_NAMES = ['linux', 'darwin', 'freebsd', 'win32', 'wsl1', 'wsl2', 'cygwin', 'docker'] as const satisfies readonly PlatformPreset[];

/** The fixture behind each preset. */
export const PRESET_FIXTURES: Readonly<Record<PlatformPreset, PlatformFixture>> = {
  linux: {
    platform: 'linux',
    env: { HOME: '/home/user', XDG_RUNTIME_DIR: '/run/user/1000' },
    files: { '/proc/sys/kernel/osrelease': '6.5.0-35-generic\n', '/proc/version': LINUX_VERSION, '/proc/1/cgroup': '0::/init.scope\n' },
  },
  darwin: { platform: 'darwin', env: { HOME: '/Users/user', TMPDIR: '/var/folders/xy/abc123/T/' } },
  freebsd: { platform: 'freebsd', env: { HOME: '/home/user' } },
  win32: { platform: 'win32', env: { USERPROFILE: 'C:\\Users\\user', OS: 'Windows_NT' } },
  wsl1: {
    platform: 'linux',
    env: { WSL_DISTRO_NAME: 'Ubuntu' },
    files: { '/proc/sys/kernel/osrelease': WSL1_RELEASE, '/proc/version': WSL1_VERSION },
  },
  wsl2: {
    platform: 'linux',
    env: { WSL_DISTRO_NAME: 'Ubuntu', WSL_INTEROP: '/run/WSL/1_interop', XDG_RUNTIME_DIR: '/run/user/1000/' },
    files: { '/proc/sys/kernel/osrelease': WSL2_RELEASE, '/proc/version': WSL2_VERSION, '/proc/1/cgroup': '0::/\n' },
  },
  cygwin: { platform: 'win32', env: { MSYSTEM: 'MINGW64', OSTYPE: 'msys', TERM: 'xterm' } },
  docker: {
    platform: 'linux',
    env: { HOSTNAME: 'f3a1c2b4d5e6' },
    files: { '/.dockerenv': '', '/proc/sys/kernel/osrelease': '6.5.0-35-generic\n', '/proc/1/cgroup': '0::/\n' },
  },
};
