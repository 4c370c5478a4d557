// The README's client snippet, run by test/examples/quickstart.test.ts.
import { connect } from 'sidewire';
import type { MyApp } from './service.js';

const client = await connect<MyApp>({ app: 'myapp' }); // finds the server the same way
console.log(await client.call('greet', { name: 'Ada' })); // { text: 'hello Ada' }
await new Promise<void>((resolve) => {
  void client.subscribe('jobs.*', (data, topic) => {
    console.log(topic, data); // jobs.tick { at: 1795311991148 }
    resolve();
  });
});
await client.close();
