/**
 * The folders of src/ are layers (docs/architecture.md): an import goes down, never up, so the
 * folder-level import graph has no cycle. This test builds that graph with a small regex scanner
 * (every relative `import`/`export … from` and `import()`, type-only ones included: a type
 * import couples the folders just as much) and fails on any cycle, printing it with one import
 * per step. codemods/ counts as one node. It also holds the rules' limits (no file access, no
 * printing) and the module-state check (no module-level cache: see "module state" below).
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from './helpers/repo.js';

type Graph = Map<string, Map<string, string>>;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** The node a repository path belongs to: `codemods`, a folder of src/, or a file at src/'s top. */
function nodeOf(file: string): string | undefined {
  const parts = file.split('/');
  if (parts[0] === 'codemods') return 'codemods';
  if (parts[0] !== 'src') return undefined;
  return parts.length > 2 ? (parts[1] as string) : `src/${parts[1]}`;
}

/** The module specifiers a file imports: static imports and re-exports (also multi-line), and dynamic import(). */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  const statement = /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/gm;
  const bare = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;
  const dynamic = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const re of [statement, bare, dynamic]) for (const m of text.matchAll(re)) out.push(m[1] as string);
  return out;
}

/** Folder-level edges, each with one import that makes it (for the message). */
function importGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of [...sourceFiles('src'), ...sourceFiles('codemods')]) {
    const from = nodeOf(file) as string;
    if (!graph.has(from)) graph.set(from, new Map());
    for (const spec of specifiers(readFileSync(path.join(ROOT, file), 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      const to = nodeOf(target);
      if (to === undefined || to === from) continue;
      const edges = graph.get(from) as Map<string, string>;
      if (!edges.has(to)) edges.set(to, `${file} imports ${spec}`);
    }
  }
  return graph;
}

/** Every strongly connected component with more than one node, as one cycle through it. */
export function cycles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = new Set<string>();
    for (let w = stack.pop(); ; w = stack.pop()) {
      onStack.delete(w as string);
      component.add(w as string);
      if (w === v) break;
    }
    if (component.size > 1) found.push(cycleThrough(graph, component));
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** One concrete cycle inside a strongly connected component: a shortest way back to its first node. */
function cycleThrough(graph: Graph, component: Set<string>): string[] {
  const start = [...component].sort()[0] as string;
  const back = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift() as string;
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const cycle = [v];
        for (let u = v; u !== start; ) cycle.unshift((u = back.get(u) as string));
        return [...cycle, start];
      }
      if (!back.has(w)) {
        back.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

function describeCycle(graph: Graph, cycle: string[]): string {
  const steps = cycle.slice(1).map((to, i) => `  ${cycle[i]} → ${to}: ${graph.get(cycle[i] as string)?.get(to)}`);
  return `${cycle.join(' → ')}\n${steps.join('\n')}`;
}

describe('the folder import graph', () => {
  const graph = importGraph();

  it('has no cycle', () => {
    const found = cycles(graph).map((c) => describeCycle(graph, c));
    expect(found, `import cycles between folders:\n${found.join('\n\n')}`).toEqual([]);
  });

  it('is what the scanner sees (it finds the imports that must be there)', () => {
    // A scanner that found nothing would pass the test above for the wrong reason.
    expect([...(graph.get('cli')?.keys() ?? [])]).toContain('pipeline');
    expect([...(graph.get('pipeline')?.keys() ?? [])]).toEqual(expect.arrayContaining(['engine', 'config', 'git', 'workspace']));
    expect([...(graph.get('codemods')?.keys() ?? [])]).toEqual(expect.arrayContaining(['facts', 'formats', 'model']));
    expect(specifiers("import type {\n  A,\n  B,\n} from '../x/a.js';\nexport { c } from './c.js';\nconst m = await import('../y/m.js');\nimport './side.js';\nconst s = 'import x from \"nope\"';")).toEqual(['../x/a.js', './c.js', './side.js', '../y/m.js']);
  });

  it('the cycle finder names a cycle and the imports that make it', () => {
    const g: Graph = new Map([
      ['a', new Map([['b', 'a.ts imports b']])],
      ['b', new Map([['c', 'b.ts imports c']])],
      ['c', new Map([['a', 'c.ts imports a']])],
      ['d', new Map([['a', 'd.ts imports a']])],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c', 'a']]);
    expect(describeCycle(g, ['a', 'b', 'c', 'a'])).toBe('a → b → c → a\n  a → b: a.ts imports b\n  b → c: b.ts imports c\n  c → a: c.ts imports a');
  });
});

describe('the rules and what they build on', () => {
  // Rules get everything through their context: no file access, no processes, no output. The
  // facts and formats they call are held to the same (the workspace reads the files).
  const lower = [...sourceFiles('codemods'), ...sourceFiles('src/facts'), ...sourceFiles('src/formats'), ...sourceFiles('src/model')];
  it('do not import file-system, process or network modules, and do not print', () => {
    const offences: string[] = [];
    for (const file of lower) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      for (const spec of specifiers(text)) if (/^(node:)?(fs|fs\/promises|child_process|net|http|https)$/.test(spec)) offences.push(`${file} imports ${spec}`);
      if (/\bconsole\.(log|error|warn|info|debug|trace|dir|table)\b|process\.(stdout|stderr)\b/.test(text)) offences.push(`${file} prints`);
    }
    expect(offences).toEqual([]);
  });
});

/**
 * A collection a module holds and a function fills, in `file`: each one `file:line name (why)`.
 * Module-level `Map`/`Set`/`WeakMap`/`WeakSet` bindings are looked at (read with the TypeScript
 * parser, not a regex). A `WeakMap`/`WeakSet` is only ever a memo, so it is always named; a
 * `Map`/`Set` is named when code inside a function (run time, not load time) calls its
 * `set`/`add`/`delete`/`clear`, or its `get(…)` result's `set`/`add`/`push`. A constant lookup
 * table (`const X = new Set([...literals])`, filled or read at load time only) passes.
 */
export function moduleCaches(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const collections = new Map<string, { line: number; kind: string }>();
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const d of statement.declarationList.declarations) {
      const init = d.initializer;
      if (!ts.isIdentifier(d.name) || !init || !ts.isNewExpression(init) || !ts.isIdentifier(init.expression)) continue;
      const kind = init.expression.text;
      if (['Map', 'Set', 'WeakMap', 'WeakSet'].includes(kind)) collections.set(d.name.text, { line: source.getLineAndCharacterOfPosition(d.getStart(source)).line + 1, kind });
    }
  }
  const found = new Map<string, string>();
  for (const [name, c] of collections) if (c.kind.startsWith('Weak')) found.set(name, `${file}:${c.line} ${name} (a module-level ${c.kind})`);
  /** The module-level collection a call's receiver is: `X.set(…)`, or `X.get(k).push(…)`. */
  const receiver = (call: ts.CallExpression): { name: string; method: string } | undefined => {
    if (!ts.isPropertyAccessExpression(call.expression)) return undefined;
    const method = call.expression.name.text;
    let target = call.expression.expression;
    while (ts.isNonNullExpression(target) || ts.isParenthesizedExpression(target)) target = target.expression;
    if (ts.isIdentifier(target)) return ['set', 'add', 'delete', 'clear'].includes(method) ? { name: target.text, method } : undefined;
    if (ts.isCallExpression(target) && ts.isPropertyAccessExpression(target.expression) && target.expression.name.text === 'get' && ts.isIdentifier(target.expression.expression)) {
      return ['set', 'add', 'push', 'delete', 'clear'].includes(method) ? { name: target.expression.expression.text, method: `get(…).${method}` } : undefined;
    }
    return undefined;
  };
  const visit = (node: ts.Node, inFunction: boolean): void => {
    if (inFunction && ts.isCallExpression(node)) {
      const r = receiver(node);
      const c = r && collections.get(r.name);
      if (r && c && !found.has(r.name)) found.set(r.name, `${file}:${c.line} ${r.name} (a module-level ${c.kind} that a function fills: .${r.method})`);
    }
    const inside = inFunction || ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node);
    ts.forEachChild(node, (child) => visit(child, inside));
  };
  if (collections.size > 0) visit(source, false);
  return [...found.values()];
}

describe('module state', () => {
  // What a run computes lives in the run's objects (the Workspace, its Facts, a SourceFile's
  // parses: docs/architecture.md, "No module-level caches"), so that two runs in one process
  // (the library, the bot, the tests) never see each other's results, and a run's memory goes
  // with it.
  // Exceptions, each with its reason (none today: the last one, docs-dead-reference's
  // ownerIgnoreCache, became a fact).
  const allowed = new Set<string>([]);

  it('no module of src/ or codemods/ keeps a cache', () => {
    const offences: string[] = [];
    for (const file of [...sourceFiles('src'), ...sourceFiles('codemods')]) {
      for (const o of moduleCaches(file, readFileSync(path.join(ROOT, file), 'utf8'))) {
        if (!allowed.has(`${file} ${o.split(' ')[1]}`)) offences.push(o);
      }
    }
    expect(offences, 'keep per-run values in the Workspace or its Facts (defineFact, factSlot), not in a module').toEqual([]);
  });

  it('the allow-list names only caches that still exist', () => {
    const still = [...allowed].filter((entry) => {
      const [file, name] = entry.split(' ') as [string, string];
      return moduleCaches(file, readFileSync(path.join(ROOT, file), 'utf8')).some((o) => o.split(' ')[1] === name);
    });
    expect(still).toEqual([...allowed]);
  });

  it('tells a cache from a constant table', () => {
    const names = (text: string): string[] => moduleCaches('x.ts', text).map((o) => o.split(' ')[1] as string);
    // Caches: filled by a function, a weak memo, a map of lists filled through get().
    expect(names('const memo = new Map<string, RegExp>();\nexport function f(k: string) { memo.set(k, /x/); return memo.get(k); }')).toEqual(['memo']);
    expect(names('const seen = new Set<string>();\nexport const g = (k: string) => { seen.add(k); };')).toEqual(['seen']);
    expect(names('const byWs = new WeakMap<object, number>();')).toEqual(['byWs']);
    expect(names('const lists = new Map([[\'a\', [] as string[]]]);\nclass C { m(x: string) { lists.get(\'a\')!.push(x); } }')).toEqual(['lists']);
    // Tables: literals, filled at load time, only read by functions; a function's own Map.
    expect(names("const LANGS = new Set(['bash', 'sh']);\nexport const isShell = (l: string) => LANGS.has(l);")).toEqual([]);
    expect(names("const T = new Map([['a', 1]]);\nT.set('b', 2);\nexport function f() { return T.get('a'); }")).toEqual([]);
    expect(names('export function f() { const local = new Map(); local.set(1, 2); return local; }')).toEqual([]);
  });
});
