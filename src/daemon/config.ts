/**
 * Loading a daemon's config: defaults ← JSON file ← environment overrides, then validation with a
 * Standard Schema. Any problem throws `ERR_CONFIG` with what is wrong and where; on a reload the
 * caller simply keeps its old config when this throws.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { createError } from '../errors.js';
import { envOverrides } from './config-env.js';
import { readConfigFile } from './config-file.js';

export interface LoadConfigOptions<T> {
  /**
   * Path of a JSON config file (an object). When given it must exist: a missing file is an
   * `ERR_CONFIG` error, not a silent fallback to the defaults.
   * @default undefined (defaults and environment only)
   */
  readonly file?: string;
  /** The default config. Its top-level keys are also the keys the environment can override. */
  readonly defaults: T;
  /** Prefix of override variables, e.g. `'MYAPP_'`: `MYAPP_FOO_BAR` overrides `fooBar`. */
  readonly envPrefix: string;
  /**
   * The environment to read overrides from.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Validates (and may transform) the merged config.
   * @default undefined (the merged value is returned unchecked)
   */
  readonly schema?: StandardSchemaV1<unknown, T>;
}

export interface LoadedConfig<T> {
  readonly config: T;
  readonly source: {
    /** The file read, if any. */
    readonly file: string | undefined;
    /** The environment variables that overrode a key, in key order. */
    readonly envKeys: readonly string[];
  };
}

type Plain = Record<string, unknown>;

function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `over` merged into `base`: plain objects recursively, anything else replaced. Inputs are not modified. */
export function mergeConfig(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? mergeConfig(prev, value) : value;
  }
  return out;
}

/** Loads defaults ← file ← env and validates the result. Throws `ERR_CONFIG`. */
export async function loadConfig<T>(options: LoadConfigOptions<T>): Promise<LoadedConfig<T>> {
  const { file, defaults, envPrefix, schema } = options;
  if (!isPlainObject(defaults)) {
    throw createError('ERR_CONFIG', 'config defaults must be a plain object', {
      fixes: ['pass defaults such as { port: 8080 } to loadConfig'],
    });
  }
  const fromFile = file === undefined ? {} : readConfigFile(file);
  const env = envOverrides(defaults, envPrefix, options.env ?? process.env);
  const merged = mergeConfig(mergeConfig(defaults, fromFile), env.values);
  const source = { file, envKeys: [...env.keys.values()] };
  if (schema === undefined) return { config: merged as T, source };

  const result = await schema['~standard'].validate(merged);
  if (result.issues !== undefined) {
    const where = (key: PropertyKey | undefined): string => {
      if (key !== undefined && env.keys.has(String(key))) return env.keys.get(String(key)) as string;
      if (key === undefined) return file ?? 'config';
      if (file !== undefined && Object.hasOwn(fromFile, key)) return file;
      return 'defaults';
    };
    const issues = result.issues.map((issue) => {
      const path = issuePath(issue);
      return { where: where(path[0]), path: formatPath(path), message: issue.message };
    });
    const text = issues.map((i) => `${i.where}: ${i.path}: ${i.message}`).join('; ');
    throw createError('ERR_CONFIG', `invalid config: ${text}`, {
      fixes: [
        `correct the value${issues.length > 1 ? 's' : ''} named above${file === undefined ? '' : ` in ${file}`} or in the environment variable shown`,
      ],
      details: { file, issues },
    });
  }
  return { config: result.value, source };
}

function issuePath(issue: StandardSchemaV1.Issue): PropertyKey[] {
  return (issue.path ?? []).map((seg) => (typeof seg === 'object' && seg !== null ? seg.key : seg));
}

/** `['server', 'ports', 0]` → `server.ports[0]`; the empty path → `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}
