/**
 * Helpers for framing tests: deterministic (seeded) ways to cut a byte stream into chunks.
 */

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cuts `data` into chunks of random sizes from 1 to `maxChunk` (seeded). */
export function randomChunks(data: Buffer, seed: number, maxChunk = 64): Buffer[] {
  const random = seededRandom(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; ) {
    const size = 1 + Math.floor(random() * maxChunk);
    out.push(data.subarray(i, i + size));
    i += size;
  }
  return out;
}

/** One chunk per byte. */
export function byteChunks(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i++) out.push(data.subarray(i, i + 1));
  return out;
}

/** Cuts `data` at the given offsets (any numbers: taken modulo length+1, sorted, deduplicated). */
export function cutAt(data: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(data.subarray(prev, p));
    prev = p;
  }
  out.push(data.subarray(prev));
  return out;
}
