/** `sidewire help` text. */
export const USAGE = `sidewire — local IPC for daemons, sidecars, CLIs and hooks

Usage: sidewire <command> [options]

Commands:
  doctor     show the platform, the endpoint that would be used and why, and every problem with its fix
  serve      run the reference daemon in the foreground (echo, sum, clock.tick)
  call       call a method:            sidewire call METHOD [JSON]
  listen     print events as NDJSON:   sidewire listen TOPIC...
  notify     send a notification:      sidewire notify METHOD [JSON] [--durable]  (--durable: spooled if no server runs)
  top        live counters of a server: connections, msgs/s, requests, errors, drops (--count N, --interval MS)
  status     show a daemon's state, pid, uptime, connections, version (--json: exact JSON)
  pause      pause a daemon (running → paused)
  resume     resume a daemon (paused → running)
  reload     make a daemon re-read its config (the old one stays on error)
  stop       stop a daemon gracefully and wait until it is gone
  help       show this text

Options for every command that talks to an endpoint:
  --app A        application name (runtime dir and env var <APP>_ENDPOINT)   default: sidewire
  --name N       service name (socket/discovery file name)                   default: the app name
  --endpoint E   unix:///abs/path.sock | ipc:///abs/path.sock | unix:@name | pipe://name | tcp://127.0.0.1:PORT | auto
  --json         machine-readable output

serve only:
  --config FILE  JSON config file, re-read on RELOAD / SIGHUP / sidewire reload
  --health-port N       GET /health and /metrics on http://127.0.0.1:N (0 = a free port, printed)
  --health-socket PATH  the same on a unix socket

status, pause, resume, reload, stop:
  --timeout MS   how long to wait for the daemon                            default: 10000

doctor only:
  --platform P   show what would happen on linux|darwin|freebsd|win32|wsl1|wsl2|cygwin|docker

Exit codes: 0 ok, 1 failed / not usable, 2 bad arguments, 3 daemon not running.
`;
