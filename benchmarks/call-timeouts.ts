/**
 * Micro-benchmark (no I/O) of what a call's timeout costs the client: a timer per call
 * (`setTimeout` when sent, `clearTimeout` when answered, what sidewire did before) against
 * `CallDeadlines` (an entry in a lane with one timer), with 64 calls in flight, answered in order.
 * Both keep the pending calls in a Set, as the session keeps them in a table; that cost alone is
 * measured too and taken off. Prints the median of 7 interleaved rounds in ns per call.
 *
 *   node --import tsx benchmarks/call-timeouts.ts
 */
import { CallDeadlines } from '../src/util/call-deadlines.js';
import { realTimers } from '../src/util/timers.js';

const CALLS = 1_000_000;
const IN_FLIGHT = 64;
const TIMEOUT_MS = 30_000;

function timerPerCall(): void {
  const pending = new Set<number>();
  const timers: Array<ReturnType<typeof setTimeout> | undefined> = new Array(IN_FLIGHT);
  for (let id = 0; id < CALLS; id++) {
    pending.delete(id - IN_FLIGHT);
    pending.add(id);
    const slot = id % IN_FLIGHT;
    const answered = timers[slot];
    if (answered !== undefined) clearTimeout(answered); // the call IN_FLIGHT before was answered
    const t = setTimeout(() => undefined, TIMEOUT_MS);
    t.unref();
    timers[slot] = t;
  }
  for (const t of timers) if (t !== undefined) clearTimeout(t);
}

function deadlines(): void {
  const pending = new Set<number>();
  const d = new CallDeadlines(realTimers, {
    isPending: (id) => pending.has(id),
    pendingCount: () => pending.size,
    expire: () => {
      throw new Error('no call may time out here');
    },
  });
  for (let id = 0; id < CALLS; id++) {
    pending.delete(id - IN_FLIGHT); // the call IN_FLIGHT before was answered
    pending.add(id);
    d.add(id, TIMEOUT_MS);
  }
  d.clear();
}

/** What both share in sidewire and is not a timeout's cost: the pending-call table. */
function tableOnly(): void {
  const pending = new Set<number>();
  for (let id = 0; id < CALLS; id++) {
    pending.delete(id - IN_FLIGHT);
    pending.add(id);
  }
}

function nsPerCall(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / CALLS;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const runs: Record<string, () => void> = { 'table only': tableOnly, 'timer per call': timerPerCall, CallDeadlines: deadlines };
const results: Record<string, number[]> = {};
for (const [name, run] of Object.entries(runs)) {
  nsPerCall(run); // warm-up
  results[name] = [];
}
for (let round = 0; round < 7; round++) {
  for (const [name, run] of Object.entries(runs)) results[name]!.push(nsPerCall(run));
}
for (const [name, values] of Object.entries(results)) {
  console.log(`${name.padEnd(16)} ${median(values).toFixed(0).padStart(5)} ns per call  [${values.map((v) => v.toFixed(0)).join(', ')}]`);
}
const table = median(results['table only']!);
const timer = median(results['timer per call']!) - table;
const lane = median(results.CallDeadlines!) - table;
console.log(`timeout cost per call (minus the table): timer ${timer.toFixed(0)} ns, CallDeadlines ${lane.toFixed(0)} ns`);
