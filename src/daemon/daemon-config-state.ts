/**
 * A daemon's config and the endpoint bound from it: loaded by `start()` (defaults ← JSON file ←
 * `<APP>_…` environment, validated by the schema), then re-read by RELOAD and SIGHUP, which
 * rebind the endpoint only when it changed and switch to the new config only once `onReload`
 * accepted it. On any error the old config and endpoint stay.
 */
import type { Endpoint } from '../endpoint/endpoint.js';
import { formatEndpoint } from '../endpoint/parse.js';
import { envVarFor } from '../endpoint/resolve.js';
import { createError } from '../errors.js';
import type { ServiceShape } from '../protocol/service.js';
import { loadConfig, type LoadedConfig } from './config.js';
import { configEndpoint, envPrefixFor, type DaemonOptions } from './daemon-options.js';

/** Outcome of a reload, as the `reload` event reports it. */
export type DaemonReloadOutcome<C> =
  | { readonly ok: true; readonly config: C; readonly source: 'command' | 'SIGHUP' }
  | { readonly ok: false; readonly error: Error; readonly source: 'command' | 'SIGHUP' };

/** What the config state needs from its daemon. */
export interface DaemonConfigHost<C> {
  readonly options: Pick<DaemonOptions<ServiceShape, C>, 'config' | 'env' | 'endpoint' | 'envVar' | 'endpointFromConfig' | 'onReload'>;
  readonly app: string;
  /** The daemon's server: bound at start, rebound when the endpoint changes. */
  readonly server: { rebind(endpoint: string | Endpoint): Promise<void>; listen(): Promise<unknown> };
  /** A reload finished (the daemon's `reload` event). */
  reloaded(outcome: DaemonReloadOutcome<C>): void;
}

export class DaemonConfigState<C> {
  private readonly daemon: DaemonConfigHost<C>;
  private loaded: LoadedConfig<C> | undefined;
  private boundSpec = '';
  private reloading = false;
  #reloads = 0;

  constructor(daemon: DaemonConfigHost<C>) {
    this.daemon = daemon;
  }

  /** Successful reloads so far. */
  get reloads(): number {
    return this.#reloads;
  }

  /** The current (validated) config. Throws before `start()`. */
  get config(): C {
    if (this.loaded === undefined) throw createError('ERR_DAEMON_STATE', 'the config is loaded by start()', { fixes: ['await daemon.start() first'] });
    return this.loaded.config;
  }

  /** For `start()`: loads the config, then listens on the endpoint it asks for. */
  async loadAndListen(): Promise<void> {
    const { server } = this.daemon;
    this.loaded = await this.load();
    const spec = this.endpointSpec(this.loaded.config);
    await server.rebind(spec);
    await server.listen();
    this.boundSpec = specKey(spec);
  }

  /** The reload of `Daemon.reload()`, once its state allows one; reports the outcome, and throws on failure. */
  async reload(source: 'command' | 'SIGHUP'): Promise<void> {
    const { server, options } = this.daemon;
    if (this.reloading) throw createError('ERR_DAEMON_STATE', 'reload already in progress', { fixes: ['wait for the current reload to finish'] });
    this.reloading = true;
    try {
      const previous = this.config;
      const next = await this.load();
      const spec = this.endpointSpec(next.config);
      const oldSpec = this.boundSpec;
      const rebind = specKey(spec) !== oldSpec;
      if (rebind) await server.rebind(spec);
      try {
        await options.onReload?.(next.config, previous);
      } catch (err) {
        if (rebind) await server.rebind(oldSpec).catch(() => undefined);
        throw err;
      }
      this.loaded = next;
      this.boundSpec = specKey(spec);
      this.#reloads += 1;
      this.daemon.reloaded({ ok: true, config: next.config, source });
    } catch (err) {
      this.daemon.reloaded({ ok: false, error: err instanceof Error ? err : new Error(String(err)), source });
      throw err;
    } finally {
      this.reloading = false;
    }
  }

  private load(): Promise<LoadedConfig<C>> {
    const { options, app } = this.daemon;
    const c = options.config;
    return loadConfig<C>({
      defaults: c?.defaults ?? ({} as C),
      envPrefix: c?.envPrefix ?? envPrefixFor(app),
      ...(c?.file === undefined ? {} : { file: c.file }),
      ...(c?.schema === undefined ? {} : { schema: c.schema }),
      ...(options.env === undefined ? {} : { env: options.env }),
    });
  }

  /** Explicit option > `<APP>_ENDPOINT` > the config's endpoint > platform default ('auto'). */
  private endpointSpec(config: C): string | Endpoint {
    const { options, app } = this.daemon;
    const explicit = options.endpoint;
    if (explicit !== undefined && explicit !== '' && explicit !== 'auto') return explicit;
    const env = options.env ?? process.env;
    const fromEnv = env[options.envVar ?? envVarFor(app)];
    if (fromEnv !== undefined && fromEnv !== '' && fromEnv !== 'auto') return 'auto';
    return (options.endpointFromConfig ?? configEndpoint)(config) ?? 'auto';
  }
}

function specKey(spec: string | Endpoint): string {
  return typeof spec === 'string' ? spec : formatEndpoint(spec);
}
