// The README's task-control example (examples/task-control/*.ts), run as real processes against the
// built package (they import 'sidewire/tasks', which resolves to dist/ through package.json "exports").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { collect, waitForOutput } from '../helpers/cli.js';
import { tempDir } from '../helpers/names.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const built = existsSync(new URL('../../dist/tasks/index.js', import.meta.url));

test('the README task-control daemon and client: Ack, one task completed, one cancelled', { skip: built ? false : 'run npm run build first' }, async () => {
  const tmp = tempDir('ext');
  const env = { ...process.env, XDG_RUNTIME_DIR: tmp.dir, TASK_CONTROL_ENDPOINT: undefined };
  const daemon = spawn(process.execPath, ['--import', 'tsx', 'examples/task-control/daemon.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const out = await waitForOutput(daemon, /listening on \S+/, 60_000);
    assert.match(out, new RegExp(`task daemon ${daemon.pid} listening on unix://${tmp.dir}/task-control/task-control\\.sock`));
    const client = spawn(process.execPath, ['--import', 'tsx', 'examples/task-control/client.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const r = await collect(client, 60_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^ack: client \\S+, daemon pid ${daemon.pid}, ppid ${process.pid}\\n`));
    assert.match(r.stdout, /docs TaskCreated \ndocs TaskStarted \n(docs Message write the docs: step \d of 4\n){4}docs TaskCompleted \n/);
    assert.match(r.stdout, /doomed TaskAborted\n/);
    assert.match(r.stdout, /tokens in\/out: 120 80\ndoomed was aborted: cancelled\n$/);
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((resolve) => daemon.once('exit', resolve));
    tmp.cleanup();
  }
});
