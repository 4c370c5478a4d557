/**
 * Text commands from aliased methods (docs/protocol.md §5: "a server exposes text commands by aliasing
 * methods", e.g. `STATUS` → `daemon.status`). The text arguments are passed as the method's params
 * (an array of strings, or undefined when there are none).
 */
import type { TextCommand } from '../text/text-command.js';

/** A method the alias points at. */
export type AliasedMethod = (params: unknown, ctx: { signal: AbortSignal }) => unknown;

export interface TextCommandsFromAliasesOptions {
  /** Method name → handler. */
  readonly methods: ReadonlyMap<string, AliasedMethod>;
  /** Text WORD → method name. WORDs are upper-cased. */
  readonly aliases: ReadonlyMap<string, string>;
  /**
   * Method name → HELP description.
   * @default the method name (`runs daemon.status`)
   */
  readonly descriptions?: ReadonlyMap<string, string>;
}

/** The text command map for `aliases`. Aliases whose method does not exist are skipped. */
export function textCommandsFromAliases(options: TextCommandsFromAliasesOptions): Map<string, TextCommand> {
  const out = new Map<string, TextCommand>();
  for (const [word, methodName] of options.aliases) {
    const method = options.methods.get(methodName);
    if (method === undefined) continue;
    out.set(word.toUpperCase(), {
      description: options.descriptions?.get(methodName) ?? `runs ${methodName}`,
      run: async (args, ctx) => (await method(args.length === 0 ? undefined : args, ctx)) as object,
    });
  }
  return out;
}
