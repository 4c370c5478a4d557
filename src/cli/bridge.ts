/**
 * `sidewire bridge --from ENDPOINT --to nats://HOST:PORT [--service S]`: exports a running local
 * server's methods and events onto NATS (docs/nats.md "Bridge") until SIGINT/SIGTERM. Local clients
 * keep using the local endpoint. Exit codes: 0 stopped by a signal, 2 bad arguments, 3 the local
 * server is not running.
 */
import { bridge as startBridge } from '../nats/bridge.js';
import { VERSION } from '../version.js';
import { formatHelp, wantsHelp } from './help.js';
import { EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';
import { natsOptionsFrom } from './nats-flags.js';
import { waitForSignal } from './serve.js';

const HELP = formatHelp({
  usage: 'sidewire bridge --to nats://HOST:PORT [--from ENDPOINT] [--service S] [options]',
  summary: "Exports a running local server's methods (<S>.rpc.<method>) and events (<S>.evt.<topic>) onto NATS, until SIGINT/SIGTERM.",
  options: [
    { flag: '--from E', text: 'the local server (unix://…, unix:@name, pipe://…, tcp://…)', default: "the app's default endpoint (discovery file)" },
    { flag: '--to nats://HOST:PORT', text: 'the NATS server' },
    { flag: '--service S', text: 'the service name on NATS', default: 'the app name' },
    { flag: '--app A / --name N', text: 'the local app and name (runtime dir, discovery file)', default: 'sidewire' },
    { flag: '--token T', text: "the local server's token", default: 'from its discovery file' },
    { flag: '--nats-token-file F / --nats-creds F', text: 'NATS credentials' },
    { flag: '-h, --help', text: 'show this help' },
  ],
  examples: ['sidewire bridge --app myapp --to nats://127.0.0.1:4222', 'sidewire bridge --from unix:///run/user/1000/myapp/myapp.sock --to nats://10.0.0.5:4222 --service myapp'],
});

export const bridge: Command = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      from: { type: 'string' },
      to: { type: 'string' },
      service: { type: 'string' },
      app: { type: 'string' },
      name: { type: 'string' },
      token: { type: 'string' },
      'nats-token-file': { type: 'string' },
      'nats-creds': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (wantsHelp(values, positionals)) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const to = values['to'];
  if (typeof to !== 'string') throw new UsageError('missing --to nats://HOST:PORT');
  const app = (values['app'] as string | undefined) ?? 'sidewire';
  const signal = waitForSignal();
  try {
    const b = await startBridge({
      from: {
        app,
        ...(typeof values['name'] === 'string' ? { name: values['name'] } : {}),
        ...(typeof values['from'] === 'string' ? { endpoint: values['from'] } : {}),
        ...(typeof values['token'] === 'string' ? { token: values['token'] } : {}),
        env: io.env,
        client: { name: 'sidewire-bridge', version: VERSION },
      },
      to,
      ...natsOptionsFrom(values),
      onError: (err) => io.stderr(`sidewire: bridge: ${typeof (err as { code?: unknown })?.code === 'string' ? `${(err as { code: string }).code}: ` : ''}${(err as Error)?.message ?? String(err)}\n`),
    });
    io.stdout(values['json'] === true ? `${JSON.stringify({ from: b.local.endpoint, to, service: b.service })}\n` : `bridging ${b.local.endpoint} to ${to} as service ${b.service}\n`);
    const s = await signal.signal;
    await b.close();
    io.stderr(`${s}: bridge stopped\n`);
    return EXIT.ok;
  } finally {
    signal.dispose();
  }
};
