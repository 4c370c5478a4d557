import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Endpoint } from '../../src/endpoint/endpoint.js';
import { assertEndpoint, formatEndpoint, isLoopbackHost, parseEndpoint, toNetAddress } from '../../src/endpoint/parse.js';
import { isSidewireError, type SidewireError } from '../../src/errors.js';

function formatErrorOf(fn: () => unknown): SidewireError {
  try {
    fn();
  } catch (err) {
    assert.ok(isSidewireError(err, 'ERR_ENDPOINT_FORMAT'), `expected ERR_ENDPOINT_FORMAT, got ${String(err)}`);
    assert.ok(err.fixes.length > 0, 'an error without fixes');
    return err;
  }
  assert.fail('expected ERR_ENDPOINT_FORMAT, nothing was thrown');
}

describe('parseEndpoint: accepted forms', () => {
  const rows: ReadonlyArray<[string, Endpoint | 'auto']> = [
    // DESIGN.md §1 table
    ['unix:///abs/path.sock', { kind: 'unix', path: '/abs/path.sock' }],
    ['ipc:///abs/path.sock', { kind: 'unix', path: '/abs/path.sock' }],
    ['unix:@name', { kind: 'abstract', name: 'name' }],
    ['pipe://name', { kind: 'pipe', name: 'name' }],
    ['tcp://127.0.0.1:5555', { kind: 'tcp', host: '127.0.0.1', port: 5555 }],
    ['tcp://localhost:0', { kind: 'tcp', host: 'localhost', port: 0 }],
    ['tcp://0.0.0.0:65535', { kind: 'tcp', host: '0.0.0.0', port: 65535 }],
    ['auto', 'auto'],
    ['', 'auto'],
    // raw spellings
    ['/abs/path.sock', { kind: 'unix', path: '/abs/path.sock' }],
    ['\\\\.\\pipe\\name', { kind: 'pipe', name: 'name' }],
    ['//./pipe/name', { kind: 'pipe', name: 'name' }],
    ['127.0.0.1:5555', { kind: 'tcp', host: '127.0.0.1', port: 5555 }],
    ['localhost:5555', { kind: 'tcp', host: 'localhost', port: 5555 }],
    // tolerated variants
    ['  unix:///tmp/x.sock \n', { kind: 'unix', path: '/tmp/x.sock' }],
    ['   ', 'auto'],
    ['AUTO', 'auto'],
    ['UNIX:///tmp/x.sock', { kind: 'unix', path: '/tmp/x.sock' }],
    ['ipc://@name', { kind: 'abstract', name: 'name' }],
    ['unix:/tmp/x.sock', { kind: 'unix', path: '/tmp/x.sock' }],
    ['tcp://127.0.0.1:5555/', { kind: 'tcp', host: '127.0.0.1', port: 5555 }],
    ['\\\\.\\PIPE\\Name', { kind: 'pipe', name: 'Name' }],
    ['unix:@my app/with slash', { kind: 'abstract', name: 'my app/with slash' }],
  ];
  for (const [input, expected] of rows) {
    it(`${JSON.stringify(input)}`, () => assert.deepEqual(parseEndpoint(input), expected));
  }
});

describe('parseEndpoint: rejected forms', () => {
  const rows: ReadonlyArray<[string, string, RegExp]> = [
    ['unix://relative', 'relative-path', /must be absolute/],
    ['ipc://relative/x.sock', 'relative-path', /must be absolute/],
    ['unix:', 'empty-path', /missing/],
    ['unix:@', 'empty-name', /empty/],
    [`unix:@${'x'.repeat(108)}`, 'name-too-long', /108 bytes.*107/],
    [`unix:@${'é'.repeat(54)}`, 'name-too-long', /108 bytes/],
    ['pipe://', 'empty-name', /empty/],
    ['pipe://a\\b', 'pipe-slash', /cannot contain/],
    ['pipe://a/b', 'pipe-slash', /cannot contain/],
    [`pipe://${'p'.repeat(257)}`, 'name-too-long', /257 characters/],
    ['pipe:name', 'bad-form', /pipe:\/\//],
    ['tcp://127.0.0.1:65536', 'bad-port', /0 to 65535/],
    ['tcp://127.0.0.1:-1', 'bad-port', /0 to 65535/],
    ['tcp://127.0.0.1:55.5', 'bad-port', /0 to 65535/],
    ['tcp://127.0.0.1:http', 'bad-port', /0 to 65535/],
    ['127.0.0.1:99999', 'bad-port', /0 to 65535/],
    ['tcp://127.0.0.1', 'missing-port', /port is missing/],
    ['tcp://:5555', 'empty-host', /host is missing/],
    ['tcp://300.1.1.1:80', 'bad-host', /not a valid IPv4/],
    ['tcp://bad host:80', 'bad-host', /not a valid host name/],
    ['tcp://[::1]:5555', 'ipv6', /IPv6/],
    ['tcp://::1:5555', 'ipv6', /IPv6/],
    ['[::1]:5555', 'ipv6', /IPv6/],
    ['http://localhost:80', 'unknown-scheme', /unknown scheme 'http:'/],
    ['zmq', 'unknown-form', /not a recognised endpoint/],
    ['tcp:5555', 'bad-form', /tcp:\/\//],
    ['C:\\run\\x.sock', 'windows-path', /Windows file path/],
  ];
  for (const [input, reason, message] of rows) {
    it(`${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)} → ${reason}`, () => {
      const err = formatErrorOf(() => parseEndpoint(input));
      assert.equal(err.details['reason'], reason);
      assert.equal(err.details['value'], input.trim());
      assert.match(err.message, message);
      assert.match(err.message, /is not valid/);
    });
  }

  it('lists the accepted forms for an unknown scheme', () => {
    const err = formatErrorOf(() => parseEndpoint('zmq://x'));
    const fixes = err.fixes.join('\n');
    for (const form of ['unix:///', 'ipc:///', 'unix:@', 'pipe://', 'tcp://127.0.0.1:PORT', 'auto']) assert.ok(fixes.includes(form), form);
  });

  it('suggests IPv4 loopback for IPv6', () => {
    const err = formatErrorOf(() => parseEndpoint('tcp://[::1]:5555'));
    assert.match(err.fixes.join('\n'), /tcp:\/\/127\.0\.0\.1:PORT/);
  });

  it('suggests an absolute version of a relative path', () => {
    const err = formatErrorOf(() => parseEndpoint('ipc://relative/x.sock'));
    // The current directory's form: /abs/relative/x.sock, or Z:\abs\relative\x.sock under node.exe (win32 lane).
    assert.match(err.fixes[0] ?? '', /use an absolute path such as unix:\/\/(\/|[A-Z]:\\).*relative[\\/]x\.sock/);
  });

  it('suggests the pipe name alone for a full pipe path after pipe://', () => {
    const err = formatErrorOf(() => parseEndpoint('pipe://\\\\.\\pipe\\svc'));
    assert.match(err.fixes[0] ?? '', /pipe:\/\/svc/);
  });
});

describe('parseEndpoint: source phrase', () => {
  it('weaves the source into the message and fixes of a relative path', () => {
    const err = formatErrorOf(() => parseEndpoint('ipc://relative/x.sock', { source: 'MYAPP_ENDPOINT', suggestDir: '/run/user/1000/myapp' }));
    assert.match(err.message, /^MYAPP_ENDPOINT=ipc:\/\/relative\/x\.sock is not valid: /);
    assert.equal(err.fixes[0], 'set MYAPP_ENDPOINT to an absolute path such as unix:///run/user/1000/myapp/x.sock, or unset it');
    assert.equal(err.details['origin'], 'MYAPP_ENDPOINT');
  });

  it('names the source in every other fix list, with "unset" last', () => {
    for (const input of ['tcp://127.0.0.1:99999', 'zmq', 'tcp://[::1]:1', 'unix:@']) {
      const err = formatErrorOf(() => parseEndpoint(input, { source: 'MYAPP_ENDPOINT' }));
      assert.match(err.message, /^MYAPP_ENDPOINT=/);
      assert.match(err.fixes.at(-1) ?? '', /unset MYAPP_ENDPOINT/);
    }
  });

  it('says "endpoint \'...\'" without a source', () => {
    const err = formatErrorOf(() => parseEndpoint('zmq'));
    assert.match(err.message, /^endpoint 'zmq' is not valid/);
    assert.equal(err.details['origin'], undefined);
  });
});

describe('formatEndpoint', () => {
  const rows: ReadonlyArray<[Endpoint, string]> = [
    [{ kind: 'unix', path: '/run/user/1000/a/a.sock' }, 'unix:///run/user/1000/a/a.sock'],
    [{ kind: 'abstract', name: 'a-b' }, 'unix:@a-b'],
    [{ kind: 'pipe', name: 'a-bob-a' }, 'pipe://a-bob-a'],
    [{ kind: 'tcp', host: '127.0.0.1', port: 0 }, 'tcp://127.0.0.1:0'],
  ];
  for (const [endpoint, text] of rows) {
    it(text, () => {
      assert.equal(formatEndpoint(endpoint), text);
      assert.deepEqual(parseEndpoint(text), endpoint);
    });
  }
  it('normalises raw spellings to the canonical form', () => {
    assert.equal(formatEndpoint(parseEndpoint('\\\\.\\pipe\\svc') as Endpoint), 'pipe://svc');
    assert.equal(formatEndpoint(parseEndpoint('ipc:///tmp/a.sock') as Endpoint), 'unix:///tmp/a.sock');
    assert.equal(formatEndpoint(parseEndpoint('localhost:80') as Endpoint), 'tcp://localhost:80');
  });
});

describe('toNetAddress', () => {
  it('maps each kind to what net.listen / net.connect take', () => {
    assert.deepEqual(toNetAddress({ kind: 'unix', path: '/tmp/a.sock' }), { path: '/tmp/a.sock' });
    assert.deepEqual(toNetAddress({ kind: 'abstract', name: 'svc' }), { path: '\0svc' });
    assert.deepEqual(toNetAddress({ kind: 'pipe', name: 'svc' }), { path: '\\\\.\\pipe\\svc' });
    assert.deepEqual(toNetAddress({ kind: 'tcp', host: '127.0.0.1', port: 80 }), { host: '127.0.0.1', port: 80 });
  });
});

describe('isLoopbackHost', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '127.255.255.255', 'localhost', 'LOCALHOST', 'localhost.', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
    it(`${host} is loopback`, () => assert.equal(isLoopbackHost(host), true));
  }
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', '128.0.0.1', 'example.com', 'localhost.example.com', '::2', '::ffff:10.0.0.1', '']) {
    it(`${JSON.stringify(host)} is not loopback`, () => assert.equal(isLoopbackHost(host), false));
  }
});

describe('assertEndpoint', () => {
  it('accepts well-formed values', () => {
    assert.doesNotThrow(() => assertEndpoint({ kind: 'tcp', host: 'localhost', port: 1 }));
  });
  const bad: ReadonlyArray<[string, unknown, string]> = [
    ['relative unix path', { kind: 'unix', path: 'x.sock' }, 'relative-path'],
    ['NUL in a unix path', { kind: 'unix', path: '/tmp/a\0b' }, 'nul'],
    ['NUL in an abstract name', { kind: 'abstract', name: 'a\0b' }, 'nul'],
    ['whitespace at the end of a pipe name', { kind: 'pipe', name: 'svc ' }, 'whitespace'],
    ['fractional port', { kind: 'tcp', host: '127.0.0.1', port: 1.5 }, 'bad-port'],
    ['port out of range', { kind: 'tcp', host: '127.0.0.1', port: 70000 }, 'bad-port'],
    ['unknown kind', { kind: 'udp', host: 'x' }, 'bad-kind'],
    ['non-string path', { kind: 'unix', path: 42 }, 'bad-value'],
  ];
  for (const [title, value, reason] of bad) {
    it(`rejects ${title}`, () => {
      const err = formatErrorOf(() => assertEndpoint(value as Endpoint));
      assert.equal(err.details['reason'], reason);
    });
  }
});
