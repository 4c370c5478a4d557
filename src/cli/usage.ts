/** `sidewire help` text. */
export const USAGE = `sidewire — local IPC for daemons, sidecars, CLIs and hooks

Usage: sidewire <command> [options]

Commands:
  doctor     show the platform, the endpoint that would be used and why, and every problem with its fix
  serve      run the reference daemon in the foreground (echo, sum, clock.tick)
  call       call a method:            sidewire call METHOD [JSON]
  listen     print events as NDJSON:   sidewire listen TOPIC...
  help       show this text

Options for every command that talks to an endpoint:
  --app A        application name (runtime dir and env var <APP>_ENDPOINT)   default: sidewire
  --name N       service name (socket/discovery file name)                   default: the app name
  --endpoint E   unix:///abs/path.sock | ipc:///abs/path.sock | unix:@name | pipe://name | tcp://127.0.0.1:PORT | auto
  --json         machine-readable output

doctor only:
  --platform P   show what would happen on linux|darwin|freebsd|win32|wsl1|wsl2|cygwin|docker

Exit codes: 0 ok, 1 failed / not usable, 2 bad arguments, 3 daemon not running.
`;
