/**
 * `sidewire/zeromq`: ZeroMQ endpoints for a sidewire server (docs/zeromq.md). zeromq.js is an
 * optional peer dependency, loaded only when an endpoint is attached (load-zeromq.ts).
 */
export { attachZeroMQ } from './attach-zeromq.js';
export type { ZeroMQAttachment, ZeroMQCloseOptions } from './attach-zeromq.js';
export type { ZeroMQOptions } from './zeromq-options.js';
export type { PlainMapping, PlainOutcome } from './plain-mapping.js';
export { resolveZeroMQAddress, zeroMQSuggestions, formatZeroMQ, ZEROMQ_EXAMPLE_PORT } from './zeromq-address.js';
export type { ResolvedZeroMQAddress, ZeroMQAddressOptions, ZeroMQEndpoint } from './zeromq-address.js';
