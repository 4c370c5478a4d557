/**
 * The task service over a real socket (createTaskDaemon in this process, clients through
 * sidewire's client): commands are schema-checked (-32602 with issues), the TaskClient's Ack,
 * run() to completion, invalid events reported by the client; and the simulated handler's
 * resume-from-step under injected timers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, ResponseError, isSidewireError, type Client } from '../../src/index.js';
import { connectTasks, createTaskDaemon, installTaskService, simulatedTask, MAX_TASK_IMAGES, type TaskDaemon, type TaskHandlerContext, type TaskService } from '../../src/tasks/index.js';
import type { Timers } from '../../src/util/timers.js';
import { tempDir } from '../helpers/names.js';

interface WireIssue {
  message: string;
  path?: Array<string | number>;
}

async function invalidParams(client: Client, method: string, params: unknown): Promise<WireIssue[]> {
  try {
    await client.call(method, params);
  } catch (err) {
    assert.ok(err instanceof ResponseError, String(err));
    assert.equal(err.code, -32602, err.message);
    return (err.data as { issues: WireIssue[] }).issues;
  }
  throw new Error(`${method} accepted ${JSON.stringify(params)}`);
}

describe('task service', () => {
  const tmp = tempDir('tsv');
  const endpoint = `unix://${tmp.dir}/t.sock`;
  let kit: TaskDaemon;
  let raw: Client;

  before(async () => {
    kit = createTaskDaemon({ endpoint, pidFile: false, handleSignals: false, workMs: 100, env: { XDG_RUNTIME_DIR: tmp.dir } });
    await kit.daemon.start();
    raw = await connect({ endpoint, reconnect: false });
  });

  after(async () => {
    await raw.close();
    await kit.daemon.stop();
    tmp.cleanup();
  });

  it('invalid commands get -32602 with the schema issues', async () => {
    const bad = await invalidParams(raw, 'StartNewTask', { text: 5 });
    assert.deepEqual(bad.map((i) => i.path), [['configuration'], ['text']]);
    const extra = await invalidParams(raw, 'StartNewTask', { configuration: {}, text: 'x', newtab: true });
    assert.match(extra[0]!.message, /newtab/);
    const images = await invalidParams(raw, 'StartNewTask', { configuration: {}, text: 'x', images: Array.from({ length: MAX_TASK_IMAGES + 1 }, () => 'a') });
    assert.deepEqual(images[0]!.path, ['images']);
    for (const method of ['CancelTask', 'CloseTask', 'ResumeTask']) {
      assert.deepEqual((await invalidParams(raw, method, {}))[0]!.path, ['taskId']);
      assert.deepEqual((await invalidParams(raw, method, { taskId: '' }))[0]!.path, ['taskId']);
    }
    await assert.rejects(raw.call('CancelTask', { taskId: 'nope' }), (err: unknown) => err instanceof ResponseError && err.code === 1001 && (err.data as { taskId: string }).taskId === 'nope');
  });

  it('TaskClient: the Ack has clientId, pid and ppid; run() hands out the events until TaskCompleted', async () => {
    const tasks = await connectTasks({ endpoint, reconnect: false });
    try {
      assert.deepEqual(tasks.ack, { clientId: tasks.client.clientId, pid: process.pid, ppid: process.ppid });
      const seen: string[] = [];
      const last = await tasks.run({ configuration: {}, text: 'quick' }, (e) => seen.push(e.event));
      assert.equal(last.event, 'TaskCompleted');
      assert.equal(seen.join(' '), 'TaskCreated TaskStarted Message Message Message Message Message Message Message TaskCompleted');
    } finally {
      await tasks.close();
    }
  });

  it('an event that does not match its schema is reported by the client and not handed out', async () => {
    const problems: string[] = [];
    const tasks = await connectTasks({ endpoint, reconnect: false, onInvalidEvent: (p) => problems.push(p) });
    try {
      const got: string[] = [];
      await tasks.onEvent((e) => got.push(e.event));
      const reported = new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => (clearInterval(check), reject(new Error('no invalid event reported within 60 s'))), 60_000);
        const check = setInterval(() => problems.length > 0 && (clearInterval(check), clearTimeout(deadline), resolve()), 10);
      });
      kit.daemon.server.publish('tasks.TaskStarted', { taskId: 42 } as never);
      await reported;
      assert.match(problems[0]!, /invalid TaskStarted event: .* at taskId/);
      assert.deepEqual(got, []);
    } finally {
      await tasks.close();
    }
  });
});

describe('task client and a server that goes away', () => {
  it('follow() rejects with ERR_CONNECTION_LOST when the connection closes before the task ends', async () => {
    const tmp = tempDir('tsl');
    const endpoint = `unix://${tmp.dir}/t.sock`;
    const server = createServer<TaskService>({ endpoint });
    const runner = installTaskService(server, { workMs: 600_000 });
    await server.listen();
    const tasks = await connectTasks({ endpoint, reconnect: false });
    try {
      await tasks.onEvent(() => undefined); // subscribed before the server goes
      const { taskId } = await tasks.startTask({ configuration: {}, text: 'forever' });
      const followed = assert.rejects(tasks.follow(taskId), (err: unknown) => isSidewireError(err) && err.code === 'ERR_CONNECTION_LOST' && err.message.includes(`task ${taskId}`));
      await server.close(); // the runner was not stopped: no TaskAborted, the connection just ends
      await followed;
    } finally {
      await runner.stop();
      await tasks.close();
      tmp.cleanup();
    }
  });
});

describe('simulatedTask', () => {
  /** Timers the test fires by hand. */
  function manualTimers(): Timers & { fire(): void; readonly pending: number } {
    const queue = new Set<{ fn: () => void }>();
    return {
      setTimeout: (fn) => {
        const h = { fn, ref: () => h };
        queue.add(h);
        return h;
      },
      clearTimeout: (h) => void queue.delete(h as { fn: () => void }),
      now: () => 0,
      fire: () => {
        const [first] = queue;
        if (first === undefined) throw new Error('no timer pending');
        queue.delete(first);
        first.fn();
      },
      get pending() {
        return queue.size;
      },
    };
  }

  function context(saved: unknown, signal: AbortSignal, said: string[], saves: unknown[]): TaskHandlerContext {
    return { taskId: 't', params: { configuration: { workMs: 400 }, text: 'x' }, signal, saved, say: (t) => void said.push(t), save: (s) => void saves.push(s) };
  }

  it('saves each step, resumes from the saved one, and stops at once when aborted', async () => {
    const timers = manualTimers();
    const handler = simulatedTask({ steps: 4, timers });
    const ac = new AbortController();
    const said: string[] = [];
    const saves: unknown[] = [];
    const first = handler(context(undefined, ac.signal, said, saves));
    const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    await flush();
    timers.fire();
    await flush();
    ac.abort('cancelled');
    await assert.rejects(first, /aborted: cancelled/);
    assert.equal(timers.pending, 0, 'the pending timer was cleared');
    assert.deepEqual(saves, [1]);

    const again: string[] = [];
    const second = handler(context(1, new AbortController().signal, again, []));
    for (let i = 0; i < 3; i++) {
      await flush();
      timers.fire();
    }
    const outcome = await second;
    assert.equal(again[0], 'resuming at step 2 of 4');
    assert.equal(again.at(-1), 'done: x');
    assert.equal(outcome.toolUsage['read_file']?.attempts, 4);
  });

  it('refuses a workMs or steps out of range', () => {
    assert.throws(() => simulatedTask({ workMs: 0 }), RangeError);
    assert.throws(() => simulatedTask({ workMs: 3_600_001 }), RangeError);
    assert.throws(() => simulatedTask({ steps: 1.5 }), RangeError);
  });
});
