/**
 * Compile-time checks of typed services: `npx tsc -p tsconfig.test.json --noEmit` fails if a
 * `@ts-expect-error` below stops being an error (i.e. if the typing got looser). The runtime part
 * only checks that the typed calls really run.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../../src/client/client.js';
import { connect } from '../../src/client/client.js';
import type { Server } from '../../src/server/server.js';
import type { ServiceShape } from '../../src/protocol/service.js';
import { startServer } from './rpc-harness.js';

interface Todo extends ServiceShape {
  methods: {
    'todo.add': { params: { title: string }; result: { id: number } };
    'todo.count': { params: undefined; result: number };
  };
  events: { 'todo.added': { id: number; title: string } };
}

/** Never called: only type-checked. */
export function typeChecks(server: Server<Todo>, client: Client<Todo>, untypedClient: Client, untypedServer: Server): void {
  server.method('todo.add', (p) => ({ id: p.title.length }));
  // @ts-expect-error wrong result type for todo.add
  server.method('todo.add', () => ({ id: 'x' }));
  // @ts-expect-error unknown method name
  server.method('todo.remove', () => 1);
  server.publish('todo.added', { id: 1, title: 't' });
  // @ts-expect-error wrong event payload
  server.publish('todo.added', { id: 'one' });

  void client.call('todo.add', { title: 'a' }).then((r) => r.id.toFixed());
  void client.call('todo.count');
  // @ts-expect-error params missing a required field
  void client.call('todo.add', {});
  // @ts-expect-error params required
  void client.call('todo.add');
  // @ts-expect-error unknown method
  void client.call('todo.nope', {});
  // @ts-expect-error the result is a number, not a string
  void client.call('todo.count').then((n: string) => n);

  void client.subscribe('todo.added', (e) => e.title.toUpperCase());
  void client.subscribe('todo.*', (e) => e);
  // @ts-expect-error payload has no such field
  void client.subscribe('todo.added', (e) => e.missing);
  // @ts-expect-error not a topic of the service and not a pattern
  void client.subscribe('other', () => undefined);

  // Untyped: any name, params and results are unknown.
  void untypedClient.call('anything', { whatever: true }).then((r: unknown) => r);
  void untypedClient.call('no.params');
  untypedServer.method('anything', (p: unknown) => p);
}

describe('typed services', () => {
  it('typed handlers and typed calls work end to end', async () => {
    const t = await startServer<Todo>();
    const titles: string[] = [];
    t.server.method('todo.add', ({ title }) => {
      titles.push(title);
      return { id: titles.length };
    });
    t.server.method('todo.count', () => titles.length);
    const client = await connect<Todo>({ endpoint: t.endpoint, env: t.env, app: t.app });
    try {
      const added = await client.call('todo.add', { title: 'write tests' });
      assert.deepEqual(added, { id: 1 });
      assert.equal(await client.call('todo.count'), 1);
    } finally {
      await client.close();
      await t.cleanup();
    }
  });
});
