/**
 * The import rules of docs/architecture.md as code: reads the import graph of a source tree (every
 * `import`/`export … from`/`import()` the TypeScript pre-processor finds, so comments are not
 * imports) and lists every edge that breaks a rule. Used by import-rules.test.ts on `src/` and on
 * planted fixture trees.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One import: `from` and `to` are paths relative to the source root (`to` is a module name when it is not a file). */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

/**
 * Where each unit sits: a unit may import units of a lower rank, leaves, and itself. Units of the
 * same rank may not import each other except by SIBLING_ALLOWED. (docs/architecture.md, "Import rules")
 */
export const RANKS: ReadonlyMap<string, number> = new Map([
  ['cli', 9],
  ['index.ts', 8],
  ['tasks', 8],
  ['daemon', 7],
  ['zeromq', 7],
  ['nats', 7],
  ['server', 6],
  ['client', 6],
  ['text', 6],
  ['stream', 5],
  ['spool', 5],
  ['observability', 4],
  ['framing', 3],
  ['transport', 3],
  ['endpoint', 2],
  ['platform', 1],
]);

/** Usable from any unit; a leaf imports only leaves. */
export const LEAVES: ReadonlySet<string> = new Set(['protocol', 'util', 'errors.ts', 'version.ts']);

/** Same-rank imports that are allowed: the server plugs text mode in. */
const SIBLING_ALLOWED: ReadonlySet<string> = new Set(['server->text']);

/** What framing/ may import: pure codecs only. */
const FRAMING_MAY_IMPORT: ReadonlySet<string> = new Set(['framing', 'protocol', 'errors.ts', 'version.ts']);

/** Node modules that do I/O (framing/ imports none of them). */
const IO_MODULES: ReadonlySet<string> = new Set([
  'net', 'fs', 'fs/promises', 'child_process', 'http', 'https', 'http2', 'dgram', 'dns', 'dns/promises',
  'tls', 'worker_threads', 'cluster', 'os', 'readline', 'inspector',
]);

/** The unit of a path under the source root: its first folder, or the file name for a top-level file. */
export function unitOf(path: string): string {
  return path.split('/')[0] ?? path;
}

function isIoModule(spec: string): boolean {
  const bare = spec.startsWith('node:') ? spec.slice(5) : spec;
  return IO_MODULES.has(bare);
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Every import of every `.ts` file under `root`; relative specifiers become root-relative paths to `.ts` files. */
export function readImportGraph(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of listFiles(root)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const from = relative(root, file).split(sep).join('/');
    for (const { fileName: spec } of info.importedFiles) {
      if (!spec.startsWith('.')) {
        edges.push({ from, to: spec });
        continue;
      }
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      edges.push({ from, to: relative(root, target).split(sep).join('/') });
    }
  }
  return edges;
}

/** A module name (node:net, prom-client), not a file of the tree. */
function isModuleName(to: string): boolean {
  return !to.endsWith('.ts');
}

/** Every broken rule, one line each, naming the importing file, the imported file and the rule. */
export function checkImportRules(edges: readonly ImportEdge[]): string[] {
  const problems: string[] = [];
  const unitEdges = new Map<string, Set<string>>();
  const known = (unit: string) => RANKS.has(unit) || LEAVES.has(unit);
  for (const { from, to } of edges) {
    const a = unitOf(from);
    if (!known(a)) {
      problems.push(`${from}: unit "${a}" has no place in the import rules (add it to docs/architecture.md and test/architecture/import-graph.ts)`);
      continue;
    }
    if (to.startsWith('..')) {
      problems.push(`${from} -> ${to}: imports from outside the source tree`);
      continue;
    }
    if (isModuleName(to)) {
      if (a === 'framing' && isIoModule(to)) problems.push(`${from} -> ${to}: framing/ is pure codecs and imports nothing with I/O`);
      continue;
    }
    const b = unitOf(to);
    if (a === b) continue;
    if (!known(b)) {
      problems.push(`${from} -> ${to}: unit "${b}" has no place in the import rules`);
      continue;
    }
    let set = unitEdges.get(a);
    if (!set) unitEdges.set(a, (set = new Set()));
    set.add(b);
    const edge = `${from} -> ${to}`;
    if (b === 'cli') {
      problems.push(`${edge}: the library never imports cli/`);
      continue;
    }
    if ((a === 'server' && b === 'client') || (a === 'client' && b === 'server')) {
      problems.push(`${edge}: server/ and client/ never import each other`);
      continue;
    }
    if (a === 'stream' && (b === 'server' || b === 'client')) {
      problems.push(`${edge}: stream/ knows no server or client`);
      continue;
    }
    if (a === 'framing' && !FRAMING_MAY_IMPORT.has(b)) {
      problems.push(`${edge}: framing/ is pure codecs and imports only framing/, protocol/, errors.ts, version.ts`);
      continue;
    }
    if (LEAVES.has(b)) continue;
    if (LEAVES.has(a)) {
      problems.push(`${edge}: ${a} is a leaf and imports only leaves (protocol/, util/, errors.ts, version.ts)`);
      continue;
    }
    const ra = RANKS.get(a)!;
    const rb = RANKS.get(b)!;
    if (ra > rb) continue;
    if (ra === rb && SIBLING_ALLOWED.has(`${a}->${b}`)) continue;
    problems.push(`${edge}: ${b} sits ${ra === rb ? 'beside' : 'above'} ${a} in the import order`);
  }
  problems.push(...unitCycles(unitEdges));
  return problems;
}

/** Cycles between units (folders), each reported once as "a -> b -> … -> a". */
function unitCycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const cycles = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (unit: string): void => {
    state.set(unit, 'open');
    stack.push(unit);
    for (const next of graph.get(unit) ?? []) {
      if (state.get(next) === 'open') {
        const loop = stack.slice(stack.indexOf(next));
        const start = loop.indexOf([...loop].sort()[0]!);
        const canonical = [...loop.slice(start), ...loop.slice(0, start)];
        cycles.add(`units import each other in a cycle: ${[...canonical, canonical[0]].join(' -> ')}`);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(unit, 'done');
  };
  for (const unit of [...graph.keys()].sort()) if (!state.has(unit)) visit(unit);
  return [...cycles];
}

/** The imports of one file that stay at run time: type-only imports and re-exports are left out. */
function runtimeSpecifiers(text: string): string[] {
  const source = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, false);
  const out: string[] = [];
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier)) {
      const clause = s.importClause;
      const named = clause?.namedBindings;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) out.push(s.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(s) && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)) {
      const named = s.exportClause;
      const typeOnly = s.isTypeOnly || (named !== undefined && ts.isNamedExports(named) && named.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.push(s.moduleSpecifier.text);
    }
  }
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg !== undefined && ts.isStringLiteral(arg)) out.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/**
 * Every file and module loaded at run time by importing `entry` (root-relative), following
 * static and dynamic imports: what `import('sidewire/client')` costs.
 */
export function runtimeClosure(root: string, entry: string): { files: string[]; modules: string[] } {
  const files = new Set<string>();
  const modules = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of runtimeSpecifiers(readFileSync(join(root, file), 'utf8'))) {
      if (!spec.startsWith('.')) modules.add(spec);
      else stack.push(relative(root, resolve(dirname(join(root, file)), spec)).split(sep).join('/').replace(/\.js$/, '.ts'));
    }
  }
  return { files: [...files].sort(), modules: [...modules].sort() };
}
