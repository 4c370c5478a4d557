/**
 * The hostile inputs of the chaos suite. Each attack opens its own connection, misbehaves, and
 * checks the server's documented reaction (DESIGN.md §3–4, docs/protocol.md); a broken
 * expectation is returned as a problem string, an attack the server never reacts to hits its
 * deadline. None of them may crash the server: the orchestrator checks that separately.
 */
import type { Socket } from 'node:net';
import { connect, connectTransport, isSidewireError, ResponseError } from '../../src/index.js';
import type { Random } from '../lib/random.js';
import { clientMode, sleep } from '../lib/child-io.js';
import { RawSocket } from './raw-socket.js';

export const ATTACK_KINDS = [
  'corrupt',
  'invalid-utf8',
  'truncated-eof',
  'truncated-stall',
  'oversized',
  'half-open',
  'idle-open',
  'vanish-mid-request',
  'vanish-mid-write',
  'binary-junk',
  'binary-frames',
  'text-junk',
  'deep-nesting',
  'big-batch',
  'client-vanish',
  'client-oversized',
] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

export interface AttackContext {
  readonly endpoint: string;
  readonly maxMessageBytes: number;
  readonly rng: Random;
}

/** Undefined when the server reacted as documented, else what went wrong. */
type Attack = (ctx: AttackContext) => Promise<string | undefined>;

const REPLY_MS = 10_000;

function request(id: number | string, method: string, params?: unknown): string {
  return JSON.stringify(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params }) + '\n';
}

function errorCode(msg: Record<string, unknown> | undefined): number | undefined {
  return (msg?.['error'] as { code?: number } | undefined)?.code;
}

/** Reads lines until the reply with `id` arrives; the lines before must be id-null errors. */
async function replyTo(raw: RawSocket, id: string): Promise<string | undefined> {
  for (;;) {
    const line = await raw.nextLine(REPLY_MS);
    if (line === undefined) return `the connection closed before the reply to ${id}`;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return `the server sent a line that is not JSON: ${line.slice(0, 100)}`;
    }
    if (msg['id'] === id) return 'result' in msg ? undefined : `${id} failed: ${JSON.stringify(msg['error'])}`;
    if (msg['id'] !== null || errorCode(msg) === undefined) return `unexpected line before the reply to ${id}: ${line.slice(0, 100)}`;
  }
}

/** After garbage: the connection must still answer a ping. */
async function stillServes(raw: RawSocket): Promise<string | undefined> {
  try {
    await raw.write(request('after', '$/ping'));
  } catch {
    return 'the server closed the connection after bad input (it must stay open)';
  }
  return replyTo(raw, 'after');
}

/** Waits until the server closed the connection. */
async function closedWithin(raw: RawSocket, ms: number, what: string): Promise<string | undefined> {
  const timeout = sleep(ms).then(() => 'timeout' as const);
  return (await Promise.race([raw.whenClosed, timeout])) === 'timeout' ? `${what}: the server did not close the connection within ${ms} ms` : undefined;
}

async function withRaw(ctx: AttackContext, fn: (raw: RawSocket) => Promise<string | undefined>): Promise<string | undefined> {
  const raw = await RawSocket.connect(ctx.endpoint);
  try {
    return await fn(raw);
  } finally {
    raw.destroy();
  }
}

const attacks: Record<AttackKind, Attack> = {
  corrupt: (ctx) =>
    withRaw(ctx, async (raw) => {
      const junk = ctx.rng.bytes(ctx.rng.int(16, 4096));
      await raw.write(Buffer.concat([Buffer.from('{'), junk, Buffer.from('\n')]));
      return stillServes(raw);
    }),
  'invalid-utf8': (ctx) =>
    withRaw(ctx, async (raw) => {
      await raw.write(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"echo","params":["'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"]}\n')]));
      const reply = await raw.next(REPLY_MS);
      if (errorCode(reply) !== -32700) return `invalid UTF-8 got ${JSON.stringify(reply)} (expected -32700)`;
      return stillServes(raw);
    }),
  'truncated-eof': (ctx) =>
    withRaw(ctx, async (raw) => {
      const full = request(1, 'echo', ['truncated']);
      raw.socket.end(full.slice(0, ctx.rng.int(2, full.length - 3)));
      const reply = await raw.next(REPLY_MS);
      if (reply !== undefined && errorCode(reply) !== -32700) return `a truncated line got ${JSON.stringify(reply)} (expected -32700)`;
      return closedWithin(raw, REPLY_MS, 'truncated line + EOF');
    }),
  'truncated-stall': (ctx) =>
    withRaw(ctx, async (raw) => {
      const full = request(1, 'echo', ['stall']);
      await raw.write(full.slice(0, ctx.rng.int(1, full.length - 2)));
      await sleep(ctx.rng.int(50, 800));
      return undefined;
    }),
  oversized: (ctx) =>
    withRaw(ctx, async (raw) => {
      const extra = ctx.rng.int(1, 64 * 1024);
      const head = '{"jsonrpc":"2.0","id":"big","method":"echo","params":["';
      await raw.write(head);
      await raw.write(Buffer.alloc(ctx.maxMessageBytes + extra, 0x62));
      await raw.write('"]}\n');
      const reply = await raw.next(REPLY_MS);
      if (reply?.['id'] !== null || errorCode(reply) !== -32004) return `an oversized line got ${JSON.stringify(reply)?.slice(0, 200)} (expected -32004, id null)`;
      return stillServes(raw);
    }),
  'half-open': (ctx) =>
    withRaw(ctx, async (raw) => {
      raw.socket.end(request('ho', 'slow', { ms: ctx.rng.int(1, 100) }));
      const problem = await replyTo(raw, 'ho');
      return problem ?? closedWithin(raw, REPLY_MS, 'half-open after its reply');
    }),
  'idle-open': (ctx) =>
    withRaw(ctx, async () => {
      await sleep(ctx.rng.int(50, 1000));
      return undefined;
    }),
  'vanish-mid-request': (ctx) =>
    withRaw(ctx, async (raw) => {
      await raw.write(request('v', 'slow', { ms: 2000 }));
      await sleep(ctx.rng.int(0, 20));
      if (ctx.rng.chance(0.5)) raw.reset();
      return undefined;
    }),
  'vanish-mid-write': (ctx) =>
    withRaw(ctx, async (raw) => {
      const line = request('w', 'echo', ['y'.repeat(ctx.rng.int(1000, 200_000))]);
      raw.socket.write(line.slice(0, Math.floor(line.length / 2)));
      return undefined;
    }),
  'binary-junk': (ctx) =>
    withRaw(ctx, async (raw) => {
      // 0x00 selects binary mode; what follows is not the "\0SW\x01" preface: refused, then closed.
      await raw.write(Buffer.concat([Buffer.from([0]), ctx.rng.bytes(ctx.rng.int(4, 2048))])).catch(() => undefined);
      return closedWithin(raw, REPLY_MS, 'binary preface junk');
    }),
  'binary-frames': (ctx) =>
    withRaw(ctx, async (raw) => {
      // A good preface, then frames of random MessagePack garbage (and sometimes an absurd length).
      const frames: Buffer[] = [Buffer.from([0x00, 0x53, 0x57, 0x01])];
      for (let i = ctx.rng.int(1, 8); i > 0; i--) {
        const body = ctx.rng.bytes(ctx.rng.int(0, 512));
        const len = Buffer.alloc(4);
        len.writeUInt32BE(ctx.rng.chance(0.2) ? 0xffffffff - ctx.rng.int(0, 1000) : body.length);
        frames.push(len, body);
      }
      await raw.write(Buffer.concat(frames)).catch(() => undefined);
      await sleep(ctx.rng.int(0, 200));
      return undefined;
    }),
  'text-junk': (ctx) =>
    withRaw(ctx, async (raw) => {
      const word = Array.from({ length: ctx.rng.int(1, 12) }, () => String.fromCharCode(97 + ctx.rng.int(0, 25))).join('');
      await raw.write(`${word} ${'z'.repeat(ctx.rng.int(0, 100))}\n`);
      const line = await raw.nextLine(REPLY_MS);
      if (line === undefined) return undefined; // closed without a reply is acceptable for text mode off
      if (!line.startsWith('ERR') && !line.startsWith('OK') && !line.startsWith('{') && !line.startsWith('"') && !line.startsWith('PONG')) return `text line got ${line.slice(0, 100)}`;
      return closedWithin(raw, REPLY_MS, 'text mode after its reply');
    }),
  'deep-nesting': (ctx) =>
    withRaw(ctx, async (raw) => {
      const depth = Math.min(ctx.rng.int(1000, 200_000), Math.floor(ctx.maxMessageBytes / 2) - 10);
      await raw.write(`${'['.repeat(depth)}${']'.repeat(depth)}\n`);
      const reply = await raw.nextLine(REPLY_MS);
      if (reply === undefined) return 'deep nesting: the connection closed without a reply';
      return stillServes(raw);
    }),
  'big-batch': (ctx) =>
    withRaw(ctx, async (raw) => {
      const n = ctx.rng.int(10, 1000);
      const batch = Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i, method: i % 7 === 0 ? 'no.such' : 'echo', params: [i] }));
      await raw.write(JSON.stringify(batch) + '\n');
      const line = await raw.nextLine(REPLY_MS);
      const reply = line === undefined ? undefined : (JSON.parse(line) as unknown);
      if (!Array.isArray(reply) || reply.length !== n) return `a batch of ${n} got ${String(line).slice(0, 100)}`;
      return stillServes(raw);
    }),
  'client-vanish': async (ctx) => {
    let socket: Socket | undefined;
    const client = await connect({
      endpoint: ctx.endpoint,
      env: {},
      reconnect: false,
      ...clientMode(),
      transportFactory: async (target, o) => (socket = await connectTransport(target.endpoint, o)),
    });
    const call = client.call('slow', { ms: 2000 }, { timeoutMs: 20_000 });
    await sleep(ctx.rng.int(0, 20));
    socket!.destroy();
    const outcome = await Promise.race([call.then(() => 'resolved', (e: unknown) => e), sleep(REPLY_MS).then(() => 'hung')]);
    await client.close();
    if (outcome === 'hung') return 'a call whose connection vanished neither resolved nor rejected';
    if (outcome !== 'resolved' && !isSidewireError(outcome)) return `a call whose connection vanished rejected without a code: ${String(outcome)}`;
    return undefined;
  },
  'client-oversized': async (ctx) => {
    const client = await connect({ endpoint: ctx.endpoint, env: {}, reconnect: false, ...clientMode() });
    try {
      const outcome = await Promise.race([
        client.call('echo', ['o'.repeat(ctx.maxMessageBytes + 1024)], { timeoutMs: 1500 }).then(() => 'resolved', (e: unknown) => e),
        sleep(REPLY_MS).then(() => 'hung'),
      ]);
      if (outcome === 'hung') return 'an oversized call neither resolved nor rejected';
      if (outcome === 'resolved') return 'an oversized call resolved';
      if (!isSidewireError(outcome) && !(outcome instanceof ResponseError)) return `an oversized call rejected without a code: ${String(outcome)}`;
      return undefined;
    } finally {
      await client.close();
    }
  },
};

/** Runs one attack; connection failures and exceptions count as problems. */
export async function runAttack(kind: AttackKind, ctx: AttackContext): Promise<string | undefined> {
  try {
    const deadline = sleep(30_000).then(() => `${kind}: did not finish within 30 s`);
    return await Promise.race([attacks[kind](ctx), deadline]);
  } catch (err) {
    return `${kind}: ${err instanceof Error ? err.message : String(err)}`;
  }
}
