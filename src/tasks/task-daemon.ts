/**
 * The task daemon (docs/tasks.md): the daemon kit (pid file, signals, STATUS/PAUSE/…, graceful
 * stop) serving the task-control contract. `installTaskService` puts the four commands, with
 * their zod schemas, on any `Server<TaskService>`; `createTaskDaemon` is the reference daemon
 * behind `sidewire tasks serve` (simulated work unless you pass your own handler).
 */
import { createDaemon, type Daemon } from '../daemon/daemon.js';
import type { DaemonOptions } from '../daemon/daemon-options.js';
import type { Server } from '../server/server.js';
import { simulatedTask } from './simulated-task.js';
import { TaskRunner, type TaskHandler } from './task-runner.js';
import { taskIdSchema, startNewTaskSchema } from './task-schemas.js';
import { taskTopic, type TaskService } from './task-service.js';

export interface TaskServiceOptions {
  /**
   * Does each task's work; its `ctx.signal` is aborted by CancelTask, CloseTask and shutdown.
   * @default simulatedTask({ workMs }): steps with progress messages
   */
  readonly handler?: TaskHandler;
  /**
   * Work time of the default simulated handler (a task's `configuration.workMs` overrides it).
   * @default 3000
   */
  readonly workMs?: number;
  /**
   * Most tasks kept; the oldest finished one is forgotten when full.
   * @default 1000
   */
  readonly maxTasks?: number;
}

/**
 * Registers StartNewTask, CancelTask, CloseTask and ResumeTask (params checked by their schemas:
 * -32602 with `data.issues`) and publishes the events on `tasks.<EventName>`.
 * @returns the task table (call `stop()` on it before the server closes)
 */
export function installTaskService(server: Server<TaskService>, options: TaskServiceOptions = {}): TaskRunner {
  const runner = new TaskRunner({
    publish: (name, payload) => void server.publish(taskTopic(name), payload as never),
    handler: options.handler ?? simulatedTask(options.workMs === undefined ? {} : { workMs: options.workMs }),
    ...(options.maxTasks === undefined ? {} : { maxTasks: options.maxTasks }),
  });
  server.method('StartNewTask', (params) => runner.start(params), { params: startNewTaskSchema, description: 'start a task: {configuration, text, images?, newTab?} → {taskId}' });
  server.method('CancelTask', ({ taskId }) => runner.cancel(taskId), { params: taskIdSchema, description: 'abort a running task (it stays resumable)' });
  server.method('CloseTask', ({ taskId }) => runner.close(taskId), { params: taskIdSchema, description: 'abort a task if it runs, then forget it' });
  server.method('ResumeTask', ({ taskId }) => runner.resume(taskId), { params: taskIdSchema, description: 'run an aborted task again from where it stopped' });
  return runner;
}

export interface TaskDaemonOptions extends Omit<DaemonOptions<TaskService>, 'setup'>, TaskServiceOptions {}

/** A daemon kit serving the task service, with its task table. */
export interface TaskDaemon {
  readonly daemon: Daemon<TaskService>;
  readonly tasks: TaskRunner;
}

/**
 * The reference task daemon: `createDaemon` with app `tasks` by default, the task service
 * installed, and running tasks aborted (TaskAborted, reason `shutdown`) when it stops.
 * Call `daemon.start()`.
 */
export function createTaskDaemon(options: TaskDaemonOptions = {}): TaskDaemon {
  const { handler, workMs, maxTasks, ...daemonOptions } = options;
  const daemon = createDaemon<TaskService>({
    ...daemonOptions,
    app: options.app ?? 'tasks',
    // the closures below run after `tasks` is set (status and stop come after construction)
    status: () => ({ ...options.status?.(), tasksRunning: tasks.running }),
    onStop: async () => {
      await tasks.stop();
      await options.onStop?.();
    },
  });
  const tasks = installTaskService(daemon.server, {
    ...(handler === undefined ? {} : { handler }),
    ...(workMs === undefined ? {} : { workMs }),
    ...(maxTasks === undefined ? {} : { maxTasks }),
  });
  // abort running tasks as the daemon starts stopping, so their TaskAborted still reaches clients
  daemon.on('state', (change) => {
    if (change.to === 'stopping') void tasks.stop();
  });
  return { daemon, tasks };
}
