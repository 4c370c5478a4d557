/**
 * Per-command help: `sidewire CMD --help` (also `-h`, and `sidewire CMD help` where CMD takes
 * positionals) prints the usage line, what the command does, every option with its default, and
 * examples. One table per command, so the help cannot omit an option the parser accepts
 * (test/cli/help.test.ts checks each one).
 */

/** One option as the help shows it. */
export interface HelpOption {
  /** `--timeout MS` */
  readonly flag: string;
  readonly text: string;
  /** Shown as `default: …`; omitted for flags that are simply off by default. */
  readonly default?: string;
}

export interface CommandHelp {
  readonly usage: string;
  readonly summary: string;
  readonly options: readonly HelpOption[];
  readonly examples: readonly string[];
}

/** The options every command that talks to an endpoint takes. */
export const ENDPOINT_HELP: readonly HelpOption[] = [
  { flag: '--app A', text: 'application name (runtime dir, env var <APP>_ENDPOINT)', default: 'sidewire' },
  { flag: '--name N', text: 'service name (socket, discovery and pid file names)', default: 'the app name' },
  {
    flag: '--endpoint E',
    text: 'unix:///abs/path.sock | unix:@name | pipe://name | tcp://127.0.0.1:PORT | nats://HOST:PORT | auto',
    default: '<APP>_ENDPOINT, else the platform default (sidewire doctor shows it)',
  },
  { flag: '--service S', text: 'on a nats:// endpoint: the service (subjects <S>.rpc.<method>, <S>.evt.<topic>; docs/nats.md)', default: 'the app name' },
  { flag: '--nats-token-file F / --nats-creds F', text: 'on a nats:// endpoint: the NATS token file or .creds file' },
  { flag: '--json', text: 'machine-readable output' },
  { flag: '-h, --help', text: 'show this help' },
];

/** `--token`, for the commands that connect as clients. */
export const TOKEN_HELP: HelpOption = {
  flag: '--token T',
  text: 'the token a TCP server requires',
  default: "the token in the server's discovery file (sidewire doctor shows its path)",
};

/** `--timeout` of a command, with its default. */
export function timeoutHelp(what: string, def: string): HelpOption {
  return { flag: '--timeout MS', text: what, default: def };
}

/** The exit-code rule of every command (docs/daemon.md "Exit codes"). */
export const EXIT_CODES_HELP =
  'Exit codes: 0 ok; 1 failed at run time (the server refused or answered an error, the connection was lost);\n' +
  '  2 bad arguments (unknown option, bad value, invalid --app/--name, bad or refused --endpoint); 3 not running.\n';

/** The rendered help text. */
export function formatHelp(help: CommandHelp): string {
  const width = Math.max(...help.options.map((o) => o.flag.length));
  const options = help.options.map((o) => {
    const def = o.default === undefined ? '' : `\n  ${' '.repeat(width)}  default: ${o.default}`;
    return `  ${o.flag.padEnd(width)}  ${o.text}${def}`;
  });
  return [
    `Usage: ${help.usage}`,
    '',
    help.summary,
    '',
    'Options:',
    ...options,
    '',
    'Examples:',
    ...help.examples.map((e) => `  ${e}`),
    '',
    EXIT_CODES_HELP,
  ].join('\n');
}

/** True when the arguments ask for help: `--help`/`-h` anywhere, or `help` as the only positional. */
export function wantsHelp(values: Record<string, unknown>, positionals: readonly string[] = []): boolean {
  return values['help'] === true || (positionals.length === 1 && positionals[0] === 'help');
}
