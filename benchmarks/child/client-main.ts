/**
 * Client child process:
 * `node --import tsx child/client-main.ts --impl <id> --socket <path> --scenario <id> --params <json>`.
 * Prints `ready` once loaded, waits for the stdin line `go`, runs the scenario and prints `result`.
 */
import { argValue, errorMessage, report, waitForCommand } from '../lib/child-io.js';
import type { BenchClient, ClientModule } from '../lib/protocol.js';
import { peakRssBytes } from '../lib/rss.js';
import type { ScenarioParams } from '../lib/scenarios.js';
import { implInfo } from '../impl/registry.js';
import { runBulk } from '../scenarios/bulk.js';
import { runInflight } from '../scenarios/inflight.js';
import { runLatency } from '../scenarios/latency.js';
import { runOneway } from '../scenarios/oneway.js';

type SharedScenario = (client: BenchClient, params: ScenarioParams) => Promise<Record<string, number>>;

const SHARED: Readonly<Record<string, SharedScenario>> = {
  latency: runLatency,
  oneway: runOneway,
  inflight: runInflight,
  bulk: runBulk,
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const impl = implInfo(argValue(argv, 'impl'));
  const socketPath = argValue(argv, 'socket');
  const scenario = argValue(argv, 'scenario');
  const params = JSON.parse(argValue(argv, 'params')) as ScenarioParams;
  const mod = (await import(new URL(`../impl/${impl.id}/client.ts`, import.meta.url).href)) as ClientModule;
  report({ type: 'ready' });
  if (!(await waitForCommand('go'))) throw new Error('orchestrator went away before "go"');
  let metrics: Record<string, number>;
  const own = mod.ownScenarios?.[scenario];
  if (own) {
    metrics = await own({ socketPath }, params);
  } else {
    const shared = SHARED[scenario];
    if (!shared) throw new Error(`implementation ${impl.id} does not provide scenario "${scenario}"`);
    const client = await mod.connect({ socketPath });
    try {
      metrics = await shared(client, params);
    } finally {
      await Promise.race([client.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
    }
  }
  const peak = peakRssBytes();
  report({ type: 'result', metrics, ...(peak === undefined ? {} : { peakRssBytes: peak }) });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    report({ type: 'error', message: errorMessage(err) });
    process.exit(1);
  },
);
