/** `--service`, `--nats-token-file` and `--nats-creds`: a nats:// endpoint's options (docs/nats.md). */
import type { NatsOptions } from '../transport/nats/nats-options.js';

/** The `service` and `nats` options the flags ask for (none when no flag is given). */
export function natsOptionsFrom(values: Record<string, string | boolean | undefined>): { service?: string; nats?: NatsOptions } {
  const nats: { tokenFile?: string; credsFile?: string } = {};
  if (typeof values['nats-token-file'] === 'string') nats.tokenFile = values['nats-token-file'];
  if (typeof values['nats-creds'] === 'string') nats.credsFile = values['nats-creds'];
  return {
    ...(typeof values['service'] === 'string' ? { service: values['service'] } : {}),
    ...(Object.keys(nats).length === 0 ? {} : { nats }),
  };
}
