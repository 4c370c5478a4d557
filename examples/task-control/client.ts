// The task-control client of the README (docs/tasks.md), run by test/examples/task-control.test.ts:
// the Ack, then two tasks — one followed to completion, one cancelled — with every event printed.
import { connectTasks } from 'sidewire/tasks';

const tasks = await connectTasks({ app: 'task-control' });
const { clientId, pid, ppid } = tasks.ack; // what node-ipc's Ack carried
console.log(`ack: client ${clientId}, daemon pid ${pid}, ppid ${ppid}`);

const doomed = await tasks.startTask({ configuration: {}, text: 'doomed' });
const cancelled = tasks.follow(doomed.taskId, (e) => console.log('doomed', e.event));
const completed = tasks.run({ configuration: { mode: 'code' }, text: 'write the docs' }, (e) => {
  console.log('docs', e.event, e.event === 'Message' ? e.message.text : '');
});
await tasks.cancelTask(doomed.taskId);

const [last, other] = await Promise.all([completed, cancelled]);
if (last.event === 'TaskCompleted') console.log('tokens in/out:', last.tokenUsage.totalTokensIn, last.tokenUsage.totalTokensOut);
if (other.event === 'TaskAborted') console.log('doomed was aborted:', other.reason);
await tasks.close();
