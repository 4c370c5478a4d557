/**
 * Is the process that wrote a lock or discovery file still alive — and is it still the same
 * process, not a new one that was given the same pid (common in containers, where pids are small)?
 */
import * as fs from 'node:fs';
import { systemCode } from '../errors.js';

/** How far two start-time readings of one process may differ (clock-tick and btime rounding). */
const START_TOLERANCE_MS = 1500;

let bootTimeMs: number | null | undefined;

/** Boot time in epoch ms from /proc/stat (Linux), or null elsewhere. Read once. */
function bootTime(): number | null {
  if (bootTimeMs !== undefined) return bootTimeMs;
  bootTimeMs = null;
  try {
    const match = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
    if (match) bootTimeMs = Number(match[1]) * 1000;
  } catch {
    // not Linux (or no /proc): fall back to process.uptime()
  }
  return bootTimeMs;
}

/**
 * True when `pid` is a zombie (exited, not yet reaped: state Z or X in /proc/<pid>/stat), common
 * in containers without an init. A zombie serves nothing: it is not alive. False off Linux.
 */
export function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

/** Start time (epoch ms) of `pid` from /proc/<pid>/stat, or undefined when unknown. */
export function procStartTime(pid: number): number | undefined {
  const boot = bootTime();
  if (boot === null) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime, clock ticks since boot) comes after the ")" that ends the command name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    // USER_HZ is 100 on every Linux architecture Node supports.
    return Number.isFinite(ticks) ? boot + ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

let ownStart: number | undefined;

/** This process's start time in epoch ms (from /proc on Linux, else `Date.now() - uptime`). */
export function ownStartTime(): number {
  ownStart ??= procStartTime(process.pid) ?? Math.round(Date.now() - process.uptime() * 1000);
  return ownStart;
}

/**
 * Whether `pid` is alive: it exists, is not a zombie, and — with `startedAt` — is the same process.
 * With `startedAt` (what `ownStartTime()` returned in that process),
 * a live pid whose start time is known and differs is a reused pid, so "not alive".
 * Our own pid counts as alive only through the caller's own bookkeeping: pass `startedAt` to
 * tell a record of this process from one of an earlier process that had the same pid.
 */
export function isProcessAlive(pid: number, startedAt?: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) {
    return startedAt === undefined || Math.abs(startedAt - ownStartTime()) <= START_TOLERANCE_MS;
  }
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    if (systemCode(err) !== 'EPERM') return false;
  }
  if (isZombie(pid)) return false;
  if (startedAt === undefined) return true;
  const actual = procStartTime(pid);
  return actual === undefined || Math.abs(actual - startedAt) <= START_TOLERANCE_MS;
}

/**
 * Whether the process that wrote a record (a pid file, a discovery file) at `writtenAt` (epoch ms)
 * may still be `pid`: `isProcessAlive(pid)`, and, with `writtenAt`, started no later than the
 * record was written — a younger process given the same pid did not write it. Use this where the
 * record holds when it was written, not the writer's start time (that is `isProcessAlive`'s
 * `startedAt`). A `writtenAt` that is not a finite number is ignored.
 */
export function isWriterAlive(pid: number, writtenAt?: number): boolean {
  if (!isProcessAlive(pid)) return false;
  if (writtenAt === undefined || !Number.isFinite(writtenAt)) return true;
  const started = pid === process.pid ? ownStartTime() : procStartTime(pid);
  return started === undefined || started <= writtenAt + START_TOLERANCE_MS;
}
