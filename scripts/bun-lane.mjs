// The Bun lane (`npm run test:bun`, docs/runtimes.md): which test files `bun test` runs and which
// it leaves to Node, and why. Each file runs in its own `bun test` process (scripts/run-tests.mjs
// --bun); child processes the tests spawn through `process.execPath` (the CLI, fixtures) are Bun too.
// An entry is a path prefix under test/; every exclusion says why, and docs/runtimes.md lists them.

/** [path prefix, why it does not run under Bun]. */
export const BUN_EXCLUDED = [
  ['test/architecture/', 'source analysis of src/ (import ranks, the error table): no runtime behaviour to test'],
  ['test/docs/', 'reads docs/ and src/ text: no runtime behaviour to test'],
  ['test/package/', 'npm pack/install and node-gyp builds: Node tooling, not the library'],
  ['test/stress/', 'the quick stress suite takes minutes under Node already; the lane must stay under ~5 minutes'],
  ['test/zeromq/', 'zeromq.js does not work under Bun (no libuv polling: the process would crash), so sidewire/zeromq refuses it with ERR_DEPENDENCY_MISSING; test/zeromq/zeromq-options.test.ts checks that refusal under real bun from Node'],
  ['test/framing/', 'pure codecs without I/O, run end to end under Bun by every client and server test; their property tests alone take ~2 minutes of the ~5'],
];

/** Why `file` is left out of the Bun lane, or undefined when it runs. */
export function bunExclusion(file) {
  return BUN_EXCLUDED.find(([prefix]) => file === prefix || file.startsWith(prefix))?.[1];
}
