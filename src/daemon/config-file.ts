/**
 * Reading a daemon's JSON config file, with errors that say what is wrong and where
 * (`config.json line 3 column 5: Unexpected token ']'`).
 */
import * as fs from 'node:fs';
import { systemCode } from '../errors.js';
import { DaemonError } from './daemon-error.js';
import { jsonErrorOffset, lineAndColumn } from './json-error-offset.js';

/** Reads `file` as a JSON object. Throws `ERR_CONFIG` when it is missing, unreadable, not JSON or not an object. */
export function readConfigFile(file: string): Record<string, unknown> {
  const text = readText(file).replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DaemonError('ERR_CONFIG', `${file} ${whereAndWhat(text, err)}`, {
      fixes: [`fix the JSON syntax in ${file} (JSON allows no comments, trailing commas or single quotes)`],
      details: { file },
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new DaemonError('ERR_CONFIG', `${file}: expected a JSON object at the top level, got ${got}`, {
      fixes: [`make ${file} an object, e.g. {"port": 8080}`],
      details: { file },
    });
  }
  return value as Record<string, unknown>;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = systemCode(err);
    if (code === 'ENOENT') {
      throw new DaemonError('ERR_CONFIG', `config file ${file} does not exist`, {
        cause: err,
        fixes: [`create ${file} (an empty config is {})`, 'or start without a config file to use the defaults and environment variables only'],
        details: { file },
      });
    }
    throw new DaemonError('ERR_CONFIG', `cannot read config file ${file}: ${code ?? (err as Error).message}`, {
      cause: err,
      fixes: [`check that ${file} is a readable regular file (ls -l ${file})`],
      details: { file },
    });
  }
}

/** `line L column C: <reason>` for a JSON.parse error, without V8's quote of the source. */
function whereAndWhat(text: string, err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const reason = raw
    .replace(/, (\.\.\.)?"[\s\S]*" is not valid JSON$/, '') // V8 quotes the source here: drop it (may hold secrets)
    .replace(/ in JSON at position \d+[\s\S]*$/, '')
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n');
  const at = /at position (\d+)/.exec(raw);
  const offset = at !== null ? Number(at[1]) : jsonErrorOffset(text);
  if (offset === undefined) return `: ${reason}`;
  const { line, column } = lineAndColumn(text, offset);
  return `line ${line} column ${column}: ${reason}`;
}
