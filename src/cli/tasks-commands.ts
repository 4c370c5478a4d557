/**
 * `sidewire tasks start|cancel|close|resume`: a task client on the command line (docs/tasks.md
 * "Command line"). `start TEXT --follow` (and `resume ID --follow`) print the task's events as
 * NDJSON, one `{"event":"TaskStarted","taskId":…,"seq":…}` per line as they arrive, and exit 0
 * after TaskCompleted, 1 after TaskAborted.
 */
import { ResponseError } from '../protocol/response-error.js';
import { connectTasks, type TaskClient } from '../tasks/task-client.js';
import type { TaskEvent } from '../tasks/task-service.js';
import { clientOptionsFrom } from './call.js';
import { TOKEN_HELP, formatHelp, timeoutHelp, wantsHelp, type CommandHelp } from './help.js';
import { CLIENT_OPTIONS, EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';
import { positiveInt } from './serve.js';
import { TASKS_ENDPOINT_HELP } from './tasks.js';

const FOLLOW_HELP = { flag: '--follow', text: 'print the events of the task as NDJSON until it completes (exit 0) or aborts (exit 1)' };
const COMMON_HELP = [...TASKS_ENDPOINT_HELP, TOKEN_HELP, timeoutHelp('how long to wait for each answer (not for the task)', '30000')];

const START_HELP = formatHelp({
  usage: 'sidewire tasks start TEXT [options]',
  summary: 'Starts a task (StartNewTask) and prints {"taskId":…,"ack":{"clientId","pid","ppid"}}; with --follow, its events instead.',
  options: [
    ...COMMON_HELP,
    FOLLOW_HELP,
    { flag: '--work-ms MS', text: 'how long the simulated task works (sets configuration.workMs)', default: "the daemon's --work-ms (3000)" },
    { flag: '--configuration JSON', text: 'the task configuration (a JSON object)', default: '{}' },
    { flag: '--image DATA', text: 'an image (e.g. a data: URL); repeat for more', default: 'none' },
    { flag: '--new-tab', text: 'set newTab' },
  ],
  examples: ['sidewire tasks start "write the tests" --follow', 'sidewire tasks start "refactor" --work-ms 10000 --app tasks'],
});

function idHelp(verb: string, what: string): string {
  const help: CommandHelp = {
    usage: `sidewire tasks ${verb} TASK_ID [options]`,
    summary: `${what} Prints {"taskId":…,"state":…}.`,
    options: verb === 'resume' ? [...COMMON_HELP, FOLLOW_HELP] : COMMON_HELP,
    examples: [`sidewire tasks ${verb} 0b6d7c1e-5f0a-4c1e-9d55-6f1c2a3b4c5d`],
  };
  return formatHelp(help);
}

const OPTIONS = { ...CLIENT_OPTIONS, timeout: { type: 'string' }, follow: { type: 'boolean' } } as const;

async function withClient(values: Record<string, string | boolean | undefined>, io: CliIO, body: (client: TaskClient, json: boolean) => Promise<number>): Promise<number> {
  const timeoutMs = positiveInt(values['timeout'], 'timeout');
  const client = await connectTasks({
    ...clientOptionsFrom({ ...values, app: values['app'] ?? 'tasks' }, io),
    reconnect: false,
    ...(timeoutMs === undefined ? {} : { callTimeoutMs: timeoutMs }),
  });
  const json = values['json'] === true;
  try {
    return await body(client, json);
  } catch (err) {
    if (!(err instanceof ResponseError)) throw err;
    if (json) io.stdout(JSON.stringify({ ok: false, error: err.toJSON() }) + '\n');
    else io.stderr(`sidewire: ${err.message} (code ${err.code})${err.data === undefined ? '' : `\n${JSON.stringify(err.data)}`}\n`);
    return EXIT.failed;
  } finally {
    await client.close();
  }
}

/** Prints each event as one line; 0 when the final one is TaskCompleted, 1 otherwise. */
function printEvent(io: CliIO): (e: TaskEvent) => void {
  return (e) => io.stdout(JSON.stringify(e) + '\n');
}

/** `--configuration`: a JSON object, or `{}` when absent. */
function parseConfiguration(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--configuration is not valid JSON (${(err as Error).message}); quote it, e.g. '{"mode":"code"}'`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`--configuration must be a JSON object, e.g. '{"mode":"code"}', not ${text}`);
  return value as Record<string, unknown>;
}

export const tasksStart: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { ...OPTIONS, 'work-ms': { type: 'string' }, configuration: { type: 'string' }, image: { type: 'string', multiple: true }, 'new-tab': { type: 'boolean' } }, true);
  if (wantsHelp(values, positionals)) {
    io.stdout(START_HELP);
    return EXIT.ok;
  }
  const [text, ...extra] = positionals;
  if (text === undefined) throw new UsageError('missing TEXT, e.g. sidewire tasks start "write the tests" --follow');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}': quote the task text as one argument`);
  const workMs = positiveInt(values['work-ms'], 'work-ms');
  const configuration = parseConfiguration(values['configuration'] as string | undefined);
  const images = (values as Record<string, unknown>)['image'] as string[] | undefined;
  const params = {
    configuration: { ...configuration, ...(workMs === undefined ? {} : { workMs }) },
    text,
    ...(images === undefined ? {} : { images }),
    ...(values['new-tab'] === true ? { newTab: true } : {}),
  };
  return withClient(values, io, async (client) => {
    if (values['follow'] === true) {
      const last = await client.run(params, printEvent(io));
      return last.event === 'TaskCompleted' ? EXIT.ok : EXIT.failed;
    }
    const { taskId } = await client.startTask(params);
    io.stdout(JSON.stringify({ taskId, ack: client.ack }) + '\n');
    return EXIT.ok;
  });
};

function idCommand(verb: 'cancel' | 'close' | 'resume', what: string): Command {
  const help = idHelp(verb, what);
  return async (argv, io) => {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, true);
    if (wantsHelp(values, positionals)) {
      io.stdout(help);
      return EXIT.ok;
    }
    const [taskId, ...extra] = positionals;
    if (taskId === undefined) throw new UsageError(`missing TASK_ID, e.g. sidewire tasks ${verb} 0b6d7c1e-…`);
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (values['follow'] === true && verb !== 'resume') throw new UsageError('--follow is for start and resume');
    return withClient(values, io, async (client) => {
      if (verb === 'resume' && values['follow'] === true) {
        const last = await client.resumeAndFollow(taskId, printEvent(io));
        return last.event === 'TaskCompleted' ? EXIT.ok : EXIT.failed;
      }
      const result = verb === 'cancel' ? await client.cancelTask(taskId) : verb === 'close' ? await client.closeTask(taskId) : await client.resumeTask(taskId);
      io.stdout(JSON.stringify(result) + '\n');
      return EXIT.ok;
    });
  };
}

export const tasksCancel = idCommand('cancel', 'Aborts a running task (CancelTask): TaskAborted with reason "cancelled"; it can be resumed.');
export const tasksClose = idCommand('close', 'Aborts the task if it runs, then forgets it (CloseTask): TaskClosed.');
export const tasksResume = idCommand('resume', 'Runs an aborted task again from where it stopped (ResumeTask): TaskResumed, then its events.');
