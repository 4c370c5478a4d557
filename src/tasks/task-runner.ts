/**
 * The task table of a task daemon (docs/tasks.md "Lifecycle"): starts, cancels, resumes and
 * closes tasks, runs each through the daemon's handler with an AbortSignal, and publishes every
 * lifecycle event in order with a daemon-wide `seq`. Transport-free: it gets a `publish` function.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { TaskErrorCodes, taskError } from './task-service.js';
import {
  tokenUsageSchema,
  toolUsageSchema,
  type AbortReason,
  type StartNewTaskParams,
  type TaskCommandResult,
  type TaskEventName,
  type TaskEventPayload,
  type TaskMessage,
  type TaskState,
  type TokenUsage,
  type ToolUsage,
} from './task-schemas.js';

/** What a task handler gets for one run. */
export interface TaskHandlerContext {
  readonly taskId: string;
  /** The StartNewTask params. */
  readonly params: StartNewTaskParams;
  /** Aborted by CancelTask, CloseTask and the daemon's stop: stop working and return or throw. */
  readonly signal: AbortSignal;
  /** What the previous run passed to `save()`; undefined on the first run. */
  readonly saved: unknown;
  /** Publishes a `Message` event (ignored once `signal` is aborted). */
  say(text: string, options?: { readonly say?: string; readonly partial?: boolean; readonly action?: 'created' | 'updated' }): void;
  /** Keeps progress for a later ResumeTask (it gets it back as `saved`). */
  save(state: unknown): void;
}

/** What a handler returns when the task is done. */
export interface TaskOutcome {
  readonly tokenUsage: TokenUsage;
  readonly toolUsage: ToolUsage;
}

/** Does a task's work. Resolve when done; reject (or return after `signal` aborted) when not. */
export type TaskHandler = (ctx: TaskHandlerContext) => Promise<TaskOutcome>;

export interface TaskRunnerOptions {
  /** Publishes one event; called in order, synchronously. */
  readonly publish: <E extends TaskEventName>(name: E, payload: TaskEventPayload<E>) => void;
  /** Runs each task. */
  readonly handler: TaskHandler;
  /**
   * Most tasks kept (running, completed or aborted). When full, the oldest finished task is
   * forgotten; when all are running, StartNewTask is refused (1003).
   * @default 1000
   */
  readonly maxTasks?: number;
  /** New task ids. @default crypto.randomUUID */
  readonly newId?: () => string;
  /** Epoch milliseconds for message timestamps. @default Date.now */
  readonly now?: () => number;
}

interface TaskEntry {
  readonly taskId: string;
  readonly params: StartNewTaskParams;
  state: TaskState;
  saved: unknown;
  /** The current run's controller and its end, while running. */
  run?: { readonly controller: AbortController; readonly done: Promise<void> };
}

const outcomeSchema = z.object({ tokenUsage: tokenUsageSchema, toolUsage: toolUsageSchema });

export class TaskRunner {
  private readonly tasks = new Map<string, TaskEntry>();
  private readonly publishEvent: TaskRunnerOptions['publish'];
  private readonly handler: TaskHandler;
  private readonly maxTasks: number;
  private readonly newId: () => string;
  private readonly now: () => number;
  private seq = 0;

  constructor(options: TaskRunnerOptions) {
    this.publishEvent = options.publish;
    this.handler = options.handler;
    this.maxTasks = options.maxTasks ?? 1000;
    this.newId = options.newId ?? randomUUID;
    this.now = options.now ?? Date.now;
  }

  /** Creates and starts a task: TaskCreated, TaskStarted, then the handler's events. */
  start(params: StartNewTaskParams): { taskId: string } {
    this.makeRoom();
    const taskId = this.newId();
    const entry: TaskEntry = { taskId, params, state: 'running', saved: undefined };
    this.tasks.set(taskId, entry);
    this.emit('TaskCreated', { taskId, text: params.text, images: params.images?.length ?? 0, newTab: params.newTab ?? false });
    this.emit('TaskStarted', { taskId });
    this.launch(entry);
    return { taskId };
  }

  /** Aborts a running task (TaskAborted, reason `cancelled`); it stays resumable. */
  async cancel(taskId: string): Promise<TaskCommandResult> {
    const entry = this.find(taskId);
    if (entry.run === undefined) throw taskError(TaskErrorCodes.WrongState, `task ${taskId} is not running (it is ${entry.state}): nothing to cancel`, taskId);
    await this.abort(entry, 'cancelled');
    return { taskId, state: entry.state };
  }

  /** Runs an aborted task again from what it saved (TaskResumed, then its events). */
  resume(taskId: string): TaskCommandResult {
    const entry = this.find(taskId);
    if (entry.state !== 'aborted') throw taskError(TaskErrorCodes.WrongState, `task ${taskId} is ${entry.state}: only an aborted task can be resumed`, taskId);
    entry.state = 'running';
    this.emit('TaskResumed', { taskId });
    this.launch(entry);
    return { taskId, state: 'running' };
  }

  /** Aborts the task if it runs (reason `closed`), then forgets it (TaskClosed). */
  async close(taskId: string): Promise<TaskCommandResult> {
    const entry = this.find(taskId);
    if (entry.run !== undefined) await this.abort(entry, 'closed');
    if (this.tasks.get(taskId) === entry) {
      this.tasks.delete(taskId);
      entry.state = 'closed';
      this.emit('TaskClosed', { taskId });
    }
    return { taskId, state: 'closed' };
  }

  /** Aborts every running task (reason `shutdown`) and waits for their runs to end. */
  async stop(): Promise<void> {
    await Promise.all([...this.tasks.values()].filter((e) => e.run !== undefined).map((e) => this.abort(e, 'shutdown')));
  }

  /** The state of a task, or undefined when unknown. */
  stateOf(taskId: string): TaskState | undefined {
    return this.tasks.get(taskId)?.state;
  }

  /** How many tasks are running. */
  get running(): number {
    let n = 0;
    for (const e of this.tasks.values()) if (e.run !== undefined) n++;
    return n;
  }

  private find(taskId: string): TaskEntry {
    const entry = this.tasks.get(taskId);
    if (entry === undefined) throw taskError(TaskErrorCodes.NotFound, `no task ${taskId}: it was never started here, was closed, or was forgotten (the daemon keeps the newest tasks only)`, taskId);
    return entry;
  }

  private makeRoom(): void {
    if (this.tasks.size < this.maxTasks) return;
    for (const [id, e] of this.tasks) {
      if (e.run === undefined) {
        this.tasks.delete(id);
        return;
      }
    }
    throw taskError(TaskErrorCodes.TooManyTasks, `${this.maxTasks} tasks are running: cancel or close one, or start the daemon with a larger maxTasks`);
  }

  private async abort(entry: TaskEntry, reason: AbortReason): Promise<void> {
    const run = entry.run;
    if (run === undefined) return;
    run.controller.abort(reason);
    await run.done;
  }

  private launch(entry: TaskEntry): void {
    const controller = new AbortController();
    const { signal } = controller;
    const ctx: TaskHandlerContext = {
      taskId: entry.taskId,
      params: entry.params,
      signal,
      saved: entry.saved,
      say: (text, options = {}) => {
        if (signal.aborted) return;
        const message: TaskMessage = { ts: this.now(), type: 'say', say: options.say ?? 'text', text, ...(options.partial === undefined ? {} : { partial: options.partial }) };
        this.emit('Message', { taskId: entry.taskId, action: options.action ?? 'created', message });
      },
      save: (state) => {
        if (!signal.aborted) entry.saved = state;
      },
    };
    const done = this.execute(entry, ctx, controller);
    entry.run = { controller, done };
  }

  private async execute(entry: TaskEntry, ctx: TaskHandlerContext, controller: AbortController): Promise<void> {
    const { taskId } = entry;
    let outcome: TaskOutcome | undefined;
    let failure: string | undefined;
    try {
      await Promise.resolve(); // the run starts after StartNewTask/ResumeTask returned its events
      if (controller.signal.aborted) throw new Error('aborted before the handler ran');
      const parsed = outcomeSchema.safeParse(await this.handler(ctx));
      if (parsed.success) outcome = parsed.data;
      else failure = `the task handler returned an invalid outcome: ${parsed.error.issues[0]?.message ?? 'rejected by schema'}`;
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
    entry.run = undefined;
    if (controller.signal.aborted) {
      entry.state = 'aborted';
      this.emit('TaskAborted', { taskId, reason: controller.signal.reason as AbortReason });
    } else if (outcome === undefined) {
      entry.state = 'aborted';
      this.emit('TaskAborted', { taskId, reason: 'failed', ...(failure === undefined ? {} : { error: failure }) });
    } else {
      entry.state = 'completed';
      this.emit('TaskCompleted', { taskId, tokenUsage: outcome.tokenUsage, toolUsage: outcome.toolUsage });
    }
  }

  private emit<E extends TaskEventName>(name: E, payload: Omit<TaskEventPayload<E>, 'seq'>): void {
    this.seq += 1;
    this.publishEvent(name, { ...payload, seq: this.seq } as TaskEventPayload<E>);
  }
}
