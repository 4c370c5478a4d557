/**
 * Micro-benchmark of binary mode's MessagePack codec on JSON-RPC envelopes: the hand-written
 * encoder/decoder (src/framing/msgpack-encoder.ts, msgpack-decoder.ts) against @msgpack/msgpack,
 * in CPU time per message (best of 5 rounds, so other load on the machine matters less):
 *
 *   node --import tsx benchmarks/impl/sidewire-binary/codec-micro.ts
 *
 * The call sites see several message shapes first, as in a real process (polymorphic), then each
 * shape is measured alone.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import { tryDecode } from '../../../src/framing/msgpack-decoder.js';
import { MsgpackEncoder } from '../../../src/framing/msgpack-encoder.js';

const ROUNDS = 5;
const N = 500_000;
const d = Buffer.alloc(64, 7);

const SHAPES: ReadonlyArray<readonly [string, (i: number) => object]> = [
  ['request', (i) => ({ jsonrpc: '2.0', id: i, method: 'echo', params: { d } })],
  ['reply', (i) => ({ jsonrpc: '2.0', id: i, result: { d } })],
  ['notification', () => ({ jsonrpc: '2.0', method: 'n', params: { d } })],
  ['error', (i) => ({ jsonrpc: '2.0', id: i, error: { code: -32601, message: 'method not found', data: { x: [1, 2, 'a'] } } })],
  ['hello', (i) => ({ jsonrpc: '2.0', id: `h${i}`, method: '$/hello', params: { protocol: 1, client: 'abc', subscribe: ['a', 'b'] } })],
];

/** CPU nanoseconds per call of `fn`, best of ROUNDS. */
function cpuNs(fn: (i: number) => void): number {
  for (let i = 0; i < N / 5; i++) fn(i);
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t = process.cpuUsage();
    for (let i = 0; i < N; i++) fn(i);
    const u = process.cpuUsage(t);
    best = Math.min(best, ((u.user + u.system) * 1000) / N);
  }
  return best;
}

const mine = new MsgpackEncoder();
const scratch = Buffer.allocUnsafe(1 << 20);
let at = 0;
const encodeMine = (m: object): void => {
  if (at > scratch.length - 4096) at = 0;
  mine.begin(scratch, at);
  mine.write(m);
  at = mine.pos;
};
const lib = new Encoder({ ignoreUndefined: true });
const libDecoder = new Decoder();
const frames = SHAPES.map(([, make]) => Buffer.from(lib.encode(make(1234))));
for (let i = 0; i < 50_000; i++) {
  const k = i % SHAPES.length;
  encodeMine(SHAPES[k]![1](i));
  lib.encodeSharedRef(SHAPES[k]![1](i));
  tryDecode(frames[k]!, 0, frames[k]!.length);
  libDecoder.decode(frames[k]!);
}

console.log(`CPU ns per message (best of ${ROUNDS} × ${N}), Node ${process.version}`);
console.log(`${'shape'.padEnd(14)} ${'encode'.padStart(8)} ${'@msgpack'.padStart(9)} ${'decode'.padStart(8)} ${'@msgpack'.padStart(9)}`);
SHAPES.forEach(([name, make], k) => {
  const frame = frames[k]!;
  const row = [
    cpuNs((i) => encodeMine(make(i))),
    cpuNs((i) => lib.encodeSharedRef(make(i))),
    cpuNs(() => tryDecode(frame, 0, frame.length)),
    cpuNs(() => libDecoder.decode(frame)),
  ];
  console.log(`${name.padEnd(14)} ${row.map((v, j) => v.toFixed(0).padStart(j % 2 === 0 ? 8 : 9)).join(' ')}`);
});
