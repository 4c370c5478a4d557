/**
 * A minimal Standard Schema (v1) for tests: checks `typeof` of fields, nested objects recursively,
 * and reports issues with paths. `async: true` makes validate return a Promise.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';

export type Shape = { readonly [key: string]: 'number' | 'string' | 'boolean' | Shape };

function check(shape: Shape, value: unknown, path: PropertyKey[], issues: StandardSchemaV1.Issue[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ message: 'expected object', path });
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const [key, type] of Object.entries(shape)) {
    const v = obj[key];
    if (typeof type === 'object') check(type, v, [...path, key], issues);
    else if (typeof v !== type) issues.push({ message: `expected ${type}`, path: [...path, { key }] });
  }
}

export function tinySchema<T>(shape: Shape, options: { async?: boolean; transform?: (v: T) => T } = {}): StandardSchemaV1<unknown, T> {
  return {
    '~standard': {
      version: 1,
      vendor: 'tiny',
      validate(value: unknown) {
        const issues: StandardSchemaV1.Issue[] = [];
        check(shape, value, [], issues);
        const result: StandardSchemaV1.Result<T> =
          issues.length > 0 ? { issues } : { value: options.transform ? options.transform(value as T) : (value as T) };
        return options.async === true ? Promise.resolve(result) : result;
      },
    },
  };
}
