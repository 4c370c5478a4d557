/**
 * Command line of `stress/run.ts`: `[--quick] [--only bomb,memory,...] [--seed N] [--json FILE]`.
 */
import { SUITE_IDS, type SuiteId } from './suite.js';

export interface RunArgs {
  /** Scaled-down sizes (what `npm test` runs). */
  readonly quick: boolean;
  /** Suites to run, in the canonical order. */
  readonly only: readonly SuiteId[];
  /** Seed of every random choice (client counts, chaos actions). */
  readonly seed: number;
  /** Also write the results as JSON to this file. */
  readonly json: string | undefined;
  /** Wire mode of the sidewire clients (undefined: the client's default). */
  readonly mode: 'json' | 'binary' | 'auto' | undefined;
}

export const USAGE = `usage: node --import tsx stress/run.ts [--quick] [--only ${SUITE_IDS.join(',')}] [--seed N] [--json FILE]
  --quick   scaled-down sizes (part of npm test; under a minute)
  --only    run only these suites (comma separated)
  --seed    seed of every random choice (default 1)
  --json    also write the figures as JSON to FILE
  --mode    wire mode of the sidewire clients (default: the client's default)`;

export class ArgsError extends Error {
  override name = 'ArgsError';
}

function isSuiteId(s: string): s is SuiteId {
  return (SUITE_IDS as readonly string[]).includes(s);
}

/** Parses argv (without node and the script). @throws ArgsError */
export function parseArgs(argv: readonly string[]): RunArgs | 'help' {
  let quick = false;
  let only: SuiteId[] = [...SUITE_IDS];
  let seed = 1;
  let json: string | undefined;
  let mode: RunArgs['mode'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new ArgsError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--quick':
        quick = true;
        break;
      case '--only': {
        const wanted = value().split(',').map((s) => s.trim()).filter((s) => s !== '');
        const bad = wanted.filter((s) => !isSuiteId(s));
        if (bad.length > 0) throw new ArgsError(`unknown suite(s) ${bad.join(', ')}; known: ${SUITE_IDS.join(', ')}`);
        only = SUITE_IDS.filter((s) => wanted.includes(s));
        break;
      }
      case '--seed': {
        const v = value();
        seed = Number(v);
        if (!Number.isSafeInteger(seed) || seed < 0) throw new ArgsError(`--seed must be a non-negative integer, got ${v}`);
        break;
      }
      case '--json':
        json = value();
        break;
      case '--mode': {
        const v = value();
        if (v !== 'json' && v !== 'binary' && v !== 'auto') throw new ArgsError(`--mode must be json, binary or auto, got ${v}`);
        mode = v;
        break;
      }
      case '--help':
      case '-h':
        return 'help';
      default:
        throw new ArgsError(`unknown argument ${arg}`);
    }
  }
  return { quick, only, seed, json, mode };
}
