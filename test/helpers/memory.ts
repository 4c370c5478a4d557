/** Memory measurement for tests that assert a bound: a forced GC and heap + ArrayBuffer bytes. */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
/** A full garbage collection (exposed through V8 flags, so no `--expose-gc` is needed). */
export const gc = vm.runInNewContext('gc') as () => void;
export const MiB = 1024 * 1024;
/** Heap in use plus ArrayBuffer (Buffer) memory, in bytes. */
export function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
