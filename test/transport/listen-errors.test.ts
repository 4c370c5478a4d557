import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint } from '../../src/endpoint/endpoint.js';
import { EndpointError } from '../../src/errors.js';
import { alternativeEndpoint, mapListenError } from '../../src/transport/listen-errors.js';

function sysErr(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code, syscall: 'listen' });
}

const pipe: Endpoint = { kind: 'pipe', name: 'myapp-alice-daemon' };
const unix: Endpoint = { kind: 'unix', path: '/run/user/1000/myapp/daemon.sock' };
const tcp: Endpoint = { kind: 'tcp', host: '127.0.0.1', port: 5555 };

const cases: ReadonlyArray<[string, Endpoint, string, RegExp]> = [
  ['EADDRINUSE', pipe, 'ERR_ENDPOINT_IN_USE', /first instance/],
  ['EACCES', pipe, 'ERR_ENDPOINT_PERMISSION', /permission denied/],
  ['EPERM', unix, 'ERR_ENDPOINT_PERMISSION', /permission denied/],
  ['ENOENT', unix, 'ERR_ENDPOINT_LISTEN', /does not exist/],
  ['EROFS', unix, 'ERR_ENDPOINT_LISTEN', /read-only filesystem/],
  ['ENOSPC', pipe, 'ERR_ENDPOINT_LISTEN', /no space left/],
  ['EISDIR', unix, 'ERR_ENDPOINT_NOT_SOCKET', /not a socket/],
  ['ENOTSOCK', unix, 'ERR_ENDPOINT_NOT_SOCKET', /not a socket/],
  ['ENAMETOOLONG', unix, 'ERR_ENDPOINT_PATH_TOO_LONG', /too long/],
  ['EADDRNOTAVAIL', tcp, 'ERR_ENDPOINT_LISTEN', /not available/],
  ['EMFILE', pipe, 'ERR_ENDPOINT_LISTEN', /EMFILE/],
];

describe('mapListenError', () => {
  for (const [errno, endpoint, code, message] of cases) {
    it(`${errno} on ${endpoint.kind} → ${code}`, () => {
      const cause = sysErr(errno);
      const err = mapListenError(cause, endpoint, { envVar: 'MYAPP_ENDPOINT' });
      assert.ok(err instanceof EndpointError);
      assert.equal(err.code, code);
      assert.match(err.message, message);
      assert.equal(err.cause, cause);
      assert.equal(err.details['errno'], errno);
      assert.ok(err.fixes.length >= 2, 'has numbered fixes');
      assert.ok(!err.message.includes('    at '), 'no stack trace in the message');
    });
  }

  it('names the env var and a working value in the fixes', () => {
    const err = mapListenError(sysErr('EADDRINUSE'), pipe, { envVar: 'MYAPP_ENDPOINT' });
    assert.ok(err.fixes.some((f) => f.includes('MYAPP_ENDPOINT=pipe://myapp-alice-daemon-2')), err.fixes.join('\n'));
    const tcpErr = mapListenError(sysErr('EADDRINUSE'), tcp, { envVar: 'MYAPP_ENDPOINT' });
    assert.ok(tcpErr.fixes.some((f) => f.includes('MYAPP_ENDPOINT=tcp://127.0.0.1:0')), tcpErr.fixes.join('\n'));
    assert.ok(tcpErr.fixes.some((f) => f.includes('portFallback')));
  });

  it('uses a placeholder when no env var is known, and names the owner pid', () => {
    const err = mapListenError(sysErr('EADDRINUSE'), unix, { ownerPid: 4242 });
    assert.match(err.message, /pid 4242/);
    assert.equal(err.details['pid'], 4242);
    assert.ok(err.fixes.some((f) => f.includes('<APP>_ENDPOINT=')));
    assert.ok(err.fixes.some((f) => f.includes('kill 4242')));
  });

  it('ENAMETOOLONG on a socket path offers an abstract name', () => {
    const err = mapListenError(sysErr('ENAMETOOLONG'), unix, { envVar: 'X_ENDPOINT' });
    assert.ok(err.fixes.some((f) => f.includes('X_ENDPOINT=unix:@daemon')), err.fixes.join('\n'));
  });

  it('reports the lock path when the failing file is the lock', () => {
    const err = mapListenError(sysErr('EACCES'), unix, { path: '/ro/x.sock.lock', operation: 'create lock file' });
    assert.equal(err.details['path'], '/ro/x.sock.lock');
    assert.match(err.message, /create lock file/);
    assert.ok(err.fixes[0]?.includes('/ro'));
  });

  it('alternativeEndpoint gives another spelling of each kind', () => {
    assert.equal(alternativeEndpoint(unix), 'unix:///run/user/1000/myapp/daemon-2.sock');
    assert.equal(alternativeEndpoint({ kind: 'abstract', name: 'a' }), 'unix:@a-2');
    assert.equal(alternativeEndpoint(pipe), 'pipe://myapp-alice-daemon-2');
    assert.equal(alternativeEndpoint(tcp), 'tcp://127.0.0.1:0');
  });
});
