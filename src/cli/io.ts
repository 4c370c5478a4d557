/**
 * What a CLI command gets: its arguments and where to write. Injectable so commands are testable
 * in-process, and so every command reports errors the same way (never a stack trace).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { unexpectedError, type SidewireError } from '../errors.js';

export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where `-` params are read from (`call`, `notify`). @default none: `-` is a usage error */
  readonly stdin?: NodeJS.ReadableStream;
}

/**
 * Exit codes shared by every command (docs/daemon.md "Exit codes"): 0 ok; 1 failed at run time;
 * 2 bad arguments (usage, bad values, an invalid or refused --app/--name/--endpoint); 3 not running.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, notRunning: 3 } as const;

/** Endpoint errors that mean the command line's --endpoint itself is wrong (when it came from there). */
const BAD_ENDPOINT_CODES: ReadonlySet<string> = new Set(['ERR_ENDPOINT_FORMAT', 'ERR_ENDPOINT_PLATFORM', 'ERR_ENDPOINT_REMOTE', 'ERR_ENDPOINT_PATH_TOO_LONG']);

/**
 * The exit code for a sidewire error: 2 when the command line is at fault (ERR_INVALID_ARGUMENT
 * from --app/--name/…, or a bad or refused explicit --endpoint), 3 for ERR_NOT_RUNNING, else 1.
 * The same endpoint error coming from `<APP>_ENDPOINT` is not an argument: 1.
 */
export function exitCodeOf(err: SidewireError): number {
  if (err.code === 'ERR_NOT_RUNNING') return EXIT.notRunning;
  if (err.code === 'ERR_INVALID_ARGUMENT') return EXIT.usage;
  if (BAD_ENDPOINT_CODES.has(err.code) && err.details['source'] === 'explicit') return EXIT.usage;
  return EXIT.failed;
}

/** A command: gets argv after its name, returns the exit code. */
export type Command = (argv: readonly string[], io: CliIO) => Promise<number>;

/** Thrown for bad command-line input; main prints the message and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command that talks to an endpoint accepts. */
export const ENDPOINT_OPTIONS = {
  app: { type: 'string' },
  name: { type: 'string' },
  endpoint: { type: 'string' },
  service: { type: 'string' },
  'nats-token-file': { type: 'string' },
  'nats-creds': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** The endpoint options plus `--token`, for the commands that connect as clients. */
export const CLIENT_OPTIONS = { ...ENDPOINT_OPTIONS, token: { type: 'string' } } as const satisfies Options;

/** node:util parseArgs in strict mode, with its errors turned into UsageError. */
export function parseCommandArgs<O extends Options>(
  argv: readonly string[],
  options: O,
  allowPositionals = false,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals });
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.replace(/\. To specify.*$/s, '') : String(err));
  }
}

/** Prints an error for a person (or as JSON with --json) and returns the exit code to use. */
export function reportError(err: unknown, io: CliIO, json: boolean): number {
  if (err instanceof UsageError) {
    io.stderr(`sidewire: ${err.message}\nRun 'sidewire help' for usage.\n`);
    return EXIT.usage;
  }
  // anything that is not a sidewire error is reported as ERR_UNEXPECTED (docs/errors.md)
  const coded = unexpectedError(err);
  if (json) io.stdout(JSON.stringify({ ok: false, error: coded.toJSON() }) + '\n');
  else io.stderr(`sidewire: ${coded.describe()}\n`);
  return coded === err ? exitCodeOf(coded) : EXIT.failed;
}
