/**
 * Which `TrafficMeter` counts the outgoing traffic of a server-side socket. The server sets it
 * when the socket's mode is known; the `SocketWriter` of whatever message stream is built on the
 * socket (JSON or binary) reads it once, when it is created, so every mode is counted the same
 * way without threading an option through each stream. Sockets without a meter (clients, servers
 * without metrics) cost one WeakMap lookup per connection and a null check per message.
 */
import type { Socket } from 'node:net';
import type { TrafficMeter } from './traffic-meter.js';

const meters = new WeakMap<Socket, TrafficMeter>();

/** Counts `socket`'s outgoing messages, bytes and dropped events on `meter`. */
export function setSocketMeter(socket: Socket, meter: TrafficMeter): void {
  meters.set(socket, meter);
}

/** The meter set for `socket`, if any. */
export function socketMeter(socket: Socket): TrafficMeter | undefined {
  return meters.get(socket);
}
