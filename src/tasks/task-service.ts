/**
 * The task-control service as a `ServiceShape` (docs/tasks.md): methods `StartNewTask`,
 * `CancelTask`, `CloseTask`, `ResumeTask`; events on topics `tasks.<EventName>`, broadcast to
 * every subscribed client. Also the flat event record the client API and the CLI hand out
 * (`{ event: 'TaskStarted', taskId, seq }`) and the service's application error codes.
 */
import type { ServiceShape } from '../protocol/service.js';
import { ResponseError } from '../protocol/response-error.js';
import {
  taskEventSchemas,
  type StartNewTaskParams,
  type StartedTask,
  type TaskCommandResult,
  type TaskEventName,
  type TaskEventPayload,
  type TaskIdParams,
} from './task-schemas.js';

/** Every event topic starts with this: subscribe to `tasks.*` for all of them. */
export const TASK_TOPIC_PREFIX = 'tasks.';

/** The subscription pattern that matches every task event. */
export const TASK_TOPIC_PATTERN = `${TASK_TOPIC_PREFIX}*`;

/** Event names (`TaskCreated`, `TaskStarted`, `Message`, …). */
export const TASK_EVENT_NAMES = Object.keys(taskEventSchemas) as TaskEventName[];

/** The topic of event `name`: `tasks.<name>`. */
export type TaskTopic<E extends TaskEventName = TaskEventName> = `tasks.${E}`;

/** The topic an event is published on. */
export function taskTopic<E extends TaskEventName>(name: E): TaskTopic<E> {
  return `${TASK_TOPIC_PREFIX}${name}` as TaskTopic<E>;
}

/** The task-control service: use it as `connect<TaskService>()` / `createServer<TaskService>()`. */
export interface TaskService extends ServiceShape {
  methods: {
    StartNewTask: { params: StartNewTaskParams; result: StartedTask };
    CancelTask: { params: TaskIdParams; result: TaskCommandResult };
    CloseTask: { params: TaskIdParams; result: TaskCommandResult };
    ResumeTask: { params: TaskIdParams; result: TaskCommandResult };
  };
  events: { [E in TaskEventName as TaskTopic<E>]: TaskEventPayload<E> };
}

/** One event as the client API and `sidewire tasks start --follow` give it: its name plus its payload. */
export type TaskEvent = { [E in TaskEventName]: { readonly event: E } & TaskEventPayload<E> }[TaskEventName];

/** The events that end a task's run. */
export const FINAL_TASK_EVENTS: ReadonlySet<TaskEventName> = new Set<TaskEventName>(['TaskCompleted', 'TaskAborted']);

/**
 * Checks a received topic and payload against the event schemas.
 * @returns the event, or an error message when the topic is no task event or the payload does not fit
 */
export function parseTaskEvent(topic: string, data: unknown): { event: TaskEvent } | { error: string } {
  const name = topic.startsWith(TASK_TOPIC_PREFIX) ? topic.slice(TASK_TOPIC_PREFIX.length) : '';
  if (!Object.hasOwn(taskEventSchemas, name)) return { error: `'${topic}' is not a task event topic` };
  const parsed = taskEventSchemas[name as TaskEventName].safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { error: `invalid ${name} event: ${first?.message ?? 'rejected by schema'}${first !== undefined && first.path.length > 0 ? ` at ${first.path.join('.')}` : ''}` };
  }
  return { event: { event: name, ...parsed.data } as TaskEvent };
}

/**
 * The task service's application error codes (outside JSON-RPC's reserved -32768..-32000),
 * with `data.taskId` (docs/tasks.md "Errors").
 */
export const TaskErrorCodes = {
  /** No task with that id (never started, closed, or forgotten to keep within `maxTasks`). */
  NotFound: 1001,
  /** The task is not in a state that allows the command (e.g. CancelTask on a completed task). */
  WrongState: 1002,
  /** The daemon holds `maxTasks` running tasks: no room for another. */
  TooManyTasks: 1003,
} as const;

/** A task error as a JSON-RPC error answer. */
export function taskError(code: (typeof TaskErrorCodes)[keyof typeof TaskErrorCodes], message: string, taskId?: string): ResponseError {
  return new ResponseError(code, message, taskId === undefined ? undefined : { taskId });
}
