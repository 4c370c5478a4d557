/**
 * The test-tool scenario of issue 24 with real processes: `sidewire tasks serve` runs the
 * reference task daemon; two subscribed clients watch every event while the CLI starts two tasks,
 * cancels one and follows the other to completion (`tasks start --follow`, exit 0); a followed
 * task that is cancelled ends `--follow` with exit 1. Every client (two TypeScript clients and a
 * plain Python one, python_task_watcher.py) must see every event, in the daemon's order
 * (consecutive `seq`), and the same list.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { collect, runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { tempDir } from '../helpers/names.js';
import { connectTasks, type TaskClient, type TaskEvent } from '../../src/tasks/index.js';

const WAIT_MS = 120_000;

/** A subscribed client that records every task event it gets. */
interface Observer {
  readonly client: TaskClient;
  readonly events: TaskEvent[];
  /** Resolves once `predicate` holds for the events seen (checked on each new event). */
  until(predicate: (events: readonly TaskEvent[]) => boolean): Promise<void>;
}

async function observe(endpoint: string): Promise<Observer> {
  const client = await connectTasks({ endpoint, reconnect: false });
  const events: TaskEvent[] = [];
  const waiters = new Set<() => void>();
  await client.onEvent((e) => {
    events.push(e);
    for (const w of [...waiters]) w();
  });
  return {
    client,
    events,
    until: (predicate) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`condition not met within ${WAIT_MS} ms; events: ${JSON.stringify(events.map((e) => e.event))}`)), WAIT_MS);
        const check = (): void => {
          if (!predicate(events)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
  };
}

/** A foreign subscriber: python_task_watcher.py, one JSON line per event (python3 is installed by .ci/run). */
interface Watcher {
  readonly child: ChildProcess;
  readonly ack: { clientId: string; pid: number; ppid: number };
  readonly events: TaskEvent[];
  until(predicate: (events: readonly TaskEvent[]) => boolean): Promise<void>;
}

async function watchInPython(socketPath: string): Promise<Watcher> {
  const script = fileURLToPath(new URL('./python_task_watcher.py', import.meta.url));
  const child = spawn('python3', [script, socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: TaskEvent[] = [];
  let ack: Watcher['ack'] | undefined;
  let buffered = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    let nl;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = JSON.parse(buffered.slice(0, nl)) as TaskEvent | { ready: true; ack: Watcher['ack'] };
      buffered = buffered.slice(nl + 1);
      if ('ready' in line) ack = line.ack;
      else events.push(line);
    }
    for (const w of [...waiters]) w();
  });
  const until = (predicate: (events: readonly TaskEvent[]) => boolean): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`python watcher: condition not met within ${WAIT_MS} ms; stderr=${stderr} events=${JSON.stringify(events.map((e) => e.event))}`)), WAIT_MS);
      const check = (): void => {
        if (!predicate(events)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`python watcher exited (${String(code)}): ${stderr}`))));
      waiters.add(check);
      check();
    });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`python watcher not ready within ${WAIT_MS} ms: ${stderr}`)), WAIT_MS);
    const check = (): void => {
      if (ack === undefined) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve();
    };
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`python watcher exited (${String(code)}): ${stderr}`))));
    waiters.add(check);
  });
  return { child, ack: ack!, events, until };
}

const names = (events: readonly TaskEvent[], taskId: string): string => events.filter((e) => e.taskId === taskId).map((e) => e.event).join(' ');
const finished = (taskId: string) => (events: readonly TaskEvent[]) => events.some((e) => e.taskId === taskId && (e.event === 'TaskCompleted' || e.event === 'TaskAborted'));

describe('task control end to end (real processes)', () => {
  const tmp = tempDir('tasks');
  const endpoint = `unix://${tmp.dir}/tasks.sock`;
  const env = { XDG_RUNTIME_DIR: tmp.dir, TASKS_ENDPOINT: undefined };
  let daemon: ChildProcess;
  let python: Watcher;
  const observers: Observer[] = [];

  before(async () => {
    daemon = spawnCli(['tasks', 'serve', '--endpoint', endpoint, '--work-ms', '4000'], env);
    await waitForOutput(daemon, /pid file: .*\n/, WAIT_MS);
    observers.push(await observe(endpoint), await observe(endpoint));
    python = await watchInPython(`${tmp.dir}/tasks.sock`);
  });

  let stopped = false;
  after(async () => {
    await Promise.all(observers.map((o) => o.client.close()));
    python?.child.kill('SIGTERM');
    if (!stopped) {
      const done = collect(daemon, WAIT_MS);
      daemon.kill('SIGTERM');
      await done.catch(() => undefined);
    }
    tmp.cleanup();
  });

  it('two tasks: one cancelled, one followed to completion; every client gets every event in order, and the Ack gives pid/ppid', async () => {
    const a = await runCli(['tasks', 'start', 'task A', '--endpoint', endpoint, '--work-ms', '60000'], env, WAIT_MS);
    assert.equal(a.code, 0, a.stderr);
    const started = JSON.parse(a.stdout) as { taskId: string; ack: { clientId: string; pid: number; ppid: number } };
    assert.equal(started.ack.pid, daemon.pid, 'the Ack names the daemon process');
    assert.equal(started.ack.ppid, process.pid, 'and its parent (this test spawned it)');
    assert.match(started.ack.clientId, /^\S+$/);
    const taskA = started.taskId;

    const follower = spawnCli(['tasks', 'start', 'task B', '--follow', '--endpoint', endpoint, '--work-ms', '3000'], env);
    const followed = collect(follower, WAIT_MS);
    await waitForOutput(follower, /"event":"TaskStarted"/, WAIT_MS);

    const cancel = await runCli(['tasks', 'cancel', taskA, '--endpoint', endpoint], env, WAIT_MS);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.deepEqual(JSON.parse(cancel.stdout), { taskId: taskA, state: 'aborted' });

    const b = await followed;
    assert.equal(b.code, 0, `--follow exits 0 after TaskCompleted: ${b.stderr}`);
    const lines = b.stdout.trim().split('\n').map((l) => JSON.parse(l) as TaskEvent);
    const taskB = lines[0]!.taskId;
    assert.match(names(lines, taskB), /^TaskCreated TaskStarted (Message )+TaskCompleted$/);
    assert.ok(lines.every((e) => e.taskId === taskB), '--follow prints only its own task');
    const last = lines.at(-1)!;
    assert.ok(last.event === 'TaskCompleted' && last.tokenUsage.totalTokensOut > 0 && Object.keys(last.toolUsage).length > 0, JSON.stringify(last));

    for (const o of observers) await o.until(finished(taskB));
    for (const [i, o] of observers.entries()) {
      assert.deepEqual(o.events.map((e) => e.seq), o.events.map((_, k) => k + 1), `client ${i} got every event from seq 1, in order, none twice`);
      assert.match(names(o.events, taskA), /^TaskCreated TaskStarted (Message )+TaskAborted$/, `client ${i}: task A`);
      assert.deepEqual(o.events.filter((e) => e.taskId === taskB), lines, `client ${i} saw exactly what --follow printed for task B`);
    }
    const aborted = observers[0]!.events.find((e) => e.taskId === taskA && e.event === 'TaskAborted');
    assert.ok(aborted?.event === 'TaskAborted' && aborted.reason === 'cancelled', JSON.stringify(aborted));
    assert.deepEqual(observers[1]!.events, observers[0]!.events, 'both clients got the same events');
    await python.until(finished(taskB));
    assert.deepEqual(python.events, observers[0]!.events, 'a Python client subscribed to tasks.* got the same events too');
    assert.deepEqual({ pid: python.ack.pid, ppid: python.ack.ppid }, { pid: daemon.pid, ppid: process.pid }, "the Python client's Ack ($/hello) names the daemon");
  });

  it('--follow exits 1 when the followed task is cancelled; the task resumes, and closes', async () => {
    const follower = spawnCli(['tasks', 'start', 'task C', '--follow', '--endpoint', endpoint, '--work-ms', '60000'], env);
    const followed = collect(follower, WAIT_MS);
    const out = await waitForOutput(follower, /"event":"TaskStarted"/, WAIT_MS);
    const taskC = (JSON.parse(out.split('\n')[0]!) as TaskEvent).taskId;
    await observers[0]!.until((events) => events.some((e) => e.taskId === taskC && e.event === 'Message'));
    const cancel = await runCli(['tasks', 'cancel', taskC, '--endpoint', endpoint, '--json'], env, WAIT_MS);
    assert.equal(cancel.code, 0, cancel.stderr);
    const c = await followed;
    assert.equal(c.code, 1, `--follow exits 1 after TaskAborted: ${c.stdout}${c.stderr}`);
    assert.match(c.stdout.trim().split('\n').at(-1)!, /^\{"event":"TaskAborted","taskId":"[^"]+","seq":\d+,"reason":"cancelled"\}$/);

    const resumed = await runCli(['tasks', 'resume', taskC, '--endpoint', endpoint], env, WAIT_MS);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(JSON.parse(resumed.stdout), { taskId: taskC, state: 'running' });
    const closed = await runCli(['tasks', 'close', taskC, '--endpoint', endpoint], env, WAIT_MS);
    assert.deepEqual(JSON.parse(closed.stdout), { taskId: taskC, state: 'closed' });
    for (const o of observers) await o.until((events) => events.some((e) => e.taskId === taskC && e.event === 'TaskClosed'));
    assert.match(names(observers[0]!.events, taskC), /^TaskCreated TaskStarted (Message )+TaskAborted TaskResumed (Message )*TaskAborted TaskClosed$/);
    const again = await runCli(['tasks', 'cancel', taskC, '--endpoint', endpoint], env, WAIT_MS);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no task .* \(code 1001\)/);
  });

  it('stopping the daemon aborts running tasks, and their TaskAborted (shutdown) reaches every client before it exits', async () => {
    const follower = spawnCli(['tasks', 'start', 'task D', '--follow', '--endpoint', endpoint, '--work-ms', '60000'], env);
    const followed = collect(follower, WAIT_MS);
    const out = await waitForOutput(follower, /"event":"TaskStarted"/, WAIT_MS);
    const taskD = (JSON.parse(out.split('\n')[0]!) as TaskEvent).taskId;
    const done = collect(daemon, WAIT_MS);
    stopped = true;
    daemon.kill('SIGTERM');
    const d = await followed;
    assert.equal(d.code, 1, d.stderr);
    assert.match(d.stdout.trim().split('\n').at(-1)!, /"event":"TaskAborted".*"reason":"shutdown"/);
    for (const o of [...observers, python]) await o.until(finished(taskD));
    assert.equal((await done).code, 0, 'tasks serve exits 0 after SIGTERM');
    for (const o of [...observers, python]) assert.match(names(o.events, taskD), /^TaskCreated TaskStarted (Message )+TaskAborted$/);
  });
});
