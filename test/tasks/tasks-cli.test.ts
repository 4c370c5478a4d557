/**
 * `sidewire tasks …`: help and bad arguments (exit 2) through the CLI's `main` in this process
 * (the same code the executable runs, without 18 process starts), and no daemon (exit 3) as real
 * CLI processes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/run.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/names.js';

const HELP: Record<string, readonly string[]> = {
  serve: ['--app', '--name', '--endpoint', '--json', '--work-ms', '--pid-file'],
  start: ['--app', '--name', '--endpoint', '--json', '--token', '--timeout', '--follow', '--work-ms', '--configuration', '--image', '--new-tab'],
  cancel: ['--app', '--name', '--endpoint', '--json', '--token', '--timeout'],
  close: ['--app', '--name', '--endpoint', '--json', '--token', '--timeout'],
  resume: ['--app', '--name', '--endpoint', '--json', '--token', '--timeout', '--follow'],
};

/** Runs `sidewire ARGS` in this process. */
async function inProcess(args: readonly string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
  return { code, stdout, stderr };
}

describe('sidewire tasks (command line)', () => {
  it('each subcommand --help lists its options with defaults (app: tasks) and an example', async () => {
    const entries = Object.entries(HELP);
    const results = await Promise.all(entries.map(([sub]) => inProcess(['tasks', sub, '--help'])));
    results.forEach((r, i) => {
      const [sub, options] = entries[i]!;
      assert.equal(r.code, 0, `${sub}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: sidewire tasks ${sub} `));
      for (const o of options) assert.match(r.stdout, new RegExp(`\\n  [^\\n]*${o}\\b`), `tasks ${sub} --help lacks ${o}`);
      assert.match(r.stdout, /--app A [^\n]*\n\s+default: tasks\n/);
      assert.match(r.stdout, new RegExp(`\\nExamples:\\n  sidewire tasks ${sub}`));
    });
    const top = await inProcess(['tasks', '--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /^Usage: sidewire tasks serve\|start\|cancel\|close\|resume/);
  });

  it('bad arguments exit 2 with the reason', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['tasks'], /Usage: sidewire tasks/],
      [['tasks', 'frob'], /unknown tasks subcommand 'frob'/],
      [['tasks', 'start'], /missing TEXT/],
      [['tasks', 'start', 'a', 'b'], /unexpected argument 'b'/],
      [['tasks', 'start', 'x', '--configuration', '[1]'], /--configuration must be a JSON object/],
      [['tasks', 'start', 'x', '--configuration', '{'], /--configuration is not valid JSON/],
      [['tasks', 'start', 'x', '--work-ms', '0'], /--work-ms must be a positive integer/],
      [['tasks', 'serve', '--work-ms', '3600001'], /--work-ms must be at most 3600000/],
      [['tasks', 'cancel'], /missing TASK_ID/],
      [['tasks', 'cancel', 'id', '--follow'], /--follow is for start and resume/],
    ];
    for (const [args, pattern] of cases) {
      const r = await inProcess(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout + r.stderr, pattern, args.join(' '));
    }
  });

  it('no task daemon: start and cancel exit 3 (not running)', async () => {
    const tmp = tempDir('tcl');
    try {
      const env = { XDG_RUNTIME_DIR: tmp.dir, TASKS_ENDPOINT: undefined };
      const [start, cancel] = await Promise.all([runCli(['tasks', 'start', 'x', '--follow'], env, 180_000), runCli(['tasks', 'cancel', 'id'], env, 180_000)]);
      assert.equal(start.code, 3, start.stderr);
      assert.equal(cancel.code, 3, cancel.stderr);
      assert.match(start.stderr, /ERR_NOT_RUNNING/);
      assert.match(start.stderr, /start it with: sidewire tasks serve \(or start your own daemon\)/, 'the fix names the task daemon');
    } finally {
      tmp.cleanup();
    }
  });
});
