import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Endpoint } from '../../src/endpoint/endpoint.js';
import { formatEndpoint } from '../../src/endpoint/parse.js';
import { defaultEndpoint, envVarFor, resolveEndpoint, validateEndpoint, type ResolveOptions } from '../../src/endpoint/resolve.js';
import type { UserInputs } from '../../src/endpoint/runtime-dir.js';
import { isSidewireError, type ErrorCode, type SidewireError } from '../../src/errors.js';
import { platformPreset, type PlatformPreset } from '../../src/platform/detect.js';
import { tempDir } from '../helpers/names.js';

const BOB: UserInputs = { uid: 1000, username: 'Bob', tmpdir: '/tmp' };
const WIN_BOB: UserInputs = { uid: null, username: 'Bob', tmpdir: '/tmp' };
const ENV = 'MYAPP_ENDPOINT';

function resolveOn(preset: PlatformPreset, options: Partial<ResolveOptions> = {}) {
  const user = preset === 'win32' || preset === 'cygwin' ? WIN_BOB : BOB;
  return resolveEndpoint({ app: 'myapp', env: {}, user, platform: platformPreset(preset), ...options });
}

function errorOf(code: ErrorCode, fn: () => unknown): SidewireError {
  try {
    fn();
  } catch (err) {
    assert.ok(isSidewireError(err, code), `expected ${code}, got ${String(err)}`);
    assert.ok(err.fixes.length > 0, 'every error carries fixes');
    return err;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

/** The shared contract of endpoint errors: offending value and source in details; env var named in fixes when relevant. */
function assertEndpointError(err: SidewireError, value: string, source: 'env' | 'explicit' | 'default'): void {
  assert.equal(err.details['value'], value);
  assert.equal(err.details['source'], source);
  assert.equal(err.details['envVar'], ENV);
  if (source !== 'explicit') assert.ok(err.fixes.some((f) => f.includes(ENV)), `no fix names ${ENV}: ${err.fixes.join(' | ')}`);
}

describe('envVarFor', () => {
  it('upper-cases the app and maps non-alphanumerics to _', () => {
    assert.equal(envVarFor('myapp'), 'MYAPP_ENDPOINT');
    assert.equal(envVarFor('my-app.v2'), 'MY_APP_V2_ENDPOINT');
  });
});

describe('resolveEndpoint: arguments', () => {
  for (const app of ['', '-x', 'a b', 'x'.repeat(65), 'é']) {
    it(`rejects app ${JSON.stringify(app.slice(0, 10))}`, () => {
      const err = errorOf('ERR_INVALID_ARGUMENT', () => resolveOn('linux', { app }));
      assert.equal(err.details['argument'], 'app');
    });
  }
  it('rejects a bad service name', () => {
    const err = errorOf('ERR_INVALID_ARGUMENT', () => resolveOn('linux', { name: '../x' }));
    assert.equal(err.details['argument'], 'name');
  });
  it('rejects a bad envVar', () => {
    const err = errorOf('ERR_INVALID_ARGUMENT', () => resolveOn('linux', { envVar: 'MY-VAR' }));
    assert.match(err.fixes[0] ?? '', /MYAPP_ENDPOINT/);
  });
});

describe('resolveEndpoint: the DESIGN.md §1 table', () => {
  const rows: ReadonlyArray<[PlatformPreset, string, Endpoint]> = [
    ['linux', 'unix:///run/x/a.sock', { kind: 'unix', path: '/run/x/a.sock' }],
    ['darwin', 'ipc:///tmp/a.sock', { kind: 'unix', path: '/tmp/a.sock' }],
    ['wsl1', 'unix:///tmp/a.sock', { kind: 'unix', path: '/tmp/a.sock' }],
    ['docker', '/tmp/a.sock', { kind: 'unix', path: '/tmp/a.sock' }],
    ['linux', 'unix:@svc', { kind: 'abstract', name: 'svc' }],
    ['wsl2', 'unix:@svc', { kind: 'abstract', name: 'svc' }],
    ['win32', 'pipe://svc', { kind: 'pipe', name: 'svc' }],
    ['cygwin', '\\\\.\\pipe\\svc', { kind: 'pipe', name: 'svc' }],
    ['linux', 'tcp://127.0.0.1:5555', { kind: 'tcp', host: '127.0.0.1', port: 5555 }],
    ['win32', 'localhost:5555', { kind: 'tcp', host: 'localhost', port: 5555 }],
    ['freebsd', 'tcp://127.0.0.1:0', { kind: 'tcp', host: '127.0.0.1', port: 0 }],
  ];
  for (const [preset, value, expected] of rows) {
    it(`${value} on ${preset}, explicit and from ${ENV}`, () => {
      const explicit = resolveOn(preset, { endpoint: value });
      assert.deepEqual(explicit.endpoint, expected);
      assert.equal(explicit.source, 'explicit');
      assert.deepEqual(explicit.warnings, []);
      const fromEnv = resolveOn(preset, { env: { [ENV]: value } });
      assert.deepEqual(fromEnv.endpoint, expected);
      assert.equal(fromEnv.source, 'env');
    });
  }
  it('auto or unset gives the platform default', () => {
    for (const endpoint of ['auto', '', undefined]) {
      const r = resolveOn('linux', { endpoint });
      assert.equal(r.source, 'default');
      assert.equal(formatEndpoint(r.endpoint), 'unix:///tmp/myapp-1000/myapp.sock');
    }
  });
});

describe('resolveEndpoint: precedence', () => {
  const env = { [ENV]: 'tcp://127.0.0.1:2222' };
  it('explicit beats the environment variable', () => {
    const r = resolveOn('linux', { endpoint: 'tcp://127.0.0.1:1111', env });
    assert.deepEqual([r.source, formatEndpoint(r.endpoint)], ['explicit', 'tcp://127.0.0.1:1111']);
  });
  it('an explicit Endpoint value beats the environment variable', () => {
    const r = resolveOn('linux', { endpoint: { kind: 'abstract', name: 'x' }, env });
    assert.deepEqual([r.source, r.endpoint], ['explicit', { kind: 'abstract', name: 'x' }]);
  });
  it('the environment variable beats the default', () => {
    const r = resolveOn('linux', { env });
    assert.deepEqual([r.source, formatEndpoint(r.endpoint)], ['env', 'tcp://127.0.0.1:2222']);
  });
  it('explicit auto falls through to the environment variable', () => {
    assert.equal(resolveOn('linux', { endpoint: 'auto', env }).source, 'env');
  });
  it('an empty, blank or auto environment value falls through to the default', () => {
    for (const value of ['', '  ', 'auto']) assert.equal(resolveOn('linux', { env: { [ENV]: value } }).source, 'default');
  });
  it('reads a custom envVar and reports it', () => {
    const r = resolveOn('linux', { envVar: 'SVC_ADDR', env: { SVC_ADDR: 'tcp://127.0.0.1:3', [ENV]: 'tcp://127.0.0.1:4' } });
    assert.deepEqual([r.source, r.envVar, formatEndpoint(r.endpoint)], ['env', 'SVC_ADDR', 'tcp://127.0.0.1:3']);
  });
  it('an invalid explicit value is an error even when the environment variable is valid', () => {
    errorOf('ERR_ENDPOINT_FORMAT', () => resolveOn('linux', { endpoint: 'zmq', env }));
  });
});

describe('resolveEndpoint: platform defaults', () => {
  const xdg = tempDir('swxdg');
  after(() => xdg.cleanup());
  const myUid = process.getuid?.() ?? 0;
  const me: UserInputs = { uid: myUid, username: 'me', tmpdir: '/tmp' };

  it('linux with an owned XDG_RUNTIME_DIR uses it', () => {
    const r = resolveOn('linux', { env: { XDG_RUNTIME_DIR: xdg.dir }, user: me });
    assert.equal(r.runtimeDir, path.join(xdg.dir, 'myapp'));
    assert.deepEqual(r.endpoint, { kind: 'unix', path: path.join(xdg.dir, 'myapp', 'myapp.sock') });
    assert.equal(r.discoveryPath, path.join(xdg.dir, 'myapp', 'myapp.json'));
  });

  it('linux with an XDG_RUNTIME_DIR owned by someone else falls back to tmpdir', () => {
    const r = resolveOn('linux', { env: { XDG_RUNTIME_DIR: xdg.dir }, user: { ...me, uid: myUid + 4242 } });
    assert.equal(r.runtimeDir, `/tmp/myapp-${myUid + 4242}`);
  });

  const rows: ReadonlyArray<[PlatformPreset, string, string]> = [
    ['linux', 'unix:///tmp/myapp-1000/myapp.sock', '/tmp/myapp-1000'],
    ['darwin', 'unix:///tmp/myapp-1000/myapp.sock', '/tmp/myapp-1000'],
    ['freebsd', 'unix:///tmp/myapp-1000/myapp.sock', '/tmp/myapp-1000'],
    ['wsl2', 'unix:///tmp/myapp-1000/myapp.sock', '/tmp/myapp-1000'],
    ['docker', 'unix:///tmp/myapp-1000/myapp.sock', '/tmp/myapp-1000'],
    ['win32', 'pipe://myapp-bob-myapp', '/tmp/myapp-bob'],
    ['cygwin', 'pipe://myapp-bob-myapp', '/tmp/myapp-bob'],
    ['wsl1', 'tcp://127.0.0.1:0', '/tmp/myapp-1000'],
  ];
  for (const [preset, expected, runtimeDir] of rows) {
    it(`${preset} → ${expected}`, () => {
      const r = resolveOn(preset);
      assert.equal(formatEndpoint(r.endpoint), expected);
      assert.equal(r.source, 'default');
      assert.equal(r.runtimeDir, runtimeDir);
      assert.equal(r.discoveryPath, `${runtimeDir}/myapp.json`);
      assert.equal(r.platform.id, platformPreset(preset).id);
    });
  }

  it('uses the service name for the socket, pipe and discovery file', () => {
    const unix = resolveOn('linux', { name: 'worker' });
    assert.equal(formatEndpoint(unix.endpoint), 'unix:///tmp/myapp-1000/worker.sock');
    assert.equal(unix.discoveryPath, '/tmp/myapp-1000/worker.json');
    assert.equal(formatEndpoint(resolveOn('win32', { name: 'worker' }).endpoint), 'pipe://myapp-bob-worker');
  });

  it('defaultEndpoint makes the user name safe for a pipe name', () => {
    const e = defaultEndpoint('a', 'b', platformPreset('win32'), 'C:\\Temp\\a-x', { uid: null, username: 'DOMAIN\\Jane Doe', tmpdir: 'C:\\Temp' });
    assert.deepEqual(e, { kind: 'pipe', name: 'a-domain_jane_doe-b' });
  });
});

describe('resolveEndpoint: ERR_ENDPOINT_FORMAT', () => {
  it('from the environment: names the variable, details say env', () => {
    const err = errorOf('ERR_ENDPOINT_FORMAT', () => resolveOn('linux', { env: { [ENV]: 'ipc://relative/x.sock' } }));
    assert.match(err.message, /^MYAPP_ENDPOINT=ipc:\/\/relative\/x\.sock is not valid: .*absolute/);
    assert.equal(err.fixes[0], 'set MYAPP_ENDPOINT to an absolute path such as unix:///tmp/myapp-1000/x.sock, or unset it');
    assertEndpointError(err, 'ipc://relative/x.sock', 'env');
  });
  it('explicit: details say explicit', () => {
    const err = errorOf('ERR_ENDPOINT_FORMAT', () => resolveOn('linux', { endpoint: 'tcp://127.0.0.1:70000' }));
    assert.match(err.message, /^endpoint 'tcp:\/\/127\.0\.0\.1:70000' is not valid/);
    assertEndpointError(err, 'tcp://127.0.0.1:70000', 'explicit');
  });
  it('a malformed explicit Endpoint value', () => {
    const err = errorOf('ERR_ENDPOINT_FORMAT', () => resolveOn('linux', { endpoint: { kind: 'unix', path: 'rel.sock' } }));
    assertEndpointError(err, 'unix://rel.sock', 'explicit');
  });
});

describe('resolveEndpoint: ERR_ENDPOINT_PLATFORM', () => {
  it('a unix socket on Windows from the environment', () => {
    const err = errorOf('ERR_ENDPOINT_PLATFORM', () => resolveOn('win32', { env: { [ENV]: 'unix:///tmp/x.sock' } }));
    assert.match(err.message, /^MYAPP_ENDPOINT=unix:\/\/\/tmp\/x\.sock cannot be used on Windows: /);
    assert.match(err.fixes[0] ?? '', /^set MYAPP_ENDPOINT to pipe:\/\/myapp-bob-myapp \(or tcp:\/\/127\.0\.0\.1:5555\)$/);
    assert.match(err.fixes[1] ?? '', /unset MYAPP_ENDPOINT/);
    assertEndpointError(err, 'unix:///tmp/x.sock', 'env');
    assert.equal(err.details['platform'], 'win32');
  });
  it('a unix socket under Cygwin/MSYS, explicit', () => {
    const err = errorOf('ERR_ENDPOINT_PLATFORM', () => resolveOn('cygwin', { endpoint: '/tmp/x.sock' }));
    assert.match(err.message, /^endpoint unix:\/\/\/tmp\/x\.sock cannot be used on Windows \(MSYS2/);
    assert.match(err.fixes[0] ?? '', /^change the endpoint to pipe:\/\/myapp-bob-myapp/);
    assert.match(err.fixes[1] ?? '', /leave the endpoint out.*MYAPP_ENDPOINT/);
    assertEndpointError(err, 'unix:///tmp/x.sock', 'explicit');
  });
  for (const preset of ['darwin', 'freebsd', 'wsl1'] as const) {
    it(`an abstract socket on ${preset}`, () => {
      const err = errorOf('ERR_ENDPOINT_PLATFORM', () => resolveOn(preset, { env: { [ENV]: 'unix:@svc' } }));
      assert.match(err.message, preset === 'wsl1' ? /WSL1 does not support abstract sockets/ : /only on Linux/);
      assert.ok(!err.fixes.join(' ').includes('unix:@'), 'must not suggest another abstract socket');
      assert.ok(err.fixes[0]?.includes('unix:///tmp/myapp-1000/myapp.sock'));
      assertEndpointError(err, 'unix:@svc', 'env');
    });
  }
  it('a named pipe on Linux', () => {
    const err = errorOf('ERR_ENDPOINT_PLATFORM', () => resolveOn('linux', { env: { [ENV]: 'pipe://svc' } }));
    assert.match(err.message, /named pipes exist only on Windows/);
    assert.match(err.fixes[0] ?? '', /^set MYAPP_ENDPOINT to unix:\/\/\/tmp\/myapp-1000\/myapp\.sock/);
    assertEndpointError(err, 'pipe://svc', 'env');
  });
});

describe('resolveEndpoint: ERR_ENDPOINT_PATH_TOO_LONG', () => {
  const pathOf = (bytes: number): string => `/${'p'.repeat(bytes - 1)}`;

  it('accepts exactly the limit and rejects one byte more (Linux: 107)', () => {
    assert.equal(resolveOn('linux', { env: { [ENV]: pathOf(107) } }).source, 'env');
    const err = errorOf('ERR_ENDPOINT_PATH_TOO_LONG', () => resolveOn('linux', { env: { [ENV]: pathOf(108) } }));
    assert.match(err.message, /108 bytes, but Linux allows at most 107/);
    assert.match(err.fixes[0] ?? '', /^set MYAPP_ENDPOINT to unix:\/\/\/tmp\/myapp\.sock \(or unix:@myapp-myapp\)$/);
    assertEndpointError(err, `unix://${pathOf(108)}`, 'env');
    assert.deepEqual([err.details['length'], err.details['limit']], [108, 107]);
  });

  it('counts bytes, not characters', () => {
    const path = `/${'é'.repeat(54)}`; // 55 characters, 109 bytes
    const err = errorOf('ERR_ENDPOINT_PATH_TOO_LONG', () => resolveOn('linux', { endpoint: path }));
    assert.equal(err.details['length'], 109);
    assert.match(err.fixes[0] ?? '', /^change the endpoint to unix:\/\/\/tmp\/myapp\.sock/);
    assertEndpointError(err, `unix://${path}`, 'explicit');
  });

  it('macOS: limit 103, and no abstract suggestion', () => {
    assert.equal(resolveOn('darwin', { endpoint: pathOf(103) }).source, 'explicit');
    const err = errorOf('ERR_ENDPOINT_PATH_TOO_LONG', () => resolveOn('darwin', { env: { [ENV]: pathOf(104) } }));
    assert.match(err.message, /104 bytes, but macOS allows at most 103/);
    assert.ok(!err.fixes.join(' ').includes('unix:@'));
    assertEndpointError(err, `unix://${pathOf(104)}`, 'env');
  });

  it('a default path under a deep tmpdir', () => {
    const deep = `/${'d'.repeat(100)}`;
    const err = errorOf('ERR_ENDPOINT_PATH_TOO_LONG', () => resolveOn('linux', { user: { ...BOB, tmpdir: deep } }));
    assert.match(err.message, /^the default endpoint unix:\/\/.* is too long: .* at most 107/);
    assert.match(err.fixes[0] ?? '', /^set MYAPP_ENDPOINT to unix:\/\/\/tmp\/myapp\.sock \(or unix:@myapp-myapp\)$/);
    assert.ok(err.fixes.some((f) => f.includes('XDG_RUNTIME_DIR')));
    assertEndpointError(err, `unix://${deep}/myapp-1000/myapp.sock`, 'default');
  });
});

describe('resolveEndpoint: ERR_ENDPOINT_REMOTE', () => {
  for (const host of ['0.0.0.0', '192.168.1.10', 'example.com']) {
    it(`${host} is refused without allowRemote`, () => {
      const value = `tcp://${host}:5555`;
      const err = errorOf('ERR_ENDPOINT_REMOTE', () => resolveOn('linux', { env: { [ENV]: value } }));
      assert.match(err.message, new RegExp(`^MYAPP_ENDPOINT=${value.replace(/\./g, '\\.')} is not a loopback address`));
      assert.equal(err.fixes[0], 'set MYAPP_ENDPOINT to tcp://127.0.0.1:5555');
      assert.ok(err.fixes.some((f) => f.includes('allowRemote')));
      assertEndpointError(err, value, 'env');
      assert.equal(err.details['host'], host);
    });
  }
  it('is allowed with a warning when allowRemote is set', () => {
    const r = resolveOn('linux', { endpoint: 'tcp://0.0.0.0:5555', allowRemote: true });
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0] ?? '', /0\.0\.0\.0.*not a loopback address/);
  });
  it('loopback hosts give no warning', () => {
    for (const endpoint of ['tcp://127.0.0.1:1', 'tcp://127.9.9.9:1', 'tcp://localhost:1']) {
      assert.deepEqual(resolveOn('linux', { endpoint, allowRemote: true }).warnings, []);
    }
  });
});

describe('validateEndpoint', () => {
  const ctx = { platform: platformPreset('linux'), source: 'explicit' as const, envVar: ENV, allowRemote: false, app: 'a', name: 'b', runtimeDir: '/tmp/a-1', user: BOB };
  it('returns no warnings for a valid endpoint', () => {
    assert.deepEqual(validateEndpoint({ kind: 'abstract', name: 'a-b' }, ctx), []);
  });
  it('returns the remote warning when allowed', () => {
    assert.equal(validateEndpoint({ kind: 'tcp', host: '10.0.0.1', port: 1 }, { ...ctx, allowRemote: true }).length, 1);
  });
  it('throws for a kind this platform lacks', () => {
    const err = errorOf('ERR_ENDPOINT_PLATFORM', () => validateEndpoint({ kind: 'pipe', name: 'x' }, ctx));
    assert.match(err.fixes[0] ?? '', /unix:\/\/\/tmp\/a-1\/b\.sock/);
  });
});
