/**
 * Server child process: `node --import tsx child/server-main.ts --impl <id> --socket <path>`.
 * Prints `ready` once listening; on the stdin line `stop` closes and prints `stopped` with its peak RSS.
 */
import { argValue, errorMessage, report, waitForCommand } from '../lib/child-io.js';
import type { ServerModule } from '../lib/protocol.js';
import { peakRssBytes } from '../lib/rss.js';
import { implInfo } from '../impl/registry.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const impl = implInfo(argValue(argv, 'impl'));
  const socketPath = argValue(argv, 'socket');
  const mod = (await import(new URL(`../impl/${impl.id}/server.ts`, import.meta.url).href)) as ServerModule;
  const server = await mod.startServer({ socketPath });
  report({ type: 'ready' });
  await waitForCommand('stop');
  const peak = peakRssBytes();
  await Promise.race([server.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
  report({ type: 'stopped', ...(peak === undefined ? {} : { peakRssBytes: peak }) });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    report({ type: 'error', message: errorMessage(err) });
    process.exit(1);
  },
);
