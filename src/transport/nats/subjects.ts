/**
 * How sidewire names map to NATS subjects (docs/nats.md "Subject mapping"):
 * - a request or notification for `method` goes to `<service>.rpc.<method>`;
 * - an event on `topic` is published on `<service>.evt.<topic>`;
 * - a durable notification is stored in JetStream under `<service>.durable.<method>`.
 * sidewire's trailing wildcard (`build.*` = every topic below `build`, `*` = every topic) becomes
 * NATS' `>`; a topic is a dotted name, so its dots are NATS token separators.
 */
import { createError } from '../../errors.js';

/** Service names: the same rule as app names (docs/protocol.md §1), so they are one NATS token. */
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** @throws SidewireError ERR_INVALID_ARGUMENT for a service name that is not one NATS token. */
export function checkService(service: string): string {
  if (!SERVICE.test(service)) {
    throw createError('ERR_INVALID_ARGUMENT', `service ${JSON.stringify(service)} cannot be a NATS subject token`, {
      fixes: ['use 1-64 of A-Z a-z 0-9 _ - starting with a letter or digit (e.g. --service demo)'],
    });
  }
  return service;
}

export const rpcSubject = (service: string, method: string): string => `${service}.rpc.${method}`;
export const rpcWildcard = (service: string): string => `${service}.rpc.>`;
export const eventSubject = (service: string, topic: string): string => `${service}.evt.${topic}`;
export const durableSubject = (service: string, method: string): string => `${service}.durable.${method}`;
export const durableWildcard = (service: string): string => `${service}.durable.>`;
/** The JetStream stream that keeps a service's durable notifications. */
export const durableStream = (service: string): string => `${service.replace(/-/g, '_')}_durable`;

/** The method a `<service>.rpc.<method>` subject names (undefined for another subject). */
export function methodOf(service: string, subject: string): string | undefined {
  const prefix = `${service}.rpc.`;
  return subject.startsWith(prefix) && subject.length > prefix.length ? subject.slice(prefix.length) : undefined;
}

/** The topic a `<service>.evt.<topic>` subject carries. */
export function topicOf(service: string, subject: string): string | undefined {
  const prefix = `${service}.evt.`;
  return subject.startsWith(prefix) && subject.length > prefix.length ? subject.slice(prefix.length) : undefined;
}

/**
 * A sidewire topic pattern as the NATS subject to subscribe to: `*` → `<svc>.evt.>`, `a.*` →
 * `<svc>.evt.a.>`, an exact topic → itself. A `*` that does not follow a dot (`bui*`) has no NATS
 * equivalent: it subscribes to `<svc>.evt.>` and the client keeps the matching topics
 * (topicMatches, docs/protocol.md §4), as it does for every event.
 */
export function eventPatternSubject(service: string, pattern: string): string {
  if (pattern === '*' || (pattern.endsWith('*') && !pattern.endsWith('.*'))) return `${service}.evt.>`;
  if (pattern.endsWith('.*')) return `${service}.evt.${pattern.slice(0, -2)}.>`;
  return eventSubject(service, pattern);
}

/** Header a sidewire NATS client puts on its requests and durable messages: the clientId its `$/hello` got. */
export const CLIENT_ID_HEADER = 'Sidewire-Client-Id';
