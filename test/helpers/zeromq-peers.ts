/**
 * Real ZeroMQ peers from Debian packages for the `sidewire/zeromq` tests: Python (python3-zmq)
 * and Perl (libzmq-ffi-perl), both installed by `.ci/run`. A missing one FAILS the test that
 * needs it (with the package to install), never skips it.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (file: string): string => fileURLToPath(new URL(`../zeromq/${file}`, import.meta.url));

/** The peer scripts. */
export const PEER_SCRIPTS = {
  pythonReq: here('zmq_req.py'),
  pythonSub: here('zmq_sub.py'),
  pythonConcurrent: here('zmq_concurrent.py'),
  perlReq: here('zmq_req.pl'),
} as const;

let python: string | undefined;

/**
 * A python3 that imports zmq: Debian's /usr/bin/python3 first (where python3-zmq lives, even when
 * another python3 comes first on PATH), else python3.
 * @throws when none does, naming the package
 */
export function pythonWithZmq(): string {
  if (python !== undefined) return python;
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(candidate, ['-c', 'import zmq'], { stdio: 'ignore' });
      python = candidate;
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error('no python3 with pyzmq: install python3-zmq (apt-get install python3-zmq; .ci/run does)');
}

/** @throws when perl cannot load ZMQ::FFI, naming the package */
export function perlWithZmq(): string {
  try {
    execFileSync('perl', ['-MZMQ::FFI', '-e', '1'], { stdio: 'ignore' });
    return 'perl';
  } catch {
    throw new Error('perl cannot load ZMQ::FFI: install libzmq-ffi-perl (apt-get install libzmq-ffi-perl; .ci/run does)');
  }
}

/** Runs `command args` with `input` on stdin; resolves its stdout lines (rejects on a non-zero exit). */
export function runPeer(command: string, args: readonly string[], input = '', timeoutMs = 180_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, [...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout.split('\n').slice(0, -1));
    });
    child.stdin?.end(input);
  });
}

/** Sends `requests` (one message each) through a REQ peer (`python` or `perl`) and parses the replies ('' stays ''). */
export async function requestThrough(peer: 'python' | 'perl', endpoint: string, requests: readonly unknown[]): Promise<unknown[]> {
  const input = requests.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
  const lines = peer === 'python' ? await runPeer(pythonWithZmq(), [PEER_SCRIPTS.pythonReq, endpoint], input) : await runPeer(perlWithZmq(), [PEER_SCRIPTS.perlReq, endpoint], input);
  return lines.map((line) => (line === '' ? '' : (JSON.parse(line) as unknown)));
}

/** Starts a Python SUB peer on `endpoint` for `count` messages under `prefix`; resolves once it has subscribed. */
export async function startSubscriber(endpoint: string, prefix: string, count: number): Promise<{ child: ChildProcess; lines: Promise<string[]> }> {
  const child = spawn(pythonWithZmq(), [PEER_SCRIPTS.pythonSub, endpoint, prefix, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const lines = new Promise<string[]>((resolve, reject) => {
    child.once('close', (code) => (code === 0 ? resolve(out.split('\n').slice(0, -1)) : reject(new Error(`python SUB exited ${String(code)}: ${err}`))));
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`python SUB did not subscribe within 60 s: ${err}`)), 60_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (err.includes('subscribed')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('close', () => {
      clearTimeout(timer);
      reject(new Error(`python SUB exited before subscribing: ${err}`));
    });
  });
  return { child, lines };
}
