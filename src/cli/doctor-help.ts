/** `sidewire doctor --help`: its options, defaults and examples (help.ts). */
import { ENDPOINT_HELP, formatHelp } from './help.js';

export const DOCTOR_HELP = formatHelp({
  usage: 'sidewire doctor [options]',
  summary:
    'Shows the platform, the endpoint a daemon would use and why, whether the runtime dir is safe, whether a\n' +
    'socket already there is live or stale, whether shared memory is available, whether abstract socket names are\n' +
    'exact (reachable from any language) — and every problem with its fix.\n' +
    'It only looks: it creates, removes and binds nothing. Exit 0 usable, 1 a problem, 2 bad arguments.',
  options: [
    ...ENDPOINT_HELP,
    { flag: '--platform P', text: 'show what would happen on linux|darwin|freebsd|win32|wsl1|wsl2|cygwin|docker', default: 'this machine' },
    { flag: '--zeromq ENDPOINT', text: 'also check a ZeroMQ endpoint (ipc:// or tcp://): valid here, live or stale, zeromq.js loads', default: 'off' },
  ],
  examples: ['sidewire doctor', 'sidewire doctor --app myapp --json', 'sidewire doctor --platform win32', 'sidewire doctor --zeromq ipc:///tmp/openkore-ai.sock --platform win32'],
});
