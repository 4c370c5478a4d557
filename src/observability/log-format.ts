/**
 * The single-line human format of `consoleLogger`:
 * `12:00:01.123 INFO client connected clientId=ab12cd34ef56 mode=json`.
 */
import { errorFields, isSecretKey, redact, REDACTED } from './redact.js';

const BARE = /^[^\s="\\\x00-\x1f\x7f]+$/;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Local wall-clock time as `HH:MM:SS.mmm`. */
export function formatTime(date: Date): string {
  return `${pad(date.getHours(), 2)}:${pad(date.getMinutes(), 2)}:${pad(date.getSeconds(), 2)}.${pad(date.getMilliseconds(), 3)}`;
}

/** A field value as it appears after `key=`: bare when safe, else JSON (always one line). */
export function formatValue(value: unknown): string {
  if (value instanceof Error) {
    const f = errorFields(value);
    return JSON.stringify(f['code'] === undefined ? value.message : `${String(f['code'])}: ${value.message}`);
  }
  const safe = redact(value);
  if (typeof safe === 'string') return safe !== '' && BARE.test(safe) ? safe : JSON.stringify(safe);
  if (safe === undefined) return 'undefined';
  return JSON.stringify(safe) ?? String(safe);
}

/** One log line (without the trailing newline). Secret-looking keys print as `[redacted]`. */
export function formatLine(level: string, date: Date, obj: object, msg: string | undefined): string {
  const parts = [formatTime(date), level.toUpperCase()];
  if (msg !== undefined && msg !== '') parts.push(msg.replace(/[\r\n]+/g, ' '));
  for (const [key, value] of Object.entries(obj)) {
    parts.push(`${key}=${isSecretKey(key) ? REDACTED : formatValue(value)}`);
  }
  return parts.join(' ');
}
