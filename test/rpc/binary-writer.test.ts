/** BinaryWriter: frames encoded into one batch Buffer, one socket write per turn, zero-copy parts. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { isSidewireError } from '../../src/errors.js';
import { LengthPrefixDecoder } from '../../src/framing/length-prefix.js';
import { decodeMsgpack } from '../../src/framing/msgpack.js';
import { encodeMessageFrame, ZERO_COPY_MIN_BYTES } from '../../src/stream/binary/binary-codec.js';
import { BinaryWriter } from '../../src/stream/binary/binary-writer.js';

/**
 * Records what is written: the Buffers themselves (`writes`, to check what was not copied) and what
 * they held when the OS took them (`taken`). With `pending` set, the OS takes nothing: the
 * Buffers stay in `writableLength` and must not change (`decodeAll` reads them as they are now).
 */
class FakeSocket extends EventEmitter {
  readonly writes: Buffer[][] = [];
  readonly taken: Buffer[] = [];
  private group: Buffer[] | null = null;
  pending = false;
  writableLength = 0;
  destroyed = false;
  writable = true;
  get writableCorked(): number {
    return this.group === null ? 0 : 1;
  }
  write(chunk: Buffer): boolean {
    if (this.group !== null) this.group.push(chunk);
    else this.take([chunk]);
    return true;
  }
  cork(): void {
    this.group = [];
  }
  uncork(): void {
    if (this.group !== null && this.group.length > 0) this.take(this.group);
    this.group = null;
  }
  private take(group: Buffer[]): void {
    this.writes.push(group);
    for (const chunk of group) {
      if (this.pending) this.writableLength += chunk.length;
      else this.taken.push(Buffer.from(chunk));
    }
  }
  end(): void {
    this.writable = false;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

function setup(options: ConstructorParameters<typeof BinaryWriter>[1] = {}): { socket: FakeSocket; writer: BinaryWriter } {
  const socket = new FakeSocket();
  return { socket, writer: new BinaryWriter(socket as unknown as Socket, options) };
}

/** Every frame in everything written, decoded. */
function decodeAll(socket: FakeSocket): unknown[] {
  return decodeChunks(socket.pending ? socket.writes.flat() : socket.taken);
}

function decodeChunks(chunks: readonly Buffer[]): unknown[] {
  const out: unknown[] = [];
  const decoder = new LengthPrefixDecoder({
    maxFrameBytes: 0xffff_ffff,
    onFrame: (p) => {
      const r = decodeMsgpack(p);
      assert.ok(r.ok);
      out.push(r.value);
    },
    onError: (e) => assert.fail(e.message),
  });
  for (const chunk of chunks) decoder.push(chunk);
  assert.equal(decoder.bufferedBytes, 0);
  return out;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('BinaryWriter', () => {
  it('batches the frames of one turn into one write of one Buffer', async () => {
    const { socket, writer } = setup();
    const sent = Array.from({ length: 200 }, (_, i) => ({ jsonrpc: '2.0', method: 'n', params: { d: Buffer.alloc(i % 50, i) } }));
    for (const m of sent) assert.equal(writer.writeMessage(m, 'event'), 'queued');
    assert.equal(socket.writes.length, 0, 'nothing before the end of the turn');
    assert.ok(writer.bufferedBytes > 200 * 20);
    await turn();
    assert.equal(socket.writes.length, 1);
    assert.equal(socket.writes[0]!.length, 1);
    assert.equal(writer.bufferedBytes, 0);
    assert.deepEqual(decodeAll(socket), sent);
  });

  it('a full batch is written at once; frames that do not fit move to a new Buffer, in order', async () => {
    const { socket, writer } = setup();
    socket.pending = true; // the OS takes nothing: every Buffer written must stay as it was
    const sent: object[] = [];
    for (let i = 0; i < 400; i++) {
      const m = { jsonrpc: '2.0', method: 'n', params: { i, s: 'x'.repeat((i * 37) % 900) } };
      sent.push(m);
      writer.writeMessage(m, 'event');
    }
    assert.ok(socket.writes.length >= 2, 'full batches went out before the end of the turn');
    await turn();
    assert.deepEqual(decodeAll(socket), sent, 'earlier writes were not overwritten by later frames');
  });

  it('reuses its batch Buffer from the start once the OS took every byte, never while bytes are pending', async () => {
    const { socket, writer } = setup();
    const sent: object[] = [];
    const send = (i: number): void => {
      const m = { jsonrpc: '2.0', method: 'n', params: { i, s: 'y'.repeat(i % 200) } };
      sent.push(m);
      writer.writeMessage(m, 'event');
    };
    for (let i = 0; i < 50; i++) send(i);
    await turn();
    for (let i = 50; i < 100; i++) send(i);
    await turn();
    assert.equal(socket.writes.length, 2);
    const [a, b] = [socket.writes[0]![0]!, socket.writes[1]![0]!];
    assert.equal(a.buffer, b.buffer, 'same Buffer');
    assert.equal(a.byteOffset, b.byteOffset, 'from its start');
    socket.pending = true;
    for (let i = 100; i < 150; i++) send(i);
    await turn();
    for (let i = 150; i < 200; i++) send(i);
    await turn();
    const [c, d] = [socket.writes[2]![0]!, socket.writes[3]![0]!];
    assert.ok(d.buffer !== c.buffer || d.byteOffset >= c.byteOffset + c.length, 'pending bytes are not overwritten');
    assert.deepEqual(decodeChunks([c, d]), sent.slice(100));
    assert.deepEqual(decodeChunks(socket.taken), sent.slice(0, 100));
  });

  it('writes requests and replies once 2 KiB are batched; notifications wait for the end of the turn', async () => {
    const { socket, writer } = setup();
    for (let i = 0; i < 100; i++) writer.writeCall(undefined, 'n', { d: Buffer.alloc(60) });
    assert.equal(socket.writes.length, 0, 'notifications: one write per turn');
    for (let i = 0; i < 10; i++) writer.writeMessage({ jsonrpc: '2.0', id: i, result: { d: Buffer.alloc(60) } });
    assert.equal(socket.writes.length, 1, 'a reply found more than 2 KiB batched: written at once');
    for (let i = 0; i < 60; i++) writer.writeCall(i, 'echo', { d: Buffer.alloc(60) });
    const early = socket.writes.length;
    assert.ok(early >= 3 && early <= 4, `requests went out every ~2 KiB (${early} writes)`);
    for (const group of socket.writes) for (const chunk of group) assert.ok(chunk.length < 2048 + 200 || group === socket.writes[0]);
    await turn();
    assert.equal(decodeAll(socket).length, 170);
  });

  it('writeCall batches the same frames as writeMessage of the request / notification object', async () => {
    const a = setup();
    const b = setup();
    const big = Buffer.alloc(ZERO_COPY_MIN_BYTES, 3);
    const calls: Array<[number | undefined, string, unknown]> = [
      [1, 'echo', { d: Buffer.from('hi') }],
      [undefined, 'n', [1, 'x', null]],
      [2 ** 32, 'métier', { nested: { list: [true, 1.5] } }],
      [undefined, 'blob', { d: big }],
    ];
    for (const [id, method, params] of calls) {
      a.writer.writeMessage(id === undefined ? { jsonrpc: '2.0', method, params } : { jsonrpc: '2.0', id, method, params });
      b.writer.writeCall(id, method, params);
    }
    await turn();
    assert.deepEqual(Buffer.concat(b.socket.taken), Buffer.concat(a.socket.taken));
    assert.equal(decodeAll(b.socket).length, calls.length);
    assert.ok(b.socket.writes.some((group) => group.includes(big)), 'large values are not copied');
  });

  it('large binary values are written from the caller\'s memory, after what was batched', async () => {
    const { socket, writer } = setup();
    const big = Buffer.alloc(ZERO_COPY_MIN_BYTES + 10, 0xab);
    writer.writeMessage({ jsonrpc: '2.0', method: 'before' });
    writer.writeMessage({ jsonrpc: '2.0', method: 'blob', params: { list: [{ deep: { d: big } }], n: 1 } });
    writer.writeMessage({ jsonrpc: '2.0', method: 'after' });
    assert.equal(socket.writes.length, 1, 'written at once, corked');
    assert.ok(socket.writes[0]!.includes(big), 'the Buffer itself was written');
    await turn();
    const frames = decodeAll(socket) as Array<{ method: string }>;
    assert.deepEqual(frames.map((f) => f.method), ['before', 'blob', 'after']);
    assert.deepEqual(frames[1], { jsonrpc: '2.0', method: 'blob', params: { list: [{ deep: { d: big } }], n: 1 } });
  });

  it('a large frame without binary values is written at once', () => {
    const { socket, writer } = setup();
    writer.writeMessage({ jsonrpc: '2.0', id: 1, result: 'y'.repeat(100_000) });
    assert.equal(socket.writes.length, 1);
    assert.deepEqual(decodeAll(socket), [{ jsonrpc: '2.0', id: 1, result: 'y'.repeat(100_000) }]);
  });

  it('pre-encoded frames: small ones are batched (copied), large ones written as they are', async () => {
    const { socket, writer } = setup();
    const small = encodeMessageFrame({ jsonrpc: '2.0', method: 'e', params: [1] });
    const large = encodeMessageFrame({ jsonrpc: '2.0', method: 'e', params: [Buffer.alloc(70_000, 1)] });
    writer.writeMessage({ jsonrpc: '2.0', method: 'first' });
    assert.equal(writer.writeFrame(small, 'event'), 'queued');
    assert.equal(socket.writes.length, 0);
    writer.writeFrame(large, 'event');
    assert.equal(socket.writes.length, 1);
    assert.ok(socket.writes[0]!.includes(large));
    await turn();
    assert.equal((decodeAll(socket) as unknown[]).length, 3);
  });

  it('events over the high-water mark are dropped and counted; replies are always queued', async () => {
    const pressure: boolean[] = [];
    const { socket, writer } = setup({ highWaterMarkBytes: 1000, onPressure: (over) => pressure.push(over) });
    socket.writableLength = 990;
    assert.equal(writer.writeMessage({ jsonrpc: '2.0', method: 'ev', params: 'x'.repeat(50) }, 'event'), 'dropped');
    assert.equal(writer.writeFrame(encodeMessageFrame({ jsonrpc: '2.0', method: 'ev' }), 'event'), 'dropped');
    assert.equal(writer.droppedEvents, 2);
    assert.equal(writer.writeMessage({ jsonrpc: '2.0', id: 1, result: 'x'.repeat(50) }), 'queued');
    assert.deepEqual(pressure, [true]);
    socket.writableLength = 0;
    await turn();
    assert.deepEqual(pressure, [true, false]);
    assert.deepEqual(decodeAll(socket), [{ jsonrpc: '2.0', id: 1, result: 'x'.repeat(50) }]);
  });

  it('disconnect policy destroys the socket instead of dropping', () => {
    const { socket, writer } = setup({ highWaterMarkBytes: 100, slowConsumer: 'disconnect' });
    socket.writableLength = 100;
    assert.equal(writer.writeMessage({ jsonrpc: '2.0', method: 'ev' }, 'event'), 'closed');
    assert.equal(socket.destroyed, true);
    assert.equal(writer.writeMessage({ jsonrpc: '2.0', method: 'ev' }), 'closed');
  });

  it('a message that cannot be encoded throws ERR_ENCODE and leaves the batch as it was', async () => {
    const { socket, writer } = setup();
    writer.writeMessage({ jsonrpc: '2.0', method: 'ok1' });
    assert.throws(() => writer.writeMessage({ jsonrpc: '2.0', method: 'bad', params: { s: 'z'.repeat(70_000), n: 1n } }), (err) => isSidewireError(err, 'ERR_ENCODE'));
    writer.writeMessage({ jsonrpc: '2.0', method: 'ok2' });
    await turn();
    assert.deepEqual(decodeAll(socket), [{ jsonrpc: '2.0', method: 'ok1' }, { jsonrpc: '2.0', method: 'ok2' }]);
  });

  it('refuses to send from inside the encoding of another message', () => {
    const { writer } = setup();
    const sneaky = {
      get inner(): number {
        writer.writeMessage({ jsonrpc: '2.0', method: 'inner' });
        return 1;
      },
    };
    assert.throws(() => writer.writeMessage({ jsonrpc: '2.0', method: 'outer', params: sneaky }), /while another one is being encoded/);
  });

  it('end() writes what is batched, then ends; later writes are closed', () => {
    const { socket, writer } = setup();
    writer.writeMessage({ jsonrpc: '2.0', method: 'last' });
    writer.end();
    assert.equal(socket.writable, false);
    assert.deepEqual(decodeAll(socket), [{ jsonrpc: '2.0', method: 'last' }]);
    assert.equal(writer.writeMessage({ jsonrpc: '2.0', method: 'late' }), 'closed');
  });
});
