/**
 * The task-control contract's schemas (docs/tasks.md): the four commands and every lifecycle
 * event, written with zod (they are Standard Schema validators, so the server checks command
 * params with them and answers -32602 with the issues). Plain data, no I/O.
 */
import { z } from 'zod';

/** Longest task id accepted, in characters. */
export const MAX_TASK_ID_LENGTH = 128;
/** Longest task text accepted, in characters (the server's message size limit applies too). */
export const MAX_TASK_TEXT_LENGTH = 1_000_000;
/** Most images one StartNewTask may carry. */
export const MAX_TASK_IMAGES = 32;

const taskId = z.string().min(1).max(MAX_TASK_ID_LENGTH);

/** `StartNewTask` params. `configuration` is free-form: the daemon's handler reads what it knows. */
export const startNewTaskSchema = z.strictObject({
  configuration: z.record(z.string(), z.unknown()),
  text: z.string().max(MAX_TASK_TEXT_LENGTH),
  images: z.array(z.string()).max(MAX_TASK_IMAGES).optional(),
  newTab: z.boolean().optional(),
});

/** `CancelTask`, `CloseTask`, `ResumeTask` params. */
export const taskIdSchema = z.strictObject({ taskId });

/** What StartNewTask answers. */
export const startedTaskSchema = z.object({ taskId });

/** A task's state as commands answer it. */
export const taskStateSchema = z.enum(['running', 'completed', 'aborted', 'closed']);

/** What CancelTask, CloseTask and ResumeTask answer. */
export const taskCommandResultSchema = z.object({ taskId, state: taskStateSchema });

/** Tokens a task used (the simulated handler makes them up). */
export const tokenUsageSchema = z.object({
  totalTokensIn: z.number().int().nonnegative(),
  totalTokensOut: z.number().int().nonnegative(),
  totalCost: z.number().nonnegative(),
  contextTokens: z.number().int().nonnegative(),
});

/** Per tool: how often it was tried and how often it failed. */
export const toolUsageSchema = z.record(z.string(), z.object({ attempts: z.number().int().nonnegative(), failures: z.number().int().nonnegative() }));

/** One progress message of a task. */
export const taskMessageSchema = z.object({
  /** Epoch milliseconds. */
  ts: z.number(),
  type: z.enum(['say', 'ask']),
  /** What kind of message: `text`, `tool`, `completion_result`, … */
  say: z.string().optional(),
  text: z.string().optional(),
  /** More text for the same message follows (an `updated` Message). */
  partial: z.boolean().optional(),
});

/** Fields every event has: the task and the daemon-wide event number (+1 per event, from 1). */
const base = { taskId, seq: z.number().int().positive() };

/** Why a task run ended without completing. */
export const abortReasonSchema = z.enum(['cancelled', 'closed', 'shutdown', 'failed']);

/** Every event's payload schema, by event name (the topic is `tasks.<name>`). */
export const taskEventSchemas = {
  TaskCreated: z.object({ ...base, text: z.string(), images: z.number().int().nonnegative(), newTab: z.boolean() }),
  TaskStarted: z.object(base),
  Message: z.object({ ...base, action: z.enum(['created', 'updated']), message: taskMessageSchema }),
  TaskCompleted: z.object({ ...base, tokenUsage: tokenUsageSchema, toolUsage: toolUsageSchema }),
  TaskAborted: z.object({ ...base, reason: abortReasonSchema, error: z.string().optional() }),
  TaskResumed: z.object(base),
  TaskClosed: z.object(base),
} as const;

export type StartNewTaskParams = z.infer<typeof startNewTaskSchema>;
export type TaskIdParams = z.infer<typeof taskIdSchema>;
export type StartedTask = z.infer<typeof startedTaskSchema>;
export type TaskState = z.infer<typeof taskStateSchema>;
export type TaskCommandResult = z.infer<typeof taskCommandResultSchema>;
export type TokenUsage = z.infer<typeof tokenUsageSchema>;
export type ToolUsage = z.infer<typeof toolUsageSchema>;
export type TaskMessage = z.infer<typeof taskMessageSchema>;
export type AbortReason = z.infer<typeof abortReasonSchema>;

/** Event names, in the order a task's run produces them. */
export type TaskEventName = keyof typeof taskEventSchemas;
/** The payload of event `E`. */
export type TaskEventPayload<E extends TaskEventName> = z.infer<(typeof taskEventSchemas)[E]>;
