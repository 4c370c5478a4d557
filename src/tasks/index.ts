/**
 * `sidewire/tasks`: the task-control service (docs/tasks.md) — its contract (schemas, the
 * `TaskService` shape, event topics, error codes), the task daemon and runner, the simulated
 * reference handler, and the typed client.
 */
export {
  startNewTaskSchema,
  taskIdSchema,
  startedTaskSchema,
  taskStateSchema,
  taskCommandResultSchema,
  tokenUsageSchema,
  toolUsageSchema,
  taskMessageSchema,
  abortReasonSchema,
  taskEventSchemas,
  MAX_TASK_ID_LENGTH,
  MAX_TASK_TEXT_LENGTH,
  MAX_TASK_IMAGES,
} from './task-schemas.js';
export type {
  StartNewTaskParams,
  TaskIdParams,
  StartedTask,
  TaskState,
  TaskCommandResult,
  TokenUsage,
  ToolUsage,
  TaskMessage,
  AbortReason,
  TaskEventName,
  TaskEventPayload,
} from './task-schemas.js';
export { TASK_TOPIC_PREFIX, TASK_TOPIC_PATTERN, TASK_EVENT_NAMES, FINAL_TASK_EVENTS, TaskErrorCodes, taskTopic, parseTaskEvent } from './task-service.js';
export type { TaskService, TaskEvent, TaskTopic } from './task-service.js';
export { TaskRunner } from './task-runner.js';
export type { TaskHandler, TaskHandlerContext, TaskOutcome, TaskRunnerOptions } from './task-runner.js';
export { simulatedTask, MAX_SIMULATED_WORK_MS } from './simulated-task.js';
export type { SimulatedTaskOptions } from './simulated-task.js';
export { createTaskDaemon, installTaskService } from './task-daemon.js';
export type { TaskDaemon, TaskDaemonOptions, TaskServiceOptions } from './task-daemon.js';
export { TaskClient, connectTasks } from './task-client.js';
export type { TaskAck, TaskClientOptions } from './task-client.js';
