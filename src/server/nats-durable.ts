/**
 * Durable notifications from JetStream (docs/nats.md "Durable notifications"): a durable pull
 * consumer `<service>-server` on the service's stream hands each message to the server's durable
 * ingest — the same path as `$/durable` and spool files, so the seen log drops an id delivered
 * before — and acknowledges it only after the handler returned and its id was recorded. A server
 * killed before that gets the message again after the ack wait: the handler runs then, unless the
 * id had been recorded (the kill came between the record and the ack). Only a kill in the instant
 * between the handler's return and the record runs a handler twice. Several instances of the
 * service share the consumer: each message goes to one of them.
 */
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ensureDurableStream, jetStreamModule } from '../transport/nats/jetstream.js';
import { CLIENT_ID_HEADER } from '../transport/nats/subjects.js';
import type { DurableIngest } from './durable/durable-ingest.js';

/** How long JetStream waits for an ack before delivering a message again, in ms. */
export const DURABLE_ACK_WAIT_MS = 30_000;
/** Messages fetched at once. */
const BATCH = 64;

export class NatsDurableConsumer {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly service: string,
    /** The server's durable ingest, or what stands for it (the bridge forwards to a local server's `$/durable`). */
    private readonly durable: Pick<DurableIngest, 'handle'>,
    private readonly report: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    const js = await jetStreamModule();
    const stream = await ensureDurableStream(this.nc, this.service);
    const jsm = await js.jetstreamManager(this.nc);
    const name = `${this.service}-server`;
    await jsm.consumers.info(stream, name).catch(() =>
      jsm.consumers.add(stream, { durable_name: name, ack_policy: js.AckPolicy.Explicit, ack_wait: DURABLE_ACK_WAIT_MS * 1_000_000, max_deliver: -1 }),
    );
    const consumer = await js.jetstream(this.nc).consumers.get(stream, name);
    this.messages = await consumer.consume({ max_messages: BATCH });
    this.loop = this.run(this.messages);
  }

  async stop(): Promise<void> {
    await this.messages?.close().catch(() => undefined);
    await this.loop;
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) await this.deliver(m);
  }

  private async deliver(m: JsMsg): Promise<void> {
    let message: unknown;
    try {
      message = m.json();
    } catch (err) {
      this.report(err);
      m.term(); // not JSON: it will never be deliverable
      return;
    }
    const clientId = m.headers?.get(CLIENT_ID_HEADER) || 'nats';
    try {
      await this.durable.handle({ messages: [message] }, { clientId, info: () => info(clientId) }, 'handler-first');
      m.ack();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === -32602) {
        this.report(err);
        m.term(); // malformed: retrying cannot help
      } else {
        m.nak(1000); // the store could not record it: try again in a second
      }
    }
  }
}

function info(clientId: string) {
  return {
    clientId,
    mode: 'nats' as const,
    connectedAt: 0,
    helloDone: false,
    authenticated: true,
    client: undefined,
    subscriptions: [],
    inFlight: 0,
    droppedEvents: 0,
    bufferedBytes: 0,
  };
}
