/**
 * Wording shared by endpoint errors: how to name where a value came from, and "how to fix" lines
 * that name the environment variable when the value came from it.
 */
import type { EndpointSource } from './resolve.js';

/** The accepted endpoint spellings, as listed in format errors. */
export const ACCEPTED_FORMS: readonly string[] = [
  'unix:///abs/path.sock (or ipc:///abs/path.sock, or a raw /abs/path.sock)',
  'unix:@name (Linux abstract socket)',
  'pipe://name (Windows named pipe; raw \\\\.\\pipe\\name also works)',
  'tcp://127.0.0.1:PORT (or a raw 127.0.0.1:PORT / localhost:PORT; port 0 picks a free port)',
  'auto (or empty) for the platform default',
];

/** A TCP port used in examples. */
export const EXAMPLE_PORT = 5555;

/**
 * How a raw string is referred to in a parse error: `MYAPP_ENDPOINT=value` when its origin is
 * known, else `endpoint 'value'`.
 */
export function inputSubject(value: string, origin: string | undefined): string {
  return origin === undefined ? `endpoint '${value}'` : `${origin}=${value}`;
}

/** "set MYAPP_ENDPOINT to X" when the origin is known, else "use X". */
export function useInput(origin: string | undefined, value: string): string {
  return origin === undefined ? `use ${value}` : `set ${origin} to ${value}`;
}

/** Where a resolved value came from, for fixes. */
export interface FixContext {
  readonly source: EndpointSource;
  readonly envVar: string;
}

/** How a resolved endpoint is referred to in messages. */
export function resolvedSubject(ctx: FixContext, value: string): string {
  switch (ctx.source) {
    case 'env':
      return `${ctx.envVar}=${value}`;
    case 'explicit':
      return `endpoint ${value}`;
    case 'default':
      return `the default endpoint ${value}`;
  }
}

/** "set MYAPP_ENDPOINT to A (or B)" / "change the endpoint to A (or B)". */
export function useInstead(ctx: FixContext, values: readonly string[]): string {
  const [first, ...rest] = values;
  const alternatives = rest.length === 0 ? '' : ` (or ${rest.join(', or ')})`;
  if (ctx.source === 'explicit') return `change the endpoint to ${first}${alternatives}`;
  return `set ${ctx.envVar} to ${first}${alternatives}`;
}

/**
 * The "go back to the default" line, or undefined when the value already is the default or the
 * default would not work either (`defaultValue` undefined).
 */
export function dropOverride(ctx: FixContext, defaultValue: string | undefined): string | undefined {
  if (defaultValue === undefined) return undefined;
  if (ctx.source === 'env') return `or remove the override (unset ${ctx.envVar}) to use the platform default ${defaultValue}`;
  if (ctx.source === 'explicit') {
    return `or leave the endpoint out (or pass 'auto') so that ${ctx.envVar} or the platform default ${defaultValue} applies`;
  }
  return undefined;
}

/** Drops undefined entries, keeping the order. */
export function fixList(...fixes: ReadonlyArray<string | undefined>): string[] {
  return fixes.filter((f): f is string => f !== undefined);
}
