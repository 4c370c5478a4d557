/**
 * Platform detection cost: the first (uncached) `currentPlatform()` call, which reads /proc files,
 * and the median of many cached calls (target: well under 1 ms).
 *
 * Run: node --import tsx benchmarks/platform-detect.ts [iterations]
 */
import { currentPlatform, detectPlatform } from '../src/platform/detect.js';

const ITERATIONS = Number(process.argv[2] ?? 100_000);
const BATCH = 100;

function micros(ns: bigint): string {
  return `${(Number(ns) / 1000).toFixed(3)} µs`;
}

function median(values: bigint[]): bigint {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted[Math.floor(sorted.length / 2)] ?? 0n;
}

const t0 = process.hrtime.bigint();
const info = currentPlatform();
const first = process.hrtime.bigint() - t0;

// Cached calls are too fast to time one by one: time batches and divide.
const perCall: bigint[] = [];
let sink = 0;
for (let i = 0; i < ITERATIONS / BATCH; i++) {
  const start = process.hrtime.bigint();
  for (let j = 0; j < BATCH; j++) sink += currentPlatform().label.length;
  perCall.push((process.hrtime.bigint() - start) / BigInt(BATCH));
}
const cached = median(perCall);

const uncached: bigint[] = [];
for (let i = 0; i < 200; i++) {
  const start = process.hrtime.bigint();
  sink += detectPlatform().label.length;
  uncached.push(process.hrtime.bigint() - start);
}

console.log(`platform:                    ${info.label} (${info.id}, default ${info.defaultKind})`);
console.log(`first call (detect + cache): ${micros(first)}`);
console.log(`cached call, median:         ${micros(cached)} over ${ITERATIONS} calls`);
console.log(`uncached detect, median:     ${micros(median(uncached))} over 200 calls`);
const ok = cached < 1_000_000n;
console.log(ok ? 'OK: cached call < 1 ms' : 'FAIL: cached call >= 1 ms');
if (sink < 0) console.log(sink); // keep the loop observable
process.exitCode = ok ? 0 : 1;
