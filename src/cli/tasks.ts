/**
 * `sidewire tasks SUBCOMMAND`: the task-control service (docs/tasks.md). `serve` runs the
 * reference task daemon; `start`, `cancel`, `close`, `resume` talk to one (tasks-commands.ts).
 * Every subcommand defaults to app `tasks`.
 */
import { ENDPOINT_HELP, formatHelp, wantsHelp } from './help.js';
import { ENDPOINT_OPTIONS, EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';
import { positiveInt } from './serve.js';
import { servePidFile } from './serve-identity.js';

/** The endpoint options' help with the tasks default app. */
export const TASKS_ENDPOINT_HELP = ENDPOINT_HELP.map((o) => (o.flag === '--app A' ? { ...o, default: 'tasks' } : o));

const HELP = formatHelp({
  usage: 'sidewire tasks serve|start|cancel|close|resume [options]',
  summary:
    'Task control (docs/tasks.md): serve runs the reference task daemon; start TEXT starts a task (--follow prints its\n' +
    'events as NDJSON until it completes: exit 0, or aborts: exit 1); cancel|close|resume TASK_ID. `sidewire tasks SUB --help` for each.',
  options: TASKS_ENDPOINT_HELP,
  examples: ['sidewire tasks serve', 'sidewire tasks start "write the tests" --follow', 'sidewire tasks cancel 6f1c…'],
});

const SERVE_HELP = formatHelp({
  usage: 'sidewire tasks serve [options]',
  summary:
    'Runs the reference task daemon in the foreground: methods StartNewTask, CancelTask, CloseTask, ResumeTask; events tasks.*\n' +
    '(TaskCreated, TaskStarted, Message, TaskCompleted, TaskAborted, TaskResumed, TaskClosed); simulated work with progress\n' +
    'messages. Ctrl-C, SIGTERM or sidewire stop --app tasks end it (running tasks are aborted, exit 0).',
  options: [
    ...TASKS_ENDPOINT_HELP,
    { flag: '--work-ms MS', text: "how long a simulated task works (a task's configuration.workMs overrides it)", default: '3000' },
    { flag: '--pid-file PATH', text: 'the pid file', default: '<socket>.pid beside an explicit unix socket; else <runtime dir>/<name>.pid' },
  ],
  examples: ['sidewire tasks serve', 'sidewire tasks serve --work-ms 500 --endpoint unix:///tmp/tasks.sock'],
});

const SUBCOMMANDS: Record<string, () => Promise<Command>> = {
  serve: () => Promise.resolve(tasksServe),
  start: async () => (await import('./tasks-commands.js')).tasksStart,
  cancel: async () => (await import('./tasks-commands.js')).tasksCancel,
  close: async () => (await import('./tasks-commands.js')).tasksClose,
  resume: async () => (await import('./tasks-commands.js')).tasksResume,
};

export const tasks: Command = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    io.stdout(HELP);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  const load = SUBCOMMANDS[sub];
  if (load === undefined) throw new UsageError(`unknown tasks subcommand '${sub}': use serve, start, cancel, close or resume`);
  return (await load())(rest, io);
};

const tasksServe: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { ...ENDPOINT_OPTIONS, 'work-ms': { type: 'string' }, 'pid-file': { type: 'string' } }, true);
  if (wantsHelp(values, positionals)) {
    io.stdout(SERVE_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const workMs = positiveInt(values['work-ms'], 'work-ms');
  if (workMs !== undefined && workMs > 3_600_000) throw new UsageError('--work-ms must be at most 3600000 (an hour)');
  if (values['pid-file'] === '') throw new UsageError('--pid-file needs a path');
  const app = (values['app'] as string | undefined) ?? 'tasks';
  const name = values['name'] as string | undefined;
  const endpoint = values['endpoint'] as string | undefined;
  const pidFile = servePidFile({ app, name, endpoint, pidFile: values['pid-file'] as string | undefined, allowRemote: false, env: io.env });
  const { createTaskDaemon } = await import('../tasks/task-daemon.js');
  const { daemon } = createTaskDaemon({
    app,
    ...(name === undefined ? {} : { name }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(pidFile === undefined ? {} : { pidFile }),
    ...(workMs === undefined ? {} : { workMs }),
    env: io.env,
    onWarning: (m) => io.stderr(`sidewire: warning: ${m}\n`),
  });
  await daemon.start();
  if (values['json'] === true) {
    io.stdout(JSON.stringify({ endpoint: daemon.endpoint, discoveryPath: daemon.server.discoveryPath ?? null, pid: process.pid, pidFile: daemon.pidFile ?? null }) + '\n');
  } else {
    io.stdout(`listening on ${daemon.endpoint}\n`);
    if (daemon.pidFile !== undefined) io.stdout(`pid file: ${daemon.pidFile}\n`);
  }
  const stopped = await daemon.stopped;
  if (values['json'] !== true) io.stdout(`${stopped.reason}: stopped\n`);
  return EXIT.ok;
};
