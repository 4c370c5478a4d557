/**
 * 4-byte length-prefixed frames over `node:net` with Buffers: the transport ceiling.
 *
 * Frame: `u32be bodyLength`, then the body `u8 type, u32be id, payload bytes`.
 * Small frames are copied into a 64 KiB staging buffer written once per microtask; large ones are
 * written as header + payload without copying.
 */
import type { Socket } from 'node:net';

export const FrameType = { Echo: 1, Reply: 2, Notify: 3, Blob: 4, Sync: 5 } as const;

const HEADER = 9;
const STAGING = 64 * 1024;

/** Batches frames into few `socket.write` calls. */
export class FrameWriter {
  private staging = Buffer.allocUnsafe(STAGING);
  private used = 0;
  private scheduled = false;
  private readonly flushNow = (): void => this.flush();

  constructor(private readonly socket: Socket) {}

  /** Queues one frame. */
  push(type: number, id: number, payload: Buffer): void {
    const size = HEADER + payload.length;
    if (size > STAGING / 4) {
      this.flush();
      const header = Buffer.allocUnsafe(HEADER);
      writeHeader(header, 0, payload.length, type, id);
      this.socket.cork();
      this.socket.write(header);
      this.socket.write(payload);
      this.socket.uncork();
      return;
    }
    if (this.used + size > STAGING) this.flush();
    writeHeader(this.staging, this.used, payload.length, type, id);
    payload.copy(this.staging, this.used + HEADER);
    this.used += size;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flushNow);
    }
  }

  /** Writes what is staged now. */
  flush(): void {
    this.scheduled = false;
    if (this.used === 0) return;
    const chunk = this.staging.subarray(0, this.used);
    this.staging = Buffer.allocUnsafe(STAGING);
    this.used = 0;
    this.socket.write(chunk);
  }
}

function writeHeader(target: Buffer, at: number, payloadLength: number, type: number, id: number): void {
  target.writeUInt32BE(payloadLength + 5, at);
  target[at + 4] = type;
  target.writeUInt32BE(id, at + 5);
}

/** Reassembles frames from socket chunks; `onFrame` gets views (no copy for frames inside one chunk). */
export class FrameReader {
  private parts: Buffer[] = [];
  private partsBytes = 0;

  constructor(private readonly onFrame: (type: number, id: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.partsBytes > 0) {
      this.parts.push(chunk);
      this.partsBytes += chunk.length;
      const first = this.parts[0] as Buffer;
      const need = first.length >= 4 ? first.readUInt32BE(0) + 4 : 4;
      if (this.partsBytes < need) return;
      buf = Buffer.concat(this.parts, this.partsBytes);
      this.parts = [];
      this.partsBytes = 0;
    }
    let at = 0;
    while (buf.length - at >= 4) {
      const end = at + 4 + buf.readUInt32BE(at);
      if (end > buf.length) break;
      this.onFrame(buf[at + 4] as number, buf.readUInt32BE(at + 5), buf.subarray(at + HEADER, end));
      at = end;
    }
    if (at < buf.length) {
      const rest = buf.subarray(at);
      this.parts.push(rest);
      this.partsBytes = rest.length;
    }
  }
}
