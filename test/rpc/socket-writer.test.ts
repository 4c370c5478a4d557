/** SocketWriter (JSON mode's writer): one write per turn, full batches at once, requests and replies early. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { SocketWriter } from '../../src/stream/json/socket-writer.js';

/** Records every write as the text it carried. */
class FakeSocket extends EventEmitter {
  readonly writes: string[] = [];
  writableLength = 0;
  destroyed = false;
  writable = true;
  write(chunk: string | Buffer): boolean {
    this.writes.push(chunk.toString());
    return true;
  }
  end(): void {
    this.writable = false;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const line = (i: number, size = 100): string => `${JSON.stringify({ jsonrpc: '2.0', id: i, result: 'x'.repeat(size) })}\n`;

describe('SocketWriter', () => {
  it('notifications and events are written once per turn, in order', async () => {
    const socket = new FakeSocket();
    const writer = new SocketWriter(socket as unknown as Socket);
    const sent = Array.from({ length: 100 }, (_, i) => line(i));
    for (const l of sent) assert.equal(writer.write(l, 'reply', false), 'queued');
    assert.equal(socket.writes.length, 0);
    await turn();
    assert.deepEqual(socket.writes, [sent.join('')]);
  });

  it('requests and replies go out once 2 KiB are queued', async () => {
    const socket = new FakeSocket();
    const writer = new SocketWriter(socket as unknown as Socket);
    const sent = Array.from({ length: 60 }, (_, i) => line(i));
    for (const l of sent) writer.write(l); // 'reply', urgent by default
    const early = socket.writes.length;
    assert.ok(early >= 3 && early <= 4, `${early} writes before the end of the turn`);
    for (const w of socket.writes) assert.ok(Buffer.byteLength(w) >= 2048 && Buffer.byteLength(w) < 2048 + 200);
    await turn();
    assert.equal(socket.writes.join(''), sent.join(''), 'everything, in order');
  });

  it('a full 64 KiB batch of notifications is written at once', () => {
    const socket = new FakeSocket();
    const writer = new SocketWriter(socket as unknown as Socket);
    for (let i = 0; i < 70; i++) writer.write(line(i, 1000), 'event');
    assert.equal(socket.writes.length, 1);
    assert.ok(Buffer.byteLength(socket.writes[0]!) >= 64 * 1024);
  });
});
