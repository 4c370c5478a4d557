/**
 * The `sidewire` command: dispatches to one module per subcommand (loaded lazily).
 */
import { cliHints } from './hints.js';
import { EXIT, reportError, type CliIO, type Command } from './io.js';
import { USAGE } from './usage.js';

export const commands: Record<string, () => Promise<Command>> = {
  doctor: async () => (await import('./doctor.js')).doctor,
  serve: async () => (await import('./serve.js')).serve,
  call: async () => (await import('./call.js')).call,
  listen: async () => (await import('./listen.js')).listen,
  notify: async () => (await import('./notify.js')).notify,
  top: async () => (await import('./top.js')).top,
  status: async () => (await import('./control.js')).status,
  pause: async () => (await import('./control.js')).pause,
  resume: async () => (await import('./control.js')).resume,
  reload: async () => (await import('./control.js')).reload,
  stop: async () => (await import('./control.js')).stop,
  tasks: async () => (await import('./tasks.js')).tasks,
  bridge: async () => (await import('./bridge.js')).bridge,
};

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest[0] !== undefined && commands[rest[0]] !== undefined) return main([rest[0], '--help'], io);
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    const { VERSION } = await import('../version.js');
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const load = commands[name];
  if (load === undefined) {
    io.stderr(`sidewire: unknown command '${name}'\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    return await (await load())(rest, io);
  } catch (err) {
    return reportError(cliHints(err, name, rest), io, rest.includes('--json'));
  }
}

