/**
 * `sidewire serve --zeromq <ipc://…|tcp://…> [--zeromq-pub <…>] [--zeromq-socket rep|router]`:
 * the reference daemon's methods over a ZeroMQ REP (or ROUTER) socket and its events over PUB,
 * next to its normal endpoint (docs/zeromq.md "Try it"). `sidewire/zeromq` (and zeromq.js) is
 * loaded only when one of the flags is given.
 */
import type { Server } from '../server/server.js';
import type { ServiceShape } from '../protocol/service.js';
import type { ZeroMQAttachment } from '../zeromq/index.js';
import { UsageError, type CliIO } from './io.js';
import type { HelpOption } from './help.js';

/** The flags, for parseCommandArgs. */
export const ZEROMQ_FLAGS = {
  zeromq: { type: 'string' },
  'zeromq-pub': { type: 'string' },
  'zeromq-socket': { type: 'string' },
} as const;

/** Their help lines. */
export const ZEROMQ_HELP: readonly HelpOption[] = [
  { flag: '--zeromq ENDPOINT', text: 'also serve the methods to ZeroMQ REQ peers at ipc:///abs/path.sock or tcp://127.0.0.1:PORT (JSON-RPC 2.0 or {type, payload})', default: 'off' },
  { flag: '--zeromq-pub ENDPOINT', text: 'publish the events to ZeroMQ SUB peers there (frames: topic, JSON payload)', default: 'off' },
  { flag: '--zeromq-socket S', text: 'rep (one request at a time) or router (concurrent requests)', default: 'rep' },
];

/** What the flags asked for, checked before the daemon starts (bad values: exit 2). */
export interface ZeroMQFlags {
  readonly endpoint: string | undefined;
  readonly publish: string | undefined;
  readonly socket: 'rep' | 'router';
}

/** Reads and validates the flags; undefined when none was given. */
export async function zeroMQFlags(values: Record<string, string | boolean | undefined>, app: string, name: string | undefined, allowRemote: boolean): Promise<ZeroMQFlags | undefined> {
  const endpoint = values['zeromq'] as string | undefined;
  const publish = values['zeromq-pub'] as string | undefined;
  const socket = values['zeromq-socket'] as string | undefined;
  if (endpoint === undefined && publish === undefined) {
    if (socket !== undefined) throw new UsageError('--zeromq-socket needs --zeromq ENDPOINT');
    return undefined;
  }
  if (socket !== undefined && socket !== 'rep' && socket !== 'router') throw new UsageError(`--zeromq-socket must be rep or router, not '${socket}'`);
  const { resolveZeroMQAddress } = await import('../zeromq/index.js');
  const common = { app, ...(name === undefined ? {} : { name }), allowRemote };
  if (endpoint !== undefined) resolveZeroMQAddress(endpoint, { ...common, what: '--zeromq' });
  if (publish !== undefined) resolveZeroMQAddress(publish, { ...common, what: '--zeromq-pub' });
  return { endpoint, publish, socket: socket === 'router' ? 'router' : 'rep' };
}

/** Attaches the ZeroMQ endpoints to the started server and prints where they are. */
export async function startZeroMQ<S extends ServiceShape>(server: Server<S>, flags: ZeroMQFlags, app: string, name: string | undefined, allowRemote: boolean, io: CliIO): Promise<ZeroMQAttachment> {
  const { attachZeroMQ } = await import('../zeromq/index.js');
  const attached = await attachZeroMQ(server, {
    ...(flags.endpoint === undefined ? {} : { endpoint: flags.endpoint }),
    ...(flags.publish === undefined ? {} : { publish: flags.publish }),
    socket: flags.socket,
    allowRemote,
    app,
    ...(name === undefined ? {} : { name }),
  });
  for (const w of attached.warnings) io.stderr(`sidewire: warning: ${w}\n`);
  if (attached.endpoint?.startsWith('tcp://') === true) {
    io.stderr(`sidewire: note: ZeroMQ peers present no token: every local user can call the methods at ${attached.endpoint} (docs/zeromq.md "Security"); prefer ipc:// where it exists\n`);
  }
  return attached;
}
