/**
 * Shared by the win32 lane's files (scripts/run-win32.mjs runs them with node.exe under Wine):
 * the platform check every file starts with, unique app names, and waits bounded for a busy
 * 2-core machine (Wine adds seconds to every process start).
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { uniqueName } from '../test/helpers/names.js';

/**
 * Generous bound for one step under Wine: a node.exe start takes 1-3 s there on an idle machine,
 * 25 s at load average 25 (measured).
 */
export const STEP_MS = 90_000 * Number(process.env['SIDEWIRE_TEST_TIMEOUT_SCALE'] ?? '1');

/** Fails the file at once when it is not running as a Windows program (node.exe). */
export function assertWindows(): void {
  assert.equal(process.platform, 'win32', 'the win32 lane runs under node.exe (npm run test:win32), not under Linux node');
}

/** A fresh app name, so files running side by side never share a pipe or a runtime dir. */
export function uniqueApp(): string {
  return uniqueName('w');
}

/** The Windows path of a named pipe endpoint `pipe://name`. */
export function pipePath(name: string): string {
  return `\\\\.\\pipe\\${name}`;
}

/** Resolves with the error code of connecting to `pipe` (ENOENT when nothing listens), or 'connected'. */
export function tryPipe(pipe: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(pipe);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
  });
}

/** Polls `check` every 100 ms until it returns true; rejects with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = STEP_MS): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sends one text-mode line over `path` and resolves with everything the server wrote before closing. */
export function textCommand(path: string, line: string, timeoutMs = STEP_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const socket = net.connect(path, () => socket.write(`${line}\n`));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply to ${line} within ${timeoutMs} ms; got ${JSON.stringify(out)}`));
    }, timeoutMs);
    socket.setEncoding('utf8').on('data', (d: string) => (out += d));
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}
