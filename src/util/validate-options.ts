/**
 * Table-driven option checks: an options object is described by a table with one row per option,
 * each row a `Check` that says which values it accepts and how to describe them. `checkOptions`
 * walks the table once (at construction) and throws `ERR_INVALID_ARGUMENT` naming the option, the
 * value and what is allowed, e.g. `limits.maxMessageBytes must be an integer from 1 to 4294967295,
 * got -1`. Undefined values are skipped: they mean "the default".
 */
import { SidewireError, createError } from '../errors.js';

/** What one option accepts. */
export interface Check {
  /** The allowed values, for the message: "an integer from 1 to 1000000". */
  readonly expected: string;
  /** True when `value` (never undefined) is allowed. */
  readonly test: (value: unknown) => boolean;
  /** Checks inside an allowed value (a nested options object), naming options from `path`. */
  readonly inner?: (value: unknown, path: string) => void;
}

/** One row per option. */
export type OptionTable = Readonly<Record<string, Check>>;

/** The longest delay `setTimeout` honours (longer ones fire at once): 2^31 - 1 ms, about 24.8 days. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Counts (connections, requests, batch elements…): up to a million is plenty for one local server. */
export const MAX_COUNT = 1_000_000;

/** An integer from `min` to `max`; `note` is appended to the description (e.g. "(0 = off)"). */
export function integer(min: number, max: number, note?: string): Check {
  return {
    expected: `an integer from ${min} to ${max}${note === undefined ? '' : ` ${note}`}`,
    test: (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max,
  };
}

/** A timeout in ms: an integer from `min` to MAX_TIMER_MS. */
export function millis(min = 0, note = min === 0 ? '(0 = off)' : undefined): Check {
  return integer(min, MAX_TIMER_MS, note);
}

/** A finite number from `min` to `max`. */
export function numberIn(min: number, max: number): Check {
  return { expected: `a number from ${min} to ${max}`, test: (v) => typeof v === 'number' && v >= min && v <= max };
}

/** One of the given strings. */
export function oneOf(...values: readonly string[]): Check {
  return { expected: `one of ${values.map((v) => `'${v}'`).join(', ')}`, test: (v) => typeof v === 'string' && values.includes(v) };
}

/** Exactly `value` (e.g. `false` where an object is the alternative). */
export function literal(value: boolean | null): Check {
  return { expected: String(value), test: (v) => v === value };
}

export const bool: Check = { expected: 'true or false', test: (v) => typeof v === 'boolean' };
export const text: Check = { expected: 'a string', test: (v) => typeof v === 'string' };
export const nonEmptyText: Check = { expected: 'a non-empty string', test: (v) => typeof v === 'string' && v !== '' };
export const func: Check = { expected: 'a function', test: (v) => typeof v === 'function' };
export const object: Check = { expected: 'an object', test: isObject };

/** An object with these function members (e.g. timers, a logger). */
export function withMethods(...names: readonly string[]): Check {
  return {
    expected: `an object with ${names.map((n) => `${n}()`).join(', ')}`,
    test: (v) => isObject(v) && names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function'),
  };
}

/**
 * An options object checked by its own table. `strict`: keys the table does not know are refused
 * (catches typos such as `maxMesageBytes`); leave it off where callers pass supersets.
 */
export function nested(table: OptionTable, strict: boolean): Check {
  return {
    expected: 'an object',
    test: isObject,
    inner: (v, path) => checkOptions(v as Record<string, unknown>, table, { prefix: `${path}.`, strict }),
  };
}

/** Any of `checks` (the first that accepts the value also checks inside it). */
export function either(...checks: readonly Check[]): Check {
  return {
    expected: checks.map((c) => c.expected).join(' or '),
    test: (v) => checks.some((c) => c.test(v)),
    inner: (v, path) => checks.find((c) => c.test(v))?.inner?.(v, path),
  };
}

/**
 * Checks every option of `options` that `table` describes (undefined values are skipped).
 * @throws SidewireError ERR_INVALID_ARGUMENT for the first value a row refuses, or with `strict`
 *   for an option the table does not know
 */
export function checkOptions(options: object, table: OptionTable, how: { prefix?: string; strict?: boolean } = {}): void {
  const prefix = how.prefix ?? '';
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const row = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
    if (row === undefined) {
      if (how.strict === true) throw unknownOption(prefix, key, Object.keys(table));
      continue;
    }
    checkValue(value, row, prefix + key);
  }
}

/**
 * Checks one value against a check, naming it `option` in the error.
 * @throws SidewireError ERR_INVALID_ARGUMENT
 */
export function checkValue(value: unknown, check: Check, option: string): void {
  if (!check.test(value)) throw invalidOption(option, value, check.expected);
  check.inner?.(value, option);
}

/** The ERR_INVALID_ARGUMENT for `option` = `value`, which should have been `expected`. */
export function invalidOption(option: string, value: unknown, expected: string): SidewireError {
  return createError('ERR_INVALID_ARGUMENT', `${option} must be ${expected}, got ${describeValue(value)}`, {
    fixes: [`pass ${expected} as ${option}, or leave it out for the default`],
    details: { option, value: describeValue(value), expected },
  });
}

function unknownOption(prefix: string, key: string, known: readonly string[]): SidewireError {
  const option = prefix + key;
  return createError('ERR_INVALID_ARGUMENT', `${option} is not an option; the options there are ${known.join(', ')}`, {
    fixes: [`check the spelling of ${JSON.stringify(key)}, or remove it`],
    details: { option, known },
  });
}

/** A short, safe rendering of any value for an error message. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'bigint':
      return `${value}n`;
    case 'function':
      return 'a function';
    case 'symbol':
      return value.toString();
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
    default:
      return String(value);
  }
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
