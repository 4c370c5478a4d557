// The service description shared by examples/server.ts and examples/client.ts.
import type { ServiceShape } from 'sidewire';

export interface MyApp extends ServiceShape {
  methods: { greet: { params: { name: string }; result: { text: string } } };
  events: { 'jobs.tick': { at: number } };
}
