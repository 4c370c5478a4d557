/**
 * Environment overrides of a daemon config: `<PREFIX><KEY_IN_SCREAMING_SNAKE>` overrides the
 * top-level key `keyInCamelCase`, e.g. `MYAPP_FOO_BAR=1` → `fooBar: 1`.
 *
 * Rules:
 * - Only keys present in the defaults can be overridden; other variables with the prefix are
 *   ignored (so `MYAPP_ENDPOINT` and friends never leak into the config by accident).
 * - Only top-level keys: a nested object is replaced as a whole, e.g. `MYAPP_LOG='{"level":"debug"}'`.
 * - The value is parsed as JSON when it is valid JSON (`8080`, `true`, `["a"]`), else taken as a
 *   string — except when the default is a string: then the raw text is used as is, so
 *   `MYAPP_NAME=123` gives `"123"`, not `123`.
 */

/** `fooBar` → `FOO_BAR`, `httpPort2` → `HTTP_PORT2`, `maxURLLength` → `MAX_URL_LENGTH`. */
export function envNameForKey(prefix: string, key: string): string {
  const snake = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
  return `${prefix}${snake}`;
}

/** An env value as a config value (see the module comment). */
export function parseEnvValue(raw: string, defaultValue: unknown): unknown {
  if (typeof defaultValue === 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The overrides found in `env` for the keys of `defaults`, and which variables they came from. */
export function envOverrides(
  defaults: Readonly<Record<string, unknown>>,
  prefix: string,
  env: Readonly<Record<string, string | undefined>>,
): { values: Record<string, unknown>; keys: Map<string, string> } {
  const values: Record<string, unknown> = {};
  const keys = new Map<string, string>();
  for (const key of Object.keys(defaults)) {
    const name = envNameForKey(prefix, key);
    const raw = env[name];
    if (raw === undefined) continue;
    values[key] = parseEnvValue(raw, defaults[key]);
    keys.set(key, name);
  }
  return { values, keys };
}
