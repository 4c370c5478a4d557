/**
 * Every implementation the harness can run, in table order. Adding one (e.g. sidewire) means adding
 * `impl/<id>/server.ts` + `impl/<id>/client.ts` and an entry here.
 */

export interface ImplInfo {
  /** Directory name under benchmarks/impl and the `--only` name. */
  readonly id: string;
  /** Row label. */
  readonly label: string;
  /** `json` implementations send text (and base64 for blobs); `binary` ones send bytes. */
  readonly encoding: 'json' | 'binary';
  /** The npm package that must be installed in benchmarks/node_modules, if any. */
  readonly peer?: string;
  /** Implementation-specific scenarios it provides (see `ClientModule.ownScenarios`). */
  readonly ownScenarios?: readonly string[];
  /** One line on what the implementation is. */
  readonly description: string;
}

export const IMPLS: readonly ImplInfo[] = [
  {
    id: 'sidewire',
    label: 'sidewire (JSON mode)',
    encoding: 'json',
    ownScenarios: ['metrics'],
    description: 'sidewire serve() + connect({ mode: "json" }): JSON-RPC 2.0 over NDJSON, coalesced writes, $/hello at connect (the ratio baseline)',
  },
  {
    id: 'sidewire-binary',
    label: 'sidewire (binary mode)',
    encoding: 'binary',
    description: 'sidewire serve() + connect({ mode: "binary" }): JSON-RPC 2.0 as length-prefixed MessagePack frames, Buffers as bin, coalesced writes',
  },
  {
    id: 'raw-ndjson',
    label: 'raw net NDJSON',
    encoding: 'json',
    description: 'node:net, JSON-RPC 2.0 lines, JSON.stringify/parse, writes batched per microtask (the Node.js ceiling for JSON)',
  },
  {
    id: 'raw-lp',
    label: 'raw net length-prefix',
    encoding: 'binary',
    description: 'node:net, 4-byte length prefix + Buffers, writes batched (the transport ceiling)',
  },
  {
    id: 'node-ipc',
    label: 'node-ipc',
    encoding: 'json',
    peer: 'node-ipc',
    description: 'node-ipc v14, default "fast" profile (JSON {type,data} + \\f delimiter), one write per emit',
  },
  {
    id: 'zeromq',
    label: 'zeromq',
    encoding: 'binary',
    peer: 'zeromq',
    description: 'zeromq v6 (libzmq 4.3) DEALER/ROUTER over ipc://, multipart [header, payload], binary',
  },
  {
    id: 'vscode-jsonrpc',
    label: 'vscode-jsonrpc',
    encoding: 'json',
    peer: 'vscode-jsonrpc',
    description: 'vscode-jsonrpc over a unix socket (Content-Length framing), sendRequest/sendNotification',
  },
];

/** The id whose rows, once present, become the baseline of the ratio column ("sidewire ÷ peer"). */
export const SIDEWIRE_ID = 'sidewire';

/** True for sidewire's own implementations (`sidewire`, `sidewire-binary`): they load sidewire's compiled build. */
export function isSidewireImpl(id: string): boolean {
  return id === SIDEWIRE_ID || id.startsWith(`${SIDEWIRE_ID}-`);
}

/** The baseline while sidewire rows do not exist. */
export const FALLBACK_BASELINE_ID = 'raw-ndjson';

/** The implementation with this id (throws on an unknown id). */
export function implInfo(id: string): ImplInfo {
  const found = IMPLS.find((i) => i.id === id);
  if (!found) throw new Error(`unknown implementation "${id}"; known: ${IMPLS.map((i) => i.id).join(', ')}`);
  return found;
}
