/**
 * What the stress server reports about itself: RSS (with a sampled peak), heap after forced GC,
 * open file descriptors, process listeners and active libuv resources.
 */
import * as fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** Process events whose listener counts must not grow. */
const PROCESS_EVENTS = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'uncaughtException', 'unhandledRejection', 'warning'] as const;

export interface ProcessStats {
  readonly rss: number;
  readonly peakRss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** Open file descriptors (/proc/self/fd), or -1 where unavailable. */
  readonly fds: number;
  /** Listener counts of process events. */
  readonly processListeners: Record<string, number>;
  /** `process.getActiveResourcesInfo()` counted by type. */
  readonly resources: Record<string, number>;
}

/** Samples RSS every `intervalMs` and keeps the peak. */
export class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  get peakRss(): number {
    this.sample();
    return this.peak;
  }

  /** Starts a new peak from the current RSS. */
  reset(): void {
    this.peak = 0;
    this.sample();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
  }
}

export function countFds(): number {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

function countBy(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[item] = (out[item] ?? 0) + 1;
  return out;
}

export function processStats(sampler: RssSampler): ProcessStats {
  const m = process.memoryUsage();
  const processListeners: Record<string, number> = {};
  for (const e of PROCESS_EVENTS) processListeners[e] = process.listenerCount(e);
  return {
    rss: m.rss,
    peakRss: Math.max(sampler.peakRss, m.rss),
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    fds: countFds(),
    processListeners,
    resources: countBy(process.getActiveResourcesInfo()),
  };
}

/**
 * Heap used after forced full GCs: the minimum of `samples` measurements, each after two
 * `gc()` calls and a short pause (cuts the noise of objects allocated by the measurement itself).
 * Returns undefined when the process runs without `--expose-gc`.
 */
export async function heapAfterGc(samples: number): Promise<number | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return undefined;
  let min = Infinity;
  for (let i = 0; i < samples; i++) {
    await delay(20);
    gc();
    gc();
    min = Math.min(min, process.memoryUsage().heapUsed);
  }
  return min;
}
