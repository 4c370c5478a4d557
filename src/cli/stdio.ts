/**
 * The CLI as a Unix filter: when the reader of stdout goes away (`sidewire listen 'clock.*' | head -2`,
 * `sidewire status | head -1`), the command ends quietly with status 0, as a C tool killed by
 * SIGPIPE would in a pipeline — no EPIPE stack trace (docs/daemon.md "Exit codes").
 */
import { systemCode } from '../errors.js';

/** Exits 0 on EPIPE (or EOF-like errors) of stdout; ignores them on stderr. Other errors exit 1. */
export function quietOnClosedPipe(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, exit: (code: number) => void = (c) => process.exit(c)): void {
  const closed = (err: unknown): boolean => {
    const code = systemCode(err);
    return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ECONNRESET';
  };
  stdout.on('error', (err: unknown) => exit(closed(err) ? 0 : 1));
  stderr.on('error', (err: unknown) => {
    if (!closed(err)) exit(1);
  });
}
