// The README's quick-start server and client (examples/*.ts), run as real processes against the
// built package (they import 'sidewire', which resolves to dist/ through package.json "exports").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { collect, waitForOutput } from '../helpers/cli.js';
import { tempDir } from '../helpers/names.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const built = existsSync(new URL('../../dist/index.js', import.meta.url));

test('the README server and client talk over the default endpoint', { skip: built ? false : 'run npm run build first' }, async () => {
  const tmp = tempDir('ex');
  const env = { ...process.env, XDG_RUNTIME_DIR: tmp.dir, MYAPP_ENDPOINT: undefined };
  const server = spawn(process.execPath, ['--import', 'tsx', 'examples/server.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const out = await waitForOutput(server, /listening on \S+/);
    assert.match(out, new RegExp(`listening on unix://${tmp.dir}/myapp/myapp\\.sock`));
    const client = spawn(process.execPath, ['--import', 'tsx', 'examples/client.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const r = await collect(client, 20_000);
    assert.equal(r.code, 0, r.stderr);
    // console.log's formatting: Node prints { text: 'hello Ada' }, Bun { text: "hello Ada", } over lines.
    assert.match(r.stdout, /\{\s*text: ['"]hello Ada['"],?\s*\}/);
    assert.match(r.stdout, /jobs\.tick \{\s*at: \d+,?\s*\}/);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    tmp.cleanup();
  }
});
