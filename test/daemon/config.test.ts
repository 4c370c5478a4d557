import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSidewireError, type SidewireError } from '../../src/errors.js';
import { formatPath, loadConfig, mergeConfig } from '../../src/daemon/config.js';
import { envNameForKey, parseEnvValue } from '../../src/daemon/config-env.js';
import { jsonErrorOffset, lineAndColumn } from '../../src/daemon/json-error-offset.js';
import { tempDir } from '../helpers/names.js';
import { tinySchema } from './tiny-schema.js';

interface AppConfig {
  port: number;
  host: string;
  name: string;
  verbose: boolean;
  log: { level: string; file: string };
}

const defaults: AppConfig = { port: 8080, host: 'localhost', name: 'app', verbose: false, log: { level: 'info', file: 'app.log' } };
const schema = tinySchema<AppConfig>({ port: 'number', host: 'string', name: 'string', verbose: 'boolean', log: { level: 'string', file: 'string' } });

const tmp = tempDir('swcfg');
after(() => tmp.cleanup());
let counter = 0;
function writeConfig(text: string): string {
  counter += 1;
  const file = path.join(tmp.dir, `config-${counter}.json`);
  fs.writeFileSync(file, text);
  return file;
}

async function configError(promise: Promise<unknown>): Promise<SidewireError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isSidewireError(err, 'ERR_CONFIG'), `expected ERR_CONFIG, got ${String(err)}`);
    return err;
  }
  assert.fail('expected loadConfig to throw');
}

describe('loadConfig precedence', () => {
  test('defaults only', async () => {
    const { config, source } = await loadConfig({ defaults, envPrefix: 'MYAPP_', env: {} });
    assert.deepEqual(config, defaults);
    assert.deepEqual(source, { file: undefined, envKeys: [] });
  });

  test('file over defaults, nested objects merged', async () => {
    const file = writeConfig('{ "port": 9000, "log": { "level": "debug" } }');
    const { config, source } = await loadConfig({ file, defaults, envPrefix: 'MYAPP_', env: {}, schema });
    assert.deepEqual(config, { ...defaults, port: 9000, log: { level: 'debug', file: 'app.log' } });
    assert.equal(source.file, file);
  });

  test('env over file over defaults', async () => {
    const file = writeConfig('{ "port": 9000, "host": "filehost" }');
    const env = { MYAPP_PORT: '9100', MYAPP_VERBOSE: 'true', OTHER_PORT: '1' };
    const { config, source } = await loadConfig({ file, defaults, envPrefix: 'MYAPP_', env, schema });
    assert.equal(config.port, 9100);
    assert.equal(config.host, 'filehost');
    assert.equal(config.verbose, true);
    assert.deepEqual(source.envKeys, ['MYAPP_PORT', 'MYAPP_VERBOSE']);
  });

  test('camelCase keys map to SCREAMING_SNAKE variables; unknown variables are ignored', async () => {
    const d = { fooBar: 1, plain: 'x' };
    const { config, source } = await loadConfig({ defaults: d, envPrefix: 'MYAPP_', env: { MYAPP_FOO_BAR: '2', MYAPP_NOT_A_KEY: '3', MYAPP_ENDPOINT: 'unix:@x' } });
    assert.deepEqual(config, { fooBar: 2, plain: 'x' });
    assert.deepEqual(source.envKeys, ['MYAPP_FOO_BAR']);
  });

  test('env values: JSON when possible, else string; raw text for string defaults', async () => {
    const env = { MYAPP_NAME: '123', MYAPP_HOST: 'example.test', MYAPP_LOG: '{"level":"warn","file":"x.log"}' };
    const { config } = await loadConfig({ defaults, envPrefix: 'MYAPP_', env, schema });
    assert.equal(config.name, '123');
    assert.equal(config.host, 'example.test');
    assert.deepEqual(config.log, { level: 'warn', file: 'x.log' });
  });

  test('reads process.env when env is not given', async () => {
    process.env['SWCFGTEST_PORT'] = '7777';
    try {
      const { config } = await loadConfig({ defaults: { port: 1 }, envPrefix: 'SWCFGTEST_' });
      assert.equal(config.port, 7777);
    } finally {
      delete process.env['SWCFGTEST_PORT'];
    }
  });

  test('an async schema and a transforming schema are honoured', async () => {
    const asyncSchema = tinySchema<AppConfig>({ port: 'number' }, { async: true, transform: (v) => ({ ...v, port: v.port + 1 }) });
    const { config } = await loadConfig({ defaults, envPrefix: 'MYAPP_', env: {}, schema: asyncSchema });
    assert.equal(config.port, 8081);
  });
});

describe('loadConfig errors', () => {
  test('a missing file is ERR_CONFIG with a fix', async () => {
    const file = path.join(tmp.dir, 'nope.json');
    const err = await configError(loadConfig({ file, defaults, envPrefix: 'MYAPP_', env: {} }));
    assert.equal(err.message, `config file ${file} does not exist`);
    assert.ok(err.fixes.some((f) => f.includes(file)));
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOENT');
  });

  test('a directory instead of a file is ERR_CONFIG', async () => {
    const err = await configError(loadConfig({ file: tmp.dir, defaults, envPrefix: 'MYAPP_', env: {} }));
    assert.match(err.message, /cannot read config file .*EISDIR/);
  });

  // The reason text comes from V8 and may change between Node versions: assert the location,
  // which is ours, and that V8's quote of the source (which could hold secrets) is gone.
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  test('broken JSON says the line and column (trailing comma, comment)', async () => {
    const file = writeConfig('{\n  "tags": [\n    "a",\n  ]\n}\n');
    const err = await configError(loadConfig({ file, defaults, envPrefix: 'MYAPP_', env: {} }));
    assert.match(err.message, new RegExp(`^${escape(file)} line 4 column 3: \\S`));
    assert.doesNotMatch(err.message, /is not valid JSON|"tags"|\n/);
    const commented = writeConfig('{\n  // the port\n  "port": 1\n}');
    const err2 = await configError(loadConfig({ file: commented, defaults, envPrefix: 'MYAPP_', env: {} }));
    assert.match(err2.message, new RegExp(`^${escape(commented)} line 2 column 3: \\S`));
  });

  test('broken JSON says the line and column (missing comma)', async () => {
    const file = writeConfig('{\n  "port": 1\n  "host": "x"\n}');
    const err = await configError(loadConfig({ file, defaults, envPrefix: 'MYAPP_', env: {} }));
    assert.match(err.message, new RegExp(`^${escape(file)} line 3 column 3: \\S`));
    assert.ok(err.fixes.some((f) => f.includes('trailing commas')));
  });

  test('an empty file and a non-object are ERR_CONFIG', async () => {
    const empty = await configError(loadConfig({ file: writeConfig(''), defaults, envPrefix: 'MYAPP_', env: {} }));
    assert.match(empty.message, /line 1 column 1: /);
    const arr = await configError(loadConfig({ file: writeConfig('[1]'), defaults, envPrefix: 'MYAPP_', env: {} }));
    assert.match(arr.message, /expected a JSON object at the top level, got an array/);
  });

  test('a UTF-8 BOM is accepted', async () => {
    const { config } = await loadConfig({ file: writeConfig('\uFEFF{"port": 1}'), defaults, envPrefix: 'MYAPP_', env: {} });
    assert.equal(config.port, 1);
  });

  test('schema issues say where and which path', async () => {
    const file = writeConfig('{ "port": "80", "log": { "level": 3 } }');
    const err = await configError(loadConfig({ file, defaults, envPrefix: 'MYAPP_', env: { MYAPP_VERBOSE: '"yes"' }, schema }));
    assert.equal(
      err.message,
      `invalid config: ${file}: port: expected number; MYAPP_VERBOSE: verbose: expected boolean; ${file}: log.level: expected string`,
    );
    assert.deepEqual((err.details['issues'] as unknown[]).length, 3);
  });

  test('a schema issue on a default value names the defaults', async () => {
    const err = await configError(loadConfig({ defaults: { ...defaults, port: 'x' as unknown as number }, envPrefix: 'MYAPP_', env: {}, schema }));
    assert.equal(err.message, 'invalid config: defaults: port: expected number');
  });

  test('an env value that is not JSON stays a string and the schema reports it', async () => {
    const err = await configError(loadConfig({ defaults, envPrefix: 'MYAPP_', env: { MYAPP_PORT: 'eighty' }, schema }));
    assert.equal(err.message, 'invalid config: MYAPP_PORT: port: expected number');
  });
});

describe('config helpers', () => {
  test('envNameForKey', () => {
    assert.equal(envNameForKey('MYAPP_', 'fooBar'), 'MYAPP_FOO_BAR');
    assert.equal(envNameForKey('MYAPP_', 'maxURLLength'), 'MYAPP_MAX_URL_LENGTH');
    assert.equal(envNameForKey('X_', 'port2'), 'X_PORT2');
  });

  test('parseEnvValue', () => {
    assert.equal(parseEnvValue('1', 0), 1);
    assert.equal(parseEnvValue('true', false), true);
    assert.equal(parseEnvValue('hello', 0), 'hello');
    assert.equal(parseEnvValue('1', 'x'), '1');
  });

  test('mergeConfig merges plain objects, replaces arrays, ignores __proto__', () => {
    const merged = mergeConfig({ a: { b: 1, c: 2 }, l: [1, 2] }, JSON.parse('{"a":{"c":3},"l":[9],"__proto__":{"polluted":true}}'));
    assert.deepEqual(merged, { a: { b: 1, c: 3 }, l: [9] });
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('formatPath', () => {
    assert.equal(formatPath([]), '(root)');
    assert.equal(formatPath(['server', 'ports', 0, 'n']), 'server.ports[0].n');
  });

  test('jsonErrorOffset agrees with JSON.parse on validity', () => {
    const valid = ['{}', '[]', '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"]}', ' 1 '];
    for (const v of valid) assert.equal(jsonErrorOffset(v), undefined, v);
    const invalid: Array<[string, number]> = [['{a:1}', 1], ['[1,]', 3], ['// c\n{}', 0], ['{"a":1} x', 8], ["{'a':1}", 1], ['', 0], ['{"a":01}', 6]];
    for (const [text, offset] of invalid) {
      assert.throws(() => JSON.parse(text));
      assert.equal(jsonErrorOffset(text), offset, text);
    }
  });

  test('lineAndColumn', () => {
    assert.deepEqual(lineAndColumn('ab\ncd\nef', 0), { line: 1, column: 1 });
    assert.deepEqual(lineAndColumn('ab\ncd\nef', 4), { line: 2, column: 2 });
    assert.deepEqual(lineAndColumn('ab\ncd\nef', 6), { line: 3, column: 1 });
  });
});
