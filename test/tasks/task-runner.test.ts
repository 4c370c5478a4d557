/**
 * TaskRunner (src/tasks/task-runner.ts) with a handler the test drives: event order and `seq`,
 * cancellation through the handler's signal, resume from saved progress, close, shutdown, a
 * handler failure, an invalid outcome, and the `maxTasks` bound.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseError } from '../../src/protocol/response-error.js';
import { TaskErrorCodes, TaskRunner, type TaskEventName, type TaskHandler, type TaskHandlerContext, type TaskOutcome } from '../../src/tasks/index.js';

const OUTCOME: TaskOutcome = { tokenUsage: { totalTokensIn: 1, totalTokensOut: 2, totalCost: 0, contextTokens: 3 }, toolUsage: { read_file: { attempts: 1, failures: 0 } } };
const PARAMS = { configuration: {}, text: 'do it' };

interface Recorded {
  readonly name: TaskEventName;
  readonly payload: Record<string, unknown>;
}

/** A handler that waits until the test calls `finish(taskId)`, or until its signal aborts. */
function controlled(): { handler: TaskHandler; contexts: TaskHandlerContext[]; finish: (taskId: string, outcome?: unknown) => void } {
  const contexts: TaskHandlerContext[] = [];
  const pending = new Map<string, (outcome: unknown) => void>();
  const handler: TaskHandler = (ctx) => {
    contexts.push(ctx);
    ctx.say(`run ${String(ctx.saved ?? 0)}`);
    return new Promise<TaskOutcome>((resolve, reject) => {
      pending.set(ctx.taskId, (o) => resolve(o as TaskOutcome));
      ctx.signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
    });
  };
  return { handler, contexts, finish: (taskId, outcome = OUTCOME) => pending.get(taskId)?.(outcome) };
}

function runner(handler: TaskHandler, maxTasks?: number): { tasks: TaskRunner; events: Recorded[] } {
  const events: Recorded[] = [];
  let n = 0;
  const tasks = new TaskRunner({
    publish: (name, payload) => events.push({ name, payload: payload as unknown as Record<string, unknown> }),
    handler,
    newId: () => `t${++n}`,
    ...(maxTasks === undefined ? {} : { maxTasks }),
  });
  return { tasks, events };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const list = (events: Recorded[], taskId: string): string => events.filter((e) => e.payload['taskId'] === taskId).map((e) => e.name).join(' ');

async function rejectsWith(p: Promise<unknown> | (() => unknown), code: number): Promise<void> {
  await assert.rejects(async () => (typeof p === 'function' ? p() : p), (err: unknown) => err instanceof ResponseError && err.code === code);
}

describe('TaskRunner', () => {
  it('runs a task: TaskCreated, TaskStarted, Message, TaskCompleted, with consecutive seq', async () => {
    const c = controlled();
    const { tasks, events } = runner(c.handler);
    assert.deepEqual(tasks.start({ ...PARAMS, images: ['a', 'b'], newTab: true }), { taskId: 't1' });
    await settle();
    c.finish('t1');
    await settle();
    assert.equal(list(events, 't1'), 'TaskCreated TaskStarted Message TaskCompleted');
    assert.deepEqual(events.map((e) => e.payload['seq']), [1, 2, 3, 4]);
    assert.deepEqual(events[0]!.payload, { taskId: 't1', text: 'do it', images: 2, newTab: true, seq: 1 });
    assert.deepEqual(events[3]!.payload, { taskId: 't1', ...OUTCOME, seq: 4 });
    assert.equal(tasks.stateOf('t1'), 'completed');
    await rejectsWith(tasks.cancel('t1'), TaskErrorCodes.WrongState);
    await rejectsWith(() => tasks.resume('t1'), TaskErrorCodes.WrongState);
  });

  it('cancel aborts the handler signal (TaskAborted cancelled); resume runs it again with what it saved', async () => {
    const c = controlled();
    const { tasks, events } = runner(c.handler);
    tasks.start(PARAMS);
    await settle();
    c.contexts[0]!.save(3);
    assert.deepEqual(await tasks.cancel('t1'), { taskId: 't1', state: 'aborted' });
    assert.equal(c.contexts[0]!.signal.aborted, true);
    c.contexts[0]!.say('too late'); // dropped: the run was aborted
    c.contexts[0]!.save(99); // ignored too
    assert.deepEqual(tasks.resume('t1'), { taskId: 't1', state: 'running' });
    await settle();
    assert.equal(c.contexts[1]!.saved, 3);
    c.finish('t1');
    await settle();
    assert.equal(list(events, 't1'), 'TaskCreated TaskStarted Message TaskAborted TaskResumed Message TaskCompleted');
    assert.equal(events.find((e) => e.name === 'TaskAborted')!.payload['reason'], 'cancelled');
  });

  it('close aborts a running task (reason closed), then TaskClosed; the id is gone', async () => {
    const c = controlled();
    const { tasks, events } = runner(c.handler);
    tasks.start(PARAMS);
    await settle();
    assert.deepEqual(await tasks.close('t1'), { taskId: 't1', state: 'closed' });
    assert.equal(list(events, 't1'), 'TaskCreated TaskStarted Message TaskAborted TaskClosed');
    assert.equal(events.find((e) => e.name === 'TaskAborted')!.payload['reason'], 'closed');
    await rejectsWith(tasks.cancel('t1'), TaskErrorCodes.NotFound);
    await rejectsWith(() => tasks.resume('nope'), TaskErrorCodes.NotFound);
  });

  it('stop aborts every running task with reason shutdown', async () => {
    const c = controlled();
    const { tasks, events } = runner(c.handler);
    tasks.start(PARAMS);
    tasks.start(PARAMS);
    await settle();
    assert.equal(tasks.running, 2);
    await tasks.stop();
    assert.equal(tasks.running, 0);
    assert.deepEqual(events.filter((e) => e.name === 'TaskAborted').map((e) => e.payload['reason']), ['shutdown', 'shutdown']);
  });

  it('a handler that throws, or returns an invalid outcome, ends in TaskAborted failed with the reason', async () => {
    const c = controlled();
    const { tasks, events } = runner(c.handler);
    tasks.start(PARAMS);
    await settle();
    c.finish('t1', { tokenUsage: { totalTokensIn: -1 } });
    await settle();
    const aborted = events.find((e) => e.name === 'TaskAborted')!;
    assert.equal(aborted.payload['reason'], 'failed');
    assert.match(String(aborted.payload['error']), /invalid outcome/);
    const failing = runner(() => Promise.reject(new Error('disk full')));
    failing.tasks.start(PARAMS);
    await settle();
    assert.deepEqual(failing.events.at(-1)!.payload, { taskId: 't1', reason: 'failed', error: 'disk full', seq: 3 });
  });

  it('regression: a task aborted before its handler ran ends (the handler is not called with an aborted signal)', async () => {
    const c = controlled();
    const { tasks, events } = runner(c.handler);
    tasks.start(PARAMS);
    await tasks.stop();
    assert.equal(c.contexts.length, 0);
    assert.equal(list(events, 't1'), 'TaskCreated TaskStarted TaskAborted');
  });

  it('limit: maxTasks forgets the oldest finished task, and refuses a new one when all run (1003)', async () => {
    const c = controlled();
    const { tasks } = runner(c.handler, 2);
    tasks.start(PARAMS);
    tasks.start(PARAMS);
    await settle();
    c.finish('t1');
    await settle();
    tasks.start(PARAMS); // t3: t1 (completed) is forgotten
    assert.equal(tasks.stateOf('t1'), undefined);
    assert.throws(() => tasks.start(PARAMS), (err: unknown) => err instanceof ResponseError && err.code === TaskErrorCodes.TooManyTasks);
    await tasks.stop();
  });
});
