import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NdjsonDecoder } from '../../src/framing/ndjson.js';
import { byteChunks, randomChunks } from './chunking.js';

// Every line rule in an ASCII-only stream, so that a whole chunk takes the decoder's ASCII fast
// path; one byte per chunk takes the per-line path. Both must give the same events.
const ASCII = Buffer.from(
  '{"a":1}\n' +
    '\n \t \r\n' +
    '{"b":"two"}\r\n' +
    'not json\n' +
    '{"toolong":"xxxxxxxxxxxxxxxxxxxxxxxx"}\n' +
    '  [1,2]  \n' +
    '"s"\n' +
    '{"tail":',
  'latin1',
);

function decode(chunks: readonly Buffer[]): { events: unknown[]; buffered: number } {
  const events: unknown[] = [];
  const decoder = new NdjsonDecoder({
    maxMessageBytes: 30,
    onMessage: (message) => events.push({ message }),
    onError: (error) => events.push({ error: error.kind }), // sizes differ by chunking (too-large is reported early)
  });
  for (const c of chunks) decoder.push(c);
  const buffered = decoder.bufferedBytes;
  decoder.push(Buffer.from('3}\n'));
  return { events, buffered };
}

describe('NdjsonDecoder ASCII fast path', () => {
  it('gives the same events and leftovers as the per-line path', () => {
    const expected = [
      { message: { a: 1 } },
      { message: { b: 'two' } },
      { error: 'parse' },
      { error: 'too-large' },
      { message: [1, 2] },
      { message: 's' },
      { message: { tail: 3 } },
    ];
    for (const chunks of [[ASCII], byteChunks(ASCII), randomChunks(ASCII, 11, 6)]) {
      const { events, buffered } = decode(chunks);
      assert.deepEqual(events, expected);
      assert.equal(buffered, '{"tail":'.length);
    }
  });

  it('falls back to the per-line path for a chunk with non-ASCII bytes, and still rejects invalid UTF-8', () => {
    const data = Buffer.concat([Buffer.from('{"a":"é"}\n', 'utf8'), Buffer.from([0x22, 0xff, 0x22, 0x0a]), Buffer.from('{"b":1}\n')]);
    const events: unknown[] = [];
    const decoder = new NdjsonDecoder({ onMessage: (m) => events.push(m), onError: (e) => events.push(e.kind) });
    decoder.push(data);
    assert.deepEqual(events, [{ a: 'é' }, 'encoding', { b: 1 }]);
  });

  it('after a throwing callback, keeps exactly the lines not yet delivered', () => {
    const seen: unknown[] = [];
    const decoder = new NdjsonDecoder({
      onMessage: (v) => {
        seen.push(v);
        if (v === 2) throw new Error('boom');
      },
      onError: () => assert.fail('no error expected'),
    });
    assert.throws(() => decoder.push(Buffer.from('1\n2\n3\n4')), /boom/);
    assert.deepEqual(seen, [1, 2]);
    assert.equal(decoder.bufferedBytes, '3\n4'.length);
    decoder.end();
    assert.deepEqual(seen, [1, 2, 3, 4]);
  });
});
