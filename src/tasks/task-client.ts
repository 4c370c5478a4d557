/**
 * The typed task client (docs/tasks.md "Client"): the four commands, the daemon's Ack (clientId,
 * pid, ppid from `$/hello`), every task event checked against its schema, and `run`/`follow`,
 * which hand out one task's events until it completes or aborts.
 */
import { connectionLost, createError } from '../errors.js';
import { connect, type Client } from '../client/client.js';
import type { ClientOptions } from '../client/client-options.js';
import type { StartNewTaskParams, StartedTask, TaskCommandResult } from './task-schemas.js';
import { FINAL_TASK_EVENTS, TASK_TOPIC_PATTERN, parseTaskEvent, type TaskEvent, type TaskService } from './task-service.js';

/** What the original protocol's Ack carried: this connection's id and the daemon's pid and ppid. */
export interface TaskAck {
  readonly clientId: string;
  readonly pid: number;
  readonly ppid: number;
}

export interface TaskClientOptions extends ClientOptions {
  /**
   * Called with the reason when an event on `tasks.*` does not match its schema (it is dropped).
   * @default none (dropped silently)
   */
  readonly onInvalidEvent?: (problem: string, topic: string) => void;
}

type Listener = (event: TaskEvent) => void;

export class TaskClient {
  /** The underlying client (calls, status, reconnect events). */
  readonly client: Client<TaskService>;
  private readonly listeners = new Set<Listener>();
  private readonly onInvalid: TaskClientOptions['onInvalidEvent'];
  private subscribed: Promise<void> | undefined;

  constructor(client: Client<TaskService>, options: Pick<TaskClientOptions, 'onInvalidEvent'> = {}) {
    this.client = client;
    this.onInvalid = options.onInvalidEvent;
  }

  /** The daemon's Ack from the handshake. */
  get ack(): TaskAck {
    const info = this.client.serverInfo;
    if (info === undefined) throw createError('ERR_CONNECTION_CLOSED', 'no Ack: the task client is not connected to a task daemon', { fixes: ['await connectTasks() (or client.open()) before reading ack'] });
    return { clientId: info.clientId, pid: info.pid, ppid: info.ppid };
  }

  startTask(params: StartNewTaskParams): Promise<StartedTask> {
    return this.client.call('StartNewTask', params);
  }

  cancelTask(taskId: string): Promise<TaskCommandResult> {
    return this.client.call('CancelTask', { taskId });
  }

  closeTask(taskId: string): Promise<TaskCommandResult> {
    return this.client.call('CloseTask', { taskId });
  }

  resumeTask(taskId: string): Promise<TaskCommandResult> {
    return this.client.call('ResumeTask', { taskId });
  }

  /**
   * Calls `listener` with every task event of every task, in the order the daemon published
   * them. Resolves once subscribed. @returns a function that removes the listener
   */
  async onEvent(listener: Listener): Promise<() => void> {
    this.listeners.add(listener);
    try {
      await this.subscribe();
    } catch (err) {
      this.listeners.delete(listener);
      throw err;
    }
    return () => void this.listeners.delete(listener);
  }

  /**
   * Starts a task and calls `onEvent` with its events (from TaskCreated on) until TaskCompleted
   * or TaskAborted, which it resolves with. Rejects if the connection closes first.
   */
  run(params: StartNewTaskParams, onEvent: Listener = () => undefined): Promise<TaskEvent> {
    return this.watch(async () => (await this.startTask(params)).taskId, onEvent);
  }

  /** Resumes an aborted task and follows it like `run` (from TaskResumed on). */
  resumeAndFollow(taskId: string, onEvent: Listener = () => undefined): Promise<TaskEvent> {
    return this.watch(async () => (await this.resumeTask(taskId)).taskId, onEvent);
  }

  /** Follows a task that is running now, from its next event, like `run`. */
  follow(taskId: string, onEvent: Listener = () => undefined): Promise<TaskEvent> {
    return this.watch(() => Promise.resolve(taskId), onEvent);
  }

  /** Closes the connection (not a task: that is `closeTask`). */
  close(): Promise<void> {
    return this.client.close();
  }

  private subscribe(): Promise<void> {
    this.subscribed ??= this.client
      .subscribe(TASK_TOPIC_PATTERN, (data, topic) => {
        const parsed = parseTaskEvent(topic, data);
        if ('error' in parsed) {
          this.onInvalid?.(parsed.error, topic);
          return;
        }
        for (const l of [...this.listeners]) l(parsed.event);
      })
      .catch((err: unknown) => {
        this.subscribed = undefined;
        throw err;
      });
    return this.subscribed;
  }

  /** Subscribes first, then runs `begin`; events seen before the task id is known are kept and replayed. */
  private async watch(begin: () => Promise<string>, onEvent: Listener): Promise<TaskEvent> {
    const early: TaskEvent[] = [];
    let taskId: string | undefined;
    let settle: { resolve: (e: TaskEvent) => void; reject: (e: Error) => void } | undefined;
    const finished = new Promise<TaskEvent>((resolve, reject) => (settle = { resolve, reject }));
    finished.catch(() => undefined); // a close while `begin` runs rejects it before it is awaited: begin's error is the one thrown
    const deliver = (e: TaskEvent): void => {
      if (e.taskId !== taskId) return;
      onEvent(e);
      if (FINAL_TASK_EVENTS.has(e.event)) settle?.resolve(e);
    };
    const remove = await this.onEvent((e) => (taskId === undefined ? early.push(e) : deliver(e)));
    const onClose = (): void =>
      settle?.reject(connectionLost({ endpoint: this.client.endpoint, during: `task ${taskId ?? '(starting)'}`, fixes: ['start the task daemon again (sidewire tasks serve), then start or resume the task'] }));
    this.client.once('close', onClose);
    try {
      taskId = await begin();
      for (const e of early.splice(0)) deliver(e);
      return await finished;
    } finally {
      remove();
      this.client.off('close', onClose);
    }
  }
}

/** Connects to a task daemon (app `tasks` unless `options.app` says otherwise) and says hello. */
export async function connectTasks(options: TaskClientOptions = {}): Promise<TaskClient> {
  const { onInvalidEvent, ...clientOptions } = options;
  const client = await connect<TaskService>({ ...clientOptions, app: options.app ?? 'tasks' });
  return new TaskClient(client, onInvalidEvent === undefined ? {} : { onInvalidEvent });
}
