/**
 * CPU profiling of one benchmark child with `node:inspector` (`--cpu-prof` is not allowed in
 * NODE_OPTIONS and would also profile start-up): `startProfile()` before the measured work,
 * `stopProfile(file)` after it writes a `.cpuprofile` (Chrome DevTools format).
 * `summarizeProfile` prints self time per function, the heaviest first.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

let session: Session | undefined;

function post(method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session!.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** Starts sampling (every 100 µs). */
export async function startProfile(): Promise<void> {
  session = new Session();
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
}

/** Stops sampling and writes the profile to `file`. */
export async function stopProfile(file: string): Promise<void> {
  if (session === undefined) return;
  const { profile } = (await post('Profiler.stop')) as { profile: unknown };
  writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
  session = undefined;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
}

/** Self time per function (name + file:line), as `[label, percent]`, the heaviest first. */
export function summarizeProfile(file: string, top = 30): Array<[string, number]> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (const id of profile.samples) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    const where = frame.url === '' ? '' : ` ${frame.url.replace(/^.*\/(src|benchmarks|node_modules)\//, '$1/')}:${frame.lineNumber + 1}`;
    const label = `${frame.functionName || '(anonymous)'}${where}`;
    self.set(label, (self.get(label) ?? 0) + 1);
  }
  const total = profile.samples.length;
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([label, n]) => [label, (100 * n) / total]);
}
