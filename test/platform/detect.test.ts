import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { currentPlatform, detectPlatform, type PlatformInfo, type PlatformInputs } from '../../src/platform/detect.js';
import { fixtureInputs, type PlatformFixture } from '../../src/platform/presets.js';
import { wslFromKernelText } from '../../src/platform/probes.js';

const OSRELEASE = '/proc/sys/kernel/osrelease';
const VERSION = '/proc/version';
const CGROUP = '/proc/1/cgroup';

function detect(fixture: PlatformFixture): PlatformInfo {
  return detectPlatform(fixtureInputs(fixture));
}

type Expect = Partial<Omit<PlatformInfo, 'supports'>> & { supports?: Partial<PlatformInfo['supports']> };

function expectInfo(info: PlatformInfo, expected: Expect): void {
  const { supports, ...rest } = expected;
  for (const [key, value] of Object.entries(rest)) {
    assert.deepEqual(info[key as keyof PlatformInfo], value, `${key} of ${info.label}`);
  }
  for (const [key, value] of Object.entries(supports ?? {})) {
    assert.equal(info.supports[key as keyof PlatformInfo['supports']], value, `supports.${key} of ${info.label}`);
  }
}

/** Facts that must hold for every platform. */
function assertConsistent(info: PlatformInfo): void {
  assert.equal(info.supports.tcp, true);
  assert.equal(info.socketPathMax === null, !info.supports.unix, 'socketPathMax is null exactly when unix sockets are unsupported');
  if (info.defaultKind === 'unix') assert.equal(info.supports.unix, true);
  if (info.defaultKind === 'pipe') assert.equal(info.supports.pipe, true);
  if (info.supports.abstract) assert.equal(info.supports.unix, true);
  assert.ok(info.label.length > 0);
}

const matrix: ReadonlyArray<[string, PlatformFixture, Expect]> = [
  ['Windows', { platform: 'win32', env: { OS: 'Windows_NT' } }, {
    id: 'win32', msys: false, wsl: null, container: null, socketPathMax: null, defaultKind: 'pipe', label: 'Windows',
    supports: { unix: false, abstract: false, pipe: true },
  }],
  ['MSYS2 (MSYSTEM)', { platform: 'win32', env: { MSYSTEM: 'MINGW64' } }, {
    id: 'cygwin', msys: true, defaultKind: 'pipe', socketPathMax: null, label: 'Windows (MSYS2 MINGW64 shell)',
    supports: { unix: false, abstract: false, pipe: true },
  }],
  ['Cygwin (OSTYPE)', { platform: 'win32', env: { OSTYPE: 'cygwin' } }, { id: 'cygwin', msys: true, label: 'Windows (Cygwin/MSYS shell)' }],
  ['Git Bash (OSTYPE=msys)', { platform: 'win32', env: { OSTYPE: 'msys' } }, { id: 'cygwin', msys: true }],
  ['TERM=cygwin', { platform: 'win32', env: { TERM: 'cygwin' } }, { id: 'cygwin', msys: true }],
  ['process.platform cygwin', { platform: 'cygwin' }, { id: 'cygwin', msys: true, defaultKind: 'pipe', nodePlatform: 'cygwin' }],
  ['WSL1 (osrelease)', { platform: 'linux', files: { [OSRELEASE]: '4.4.0-19041-Microsoft\n' } }, {
    id: 'wsl1', wsl: 1, defaultKind: 'tcp', socketPathMax: 107, label: 'Linux (WSL1)',
    supports: { unix: true, abstract: false, pipe: false },
  }],
  ['WSL1 (/proc/version only)', { platform: 'linux', files: { [VERSION]: 'Linux version 4.4.0-17763-Microsoft (Microsoft@Microsoft.com)' } }, { id: 'wsl1', wsl: 1 }],
  ['WSL2 (osrelease)', { platform: 'linux', files: { [OSRELEASE]: '5.15.153.1-microsoft-standard-WSL2\n' } }, {
    id: 'wsl2', wsl: 2, defaultKind: 'unix', socketPathMax: 107, label: 'Linux (WSL2)',
    supports: { unix: true, abstract: true, pipe: false },
  }],
  ['WSL2 (upper-case marker)', { platform: 'linux', files: { [VERSION]: 'Linux version 4.19.128-Microsoft-Standard' } }, { id: 'wsl2', wsl: 2 }],
  ['WSL by env, files unreadable', { platform: 'linux', env: { WSL_DISTRO_NAME: 'Ubuntu' } }, { id: 'wsl2', wsl: 2 }],
  ['WSL by WSL_INTEROP, files unreadable', { platform: 'linux', env: { WSL_INTEROP: '/run/WSL/8_interop' } }, { id: 'wsl2', wsl: 2 }],
  ['WSL1 by files and env', { platform: 'linux', env: { WSL_DISTRO_NAME: 'Debian' }, files: { [OSRELEASE]: '4.4.0-22621-Microsoft' } }, { id: 'wsl1' }],
  ['Docker (/.dockerenv)', { platform: 'linux', files: { '/.dockerenv': '' } }, {
    id: 'linux', container: 'docker', defaultKind: 'unix', socketPathMax: 107, label: 'Linux (Docker container)',
    supports: { unix: true, abstract: true },
  }],
  ['Podman (/run/.containerenv)', { platform: 'linux', files: { '/run/.containerenv': 'engine="podman-4.9"' } }, {
    id: 'linux', container: 'podman', label: 'Linux (Podman container)',
  }],
  ['cgroup v1 docker', { platform: 'linux', files: { [CGROUP]: '12:pids:/docker/3f2a9c\n' } }, { container: 'docker' }],
  ['cgroup kubepods', { platform: 'linux', files: { [CGROUP]: '11:memory:/kubepods/burstable/pod1\n' } }, { container: 'container', label: 'Linux (container)' }],
  ['cgroup containerd', { platform: 'linux', files: { [CGROUP]: '0::/system.slice/containerd.service/x\n' } }, { container: 'container' }],
  ['cgroup libpod', { platform: 'linux', files: { [CGROUP]: '0::/machine.slice/libpod-abc.scope\n' } }, { container: 'podman' }],
  ['env container=podman', { platform: 'linux', env: { container: 'podman' } }, { container: 'podman' }],
  ['Docker on WSL2', { platform: 'linux', files: { '/.dockerenv': '', [OSRELEASE]: '5.15.0-microsoft-standard-WSL2' } }, {
    id: 'wsl2', container: 'docker', label: 'Linux (WSL2, Docker container)',
  }],
  ['macOS', { platform: 'darwin' }, {
    id: 'darwin', socketPathMax: 103, defaultKind: 'unix', label: 'macOS', supports: { unix: true, abstract: false, pipe: false },
  }],
  ['FreeBSD', { platform: 'freebsd' }, { id: 'freebsd', socketPathMax: 103, defaultKind: 'unix', label: 'FreeBSD', supports: { abstract: false } }],
  ['OpenBSD', { platform: 'openbsd' }, { id: 'openbsd', socketPathMax: 103, defaultKind: 'unix' }],
  ['NetBSD', { platform: 'netbsd' }, { id: 'netbsd', socketPathMax: 103, defaultKind: 'unix' }],
  ['Linux', { platform: 'linux', files: { [OSRELEASE]: '6.5.0-35-generic', [CGROUP]: '0::/init.scope' } }, {
    id: 'linux', wsl: null, container: null, msys: false, socketPathMax: 107, defaultKind: 'unix', label: 'Linux',
    supports: { unix: true, abstract: true, pipe: false },
  }],
  ['Linux with no readable files', { platform: 'linux' }, { id: 'linux', wsl: null, container: null, label: 'Linux' }],
  ['AIX', { platform: 'aix' }, { id: 'unknown', defaultKind: 'tcp', nodePlatform: 'aix', label: 'unknown platform (aix)', supports: { abstract: false, pipe: false } }],
  ['SunOS', { platform: 'sunos' }, { id: 'unknown', defaultKind: 'tcp' }],
  ['a prototype key as platform', { platform: 'constructor' }, { id: 'unknown', defaultKind: 'tcp' }],
];

describe('detectPlatform: the support matrix', () => {
  for (const [title, fixture, expected] of matrix) {
    it(title, () => {
      const info = detect(fixture);
      expectInfo(info, expected);
      assertConsistent(info);
    });
  }

  it('ignores WSL markers and container files on non-Linux platforms', () => {
    const files = { [OSRELEASE]: '4.4.0-19041-Microsoft', '/.dockerenv': '' };
    const info = detect({ platform: 'darwin', env: { WSL_DISTRO_NAME: 'Ubuntu' }, files });
    expectInfo(info, { id: 'darwin', wsl: null, container: null });
  });
});

describe('detectPlatform: unreadable inputs', () => {
  it('falls back to plain Linux when readFile returns undefined and exists is false', () => {
    const info = detectPlatform({ platform: 'linux', env: {}, readFile: () => undefined, exists: () => false });
    expectInfo(info, { id: 'linux', wsl: null, container: null, defaultKind: 'unix' });
  });

  it('survives probes that throw', () => {
    const boom = (): never => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    const info = detectPlatform({ platform: 'linux', env: {}, readFile: boom, exists: boom });
    expectInfo(info, { id: 'linux', wsl: null, container: null });
  });

  it('still honours the WSL env vars when probes throw', () => {
    const boom = (): never => {
      throw new Error('EIO');
    };
    const info = detectPlatform({ platform: 'linux', env: { WSL_DISTRO_NAME: 'Ubuntu' }, readFile: boom, exists: boom });
    expectInfo(info, { id: 'wsl2', wsl: 2 });
  });

  it('treats a non-string readFile result as unreadable', () => {
    const readFile = (() => 42) as unknown as PlatformInputs['readFile'];
    const info = detectPlatform({ platform: 'linux', env: {}, readFile, exists: () => false });
    expectInfo(info, { id: 'linux', wsl: null });
  });
});

describe('detectPlatform: purity and caching', () => {
  it('gives equal results for equal inputs', () => {
    const fixture = { platform: 'linux', files: { '/.dockerenv': '', [OSRELEASE]: '5.15.0-microsoft-standard-WSL2' } };
    assert.deepEqual(detect(fixture), detect(fixture));
  });

  it('fills missing inputs from the real process', () => {
    const info = detectPlatform({ readFile: () => undefined, exists: () => false, env: {} });
    assert.equal(info.nodePlatform, process.platform);
  });

  it('currentPlatform detects once and caches', () => {
    const first = currentPlatform();
    assert.equal(currentPlatform(), first);
    assert.deepEqual(first, detectPlatform());
  });
});

describe('wslFromKernelText', () => {
  const rows: ReadonlyArray<[string, 1 | 2 | null]> = [
    ['4.4.0-19041-Microsoft', 1],
    ['Linux version 4.4.0-18362-Microsoft (Microsoft@Microsoft.com)', 1],
    ['5.15.153.1-microsoft-standard-WSL2', 2],
    ['4.19.104-microsoft-standard', 2],
    ['4.19.104-MICROSOFT-STANDARD', 2],
    ['6.6.36.3-microsoft-standard-WSL2+', 2],
    ['6.5.0-35-generic', null],
    ['5.15.0-1051-azure', null],
    ['', null],
  ];
  for (const [text, expected] of rows) {
    it(`${JSON.stringify(text)} → ${String(expected)}`, () => assert.equal(wslFromKernelText(text), expected));
  }
});
