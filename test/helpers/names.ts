/**
 * Unique, short names and temp dirs for tests, so parallel tests never share a socket.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** A short unique token (8 hex chars) for socket and app names. */
export function uniqueName(prefix = 't'): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

/**
 * A fresh private (0700) temp dir with a short path (socket paths are limited to ~107 bytes).
 * Removed by the returned cleanup function.
 */
export function tempDir(prefix = 'sw'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  fs.chmodSync(dir, 0o700);
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
