/**
 * `sidewire/client`: what a client program needs, without the server, daemon, text mode or
 * metrics code (docs/architecture.md). Everything here is also exported by `sidewire`.
 */
export { SidewireError, EndpointError, ConnectionError, TimeoutError, isSidewireError } from '../errors.js';
export type { ErrorCode, SidewireErrorOptions } from '../errors.js';
export { ResponseError, ErrorCodes } from '../protocol/response-error.js';
export type { ServiceShape } from '../protocol/service.js';
export { VERSION, PROTOCOL_VERSION } from '../version.js';

export type { Endpoint, EndpointKind } from '../endpoint/endpoint.js';
export { parseEndpoint, formatEndpoint } from '../endpoint/parse.js';

export { connect, createClient, Client } from './client.js';
export type { ClientEvents, ClientCloseInfo, ClientReconnectInfo } from './client.js';
export type { ClientOptions, CallOptions, NotifyOptions } from './client-options.js';
export type { ClientStatus, ClientStateName, StatusReason } from './client-status.js';
export type { ReconnectOptions } from './backoff.js';
export type { QueueOptions } from './call-queue.js';
export type { DurableReceipt, ClientSpoolOptions } from './durable/client-spool.js';
export type { SharedMemoryOption, SharedMemoryOptions } from '../transport/shm/shm-options.js';
export type { ShmCounters as SharedMemoryStatus } from '../stream/binary/shm-link.js';
export type { ClientMetrics, ClientMetricsOptions, CallOutcome } from '../observability/client-metrics.js';
export type { Logger, LogLevel } from '../observability/logger.js';
export type { SpawnOptions } from './start-on-demand.js';
