/**
 * prom-client, loaded on first use. Importing sidewire (e.g. in a short-lived hook that only
 * connects as a client) should not pay for loading prom-client; only creating a `ServerMetrics`
 * or `ClientMetrics` does. prom-client is CommonJS, so `require` returns the same module object
 * as an ES `import` of it: registries and metrics created by the application work with ours.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

let loaded: typeof PromClient | undefined;

/** The prom-client module. */
export function promClient(): typeof PromClient {
  loaded ??= createRequire(import.meta.url)('prom-client') as typeof PromClient;
  return loaded;
}
