/** The daemon kit's own options are checked once, when the daemon is made, and resolved with their defaults. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDaemon } from '../../src/daemon/daemon.js';
import { DAEMON_DEFAULTS, resolveDaemonOptions } from '../../src/daemon/daemon-options.js';

const invalid = (re: RegExp) => (err: unknown) => {
  assert.equal((err as { code?: string }).code, 'ERR_INVALID_ARGUMENT');
  assert.match((err as Error).message, re);
  return true;
};

test('a daemon option of the wrong type or range is ERR_INVALID_ARGUMENT naming it, at construction', () => {
  assert.throws(() => createDaemon({ drainMs: -1, pidFile: false, handleSignals: false }), invalid(/drainMs must be an integer from 0 to 2147483647/));
  assert.throws(() => createDaemon({ drainMs: 1.5 }), invalid(/drainMs/));
  assert.throws(() => createDaemon({ pidFile: '' }), invalid(/pidFile must be false or a non-empty string/));
  assert.throws(() => createDaemon({ handleSignals: 'yes' as unknown as boolean }), invalid(/handleSignals must be true or false/));
  assert.throws(() => createDaemon({ config: { defaults: {}, fiel: 'x.json' } as never }), invalid(/config\.fiel/));
  assert.throws(() => createDaemon({ onStop: 'later' as never }), invalid(/onStop must be a function/));
});

test('the resolved options carry every default once: app, name, drainMs, signals, pid file, version, socket mode', () => {
  const r = resolveDaemonOptions({ env: { XDG_RUNTIME_DIR: '/nonexistent-runtime' } });
  assert.equal(r.app, DAEMON_DEFAULTS.app);
  assert.equal(r.name, DAEMON_DEFAULTS.app);
  assert.equal(r.drainMs, DAEMON_DEFAULTS.drainMs);
  assert.equal(r.handleSignals, true);
  assert.equal(r.socketMode, 0o600);
  assert.match(String(r.pidFile), /sidewire.*[\\/]sidewire\.pid$/);
  const custom = resolveDaemonOptions({ app: 'myapp', name: 'one', drainMs: 0, pidFile: false, version: '9.9.9', socketMode: 0o660 });
  assert.deepEqual(
    { name: custom.name, drainMs: custom.drainMs, pidFile: custom.pidFile, version: custom.version, socketMode: custom.socketMode },
    { name: 'one', drainMs: 0, pidFile: false, version: '9.9.9', socketMode: 0o660 },
  );
});
