/**
 * The reference daemon's task handler (docs/tasks.md "The reference daemon"): pretends to work
 * for `workMs` in `steps` steps, says one progress `Message` per step, saves the step it reached
 * so ResumeTask continues from there, and stops at once when its signal is aborted.
 */
import { realTimers, type Timers } from '../util/timers.js';
import type { TaskHandler, TaskOutcome } from './task-runner.js';

/** Longest simulated run accepted (a task's `configuration.workMs` or the daemon's default). */
export const MAX_SIMULATED_WORK_MS = 3_600_000;

export interface SimulatedTaskOptions {
  /**
   * How long a task works unless its `configuration.workMs` (a positive integer up to
   * MAX_SIMULATED_WORK_MS) says otherwise.
   * @default 3000
   */
  readonly workMs?: number;
  /**
   * Progress steps per task: one `Message` each.
   * @default 5
   */
  readonly steps?: number;
  /** Timers (injectable for tests). @default realTimers (unref'd) */
  readonly timers?: Timers;
}

/** The work time a task asks for in `configuration.workMs`, if it is usable. */
function requestedWorkMs(configuration: Record<string, unknown>): number | undefined {
  const v = configuration['workMs'];
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= MAX_SIMULATED_WORK_MS ? v : undefined;
}

/** Resolves after `ms`, rejects with the signal's reason as soon as it is aborted. */
function pause(ms: number, signal: AbortSignal, timers: Timers): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error(`aborted: ${String(signal.reason)}`));
      return;
    }
    const onAbort = (): void => {
      timers.clearTimeout(handle);
      reject(new Error(`aborted: ${String(signal.reason)}`));
    };
    const handle = timers.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    // a task's run is what the daemon is for: keep the process alive while it waits
    handle.ref?.();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The simulated handler: steps with a `Message` each, resumable, cancellable. */
export function simulatedTask(options: SimulatedTaskOptions = {}): TaskHandler {
  const defaultMs = options.workMs ?? 3000;
  const steps = options.steps ?? 5;
  const timers = options.timers ?? realTimers;
  if (!Number.isInteger(defaultMs) || defaultMs <= 0 || defaultMs > MAX_SIMULATED_WORK_MS) throw new RangeError(`workMs must be an integer from 1 to ${MAX_SIMULATED_WORK_MS}, not ${defaultMs}`);
  if (!Number.isInteger(steps) || steps <= 0 || steps > 1000) throw new RangeError(`steps must be an integer from 1 to 1000, not ${steps}`);
  return async (ctx): Promise<TaskOutcome> => {
    const workMs = requestedWorkMs(ctx.params.configuration) ?? defaultMs;
    const first = typeof ctx.saved === 'number' ? ctx.saved : 0;
    ctx.say(first === 0 ? `working on: ${ctx.params.text}` : `resuming at step ${first + 1} of ${steps}`);
    for (let step = first; step < steps; step++) {
      await pause(workMs / steps, ctx.signal, timers);
      ctx.save(step + 1);
      ctx.say(`step ${step + 1} of ${steps} done`, { say: 'progress' });
    }
    ctx.say(`done: ${ctx.params.text}`, { say: 'completion_result' });
    const words = ctx.params.text.split(/\s+/).filter((w) => w !== '').length;
    return {
      tokenUsage: { totalTokensIn: 100 + words * 4, totalTokensOut: steps * 25, totalCost: Number((steps * 0.0001).toFixed(4)), contextTokens: 100 + words * 4 + steps * 25 },
      toolUsage: { read_file: { attempts: steps, failures: 0 }, write_to_file: { attempts: 1, failures: 0 } },
    };
  };
}
