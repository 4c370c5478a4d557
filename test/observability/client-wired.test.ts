/**
 * ClientMetrics and the logger wired into a real client: call outcomes and reconnections are
 * counted exactly; connection lines carry the clientId.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { ClientMetrics } from '../../src/observability/client-metrics.js';
import type { Logger, LogLevel } from '../../src/observability/logger.js';
import { connect } from '../../src/client/client.js';
import { ResponseError } from '../../src/protocol/response-error.js';
import { connectTransport } from '../../src/transport/connect.js';
import { startServer } from '../rpc/rpc-harness.js';
import { sampleValue } from './exposition.js';

/** Client timers are unref()'d: this keeps the test process alive while the client reconnects. */
const keepAlive = setInterval(() => undefined, 1000);
after(() => clearInterval(keepAlive));

describe('client metrics and logger on a real connection', () => {
  test('call outcomes (ok, error, timeout, cancelled, failed) and a reconnection are counted', async () => {
    const t = await startServer();
    t.server.method('echo', (p) => p);
    t.server.method('fail', () => {
      throw new ResponseError(-32000, 'nope');
    });
    t.server.method('slow', (_p, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(null))));
    const sockets: Socket[] = [];
    const lines: Array<{ level: LogLevel; obj: Record<string, unknown>; msg: string | undefined }> = [];
    const at = (level: LogLevel) => (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg });
    };
    const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const metrics = new ClientMetrics();
    const client = await connect({
      endpoint: t.endpoint,
      env: t.env,
      mode: 'json',
      metrics,
      logger,
      reconnect: { initialDelayMs: 10, maxDelayMs: 40, jitter: 0, maxAttempts: 20 },
      transportFactory: async (target, o) => {
        const s = await connectTransport(target.endpoint, o);
        sockets.push(s);
        return s;
      },
    });
    try {
      for (let i = 0; i < 3; i++) assert.deepEqual(await client.call('echo', [i]), [i]);
      await assert.rejects(client.call('fail'), (err: unknown) => err instanceof ResponseError && err.code === -32000);
      await assert.rejects(client.call('slow', undefined, { timeoutMs: 50 }), /ERR_TIMEOUT|timed out/i);
      const aborter = new AbortController();
      const aborted = client.call('slow', undefined, { signal: aborter.signal });
      aborter.abort(new Error('changed my mind'));
      await assert.rejects(aborted, /changed my mind/);

      const firstId = client.clientId;
      const reconnected = new Promise((resolve) => client.once('reconnect', resolve));
      sockets.at(-1)!.destroy();
      await reconnected;
      assert.notEqual(client.clientId, firstId);
      assert.deepEqual(await client.call('echo', ['again']), ['again']);

      const text = await metrics.metrics();
      assert.equal(sampleValue(text, 'sidewire_client_reconnects_total'), 1);
      assert.equal(sampleValue(text, 'sidewire_client_calls_total', { outcome: 'ok' }), 4);
      assert.equal(sampleValue(text, 'sidewire_client_calls_total', { outcome: 'error' }), 1);
      assert.equal(sampleValue(text, 'sidewire_client_calls_total', { outcome: 'timeout' }), 1);
      assert.equal(sampleValue(text, 'sidewire_client_calls_total', { outcome: 'cancelled' }), 1);
      assert.equal(sampleValue(text, 'sidewire_client_calls_total', { outcome: 'failed' }), 0);

      const connected = lines.filter((l) => l.msg === 'connected' || l.msg === 'reconnected');
      assert.deepEqual(connected.map((l) => [l.level, l.msg, l.obj['clientId']]), [['info', 'connected', firstId], ['info', 'reconnected', client.clientId]]);
      const lost = lines.find((l) => l.msg === 'connection lost');
      assert.equal(lost?.level, 'warn');
      assert.equal(lost?.obj['clientId'], firstId);
    } finally {
      await client.close();
      await t.cleanup();
    }
    await assert.rejects(client.call('echo', [1]), /ERR_CONNECTION_CLOSED|closed/);
    assert.equal(sampleValue(await metrics.metrics(), 'sidewire_client_calls_total', { outcome: 'failed' }), 1);
  });
});
