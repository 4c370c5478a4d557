/**
 * sidewire's public API. Everything a user may import is listed here by name.
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

export { serve, createServer, Server } from './rpc/server.js';
export type { ServerEvents, CloseOptions, TypedHandler, ErrorSite } from './rpc/server.js';
export type { ServerOptions, ServerLimits } from './rpc/server-options.js';
export { connect, Client } from './rpc/client.js';
export type { ClientEvents, ClientCloseInfo } from './rpc/client.js';
export type { ClientOptions, CallOptions } from './rpc/client-options.js';
export type { ClientInfo } from './rpc/client-info.js';
export type { RequestContext, NotificationContext, MethodOptions } from './rpc/dispatch.js';
export type { ServiceShape } from './rpc/service.js';
export type { ModeHandlers } from './rpc/connection-router.js';
export { ResponseError, ErrorCodes } from './rpc/response-error.js';
