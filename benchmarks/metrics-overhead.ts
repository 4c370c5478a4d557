/**
 * Cost of the ServerMetrics hot-path methods, against an empty loop and against calling
 * prom-client directly (what ServerMetrics avoids), and of the per-request hooks a server runs
 * with metrics on (ServerObserver: clock reads, histogram, in-flight) and off. The end-to-end
 * figure (a real server, metrics on vs off) is benchmarks/metrics-overhead-server.ts. Run:
 *   node --import tsx benchmarks/metrics-overhead.ts [iterations]
 * Prints ns/op; numbers vary by machine, compare them with each other only.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { DEFAULT_DURATION_BUCKETS, ServerMetrics } from '../src/observability/metrics.js';
import { ServerObserver } from '../src/observability/server-observer.js';

const N = Number(process.argv[2] ?? 5_000_000);

function time(label: string, body: (i: number) => void): number {
  for (let i = 0; i < 200_000; i++) body(i); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) body(i);
  const ns = Number(process.hrtime.bigint() - start) / N;
  console.log(`${label.padEnd(44)} ${ns.toFixed(1).padStart(7)} ns/op`);
  return ns;
}

const metrics = new ServerMetrics();
const registry = new Registry();
const counter = new Counter({ name: 'raw_bytes_total', help: 'h', labelNames: ['mode'], registers: [registry] }).labels('json');
const histogram = new Histogram({ name: 'raw_seconds', help: 'h', labelNames: ['method'], buckets: [...DEFAULT_DURATION_BUCKETS], registers: [registry] }).labels('echo');
let sink = 0;

console.log(`${N} iterations, node ${process.version}`);
const empty = time('empty loop', (i) => {
  sink += i & 1;
});
const messageIn = time("ServerMetrics.messageIn('json', 100)", () => metrics.messageIn('json', 100));
time("prom-client counter.labels('json').inc(100)", () => counter.inc(100));
const requestDone = time("ServerMetrics.requestStarted+requestDone", () => {
  metrics.requestStarted();
  metrics.requestDone('echo', 0.0002);
});
time("prom-client histogram.labels('echo').observe", () => histogram.observe(0.0002));
console.log(`messageIn overhead over the empty loop: ${(messageIn - empty).toFixed(1)} ns/op`);
console.log(`request overhead over the empty loop:   ${(requestDone - empty).toFixed(1)} ns/op`);

// What a server does per request and per message through its observer (metrics on / off).
const observed = new ServerObserver({ metrics: new ServerMetrics() });
const bare = new ServerObserver();
const ok = { id: 1 };
const meter = observed.meter('json')!;
const withMetrics = time('observer request hooks, metrics on', (i) => {
  const started = observed.requestStarted();
  observed.requestDone('abcdef012345', 'echo', i, started, ok);
  observed.repliesSent(ok);
  meter.decoded();
  meter.sent(100);
});
const withoutMetrics = time('observer request hooks, metrics off', (i) => {
  const started = bare.requestStarted();
  bare.requestDone('abcdef012345', 'echo', i, started, ok);
  bare.repliesSent(ok);
});
console.log(`per-request cost of metrics: ${(withMetrics - withoutMetrics).toFixed(1)} ns (a JSON request costs a sidewire server ~10-20 µs of CPU)`);

// Sanity: the counts really landed (and keep `sink` alive).
const text = await metrics.metrics();
const line = text.split('\n').find((l) => l.startsWith('sidewire_messages_received_total{mode="json"}'));
console.log(`check: ${line ?? 'missing!'} (sink ${sink % 2})`);
