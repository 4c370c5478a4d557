/**
 * Micro-benchmark of the framing layer (no I/O): decode throughput of NDJSON and length-prefixed
 * frames fed in 64 KiB chunks, against the bare cost of JSON.parse on the same lines.
 *
 *   node --import tsx benchmarks/framing.ts
 */
import { NdjsonDecoder, encodeNdjson } from '../src/framing/ndjson.js';
import { LengthPrefixDecoder, encodeFrame } from '../src/framing/length-prefix.js';
import { decodeMsgpack, encodeMsgpack } from '../src/framing/msgpack.js';

const CHUNK = 64 * 1024;
const COUNT = 500_000;

function chunked(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += CHUNK) out.push(data.subarray(i, i + CHUNK));
  return out;
}

function bench(name: string, bytes: number, messages: number, run: () => void): void {
  run(); // warm up
  const start = process.hrtime.bigint();
  const rounds = 3;
  for (let i = 0; i < rounds; i++) run();
  const secs = Number(process.hrtime.bigint() - start) / 1e9 / rounds;
  const mps = (messages / secs / 1e6).toFixed(2);
  const mbs = (bytes / secs / 2 ** 20).toFixed(0);
  console.log(`${name.padEnd(44)} ${mps.padStart(7)} M msg/s ${mbs.padStart(6)} MiB/s`);
}

function ndjsonBench(label: string, make: (i: number) => unknown): void {
  const lines = Array.from({ length: COUNT }, (_, i) => encodeNdjson(make(i)));
  const data = Buffer.from(lines.join(''), 'utf8');
  const chunks = chunked(data);
  let sink = 0;
  bench(`JSON.parse only (${label})`, data.length, COUNT, () => {
    for (const line of lines) if (JSON.parse(line) !== null) sink++;
  });
  bench(`NdjsonDecoder (${label})`, data.length, COUNT, () => {
    const decoder = new NdjsonDecoder({ onMessage: () => sink++, onError: () => sink--, maxMessageBytes: 1 << 24 });
    for (const c of chunks) decoder.push(c);
    decoder.end();
  });
  if (sink < 0) console.log(sink);
}

function lengthPrefixBench(payloadBytes: number, count: number): void {
  const payload = Buffer.alloc(payloadBytes, 0x61);
  const data = Buffer.concat(Array.from({ length: count }, () => encodeFrame(payload)));
  const chunks = chunked(data);
  let sink = 0;
  bench(`LengthPrefixDecoder (${payloadBytes} B frames)`, data.length, count, () => {
    const decoder = new LengthPrefixDecoder({ onFrame: (p) => (sink += p.length), onError: () => sink--, maxFrameBytes: 1 << 30 });
    for (const c of chunks) decoder.push(c);
  });
}

function msgpackBench(): void {
  const value = { jsonrpc: '2.0', id: 12345, method: 'files.read', params: { path: '/tmp/some/file.txt', offset: 0, n: [1, 2, 3] } };
  const packed = encodeMsgpack(value);
  const json = JSON.stringify(value);
  bench('encodeMsgpack (small request)', packed.length * COUNT, COUNT, () => {
    for (let i = 0; i < COUNT; i++) encodeMsgpack(value);
  });
  bench('JSON.stringify (small request)', json.length * COUNT, COUNT, () => {
    for (let i = 0; i < COUNT; i++) JSON.stringify(value);
  });
  bench('decodeMsgpack (small request)', packed.length * COUNT, COUNT, () => {
    for (let i = 0; i < COUNT; i++) decodeMsgpack(packed);
  });
}

ndjsonBench('ascii', (i) => ({ jsonrpc: '2.0', id: i, method: 'daemon.status', params: { verbose: true, tags: ['a', 'b'] } }));
ndjsonBench('non-latin1', (i) => ({ jsonrpc: '2.0', id: i, method: 'note.add', params: { text: 'prix: 12 € — ok 😀' } }));
lengthPrefixBench(100, COUNT);
lengthPrefixBench(1024 * 1024, 200);
msgpackBench();
