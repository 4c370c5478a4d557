/**
 * The scenarios: what each measures, its counts (full and `--quick`) and how its numbers read.
 */

/** Identifiers of the scenarios, in run order. */
export type ScenarioId = 'latency' | 'oneway' | 'inflight' | 'bulk' | 'metrics';

/** Counts handed to the client process for one run. */
export interface ScenarioParams {
  /** Measured operations (round trips, messages, requests). */
  readonly count: number;
  /** Untimed operations before the measurement (JIT warm-up). */
  readonly warmup: number;
  /**
   * Latency scenario: the warm-up also lasts at least this long (ms), for every implementation
   * alike, so the measurement starts once the JIT has settled. Why (docs/benchmarks.md "Tails"):
   * after 2,000 round trips (~0.1 s) sidewire's processes were still compiling their hot paths —
   * more code than a 100-line baseline — and on a pinned core the compiler thread takes the
   * core from the process for 2–5 ms at a time: every one of the 30 slowest of 20,000 round
   * trips fell in the first 350 ms of the measurement and none coincided with a GC. That is a
   * start-up cost, reported as such, not the steady-state tail this scenario measures.
   */
  readonly minWarmupMs?: number;
  /** Payload size in bytes. */
  readonly size: number;
  /** Requests kept in flight (inflight scenario). */
  readonly concurrency: number;
  /**
   * Keep measuring in rounds of `count` until at least this long has passed (bulk scenario: a
   * round of 256 MiB lasts ~0.1 s at binary speeds, too short to be more than warm-up and noise).
   */
  readonly minSeconds?: number;
}

/** How one metric of a scenario reads. */
export interface MetricInfo {
  /** Key in the result's `metrics` object. */
  readonly key: string;
  /** Column heading. */
  readonly label: string;
  /** Unit printed after the number. */
  readonly unit: string;
  /** True when a larger number is better. */
  readonly higherIsBetter: boolean;
}

export interface ScenarioInfo {
  readonly id: ScenarioId;
  /** One-line title for tables and charts. */
  readonly title: string;
  /** Full-run counts. */
  readonly full: ScenarioParams;
  /** `--quick` counts. */
  readonly quick: ScenarioParams;
  /** The metric used for ratios and the chart, then the others. */
  readonly metrics: readonly MetricInfo[];
  /** Printed under the table (fairness notes). */
  readonly note: string;
  /** Only implementations that provide this scenario themselves run it (a slot for sidewire). */
  readonly implSpecific: boolean;
  /** Appended to the row label of JSON implementations (e.g. " (base64)"). */
  readonly jsonSuffix?: string;
}

const MIB = 1024 * 1024;

export const SCENARIOS: readonly ScenarioInfo[] = [
  {
    id: 'latency',
    title: '(a) round-trip latency, 64 B payload',
    full: { count: 20_000, warmup: 2_000, minWarmupMs: 1_500, size: 64, concurrency: 1 },
    quick: { count: 2_000, warmup: 200, size: 64, concurrency: 1 },
    metrics: [
      { key: 'p50Us', label: 'p50', unit: 'µs', higherIsBetter: false },
      { key: 'p99Us', label: 'p99', unit: 'µs', higherIsBetter: false },
      { key: 'p999Us', label: 'p99.9', unit: 'µs', higherIsBetter: false },
    ],
    note: 'one request at a time, after a warm-up of at least 2,000 round trips and 1.5 s; each round trip timed with process.hrtime; ratio uses p50',
    implSpecific: false,
  },
  {
    id: 'oneway',
    title: '(b) one-way notifications, 100 B',
    full: { count: 1_000_000, warmup: 20_000, size: 100, concurrency: 1 },
    quick: { count: 20_000, warmup: 2_000, size: 100, concurrency: 1 },
    metrics: [
      { key: 'msgPerSec', label: 'msg/s', unit: 'msg/s', higherIsBetter: true },
      { key: 'clientRssMiB', label: 'client RSS', unit: 'MiB', higherIsBetter: false },
      { key: 'serverRssMiB', label: 'server RSS', unit: 'MiB', higherIsBetter: false },
    ],
    note: 'timed from the first send until the server confirms it decoded every message; peak RSS = VmHWM of each process (includes ~75 MiB of Node + tsx before any work)',
    implSpecific: false,
  },
  {
    id: 'inflight',
    title: '(c) requests, 64 in flight, 64 B',
    full: { count: 200_000, warmup: 10_000, size: 64, concurrency: 64 },
    quick: { count: 5_000, warmup: 500, size: 64, concurrency: 64 },
    metrics: [{ key: 'reqPerSec', label: 'req/s', unit: 'req/s', higherIsBetter: true }],
    note: '64 concurrent request loops on one connection; each reply is matched to its request',
    implSpecific: false,
  },
  {
    id: 'bulk',
    title: '(d) 1 MiB messages one way',
    full: { count: 256, warmup: 32, size: MIB, concurrency: 1, minSeconds: 1 },
    quick: { count: 8, warmup: 1, size: MIB, concurrency: 1 },
    metrics: [{ key: 'mbPerSec', label: 'MB/s', unit: 'MB/s', higherIsBetter: true }],
    note: 'MB = 10^6 bytes of payload; JSON peers (raw-ndjson, node-ipc, vscode-jsonrpc) must base64 every message (+33 % on the wire) and the server decodes it',
    implSpecific: false,
    jsonSuffix: ' (base64)',
  },
  {
    id: 'metrics',
    title: '(e) metrics on vs off',
    full: { count: 200_000, warmup: 10_000, size: 64, concurrency: 64 },
    quick: { count: 5_000, warmup: 500, size: 64, concurrency: 64 },
    metrics: [
      { key: 'overheadPct', label: 'overhead', unit: '%', higherIsBetter: false },
      { key: 'reqPerSecOff', label: 'req/s off', unit: 'req/s', higherIsBetter: true },
      { key: 'reqPerSecOn', label: 'req/s on', unit: 'req/s', higherIsBetter: true },
    ],
    note: 'sidewire only: the inflight workload with metrics disabled and enabled (slot: runs once sidewire provides it)',
    implSpecific: true,
  },
];

/** The scenario with this id (throws on an unknown id). */
export function scenarioInfo(id: string): ScenarioInfo {
  const found = SCENARIOS.find((s) => s.id === id);
  if (!found) throw new Error(`unknown scenario "${id}"; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  return found;
}
