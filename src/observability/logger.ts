/**
 * sidewire's logging interface: object first, then an optional message, as in pino, so a pino
 * logger can be passed directly. sidewire itself is silent unless given a logger or asked to
 * log through environment variables (`loggerFromEnv`).
 */
import { formatLine } from './log-format.js';

/** Severity, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The levels in increasing severity. */
export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['debug', 'info', 'warn', 'error']);

/** A pino-compatible logger: `logger.info({ clientId }, 'client connected')`. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Where `consoleLogger` writes. */
export interface LogStream {
  write(chunk: string): unknown;
}

const noop = (): void => {};

/** A logger that drops everything (sidewire's default). */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

export interface ConsoleLoggerOptions {
  /**
   * Lowest level written; lower levels cost nothing.
   * @default 'info'
   */
  readonly level?: LogLevel;
  /**
   * Where lines go.
   * @default process.stderr
   */
  readonly stream?: LogStream;
  /**
   * The clock used for the time stamp (injectable for tests).
   * @default () => new Date()
   */
  readonly clock?: () => Date;
}

/** True when `s` names a log level. */
export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

/**
 * A human-readable logger for CLIs: one line per entry,
 * `12:00:01.123 INFO client connected clientId=ab12cd34ef56 mode=json`, with secret-looking
 * fields (token, password, secret, authorization…) printed as `[redacted]`.
 */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
  const stream = options.stream ?? process.stderr;
  const clock = options.clock ?? (() => new Date());
  const method = (level: LogLevel): Logger[LogLevel] => {
    if (LOG_LEVELS.indexOf(level) < threshold) return noop;
    return (obj, msg) => {
      stream.write(`${formatLine(level, clock(), obj, msg)}\n`);
    };
  };
  return { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
}

/** True when a `DEBUG` value (comma/space separated, `debug`-module style) enables sidewire. */
export function debugEnablesSidewire(debug: string | undefined): boolean {
  if (debug === undefined) return false;
  const entries = debug.toLowerCase().split(/[\s,]+/).filter((e) => e !== '');
  if (entries.some((e) => e.startsWith('-sidewire'))) return false;
  return entries.some((e) => e === '*' || e.startsWith('sidewire'));
}

export interface LoggerFromEnvOptions {
  /**
   * Where lines go.
   * @default process.stderr
   */
  readonly stream?: LogStream;
  /**
   * The clock used for the time stamp.
   * @default () => new Date()
   */
  readonly clock?: () => Date;
}

/**
 * The logger the environment asks for:
 * - `SIDEWIRE_LOG=debug|info|warn|error` → console logger at that level;
 *   `SIDEWIRE_LOG=silent` (or `off`) → silent, whatever `DEBUG` says;
 * - else `DEBUG` containing `sidewire…` or `*` (e.g. `DEBUG=sidewire*`) → console logger at debug;
 * - else silent. Unknown `SIDEWIRE_LOG` values are ignored.
 */
export function loggerFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: LoggerFromEnvOptions = {},
): Logger {
  const base = { ...(options.stream ? { stream: options.stream } : {}), ...(options.clock ? { clock: options.clock } : {}) };
  const wanted = env['SIDEWIRE_LOG']?.trim().toLowerCase();
  if (wanted === 'silent' || wanted === 'off') return silentLogger;
  if (wanted !== undefined && isLogLevel(wanted)) return consoleLogger({ ...base, level: wanted });
  if (debugEnablesSidewire(env['DEBUG'])) return consoleLogger({ ...base, level: 'debug' });
  return silentLogger;
}
