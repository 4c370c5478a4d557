/**
 * Loads a peer library from benchmarks/node_modules. The specifier is a runtime string on purpose:
 * the root type check (tsconfig.test.json includes benchmarks/) must pass without the peers
 * installed, so each implementation declares the few peer types it uses itself.
 */
export async function importPeer(name: string): Promise<unknown> {
  try {
    return (await import(name)) as unknown;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `peer library "${name}" could not be loaded (${why}). ` +
        'Fix: install the benchmark peers with "npm install --prefix benchmarks" (or "cd benchmarks && npm ci").',
      { cause: err },
    );
  }
}
