/**
 * Long-running commands (`listen`, `top`) stay connected across daemon restarts: the client
 * reconnects (docs/reconnect.md) without a limit on attempts, and a status line on stderr says
 * so; `--once` / `--no-reconnect` restore "exit 1 when the connection is lost".
 */
import type { Client } from '../client/client.js';
import type { ClientOptions } from '../client/client-options.js';
import type { ClientStatus } from '../client/client-status.js';
import type { HelpOption } from './help.js';
import type { CliIO } from './io.js';

/** parseArgs options. */
export const RECONNECT_OPTIONS = {
  once: { type: 'boolean' },
  'no-reconnect': { type: 'boolean' },
} as const;

export const RECONNECT_HELP: readonly HelpOption[] = [
  { flag: '--no-reconnect', text: 'exit 1 when the connection is lost instead of reconnecting (status lines on stderr)', default: 'reconnect, without a limit' },
  { flag: '--once', text: 'the same as --no-reconnect' },
];

/** Reconnect settings for the client: unlimited attempts, or off. */
export function reconnectFrom(values: Record<string, string | boolean | undefined>): Pick<ClientOptions, 'reconnect'> {
  const off = values['once'] === true || values['no-reconnect'] === true;
  return { reconnect: off ? false : { maxAttempts: Infinity, maxDelayMs: 2000 } };
}

/**
 * Resolves when the client is gone for good (closed as lost, or failed); writes a status line to
 * stderr when the connection drops and when it is back. Also keeps the process alive while the
 * client waits between attempts (its timers are unref'd). `dispose()` ends both.
 */
export function watchConnection(client: Client, io: CliIO, command: string): { gone: Promise<'lost'>; dispose(): void } {
  let down = false;
  let done: (why: 'lost') => void = () => undefined;
  const gone = new Promise<'lost'>((resolve) => {
    done = resolve;
  });
  const keepAlive = setInterval(() => undefined, 1 << 30); // ref'd on purpose: the CLI waits for the daemon
  const onStatus = (s: ClientStatus): void => {
    if (s.state === 'reconnecting' && !down) {
      down = true;
      io.stderr(`sidewire ${command}: connection lost (${s.reason.code}); reconnecting…\n`);
    } else if (s.state === 'ready' && down) {
      down = false;
      io.stderr(`sidewire ${command}: reconnected to ${s.endpoint}\n`);
    } else if (s.state === 'failed' || (s.state === 'closed' && s.reason === 'lost')) {
      done('lost');
    }
  };
  client.on('status', onStatus);
  return {
    gone,
    dispose: () => {
      clearInterval(keepAlive);
      client.off('status', onStatus);
    },
  };
}
