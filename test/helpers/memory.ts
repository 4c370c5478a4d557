/** Memory measurement for tests that assert a bound: a forced GC and heap + ArrayBuffer bytes. */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
if (bun === undefined) v8.setFlagsFromString('--expose-gc');
/** A full garbage collection (exposed through V8 flags, so no `--expose-gc` is needed; Bun.gc under Bun). */
export const gc: () => void = bun === undefined ? (vm.runInNewContext('gc') as () => void) : () => bun.gc(true);
export const MiB = 1024 * 1024;
/** Heap in use plus ArrayBuffer (Buffer) memory, in bytes. */
export function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
