import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Endpoint } from '../../src/endpoint/endpoint.js';
import { formatEndpoint, parseEndpoint } from '../../src/endpoint/parse.js';
import { isSidewireError } from '../../src/errors.js';

/** Text without NUL whose ends are not whitespace (inputs are trimmed, so such names cannot round-trip). */
const noEdgeSpace = (s: string): boolean => s === s.trim() && !s.includes('\0');

const segment = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }).filter((s) => !s.includes('/') && !s.includes('\0'));

const unixEndpoint: fc.Arbitrary<Endpoint> = fc
  .array(segment, { minLength: 1, maxLength: 6 })
  .map((parts) => `/${parts.join('/')}`)
  .filter(noEdgeSpace)
  .map((path) => ({ kind: 'unix', path }));

const abstractEndpoint: fc.Arbitrary<Endpoint> = fc
  .string({ minLength: 1, maxLength: 40, unit: 'grapheme' })
  .filter((name) => noEdgeSpace(name) && name.length > 0 && Buffer.byteLength(name) <= 107)
  .map((name) => ({ kind: 'abstract', name }));

const pipeEndpoint: fc.Arbitrary<Endpoint> = fc
  .string({ minLength: 1, maxLength: 60, unit: 'grapheme' })
  .filter((name) => noEdgeSpace(name) && name.length > 0 && !/[\\/]/.test(name))
  .map((name) => ({ kind: 'pipe', name }));

const tcpEndpoint: fc.Arbitrary<Endpoint> = fc
  .record({ host: fc.oneof(fc.ipV4(), fc.domain(), fc.constant('localhost')), port: fc.integer({ min: 0, max: 65535 }) })
  .map(({ host, port }) => ({ kind: 'tcp', host, port }));

const anyEndpoint = fc.oneof(unixEndpoint, abstractEndpoint, pipeEndpoint, tcpEndpoint);

describe('parseEndpoint / formatEndpoint round trip', () => {
  it('parse(format(e)) deep-equals e', () => {
    fc.assert(
      fc.property(anyEndpoint, (endpoint) => {
        assert.deepEqual(parseEndpoint(formatEndpoint(endpoint)), endpoint);
      }),
      { numRuns: 2000 },
    );
  });

  it('format(parse(s)) is a fixed point for any string that parses', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 30 }), anyEndpoint.map(formatEndpoint)), (text) => {
        let parsed: Endpoint | 'auto';
        try {
          parsed = parseEndpoint(text);
        } catch (err) {
          assert.ok(isSidewireError(err, 'ERR_ENDPOINT_FORMAT'), `unexpected error for ${JSON.stringify(text)}: ${String(err)}`);
          return;
        }
        if (parsed === 'auto') return;
        const canonical = formatEndpoint(parsed);
        assert.equal(formatEndpoint(parseEndpoint(canonical) as Endpoint), canonical);
      }),
      { numRuns: 2000 },
    );
  });
});
