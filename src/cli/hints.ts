/**
 * The fixes of library errors, said in the CLI's terms: `--token` instead of "the token option",
 * `sidewire serve --allow-remote` instead of `allowRemote: true`, and one "start it with" line that
 * names the app the user asked for (not a generic `sidewire serve`, which starts another app).
 */
import { SidewireError, createError } from '../errors.js';
import { ErrorCodes } from '../protocol/response-error.js';

type Values = Readonly<Record<string, string | boolean | undefined>>;

/** Quotes `v` for a shell when it needs it. */
function shellWord(v: string): string {
  return /^[\w@:/.+-]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`;
}

/** `sidewire serve …` with the endpoint flags the user gave. */
export function serveCommand(values: Values, base = 'sidewire serve'): string {
  const parts = [base];
  for (const flag of ['app', 'name', 'endpoint'] as const) {
    const v = values[flag];
    if (typeof v === 'string') parts.push(`--${flag} ${shellWord(v)}`);
  }
  return parts.join(' ');
}

/** The value of `--flag V` / `--flag=V` in raw argv (for errors caught before parsing finished). */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${flag}`) return argv[i + 1];
    if (a.startsWith(`--${flag}=`)) return a.slice(flag.length + 3);
  }
  return undefined;
}

/** The endpoint flags found in raw argv. */
export function endpointFlags(argv: readonly string[]): Values {
  return { app: flagValue(argv, 'app'), name: flagValue(argv, 'name'), endpoint: flagValue(argv, 'endpoint') };
}

/** The fixes for ERR_NOT_RUNNING: one "start it with" naming the user's app, then the library's other fixes. */
export function notRunningFixes(err: SidewireError, values: Values, base?: string): string[] {
  const generic = (f: string): boolean => f.startsWith('start the server');
  return [`start it with: ${serveCommand(values, base)} (or start your own daemon)`, ...err.fixes.filter((f) => !generic(f))];
}

function withFixes(err: SidewireError, fixes: readonly string[]): SidewireError {
  return createError(err.code, err.message, { cause: err, fixes, details: err.details });
}

/** `err` with CLI fixes, for the commands of `sidewire` (argv: the command's arguments). */
export function cliHints(err: unknown, command: string, argv: readonly string[]): unknown {
  if (!(err instanceof SidewireError)) return err;
  const values = endpointFlags(argv);
  // `sidewire tasks …` talks to the task daemon: `sidewire tasks serve` starts it
  if (err.code === 'ERR_NOT_RUNNING') return withFixes(err, notRunningFixes(err, values, command === 'tasks' ? 'sidewire tasks serve' : undefined));
  if (err.code === 'ERR_ENDPOINT_REMOTE') {
    const fixes = err.fixes.map((f) =>
      f.includes('allowRemote')
        ? command === 'serve'
          ? 'or, if other machines really should connect, add --allow-remote (clients then need --token T, the token in the discovery file)'
          : 'clients connect to loopback only: use the server\'s 127.0.0.1 endpoint (or its discovery file via --app/--name)'
        : f,
    );
    return withFixes(err, fixes);
  }
  if (err.fixes.some((f) => f.includes('as the endpoint option'))) {
    return withFixes(err, err.fixes.map((f) => f.replace('(or pass it as the endpoint option)', '(or pass it with --endpoint)')));
  }
  const serverError = err.details['serverError'] as { code?: unknown } | undefined;
  if (err.code === 'ERR_HANDSHAKE' && serverError?.code === ErrorCodes.Unauthorized) {
    const app = values['app'] ?? 'sidewire';
    return withFixes(err, [
      `pass --token T: the "token" field of the server's discovery file (sidewire serve prints its path as "discovery file:"; with --app ${app} it is <runtime dir>/${app}/<name>.json, see sidewire doctor --app ${app})`,
      `or leave out --endpoint and give the server's --app/--name, so its discovery file (and token) is found`,
    ]);
  }
  return err;
}
