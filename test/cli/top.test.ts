/** `sidewire top` fits the terminal and does not count its own polling (issue 21). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { tempDir } from '../helpers/names.js';
import { runCli, serveDuringSuite } from '../helpers/cli.js';
import { fitScreen } from '../../src/cli/top-screen.js';

describe('sidewire top', () => {
  const { dir, cleanup } = tempDir('swtop');
  const endpoint = `unix://${path.join(dir, 't.sock')}`;
  const env = { XDG_RUNTIME_DIR: dir };
  serveDuringSuite(['--endpoint', endpoint], env, cleanup);

  it("regression: top on an idle server shows 0 requests/s and 0 messages/s (its own polling is not counted)", async () => {
    const r = await runCli(['top', '--endpoint', endpoint, '--json', '--count', '4', '--interval', '150'], env, 60_000);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rates: Record<string, number> | null });
    assert.equal(lines.length, 4);
    for (const { rates } of lines.slice(1)) {
      assert.ok(rates !== null);
      assert.deepEqual([rates.requests, rates.messagesIn, rates.messagesOut], [0, 0, 0]);
    }
    const screen = await runCli(['top', '--endpoint', endpoint, '--count', '2', '--interval', '150'], env, 60_000);
    assert.match(screen.stdout, /\nrequests +0\/s /);
  });

  it('regression: at 50 columns and 9 rows no line wraps and the title stays on top', async () => {
    const r = await runCli(['top', '--endpoint', endpoint, '--count', '2', '--interval', '150'], { ...env, COLUMNS: '50', LINES: '9' }, 60_000);
    assert.equal(r.code, 0, r.stderr);
    const screens = r.stdout.split(/\n(?=sidewire top)/);
    assert.equal(screens.length, 2);
    for (const s of screens) {
      const lines = s.replace(/\n+$/, '').split('\n');
      assert.ok(lines.length <= 8, `at most rows - 1 lines: ${lines.length}`);
      assert.match(lines[0]!, /^sidewire top — /);
      for (const l of lines) assert.ok([...l].length <= 50, `line wraps at 50 columns: ${l}`);
    }
  });

  it('fitScreen drops blank lines first, then the bottom, and cuts long lines with …', () => {
    const screen = 'title\n\na\nb\nc\n';
    assert.equal(fitScreen(screen, {}), 'title\n\na\nb\nc\n');
    assert.equal(fitScreen(screen, { rows: 4 }), 'title\na\nb\n');
    assert.equal(fitScreen('abcdef\n', { columns: 4 }), 'abc…\n');
  });
});
