/** `sidewire help` text: every command and every option (`sidewire CMD --help` has the details). */
export const USAGE = `sidewire — local IPC for daemons, sidecars, CLIs and hooks

Usage: sidewire <command> [options]          sidewire <command> --help   (or: sidewire help <command>)

Commands:
  doctor     show the platform, the endpoint that would be used and why, and every problem with its fix
  serve      run the reference daemon in the foreground (echo, sum, sleep, inbox, clock.tick, STATUS…)
  call       call a method:            sidewire call METHOD [JSON | - | @FILE]
  listen     print events as NDJSON:   sidewire listen TOPIC...   (reconnects when the daemon restarts)
  notify     send a notification:      sidewire notify METHOD [JSON | - | @FILE] [--durable]
  top        live counters of a server: connections, msgs/s, requests, errors, drops (not its own polling)
  status     show a daemon's state, pid, uptime, connections, version (--json: exact JSON)
  pause      pause a daemon (running → paused)
  resume     resume a daemon (paused → running)
  reload     make a daemon re-read its config (the old one stays on error)
  stop       stop a daemon gracefully and wait until it is gone
  tasks      task control (docs/tasks.md): tasks serve | tasks start TEXT [--follow] | tasks cancel|close|resume TASK_ID
  bridge     export a running local server's methods and events onto NATS: sidewire bridge --to nats://HOST:PORT
  help       show this text (help <command>: that command's help)

Options:
  -h, --help     help (alone: this text; after a command: that command's options, defaults, examples)
  -v, --version  print the version

Options for every command that talks to an endpoint:
  --app A        application name (runtime dir and env var <APP>_ENDPOINT)   default: sidewire
  --name N       service name (socket/discovery/pid file name)              default: the app name
  --endpoint E   unix:///abs/path.sock | ipc:///abs/path.sock | unix:@name | pipe://name | tcp://127.0.0.1:PORT | nats://HOST:PORT | auto
  --service S    on a nats:// endpoint: the service (subjects <S>.rpc.<method>, <S>.evt.<topic>)   default: the app name
                                                                           default: <APP>_ENDPOINT, else the platform default
  --json         machine-readable output

call, listen, notify, top, status, pause, resume, reload, stop:
  --token T      the token a TCP server requires            default: the token in the server's discovery file

call, notify, status, pause, resume, reload, stop:
  --timeout MS   how long to wait      default: call/notify 30000 (connect 5000), control commands 10000

notify only:
  --durable      spool it on disk first; delivered when a server runs

listen, top:
  --no-reconnect exit 1 when the connection is lost      default: reconnect (status lines on stderr)
  --once         the same as --no-reconnect

top only:
  --interval MS  time between refreshes                  default: 1000
  --count N      stop after N refreshes                  default: until Ctrl-C

serve only:
  --tick-ms MS          interval of clock.tick                                   default: 1000
  --config FILE         JSON config file, re-read on RELOAD / SIGHUP / sidewire reload
  --pid-file PATH       the pid file       default: <socket>.pid beside an explicit unix socket, else <runtime dir>/<name>.pid
  --allow-remote        allow a non-loopback tcp:// endpoint (prints a warning)   default: off
  --health-port N       GET /health and /metrics on http://127.0.0.1:N (0 = a free port, printed)
  --health-socket PATH  the same on a unix socket
  --zeromq ENDPOINT     also serve the methods to ZeroMQ REQ peers (ipc:///abs/path.sock, tcp://127.0.0.1:PORT)
  --zeromq-pub ENDPOINT publish the events to ZeroMQ SUB peers (frames: topic, JSON payload)
  --zeromq-socket S     rep (one request at a time) or router (concurrent)         default: rep

tasks (every subcommand; default --app tasks):
  --work-ms MS   serve, start: how long a simulated task works     default: 3000 (start: the daemon's)
  --follow       start, resume: print the task's events as NDJSON; exit 0 after TaskCompleted, 1 after TaskAborted
  --configuration JSON, --image DATA, --new-tab   start: the StartNewTask fields   default: {}, none, off

doctor only:
  --platform P   show what would happen on linux|darwin|freebsd|win32|wsl1|wsl2|cygwin|docker
  --zeromq E     also check a ZeroMQ endpoint (ipc:// or tcp://): valid here, live or stale, zeromq.js loads

Exit codes (every command): 0 ok; 1 failed at run time (the server refused or answered an error,
  the connection was lost, not usable); 2 bad arguments (unknown option, bad value, invalid --app/--name,
  bad or refused --endpoint); 3 the daemon is not running. A closed stdout (| head) ends a command with 0.
`;
