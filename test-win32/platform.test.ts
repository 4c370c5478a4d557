/**
 * What a Windows user sees before any server runs: platform detection, the default `pipe://`
 * endpoint, the runtime dir under %LOCALAPPDATA%, `sidewire doctor`, and the error for a Unix
 * socket endpoint on Windows, whose fix is checked to work.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, currentPlatform, resolveEndpoint, serve, type EndpointError } from '../dist/index.js';
import { runCli } from '../test/helpers/cli.js';
import { assertWindows, pipePath, STEP_MS, tryPipe, uniqueApp } from './helpers.js';

assertWindows();
const localAppData = process.env['LOCALAPPDATA']!;
const user = (process.env['USERNAME'] ?? 'user').toLowerCase();

describe('win32: platform and default endpoint', () => {
  it('detects Windows: named pipes and TCP, no Unix or abstract sockets', () => {
    const p = currentPlatform();
    assert.equal(p.id, 'win32');
    assert.equal(p.defaultKind, 'pipe');
    assert.deepEqual(p.supports, { unix: false, abstract: false, pipe: true, tcp: true });
  });

  it('defaults to pipe://<app>-<user>-<name> with the runtime dir %LOCALAPPDATA%\\<app>', () => {
    assert.ok(path.win32.isAbsolute(localAppData), `LOCALAPPDATA=${localAppData}`);
    const r = resolveEndpoint({ app: 'myapp', name: 'svc' });
    assert.deepEqual(r.endpoint, { kind: 'pipe', name: `myapp-${user}-svc` });
    assert.equal(r.source, 'default');
    assert.equal(r.runtimeDir, path.join(localAppData, 'myapp'));
    assert.equal(r.discoveryPath, path.join(localAppData, 'myapp', 'svc.json'));
    assert.match(r.runtimeDir, /^[A-Z]:\\/i, 'a drive-letter path with backslashes');
  });

  it('sidewire doctor --json reports Windows, the pipe and the runtime dir (exit 0)', async () => {
    const app = uniqueApp();
    const r = await runCli(['doctor', '--json', '--app', app], {}, STEP_MS);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.platform.id, 'win32');
    assert.equal(report.endpoint, `pipe://${app}-${user}-${app}`);
    assert.equal(report.runtimeDir.path, path.join(localAppData, app));
    assert.equal(fs.existsSync(report.runtimeDir.path), false, 'doctor must not create the runtime dir');
  });
});

describe('win32: a Unix socket endpoint is refused with a fix that works', () => {
  it('sidewire call --endpoint unix:///… exits 2 with ERR_ENDPOINT_PLATFORM naming the pipe', async () => {
    const app = uniqueApp();
    const r = await runCli(['call', 'echo', '1', '--app', app, '--endpoint', 'unix:///tmp/x.sock'], {}, STEP_MS);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /ERR_ENDPOINT_PLATFORM/);
    assert.match(r.stderr, new RegExp(`pipe://${app}-${user}-${app}`));
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  });

  it('the first fix names an endpoint a server and a client then use', async () => {
    const app = uniqueApp();
    const err = (() => {
      try {
        resolveEndpoint({ app, endpoint: 'unix:///tmp/x.sock' });
      } catch (e) {
        return e as EndpointError;
      }
      assert.fail('a unix:// endpoint was accepted on Windows');
    })();
    assert.equal(err.code, 'ERR_ENDPOINT_PLATFORM');
    const fixed = /pipe:\/\/[^\s)]+/.exec(err.fixes[0]!)?.[0];
    assert.ok(fixed, `a pipe endpoint in the fix: ${err.fixes[0]}`);
    const server = await serve({ app, endpoint: fixed });
    try {
      server.method('echo', (p) => p);
      const client = await connect({ app, endpoint: fixed, connectTimeoutMs: STEP_MS });
      assert.deepEqual(await client.call('echo', ['works']), ['works']);
      await client.close();
    } finally {
      await server.close();
      fs.rmSync(path.join(localAppData, app), { recursive: true, force: true });
    }
    assert.equal(await tryPipe(pipePath(fixed.slice('pipe://'.length))), 'ENOENT', 'the pipe is gone after close');
  });

  it('regression: a relative unix:// path on Windows is ERR_ENDPOINT_PLATFORM, not a format error suggesting unix://C:\\…', () => {
    for (const endpoint of ['unix://run/x.sock', 'ipc://x.sock']) {
      assert.throws(() => resolveEndpoint({ app: 'myapp', endpoint }), (e: EndpointError) => {
        assert.equal(e.code, 'ERR_ENDPOINT_PLATFORM', `${endpoint}: ${e.message}`);
        assert.match(e.fixes[0]!, new RegExp(`pipe://myapp-${user}-myapp`));
        assert.doesNotMatch(e.fixes.join('\n'), /unix:\/\/[A-Z]:/i);
        return true;
      });
    }
    assert.throws(() => resolveEndpoint({ app: 'myapp', env: { MYAPP_ENDPOINT: 'unix://rel.sock' } }), (e: EndpointError) => {
      assert.equal(e.code, 'ERR_ENDPOINT_PLATFORM');
      assert.match(e.fixes.join('\n'), /MYAPP_ENDPOINT/);
      return true;
    });
  });
});
