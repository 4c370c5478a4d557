// The README's server snippet, run by test/examples/quickstart.test.ts.
import { createServer } from 'sidewire';
import type { MyApp } from './service.js';

const server = createServer<MyApp>({ app: 'myapp' }); // endpoint: explicit > MYAPP_ENDPOINT > platform default
server.method('greet', ({ name }) => ({ text: `hello ${name}` }));
await server.listen();
setInterval(() => server.publish('jobs.tick', { at: Date.now() }), 200).unref();
console.log(`listening on ${server.endpoint}`);
process.once('SIGTERM', () => void server.close());
