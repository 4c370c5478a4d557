/**
 * Peak resident set size of a process: `VmHWM` from /proc/<pid>/status on Linux, else (for the
 * current process) `process.resourceUsage().maxRSS`.
 */
import { readFileSync } from 'node:fs';

/** Peak RSS in bytes of `pid` (default: this process), or undefined when it cannot be read. */
export function peakRssBytes(pid: number | 'self' = 'self'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux, or the process is gone
  }
  return pid === 'self' ? process.resourceUsage().maxRSS * 1024 : undefined;
}
