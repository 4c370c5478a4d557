// The task-control daemon of the README (docs/tasks.md), run by test/examples/task-control.test.ts.
// A task "works" in steps: one progress Message per step, progress saved for ResumeTask, and it
// stops at once when CancelTask/CloseTask aborts its signal.
import { setTimeout as sleep } from 'node:timers/promises';
import { createTaskDaemon, type TaskHandler } from 'sidewire/tasks';

const STEPS = 4;

const handler: TaskHandler = async (ctx) => {
  const first = typeof ctx.saved === 'number' ? ctx.saved : 0; // where a resumed task left off
  for (let step = first; step < STEPS; step++) {
    await sleep(250, undefined, { signal: ctx.signal }); // rejects when the task is cancelled
    ctx.save(step + 1);
    ctx.say(`${ctx.params.text}: step ${step + 1} of ${STEPS}`);
  }
  return {
    tokenUsage: { totalTokensIn: 120, totalTokensOut: 80, totalCost: 0.002, contextTokens: 200 },
    toolUsage: { read_file: { attempts: STEPS, failures: 0 } },
  };
};

const { daemon } = createTaskDaemon({ app: 'task-control', handler });
await daemon.start(); // SIGTERM / Ctrl-C stop it; running tasks get TaskAborted (reason "shutdown")
console.log(`task daemon ${process.pid} listening on ${daemon.endpoint}`);
