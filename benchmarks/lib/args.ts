/**
 * Command-line options of `benchmarks/run.ts`.
 */
import { IMPLS } from '../impl/registry.js';
import { SCENARIOS, type ScenarioId } from './scenarios.js';

export interface RunOptions {
  /**
   * Tiny counts and one run: a smoke test of every implementation.
   * @default false
   */
  readonly quick: boolean;
  /**
   * Fresh-process runs per scenario and implementation (the table shows their median and min–max).
   * @default 5 (1 with --quick)
   */
  readonly runs: number;
  /**
   * Scenarios to run (`--only` names that are scenario ids).
   * @default every scenario
   */
  readonly scenarios: readonly ScenarioId[];
  /**
   * Implementations to run (`--only` names that are implementation ids).
   * @default every implementation
   */
  readonly impls: readonly string[];
  /**
   * Pin the client to CPU 0 and the server to CPU 1 with `taskset`: `true` (`--pin`: warn when
   * unavailable), `false` (`--no-pin`), or `undefined`: pinned wherever `taskset` works and there
   * are two CPUs.
   * @default undefined (pinned where possible)
   */
  readonly pin: boolean | undefined;
  /**
   * Where results go.
   * @default benchmarks/results (benchmarks/results/tmp with --quick)
   */
  readonly outDir: string | undefined;
  /**
   * Run nothing: print the tables of `<out>/latest.json` and redraw `<out>/latest.svg`.
   * @default false
   */
  readonly report: boolean;
  /** Print usage and exit. */
  readonly help: boolean;
}

export const USAGE = `Usage: node --import tsx benchmarks/run.ts [options]

Options:
  --quick             tiny counts, 1 run (smoke test; results go to benchmarks/results/tmp/)
  --runs N            fresh-process runs per scenario and implementation (default 5)
  --only a,b,...      scenario ids and/or implementation ids to run
                      scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}
                      implementations: ${IMPLS.map((i) => i.id).join(', ')}
  --pin               pin client to CPU 0 and server to CPU 1 (taskset); the default
                      wherever taskset works and there are 2 CPUs
  --no-pin            do not pin
  --out DIR           write results to DIR instead of benchmarks/results
  --report            run nothing: print the tables of latest.json and redraw latest.svg
  --help              this text`;

/** Parses `argv` (without node and script). Throws with a usage hint on bad input. */
export function parseArgs(argv: readonly string[]): RunOptions {
  let quick = false;
  let runs: number | undefined;
  let only: string[] = [];
  let pin: boolean | undefined;
  let outDir: string | undefined;
  let help = false;
  let report = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.includes('=') ? (arg.split(/=(.*)/s, 2) as [string, string]) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${name} needs a value\n\n${USAGE}`);
      return v;
    };
    switch (name) {
      case '--quick':
        quick = true;
        break;
      case '--runs':
        runs = Number(value());
        if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer\n\n${USAGE}`);
        break;
      case '--only':
        only = only.concat(value().split(',').map((s) => s.trim()).filter(Boolean));
        break;
      case '--pin':
        pin = true;
        break;
      case '--no-pin':
        pin = false;
        break;
      case '--out':
        outDir = value();
        break;
      case '--report':
        report = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new Error(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  const scenarioIds = SCENARIOS.map((s) => s.id as string);
  const implIds = IMPLS.map((i) => i.id);
  const unknown = only.filter((n) => !scenarioIds.includes(n) && !implIds.includes(n));
  if (unknown.length > 0) throw new Error(`--only: unknown name(s) ${unknown.join(', ')}\n\n${USAGE}`);
  const onlyScenarios = only.filter((n) => scenarioIds.includes(n)) as ScenarioId[];
  const onlyImpls = only.filter((n) => implIds.includes(n));
  return {
    quick,
    runs: runs ?? (quick ? 1 : 5),
    scenarios: onlyScenarios.length > 0 ? onlyScenarios : SCENARIOS.map((s) => s.id),
    impls: onlyImpls.length > 0 ? onlyImpls : implIds,
    pin,
    outDir,
    report,
    help,
  };
}
