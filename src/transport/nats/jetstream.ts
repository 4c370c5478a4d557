/**
 * The JetStream stream that keeps a service's durable notifications (docs/nats.md "Durable
 * notifications"): subjects `<service>.durable.>`, file storage, and a duplicate window in which a
 * message published twice with the same id (`Nats-Msg-Id` = the durable message id) is stored
 * once. Both sides make sure it exists (the call is idempotent), so neither has to start first.
 * `@nats-io/jetstream` is an optional peer dependency, loaded on first use.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { missing } from './nats-connect.js';
import { durableStream, durableWildcard } from './subjects.js';

type JetStreamModule = typeof import('@nats-io/jetstream');
let loaded: Promise<JetStreamModule> | undefined;

/** The JetStream module. @throws SidewireError ERR_DEPENDENCY_MISSING when it is not installed. */
export function jetStreamModule(): Promise<JetStreamModule> {
  loaded ??= import('@nats-io/jetstream').catch((err: unknown) => {
    loaded = undefined;
    throw missing('@nats-io/jetstream', err);
  });
  return loaded;
}

/** How long JetStream remembers a message id for deduplication, in ms. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;

/** Creates the service's durable stream unless it exists; returns its name. */
export async function ensureDurableStream(nc: NatsConnection, service: string): Promise<string> {
  const js = await jetStreamModule();
  const jsm = await js.jetstreamManager(nc);
  const name = durableStream(service);
  try {
    await jsm.streams.info(name);
  } catch {
    try {
      await jsm.streams.add({ name, subjects: [durableWildcard(service)], duplicate_window: DUPLICATE_WINDOW_MS * 1_000_000 });
    } catch (err) {
      // another process created it meanwhile
      await jsm.streams.info(name).catch(() => {
        throw err;
      });
    }
  }
  return name;
}
