/**
 * Stress suites: `node --import tsx stress/run.ts [--quick] [--only bomb,memory,...] [--seed N] [--json FILE]`.
 *
 * Runs the suites in order (bomb, memory, latency, leak, chaos), each with its server and its
 * clients in fresh child processes, and prints one verdict line per suite —
 * `PASS bomb: 5,000,000/5,000,000 delivered in 12.3 s (406k msg/s)` or `FAIL …` — with its
 * figures indented below. Exits 1 when any suite broke its bound, 2 on bad arguments.
 * See docs/stress.md.
 */
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { ArgsError, parseArgs, USAGE } from './lib/args.js';
import type { Suite, SuiteResult } from './lib/suite.js';
import { bombSuite } from './suites/bomb.js';
import { chaosSuite } from './suites/chaos.js';
import { latencySuite } from './suites/latency.js';
import { leakSuite } from './suites/leak.js';
import { memorySuite } from './suites/memory.js';

const SUITES: readonly Suite[] = [bombSuite, memorySuite, latencySuite, leakSuite, chaosSuite];

function printResult(r: SuiteResult): void {
  console.log(`${r.pass ? 'PASS' : 'FAIL'} ${r.id}: ${r.summary}`);
  for (const f of r.figures) console.log(`    ${f}`);
  for (const f of r.failures) console.log(`    bound broken: ${f}`);
  if (r.elapsedMs !== undefined) console.log(`    (suite ran ${(r.elapsedMs / 1000).toFixed(1)} s)`);
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof ArgsError)) throw err;
    console.error(`${err.message}\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  const { quick, seed } = args;
  // Children inherit the environment: every sidewire client of the run uses this wire mode.
  if (args.mode !== undefined) process.env['SIDEWIRE_STRESS_MODE'] = args.mode;
  const mode = args.mode ?? 'client default';
  console.log(`sidewire stress (${quick ? 'quick' : 'full'}, seed ${seed}, client mode ${mode}, node ${process.version}, ${process.platform}, ${os.cpus().length} cpus, load ${os.loadavg()[0]!.toFixed(1)})`);
  const results: SuiteResult[] = [];
  for (const suite of SUITES.filter((s) => args.only.includes(s.id))) {
    const started = performance.now();
    let result: SuiteResult;
    try {
      result = await suite.run({ quick, seed, progress: (m) => process.stderr.write(`  … ${m}\n`) });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      result = { id: suite.id, pass: false, summary: `did not complete: ${message.split('\n')[0]}`, figures: [], failures: [message], data: {} };
    }
    result = { ...result, elapsedMs: performance.now() - started };
    results.push(result);
    printResult(result);
  }
  const failed = results.filter((r) => !r.pass);
  console.log(`(load average at the end: ${os.loadavg()[0]!.toFixed(1)})`);
  console.log(failed.length === 0 ? `all ${results.length} suites passed` : `${failed.length} of ${results.length} suites FAILED: ${failed.map((r) => r.id).join(', ')}`);
  if (args.json !== undefined) {
    writeFileSync(args.json, JSON.stringify({ quick, seed, mode, node: process.version, date: new Date().toISOString(), results }, null, 2) + '\n');
  }
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = await main();
