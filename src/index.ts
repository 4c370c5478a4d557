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
