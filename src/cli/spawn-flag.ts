/**
 * `--spawn '<command line>'` of `sidewire call`, `notify` and `listen` (docs/daemon.md "Start on
 * demand"): when nothing listens, the client starts that daemon (detached, once for all clients
 * that find the endpoint empty at the same time) and proceeds when it answers `$/hello`.
 *
 * The command line is split like a POSIX shell splits words — blanks separate them, '…' and "…"
 * quote, a backslash escapes the next character — but nothing else of a shell applies (no
 * variables, globs, pipes or redirections): the program is run directly.
 */
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './io.js';
import type { HelpOption } from './help.js';
import type { SpawnOptions } from '../client/start-on-demand.js';

/** The flags: `--spawn CMD` and `--ready-timeout MS`. */
export const SPAWN_OPTIONS = { spawn: { type: 'string' }, 'ready-timeout': { type: 'string' } } as const satisfies NonNullable<ParseArgsConfig['options']>;

export const SPAWN_HELP: readonly HelpOption[] = [
  { flag: "--spawn 'CMD ARGS'", text: 'when nothing listens, start this daemon (detached, exactly one for concurrent clients) and wait for it', default: 'off (exit 3 when nothing listens)' },
  { flag: '--ready-timeout MS', text: 'how long the --spawn daemon may take to answer $/hello', default: '10000' },
];

/** Splits a command line into words (see the module comment). @throws UsageError on an open quote or an empty line */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) word = (word ?? '') + line[++i];
      else word = (word ?? '') + c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) word = (word ?? '') + line[++i];
    else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + c;
  }
  if (quote !== undefined) throw new UsageError(`--spawn: unterminated ${quote} quote in ${JSON.stringify(line)}`);
  if (word !== undefined) words.push(word);
  if (words.length === 0) throw new UsageError("--spawn needs a command, e.g. --spawn 'sidewire serve --app myapp'");
  return words;
}

/** The `spawn` client option from the flags, or undefined without `--spawn`. @throws UsageError */
export function spawnFrom(values: Record<string, string | boolean | undefined>): SpawnOptions | undefined {
  const line = values['spawn'];
  if (line === undefined) {
    if (values['ready-timeout'] !== undefined) throw new UsageError('--ready-timeout needs --spawn');
    return undefined;
  }
  const [command, ...args] = splitCommandLine(String(line));
  const ready = values['ready-timeout'];
  let readyTimeoutMs: number | undefined;
  if (ready !== undefined) {
    readyTimeoutMs = Number(ready);
    if (typeof ready !== 'string' || !/^\d+$/.test(ready) || !Number.isSafeInteger(readyTimeoutMs) || readyTimeoutMs <= 0 || readyTimeoutMs > 2_147_483_647) {
      throw new UsageError(`--ready-timeout must be a positive integer (milliseconds), not '${String(ready)}'`);
    }
  }
  return { command: command as string, args, ...(readyTimeoutMs === undefined ? {} : { readyTimeoutMs }) };
}
