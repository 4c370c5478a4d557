import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { PLATFORM_PRESETS, platformPreset, type PlatformPreset } from '../../src/platform/detect.js';
import { isSidewireError } from '../../src/errors.js';
import { fixtureInputs } from '../../src/platform/presets.js';

const expected: Record<PlatformPreset, { id: string; defaultKind: string; wsl: 1 | 2 | null; container: string | null; msys: boolean }> = {
  linux: { id: 'linux', defaultKind: 'unix', wsl: null, container: null, msys: false },
  darwin: { id: 'darwin', defaultKind: 'unix', wsl: null, container: null, msys: false },
  freebsd: { id: 'freebsd', defaultKind: 'unix', wsl: null, container: null, msys: false },
  win32: { id: 'win32', defaultKind: 'pipe', wsl: null, container: null, msys: false },
  wsl1: { id: 'wsl1', defaultKind: 'tcp', wsl: 1, container: null, msys: false },
  wsl2: { id: 'wsl2', defaultKind: 'unix', wsl: 2, container: null, msys: false },
  cygwin: { id: 'cygwin', defaultKind: 'pipe', wsl: null, container: null, msys: true },
  docker: { id: 'linux', defaultKind: 'unix', wsl: null, container: 'docker', msys: false },
};

describe('platform presets', () => {
  it('lists every preset exactly once', () => {
    assert.deepEqual([...PLATFORM_PRESETS].sort(), Object.keys(expected).sort());
  });

  for (const name of Object.keys(expected) as PlatformPreset[]) {
    it(`${name} describes the expected platform`, () => {
      const info = platformPreset(name);
      const { id, defaultKind, wsl, container, msys } = info;
      assert.deepEqual({ id, defaultKind, wsl, container, msys }, expected[name]);
    });
  }

  it('rejects an unknown preset with ERR_INVALID_ARGUMENT and the list of names', () => {
    assert.throws(
      () => platformPreset('beos' as PlatformPreset),
      (err: unknown) => isSidewireError(err, 'ERR_INVALID_ARGUMENT') && /beos/.test(err.message) && err.fixes.some((f) => f.includes('wsl2')),
    );
  });
});

describe('fixtureInputs', () => {
  it('answers only from the fixture', () => {
    const inputs = fixtureInputs({ platform: 'linux', env: { A: '1' }, files: { '/x': 'text' } });
    assert.equal(inputs.readFile('/x'), 'text');
    assert.equal(inputs.readFile('/etc/hostname'), undefined);
    assert.equal(inputs.exists('/x'), true);
    assert.equal(inputs.exists('/'), false);
    assert.equal(inputs.exists('toString'), false);
    assert.equal(inputs.env['A'], '1');
  });
});
