/**
 * The defaults users read are the defaults the code applies: docs/protocol.md's tables "Limits
 * (server)", "Defaults (client)" and "Defaults (daemon kit)", and each option's JSDoc `@default`,
 * are checked against the one table per component in the code (DEFAULT_LIMITS, CLIENT_DEFAULTS +
 * DEFAULT_RECONNECT + DEFAULT_QUEUE, DAEMON_DEFAULTS).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from '../../src/server/server-options.js';
import { CLIENT_DEFAULTS } from '../../src/client/client-options.js';
import { DEFAULT_RECONNECT } from '../../src/client/backoff.js';
import { DEFAULT_QUEUE } from '../../src/client/call-queue.js';
import { DAEMON_DEFAULTS } from '../../src/daemon/daemon-options.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

type Value = string | number | boolean;

/** A documented default as a value: `16 MiB`, `10 000`, `0 (off)`, `` `drop` ``, `true`, `0600`. */
function parseDefault(cell: string): Value | undefined {
  const first = cell.trim().replace(/[`']/g, '').split(/[,(]/)[0]!.trim();
  if (first === 'true' || first === 'false') return first === 'true';
  if (/^0[0-7]{3}$/.test(first) || /^0o[0-7]{3}$/.test(first)) return parseInt(first.replace(/^0o?/, ''), 8);
  const size = /^([\d ]+(?:\.\d+)?)\s*(KiB|MiB|GiB)?$/.exec(first);
  if (size) {
    const n = Number(size[1]!.replace(/ /g, ''));
    const unit = size[2] === 'KiB' ? 1024 : size[2] === 'MiB' ? 1024 ** 2 : size[2] === 'GiB' ? 1024 ** 3 : 1;
    return n * unit;
  }
  const rest = /^(\d+) \(/.exec(first);
  if (rest) return Number(rest[1]);
  return /^[A-Za-z][\w.-]*$/.test(first) ? first : undefined;
}

/** Rows of the first markdown table under `heading`: option (first backticked word) → default cell. */
function tableUnder(markdown: string, heading: string): Map<string, string> {
  const padded = `\n${markdown}`;
  const at = padded.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `docs/protocol.md has no heading "${heading}"`);
  const rows = new Map<string, string>();
  let inTable = false;
  for (const line of padded.slice(at + heading.length + 2).split('\n')) {
    if (line.startsWith('|')) {
      inTable = true;
      const cells = line.split('|').slice(1, -1).map((c) => c.trim());
      const key = /^`([^`]+)`/.exec(cells[0] ?? '')?.[1];
      if (key !== undefined) rows.set(key, cells[1] ?? '');
    } else if (inTable) break;
    else if (line.startsWith('#')) break;
  }
  return rows;
}

/** Mismatches between a documented table and the code's defaults (rows in `descriptive` are prose). */
function compare(rows: Map<string, string>, defaults: Record<string, Value>, descriptive: readonly string[] = []): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(defaults)) {
    const cell = rows.get(key);
    if (cell === undefined) problems.push(`${key}: not documented`);
    else if (parseDefault(cell) !== value) problems.push(`${key}: documented "${cell}", the code says ${String(value)}`);
  }
  for (const key of rows.keys()) if (!(key in defaults) && !descriptive.includes(key)) problems.push(`${key}: documented, but no such default in the code`);
  return problems;
}

/** `@default` of `readonly key?:` in a source file, for each key. */
function jsdocDefaults(source: string, keys: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of keys) {
    const at = source.search(new RegExp(`\\n\\s*readonly ${key}\\?:`));
    if (at < 0) continue;
    const doc = source.slice(source.lastIndexOf('/**', at), at);
    const tag = /@default ([^\n]+)/.exec(doc)?.[1];
    if (tag !== undefined) out.set(key, tag);
  }
  return out;
}

const scalars = (o: object): Record<string, Value> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))) as Record<string, Value>;
const prefixed = (prefix: string, o: object): Record<string, Value> =>
  Object.fromEntries(Object.entries(scalars(o)).map(([k, v]) => [`${prefix}${k}`, v]));

const protocol = read('docs/protocol.md');

test('docs/protocol.md "Limits (server)" lists every server limit with the default DEFAULT_LIMITS applies', () => {
  assert.deepEqual(compare(tableUnder(protocol, '### Limits (server)'), scalars(DEFAULT_LIMITS)), []);
});

test('docs/protocol.md "Defaults (client)" matches CLIENT_DEFAULTS, DEFAULT_RECONNECT and DEFAULT_QUEUE', () => {
  const defaults = { ...scalars(CLIENT_DEFAULTS), ...prefixed('reconnect.', DEFAULT_RECONNECT), ...prefixed('queue.', DEFAULT_QUEUE) };
  assert.deepEqual(compare(tableUnder(protocol, '### Defaults (client)'), defaults), []);
});

test('docs/protocol.md "Defaults (daemon kit)" matches DAEMON_DEFAULTS', () => {
  assert.deepEqual(compare(tableUnder(protocol, '### Defaults (daemon kit)'), scalars(DAEMON_DEFAULTS), ['pidFile']), []);
});

test('each option\'s JSDoc @default agrees with the code\'s defaults table', () => {
  const sources: Array<[string, Record<string, Value>]> = [
    ['src/server/server-limits.ts', scalars(DEFAULT_LIMITS)],
    ['src/client/client-options.ts', scalars(CLIENT_DEFAULTS)],
    ['src/daemon/daemon-options.ts', { drainMs: DAEMON_DEFAULTS.drainMs, handleSignals: DAEMON_DEFAULTS.handleSignals }],
  ];
  for (const [file, defaults] of sources) {
    const docs = jsdocDefaults(read(file), Object.keys(defaults));
    assert.deepEqual([...docs.keys()].sort(), Object.keys(defaults).sort(), `${file}: options without a @default`);
    assert.deepEqual(compare(docs, defaults), [], file);
  }
});

test('the check fails on a documented default that the code does not apply, a missing row and an unknown row', () => {
  const table = '### T\n\n| option | default |\n|---|---|\n| `a` | 16 MiB |\n| `b` | 0 (off) |\n| `c` | `drop` |\n| `d` | 0600 |\n';
  const rows = tableUnder(table, '### T');
  assert.deepEqual(compare(rows, { a: 16 * 1024 * 1024, b: 0, c: 'drop', d: 0o600 }), []);
  assert.deepEqual(compare(rows, { a: 8 * 1024 * 1024, b: 0, c: 'drop', d: 0o600 }), ['a: documented "16 MiB", the code says 8388608']);
  assert.deepEqual(compare(rows, { a: 16 * 1024 * 1024, b: 0, c: 'disconnect', d: 0o600, e: true }), [
    'c: documented "`drop`", the code says disconnect',
    'e: not documented',
  ]);
  assert.deepEqual(compare(rows, { a: 16 * 1024 * 1024, b: 0, c: 'drop' }), ['d: documented, but no such default in the code']);
});
