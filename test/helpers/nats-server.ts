/**
 * A real nats-server (Debian's `nats-server`, installed by .ci/run) on a free loopback port, with
 * JetStream and a temp store dir, for the NATS tests (docs/nats.md). `restart()` stops it and
 * starts it again on the same port and store, as an operator's restart would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServerHandle {
  readonly port: number;
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

function launch(port: number, store: string): Promise<ChildProcess> {
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nats-server did not get ready within 60 s:\n${log}`));
    }, 60_000);
    const onData = (d: Buffer): void => {
      log += d.toString();
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start nats-server (bash .ci/run installs it with apt-get): ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code}:\n${log}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Starts a nats-server for one test file. */
export async function startNatsServer(): Promise<NatsServerHandle> {
  const store = mkdtempSync(join(tmpdir(), 'sw-nats-'));
  const port = await freePort();
  let child = await launch(port, store);
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    async restart() {
      await stopChild(child);
      child = await launch(port, store);
    },
    async stop() {
      await stopChild(child);
      rmSync(store, { recursive: true, force: true });
    },
  };
}
