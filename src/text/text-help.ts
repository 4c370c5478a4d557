/**
 * The built-in HELP command of text mode, used when the command map has no `HELP` of its own.
 *
 * Format (decided here, documented in docs/protocol.md): a single-line JSON array of strings
 * `"WORD — description"`, sorted by WORD, HELP included. JSON so scripts can parse it
 * (`jq -r '.[]'` prints one command per line) while it stays one reply line.
 */
import type { TextCommand } from './text-command.js';

/** The description HELP shows for itself. */
export const HELP_DESCRIPTION = 'list the commands of this endpoint';

/** The HELP lines for a command map (HELP itself added when missing). */
export function helpLines(commands: ReadonlyMap<string, TextCommand>): string[] {
  const entries = new Map<string, string>();
  for (const [word, command] of commands) entries.set(word.toUpperCase(), command.description);
  if (!entries.has('HELP')) entries.set('HELP', HELP_DESCRIPTION);
  return [...entries.keys()].sort().map((word) => `${word} — ${entries.get(word) ?? ''}`);
}

/** A HELP command listing `commands` (and itself). */
export function createHelpCommand(commands: ReadonlyMap<string, TextCommand>): TextCommand {
  return {
    description: HELP_DESCRIPTION,
    run: () => helpLines(commands),
  };
}
