/**
 * The decoders' receive budget (receive-budget.ts): bytes of incomplete messages are taken from it
 * before they are held, given back when the message completes or is dropped, and a refusal is an
 * `over-budget` error, never a crash or a stall. Also the limits a server changes at run time
 * (`setMaxMessageBytes` / `setMaxFrameBytes`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FrameError } from '../../src/framing/frame-error.js';
import { encodeFrame, encodeFrameHeader, LengthPrefixDecoder } from '../../src/framing/length-prefix.js';
import { NdjsonDecoder } from '../../src/framing/ndjson.js';
import { FREE_BYTES_PER_CONNECTION, SharedReceiveBudget } from '../../src/framing/receive-budget.js';
import { cutAt } from './chunking.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('SharedReceiveBudget', () => {
  it('shares one limit between connections; a closed share gives everything back and takes nothing more', () => {
    const shared = new SharedReceiveBudget(100, 0);
    const a = shared.open();
    const c = shared.open();
    assert.equal(a.take(60), true);
    assert.equal(c.take(50), false, 'over the shared limit');
    assert.equal(c.take(40), true);
    assert.equal(shared.used, 100);
    a.give(10);
    assert.equal(a.held, 50);
    a.close();
    assert.equal(shared.used, 40);
    assert.equal(a.take(1), false);
    c.give(1000); // never more than it holds
    assert.equal(shared.used, 0);
  });

  it('each connection holds its first 64 KiB without counting against the limit: only what is beyond competes', () => {
    const shared = new SharedReceiveBudget(100);
    const big = shared.open();
    const small = shared.open();
    assert.equal(big.take(FREE_BYTES_PER_CONNECTION + 100), true);
    assert.equal(shared.used, 100, 'the pool is full');
    assert.equal(big.take(1), false);
    assert.equal(small.take(FREE_BYTES_PER_CONNECTION), true, 'a message within one read is never refused');
    assert.equal(small.take(1), false);
    assert.equal(shared.held, 2 * FREE_BYTES_PER_CONNECTION + 100);
    big.give(50);
    assert.equal(shared.used, 50);
    assert.equal(small.take(50), true);
    small.close();
    big.close();
    assert.equal(shared.used, 0);
    assert.equal(shared.held, 0);
  });
});

describe('NdjsonDecoder with a budget', () => {
  it('holds incomplete lines against the budget, gives them back once complete, and reports a refusal as over-budget', () => {
    const shared = new SharedReceiveBudget(10, 0);
    const share = shared.open();
    const messages: unknown[] = [];
    const errors: FrameError[] = [];
    const d = new NdjsonDecoder({ onMessage: (m) => messages.push(m), onError: (e) => errors.push(e), budget: share });
    d.push(b('[1,2'));
    assert.equal(share.held, 4);
    d.push(b(']\n[3'));
    assert.deepEqual(messages, [[1, 2]]);
    assert.equal(share.held, 2, 'only the new partial line is held');
    d.push(b(',4,5,6,7,8,9'));
    assert.deepEqual(errors.map((e) => e.kind), ['over-budget']);
    assert.equal(share.held, 0, 'the refused line was dropped');
    d.push(b('0]\n"ok"\n'));
    assert.deepEqual(messages, [[1, 2], 'ok'], 'the rest of the refused line is skipped, then decoding carries on');
  });

  it('property: whatever the lines and the cuts, the budget holds exactly the decoder\'s buffered bytes, never more than its limit, and nothing at the end', () => {
    const line = fc.oneof(fc.constant('[1]'), fc.string({ maxLength: 40 }).map((s) => JSON.stringify(s)), fc.constant(' '));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 30 }), (lines, cuts, limit, free) => {
        const shared = new SharedReceiveBudget(limit, free);
        const share = shared.open();
        const d = new NdjsonDecoder({ onMessage: () => undefined, onError: () => undefined, budget: share });
        const data = b(lines.map((l) => `${l}\n`).join(''));
        for (const chunk of cutAt(data, cuts)) {
          d.push(chunk);
          assert.equal(share.held, d.bufferedBytes);
          assert.ok(shared.used <= limit && shared.held <= limit + free);
        }
        d.end();
        assert.equal(shared.used, 0);
        assert.equal(shared.held, 0);
      }),
    );
  });

  it('setMaxMessageBytes: raised, a longer line passes; lowered below the line held, it is dropped as too-large at once', () => {
    const share = new SharedReceiveBudget(1000).open();
    const messages: unknown[] = [];
    const errors: string[] = [];
    const d = new NdjsonDecoder({ maxMessageBytes: 8, onMessage: (m) => messages.push(m), onError: (e) => errors.push(e.kind), budget: share });
    d.setMaxMessageBytes(100);
    d.push(b('"a long line"\n"another'));
    assert.deepEqual(messages, ['a long line']);
    d.setMaxMessageBytes(4);
    assert.deepEqual(errors, ['too-large']);
    assert.equal(share.held, 0);
    d.push(b(' one"\n[1]\n'));
    assert.deepEqual(messages, ['a long line', [1]]);
  });
});

describe('LengthPrefixDecoder with a budget', () => {
  it('takes a spanning frame\'s whole length before allocating it, gives it back on delivery, and stops with over-budget on a refusal', () => {
    const shared = new SharedReceiveBudget(100, 0);
    const other = shared.open();
    const share = shared.open();
    const frames: number[] = [];
    const errors: FrameError[] = [];
    const d = new LengthPrefixDecoder({ onFrame: (p) => frames.push(p.length), onError: (e) => errors.push(e), budget: share });
    d.push(Buffer.concat([encodeFrame(Buffer.alloc(500)), encodeFrameHeader(80), Buffer.alloc(10)]));
    assert.deepEqual(frames, [500], 'a frame inside one chunk is never held');
    assert.equal(share.held, 80);
    d.push(Buffer.alloc(70));
    assert.deepEqual(frames, [500, 80]);
    assert.equal(share.held, 0);
    assert.equal(other.take(50), true);
    d.push(Buffer.concat([encodeFrameHeader(60), Buffer.alloc(1)]));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.kind, 'over-budget');
    assert.equal(share.held, 0);
    d.push(encodeFrame(Buffer.alloc(1)));
    assert.deepEqual(frames, [500, 80], 'stopped: the stream cannot be resynchronised');
  });

  it('setMaxFrameBytes lowered below the frame being assembled stops the decoder with too-large and gives its bytes back', () => {
    const share = new SharedReceiveBudget(1000).open();
    const errors: string[] = [];
    const d = new LengthPrefixDecoder({ onFrame: () => undefined, onError: (e) => errors.push(e.kind), budget: share });
    d.push(Buffer.concat([encodeFrameHeader(500), Buffer.alloc(10)]));
    assert.equal(share.held, 500);
    d.setMaxFrameBytes(100);
    assert.deepEqual(errors, ['too-large']);
    assert.equal(share.held, 0);
  });
});
