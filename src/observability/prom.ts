/**
 * prom-client, loaded on first use. Importing sidewire (e.g. in a short-lived hook that only
 * connects as a client) should not pay for loading prom-client; only creating a `ServerMetrics`
 * or `ClientMetrics` does. prom-client is CommonJS, so `require` returns the same module object
 * as an ES `import` of it: registries and metrics created by the application work with ours.
 * It is an optional peer dependency (docs/observability.md): without it, asking for metrics
 * throws ERR_DEPENDENCY_MISSING (docs/errors.md), and nothing else needs it.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import { createError } from '../errors.js';

let loaded: typeof PromClient | undefined;

/** The prom-client module. @throws SidewireError ERR_DEPENDENCY_MISSING when it is not installed. */
export function promClient(): typeof PromClient {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)('prom-client') as typeof PromClient;
  } catch (err) {
    if (!isMissing(err)) throw err;
    throw createError('ERR_DEPENDENCY_MISSING', 'metrics need prom-client, an optional peer dependency of sidewire that is not installed', {
      fixes: ['install it in your application: npm install prom-client', 'or leave metrics off (the default)'],
      details: { dependency: 'prom-client' },
      cause: err,
    });
  }
  return loaded;
}

/** The require failed because prom-client itself is not installed (not one of its own imports). */
function isMissing(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e !== null && typeof e === 'object' && e.code === 'MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.startsWith("Cannot find module 'prom-client'");
}
