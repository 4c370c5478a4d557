/** `sidewire help`, `CMD --help`, `CMD help`, `-v`: every option, its default and an example (issue 21). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';

/** The options each command's parser accepts (besides -h/--help), as in src/cli/*.ts. */
const OPTIONS: Record<string, readonly string[]> = {
  call: ['--app', '--name', '--endpoint', '--json', '--token', '--timeout'],
  listen: ['--app', '--name', '--endpoint', '--json', '--token', '--no-reconnect', '--once'],
  notify: ['--app', '--name', '--endpoint', '--json', '--token', '--durable', '--timeout'],
  top: ['--app', '--name', '--endpoint', '--json', '--token', '--interval', '--count', '--no-reconnect', '--once'],
  doctor: ['--app', '--name', '--endpoint', '--json', '--platform'],
  serve: ['--app', '--name', '--endpoint', '--json', '--tick-ms', '--config', '--pid-file', '--allow-remote', '--health-port', '--health-socket'],
  status: ['--app', '--name', '--endpoint', '--json', '--token', '--timeout'],
  stop: ['--app', '--name', '--endpoint', '--json', '--token', '--timeout'],
};

describe('sidewire help', () => {
  it('regression: `call help`, `notify help`, `listen help` print usage (exit 0) instead of treating "help" as a method', async () => {
    const results = await Promise.all(['call', 'notify', 'listen'].map((cmd) => runCli([cmd, 'help'], {}, 60_000)));
    results.forEach((r, i) => {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Usage: sidewire ${['call', 'notify', 'listen'][i]} `));
    });
  });

  it('regression: every command --help lists each option with its default and an example', async () => {
    const entries = Object.entries(OPTIONS);
    const results = await Promise.all(entries.map(([cmd]) => runCli([cmd, '--help'], {}, 60_000)));
    results.forEach((r, i) => {
      const [cmd, options] = entries[i]!;
      assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
      for (const o of options) assert.match(r.stdout, new RegExp(`\\n  [^\\n]*${o}\\b`), `${cmd} --help lacks ${o}`);
      assert.match(r.stdout, /default: /, `${cmd} --help shows defaults`);
      assert.match(r.stdout, new RegExp(`\\nExamples:\\n  sidewire ${cmd}`), `${cmd} --help has an example`);
      assert.match(r.stdout, /Exit codes: 0 ok; 1 failed at run time/);
    });
  });

  it('regression: listen --help mentions --json', async () => {
    const r = await runCli(['listen', '--help'], {}, 60_000);
    assert.match(r.stdout, /--json/);
  });

  it('regression: -v and --version print the version', async () => {
    const [v, version] = await Promise.all([runCli(['-v'], {}, 60_000), runCli(['--version'], {}, 60_000)]);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^\d+\.\d+\.\d+/);
    assert.equal(v.stdout, version.stdout);
  });

  it('regression: the top-level help lists every command and every option that exists', async () => {
    const r = await runCli(['help'], {}, 60_000);
    assert.equal(r.code, 0);
    const { commands } = await import('../../src/cli/run.js');
    for (const cmd of Object.keys(commands)) assert.match(r.stdout, new RegExp(`\\n  ${cmd} `), `help lacks ${cmd}`);
    const all = new Set(Object.values(OPTIONS).flat());
    for (const o of [...all, '--platform', '--version', '--help']) assert.match(r.stdout, new RegExp(`${o}\\b`), `help lacks ${o}`);
    const sub = await runCli(['help', 'top'], {}, 60_000);
    assert.match(sub.stdout, /^Usage: sidewire top /);
  });
});
