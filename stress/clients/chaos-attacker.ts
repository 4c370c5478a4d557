/**
 * Chaos attacker process: on `{ type: 'attack', round, count, seed, concurrency, maxMessageBytes }`
 * runs `count` attacks (every kind once when count allows, the rest drawn at random), at most
 * `concurrency` at a time, each with its own seeded generator (so a seed replays the same bytes
 * whatever the timing), and reports `{ type: 'attacked', round, kinds, problems }`.
 */
import { emit, onCommands, readConfig } from '../lib/child-io.js';
import { Random } from '../lib/random.js';
import { ATTACK_KINDS, runAttack, type AttackKind } from './chaos-attacks.js';

interface AttackerConfig {
  readonly endpoint: string;
}

const config = readConfig<AttackerConfig>();

function plan(count: number, rng: Random): AttackKind[] {
  const kinds: AttackKind[] = count >= ATTACK_KINDS.length ? [...ATTACK_KINDS] : [];
  while (kinds.length < count) kinds.push(rng.pick(ATTACK_KINDS));
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds;
}

onCommands(async (command) => {
  if (command.type !== 'attack') return;
  const seed = command['seed'] as number;
  const rng = new Random(seed);
  const kinds = plan(command['count'] as number, rng);
  const seeds = kinds.map(() => rng.int(0, 2 ** 31));
  const counts: Record<string, number> = {};
  const problems: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < kinds.length) {
      const i = next++;
      const kind = kinds[i]!;
      counts[kind] = (counts[kind] ?? 0) + 1;
      const problem = await runAttack(kind, { endpoint: config.endpoint, maxMessageBytes: command['maxMessageBytes'] as number, rng: new Random(seeds[i]!) });
      if (problem !== undefined) problems.push(`${kind}: ${problem}`);
    }
  };
  await Promise.all(Array.from({ length: command['concurrency'] as number }, worker));
  emit({ type: 'attacked', round: command['round'], kinds: counts, problems });
});
emit({ type: 'ready' });
