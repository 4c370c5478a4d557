/**
 * Child process for msgpack-adversarial.test.ts: decodes the named payloads of hostile-frames.ts
 * with `decodeMsgpack`, under the heap cap its parent gives it (`--max-old-space-size`), and
 * prints one JSON line per payload: `{ name, ok, message, ms, grewBytes }` (heap and ArrayBuffer
 * growth during the call, no GC in between). A decoder that allocates what a header declares
 * dies here ("heap out of memory") instead of taking the test runner down with it.
 *
 *   node --import tsx --expose-gc --max-old-space-size=64 test/framing/msgpack-decode-child.ts <name>...
 */
import { decodeMsgpack } from '../../src/framing/msgpack.js';
import { HOSTILE_FRAMES } from './hostile-frames.js';

const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);
const used = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

for (const name of process.argv.slice(2)) {
  const build = HOSTILE_FRAMES[name];
  if (build === undefined) throw new Error(`unknown payload ${name}`);
  const frame = build();
  gc();
  const before = used();
  const t0 = process.hrtime.bigint();
  const result = decodeMsgpack(frame);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const grewBytes = used() - before;
  process.stdout.write(`${JSON.stringify({ name, ok: result.ok, message: result.ok ? '' : result.error.message, kind: result.ok ? '' : result.error.kind, ms, grewBytes })}\n`);
}
