/**
 * sidewire's public API. Everything a user may import is listed here by name; `sidewire/client`
 * (client/index.ts) is the client part alone. Internals (text mode's session, the daemon's state
 * machine, the reference daemon's inbox) are not exported.
 */
export { SidewireError, EndpointError, ConnectionError, TimeoutError, isSidewireError } from './errors.js';
export type { ErrorCode, SidewireErrorOptions } from './errors.js';

export type { Endpoint, EndpointKind } from './endpoint/endpoint.js';
export { parseEndpoint, formatEndpoint, isLoopbackHost } from './endpoint/parse.js';
export { resolveEndpoint, envVarFor } from './endpoint/resolve.js';
export type { ResolveOptions, ResolvedEndpoint, EndpointSource } from './endpoint/resolve.js';
export { runtimeDirFor, ensureRuntimeDir, checkRuntimeDir, currentUser } from './endpoint/runtime-dir.js';
export type { UserInputs, RuntimeDirStatus } from './endpoint/runtime-dir.js';

export { detectPlatform, currentPlatform, platformPreset, PLATFORM_PRESETS } from './platform/detect.js';
export type { PlatformInfo, PlatformId, PlatformInputs, PlatformPreset, ContainerKind } from './platform/detect.js';

export { VERSION, PROTOCOL_VERSION } from './version.js';

export { listen } from './transport/listen.js';
export { connectTransport } from './transport/connect.js';
export { probeEndpoint } from './transport/probe.js';
export { readDiscovery } from './transport/discovery.js';
export type { Listener, ListenOptions, ConnectOptions, DiscoveryRecord, ProbeResult, ByteStream } from './transport/types.js';

export { serve, createServer, Server } from './server/server.js';
export type { ServerEvents, CloseOptions, TypedHandler, ErrorSite } from './server/server.js';
export type { ServerOptions, ServerLimits } from './server/server-options.js';
export { connect, Client } from './client/client.js';
export type { ClientEvents, ClientCloseInfo } from './client/client.js';
export type { ClientOptions, CallOptions } from './client/client-options.js';
export type { SharedMemoryOption, SharedMemoryOptions } from './transport/shm/shm-options.js';
export type { ShmCounters as SharedMemoryStatus, ShmHelloReply } from './stream/binary/shm-link.js';
export type { ClientInfo } from './protocol/client-info.js';
export type { RequestContext, NotificationContext, MethodOptions } from './server/dispatch.js';
export type { ServiceShape } from './protocol/service.js';
export type { ModeHandlers } from './server/connection-router.js';
export { ResponseError, ErrorCodes } from './protocol/response-error.js';

export { createDaemon, startDaemon, Daemon, DAEMON_STATE_TOPIC } from './daemon/daemon.js';
export type { DaemonEvents, DaemonStateEvent, DaemonReloadOutcome } from './daemon/daemon.js';
export type { DaemonOptions, DaemonConfigOptions, DaemonStopInfo } from './daemon/daemon-options.js';
export type { DaemonStatus } from './daemon/daemon-commands.js';
export type { DaemonState, DaemonStateChange } from './daemon/state.js';
export { DaemonError } from './daemon/daemon-error.js';
export { loadConfig } from './daemon/config.js';
export type { LoadConfigOptions, LoadedConfig } from './daemon/config.js';
export type { TextAlias, TextAliasOptions, TextModeSettings } from './server/server-text-mode.js';
export type { TextCommand, TextCommandContext } from './text/text-command.js';

export { createClient } from './client/client.js';
export type { ClientReconnectInfo } from './client/client.js';
export type { ClientStatus, ClientStateName, StatusReason } from './client/client-status.js';
export type { ReconnectOptions } from './client/backoff.js';
export type { QueueOptions } from './client/call-queue.js';
export type { NotifyOptions } from './client/client-options.js';
export type { DurableReceipt, ClientSpoolOptions } from './client/durable/client-spool.js';
export type { DurableMessage } from './protocol/durable-message.js';
export type { DurableStore, DurableDelivery, DurableServerOptions, DurableOption } from './server/durable/durable-store.js';
export type { DurablePaths } from './spool/paths.js';
export type { DurableIngest, DurableResult } from './server/durable/durable-ingest.js';

export { ServerMetrics, DEFAULT_DURATION_BUCKETS } from './observability/metrics.js';
export type { ServerMetricsOptions, ServerMetricsSnapshot, ConnectionMode, RefusalReason } from './observability/metrics.js';
export { ClientMetrics } from './observability/client-metrics.js';
export type { ClientMetricsOptions, CallOutcome } from './observability/client-metrics.js';
export type { MetricsOptions } from './observability/metric-options.js';
export type { TrafficMeter } from './observability/traffic-meter.js';
export { startHealthServer } from './observability/health-server.js';
export type { HealthServer, HealthServerOptions, HealthServerAddress, HealthSnapshot, MetricsBody } from './observability/health-server.js';
export type { ServerHealthOptions } from './observability/server-health.js';
export type { DashboardOptions, DashboardControls, DashboardSource } from './observability/dashboard-options.js';
export type { TailEntry } from './observability/event-tail.js';
export type { ServerStats } from './observability/server-vitals.js';
export { CHANNEL_NAMES } from './observability/channels.js';
export type { ServerConnectMessage, ServerDisconnectMessage, ServerRequestMessage, ServerRequestContext, ServerErrorMessage, ClientConnectMessage, ClientReconnectMessage, ClientStateMessage } from './observability/channels.js';
export { silentLogger, consoleLogger, loggerFromEnv } from './observability/logger.js';
export type { Logger, LogLevel, LogStream, ConsoleLoggerOptions, LoggerFromEnvOptions } from './observability/logger.js';
export { redact } from './observability/redact.js';
export type { PeerIdentity } from './protocol/client-info.js';
export type { AccessPolicy } from './server/access-policy.js';
export type { StatsClient } from './observability/server-vitals.js';
export type { SpawnOptions } from './client/start-on-demand.js';

export { bridge } from './nats/bridge.js';
export type { BridgeOptions, Bridge } from './nats/bridge.js';
export type { NatsOptions } from './transport/nats/nats-options.js';
