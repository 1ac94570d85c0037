/**
 * Reading Vite configuration files (`vite.config.{ts,mts,cts,js,mjs,cjs}`) with ts-morph.
 *
 * ts-morph is heavy (a few hundred milliseconds to import), so it is imported lazily, the first
 * time a config file is actually read, and every file is parsed once (cached per SourceFile).
 * The result is plain data: option values with the byte spans of the expressions that hold
 * them, so a fix edits inside a string literal without ever printing the file back.
 *
 * Positions are offsets into `SourceFile.text` (BOM removed), which is the text given to ts-morph.
 */
import path from 'node:path/posix';
import type { Project, Node as TsNode, ObjectLiteralExpression, Expression, SourceFile as TsSourceFile } from 'ts-morph';
import type { SourceFile } from '../workspace/source-file.js';
import { MAX_NESTING, scriptNestingOverflow } from '../util/text.js';

type TsMorph = typeof import('ts-morph');

let tsMorph: Promise<TsMorph> | undefined;
let project: Project | undefined;
let serial = 0;

/** Import ts-morph once, on first use. */
export function loadTsMorph(): Promise<TsMorph> {
  tsMorph ??= import('ts-morph');
  return tsMorph;
}

async function inMemoryProject(): Promise<{ m: TsMorph; project: Project }> {
  const m = await loadTsMorph();
  project ??= new m.Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    skipLoadingLibFiles: true,
    compilerOptions: { allowJs: true, noLib: true, noResolve: true, types: [], jsx: m.ts.JsxEmit.Preserve },
  });
  return { m, project };
}

/** Vite's own lookup order for a config file in a directory. */
export const VITE_CONFIG_NAMES = ['vite.config.js', 'vite.config.mjs', 'vite.config.ts', 'vite.config.cjs', 'vite.config.mts', 'vite.config.cts'] as const;

export function isViteConfigPath(p: string): boolean {
  const base = p.slice(p.lastIndexOf('/') + 1);
  return (VITE_CONFIG_NAMES as readonly string[]).includes(base);
}

/** Files ts-morph can parse as TypeScript or JavaScript. */
export function isScriptPath(p: string): boolean {
  return /\.(ts|mts|cts|tsx|js|mjs|cjs|jsx)$/i.test(p) && !/\.d\.[cm]?ts$/i.test(p);
}

export interface Span {
  start: number;
  end: number;
}

/** One place in the file that sets an option (several when a config function has several returns). */
export interface OptionSite extends Span {
  /** The expression's source text. */
  text: string;
  /**
   * The string literal that holds the whole value, when it is one: `inner` is the span between
   * the quotes, which a fix may rewrite in place.
   */
  literal?: { inner: Span; quote: string };
}

/**
 * What a path option evaluates to, statically:
 * - `relative`: a relative path, resolved by Vite against its base (`root` for outDir, the working
 *   directory for root);
 * - `configDir`: built from `__dirname`, `import.meta.dirname`, `import.meta.url` or
 *   `process.cwd()` — relative to the config's folder (where the build runs);
 * - `absolute`: an absolute path.
 */
export type Anchor = 'relative' | 'configDir' | 'absolute';

export type OptionValue =
  | { kind: 'absent' }
  | { kind: 'known'; value: string; anchor: Anchor; sites: OptionSite[] }
  | { kind: 'computed'; reason: string; sites: OptionSite[] };

export interface ViteConfigSummary {
  path: string;
  /** A syntax error: nothing else is reliable then. */
  error: { message: string; offset: number } | null;
  /** Why the exported config object could not be located (then outDir/root are `computed`). */
  unresolved: { reason: string; offset: number } | null;
  /** How the config is written: `defineConfig({...})`, a plain object, a function returning one. */
  shape: string;
  /** The config object literals found (one per return branch of a config function). */
  objects: Span[];
  outDir: OptionValue;
  root: OptionValue;
  /**
   * Where `outDir` could be inserted when it is absent and the config is a single object:
   * the `build` object literal when there is one, else the config object.
   */
  insertion: { build: Span | undefined; config: Span } | undefined;
  /** The quote character the file uses for strings (first string literal), default `"`. */
  quote: string;
}

/** Read a Vite config's `build.outDir` and `root`, once per file text. */
export function readViteConfig(file: SourceFile): Promise<ViteConfigSummary> {
  return file.parse('vite-config', summarize);
}

/**
 * Why a script is too deep for the parser, or undefined: nesting past MAX_NESTING (found by a
 * linear scan before any parse), or a stack overflow a parse of it met (recorded by the readers
 * below, which catch it). A file like that is not read; the rule reading it goes on with the
 * others, and the run names it (src/engine/run.ts).
 */
export function scriptDepthProblem(file: SourceFile): { message: string; offset: number } | undefined {
  const box = depthProblem(file);
  if (box.problem) return box.problem;
  const deep = scriptNestingOverflow(file.text);
  if (deep === -1) return undefined;
  box.problem = { message: `nested deeper than ${MAX_NESTING} levels; not parsed`, offset: deep };
  return box.problem;
}

/** The depth problem known for a file's text: found by the scan, or met by a parse (set later). */
function depthProblem(file: SourceFile): { problem?: { message: string; offset: number } } {
  return file.parse('script-depth', () => ({}));
}

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

function stackOverflowProblem(file: SourceFile): { message: string; offset: number } {
  const problem = { message: 'nested too deeply for the parser (it ran out of stack); not parsed', offset: 0 };
  depthProblem(file).problem = problem;
  return problem;
}

/** The first syntax error of a TypeScript/JavaScript file, or undefined when it parses. */
export async function scriptSyntaxProblem(file: SourceFile): Promise<{ message: string; offset: number } | undefined> {
  const deep = scriptDepthProblem(file);
  if (deep) return deep;
  const { project } = await inMemoryProject();
  let sf: TsSourceFile | undefined;
  try {
    sf = project.createSourceFile(virtualName(file.path), file.text, { overwrite: true });
    const d = project.getProgram().getSyntacticDiagnostics(sf)[0];
    if (!d) return undefined;
    const text = d.getMessageText();
    return { message: typeof text === 'string' ? text : text.getMessageText(), offset: d.getStart() ?? 0 };
  } catch (error) {
    if (isStackOverflow(error)) return stackOverflowProblem(file);
    throw error;
  } finally {
    if (sf) project.removeSourceFile(sf);
  }
}

function virtualName(p: string): string {
  serial += 1;
  return `/__autopack_fix__/${serial}/${p}`;
}

function emptySummary(file: SourceFile): ViteConfigSummary {
  return {
    path: file.path,
    error: null,
    unresolved: null,
    shape: 'unknown',
    objects: [],
    outDir: { kind: 'absent' },
    root: { kind: 'absent' },
    insertion: undefined,
    quote: '"',
  };
}

/**
 * A config nested too deeply for the parser is a syntax error of its own (`error`): it is not
 * read, and a stack overflow while reading one is caught, so it never takes the rule down.
 */
async function summarize(file: SourceFile): Promise<ViteConfigSummary> {
  const deep = scriptDepthProblem(file);
  if (deep) return { ...emptySummary(file), error: deep };
  try {
    return await summarizeParsed(file);
  } catch (error) {
    if (isStackOverflow(error)) return { ...emptySummary(file), error: stackOverflowProblem(file) };
    throw error;
  }
}

async function summarizeParsed(file: SourceFile): Promise<ViteConfigSummary> {
  const { m, project } = await inMemoryProject();
  const sf = project.createSourceFile(virtualName(file.path), file.text, { overwrite: true });
  try {
    const summary = emptySummary(file);
    const diag = project.getProgram().getSyntacticDiagnostics(sf)[0];
    if (diag) {
      const t = diag.getMessageText();
      summary.error = { message: typeof t === 'string' ? t : t.getMessageText(), offset: diag.getStart() ?? 0 };
      return summary;
    }
    const reader = new ConfigReader(m, sf);
    const firstString = sf.getFirstDescendant((n) => m.Node.isStringLiteral(n));
    if (firstString) summary.quote = firstString.getText().charAt(0) === "'" ? "'" : '"';
    const exported = reader.exportedExpression();
    if (!exported) {
      summary.unresolved = { reason: 'no `export default` or `module.exports =` in the file', offset: 0 };
      summary.outDir = summary.root = { kind: 'computed', reason: summary.unresolved.reason, sites: [] };
      return summary;
    }
    const located = reader.configObjects(exported.expr, new Set());
    summary.shape = located.shape ? `${exported.how} ${located.shape}` : exported.how;
    if (!located.ok) {
      summary.unresolved = { reason: located.reason, offset: located.node.getStart() };
      const site = reader.site(located.node);
      summary.outDir = summary.root = { kind: 'computed', reason: located.reason, sites: [site] };
      return summary;
    }
    summary.objects = located.objects.map((o) => ({ start: o.getStart(), end: o.getEnd() }));
    summary.outDir = reader.option(located.objects, ['build', 'outDir']);
    summary.root = reader.option(located.objects, ['root']);
    if (located.objects.length === 1) {
      const config = located.objects[0] as ObjectLiteralExpression;
      const build = reader.property(config, 'build');
      const buildObject = build.kind === 'value' ? reader.asObject(build.expr) : undefined;
      if (build.kind === 'absent' || (buildObject && buildObject.getSourceFile() === sf)) {
        summary.insertion = {
          build: buildObject ? { start: buildObject.getStart(), end: buildObject.getEnd() } : undefined,
          config: { start: config.getStart(), end: config.getEnd() },
        };
      }
    }
    return summary;
  } finally {
    project.removeSourceFile(sf);
  }
}

type Located = { ok: true; objects: ObjectLiteralExpression[]; shape: string } | { ok: false; reason: string; node: TsNode; shape?: string };

type PropertyLookup = { kind: 'absent' } | { kind: 'value'; expr: Expression; site: TsNode } | { kind: 'computed'; reason: string; node: TsNode };

/**
 * A virtual absolute folder standing for the config's folder while evaluating path calls. It is
 * deep so that `..` segments stay inside it and can be read back as a relative path.
 */
const CONFIG_ROOT = '/__autopack_config__';
const CONFIG_DIR = `${CONFIG_ROOT}${'/d'.repeat(32)}`;

class ConfigReader {
  constructor(
    private readonly m: TsMorph,
    private readonly sf: TsSourceFile,
  ) {}

  site(node: TsNode): OptionSite {
    const out: OptionSite = { start: node.getStart(), end: node.getEnd(), text: node.getText() };
    const N = this.m.Node;
    if (N.isStringLiteral(node) || N.isNoSubstitutionTemplateLiteral(node)) {
      const raw = node.getText();
      // Only literals without escapes can be rewritten by splicing the new value between the quotes.
      if (!raw.includes('\\')) out.literal = { inner: { start: out.start + 1, end: out.end - 1 }, quote: raw.charAt(0) };
    }
    return out;
  }

  /** `export default <expr>`, `export default function …`, or `module.exports = <expr>`. */
  exportedExpression(): { expr: TsNode; how: string } | undefined {
    const N = this.m.Node;
    for (const st of this.sf.getStatements()) {
      if (N.isExportAssignment(st) && !st.isExportEquals()) return { expr: st.getExpression(), how: 'export default' };
      if (N.isExportAssignment(st) && st.isExportEquals()) return { expr: st.getExpression(), how: 'export =' };
      if (N.isFunctionDeclaration(st) && st.isDefaultExport()) return { expr: st, how: 'export default' };
    }
    for (const st of this.sf.getStatements()) {
      if (!N.isExpressionStatement(st)) continue;
      const e = st.getExpression();
      if (N.isBinaryExpression(e) && e.getOperatorToken().getKind() === this.m.SyntaxKind.EqualsToken) {
        const left = e.getLeft().getText().replace(/\s+/g, '');
        if (left === 'module.exports' || left === 'exports.default' || left === 'module.exports.default') return { expr: e.getRight(), how: 'module.exports =' };
      }
    }
    return undefined;
  }

  /** Strip parentheses, `as T`, `satisfies T`, `<T>x` and non-null assertions. */
  unwrap(node: TsNode): TsNode {
    const N = this.m.Node;
    let n = node;
    for (;;) {
      if (N.isParenthesizedExpression(n) || N.isAsExpression(n) || N.isSatisfiesExpression(n) || N.isTypeAssertion(n) || N.isNonNullExpression(n)) n = n.getExpression();
      else return n;
    }
  }

  /** The initializer of a top-level `const`/`let`/`var` named `name`, when there is exactly one. */
  topLevelInitializer(name: string): Expression | undefined {
    const decls = this.sf.getVariableDeclarations().filter((d) => d.getName() === name);
    if (decls.length !== 1) return undefined;
    const d = decls[0];
    const list = d?.getVariableStatement();
    if (!d || !list || list.getDeclarationKind() !== 'const') return undefined;
    return d.getInitializer();
  }

  /** The config object literals an exported expression evaluates to. */
  configObjects(node: TsNode, seen: Set<TsNode>): Located {
    const N = this.m.Node;
    const n = this.unwrap(node);
    if (seen.has(n)) return { ok: false, reason: 'the config refers to itself', node: n };
    seen.add(n);
    if (N.isObjectLiteralExpression(n)) return { ok: true, objects: [n], shape: 'object literal' };
    if (N.isIdentifier(n)) {
      const init = this.topLevelInitializer(n.getText());
      const fn = init ? undefined : this.sf.getFunction(n.getText());
      if (init) return this.withShape(this.configObjects(init, seen), `const ${n.getText()}`);
      if (fn) return this.withShape(this.configObjects(fn, seen), `function ${n.getText()}`);
      return { ok: false, reason: `\`${n.getText()}\` is not a top-level constant of the file`, node: n };
    }
    if (N.isCallExpression(n)) {
      const callee = n.getExpression().getText();
      const args = n.getArguments();
      if (/^(\w+\.)?defineConfig$/.test(callee) && args.length === 1 && args[0]) {
        return this.withShape(this.configObjects(args[0], seen), 'defineConfig(...)');
      }
      return { ok: false, reason: `the config is computed by \`${callee}(...)\``, node: n };
    }
    if (N.isArrowFunction(n) || N.isFunctionExpression(n) || N.isFunctionDeclaration(n)) {
      const body = n.getBody();
      if (!body) return { ok: false, reason: 'the config function has no body', node: n };
      if (!N.isBlock(body)) return this.withShape(this.configObjects(body, seen), 'function');
      const returns: TsNode[] = [];
      body.forEachDescendant((d, traversal) => {
        if (N.isFunctionLikeDeclaration(d) || N.isClassDeclaration(d) || N.isClassExpression(d)) {
          traversal.skip();
          return;
        }
        if (N.isReturnStatement(d)) {
          const e = d.getExpression();
          returns.push(e ?? d);
        }
      });
      if (returns.length === 0) return { ok: false, reason: 'the config function returns nothing', node: n };
      const objects: ObjectLiteralExpression[] = [];
      for (const r of returns) {
        if (N.isReturnStatement(r)) return { ok: false, reason: 'the config function has a bare `return`', node: r };
        const inner = this.configObjects(r, seen);
        if (!inner.ok) return inner;
        objects.push(...inner.objects);
      }
      return { ok: true, objects, shape: 'function' };
    }
    return { ok: false, reason: `the exported config is \`${truncate(n.getText())}\``, node: n };
  }

  private withShape(l: Located, outer: string): Located {
    return { ...l, shape: l.shape ? `${outer} → ${l.shape}` : outer };
  }

  /** An object literal behind an expression (parentheses, casts, a top-level const). */
  asObject(expr: TsNode): ObjectLiteralExpression | undefined {
    const N = this.m.Node;
    let n = this.unwrap(expr);
    if (N.isIdentifier(n)) {
      const init = this.topLevelInitializer(n.getText());
      if (!init) return undefined;
      n = this.unwrap(init);
    }
    return N.isObjectLiteralExpression(n) ? n : undefined;
  }

  /** The value a property ends up with in an object literal (later properties and spreads win). */
  property(obj: ObjectLiteralExpression, name: string, depth = 0): PropertyLookup {
    const N = this.m.Node;
    let found: PropertyLookup = { kind: 'absent' };
    for (const p of obj.getProperties()) {
      if (N.isSpreadAssignment(p)) {
        // `...shared` where `shared` is a top-level object literal: look inside it.
        const spread = this.asObject(p.getExpression());
        const inner = spread && spread !== obj && depth < 8 ? this.property(spread, name, depth + 1) : undefined;
        if (!inner) found = { kind: 'computed', reason: `\`${truncate(p.getText())}\` may set \`${name}\``, node: p };
        else if (inner.kind !== 'absent') found = inner;
        continue;
      }
      const nameNode = N.isPropertyAssignment(p) || N.isShorthandPropertyAssignment(p) || N.isMethodDeclaration(p) || N.isGetAccessorDeclaration(p) || N.isSetAccessorDeclaration(p) ? p.getNameNode() : undefined;
      if (!nameNode) continue;
      let key: string | undefined;
      if (N.isIdentifier(nameNode) || N.isPrivateIdentifier(nameNode)) key = nameNode.getText();
      else if (N.isStringLiteral(nameNode) || N.isNoSubstitutionTemplateLiteral(nameNode)) key = nameNode.getLiteralText();
      else if (N.isComputedPropertyName(nameNode)) {
        const inner = this.unwrap(nameNode.getExpression());
        if (N.isStringLiteral(inner) || N.isNoSubstitutionTemplateLiteral(inner)) key = inner.getLiteralText();
        else {
          found = { kind: 'computed', reason: `the computed key \`${truncate(nameNode.getText())}\` may be \`${name}\``, node: p };
          continue;
        }
      }
      if (key !== name) continue;
      if (N.isPropertyAssignment(p)) {
        const init = p.getInitializer();
        found = init ? { kind: 'value', expr: init, site: init } : { kind: 'computed', reason: `\`${name}\` has no value`, node: p };
      } else if (N.isShorthandPropertyAssignment(p)) {
        found = { kind: 'value', expr: p.getNameNode(), site: p };
      } else {
        found = { kind: 'computed', reason: `\`${name}\` is an accessor or method`, node: p };
      }
    }
    return found;
  }

  /** Evaluate `path` (e.g. ['build', 'outDir']) in every config object and merge the results. */
  option(objects: ObjectLiteralExpression[], keys: string[]): OptionValue {
    const results = objects.map((o) => this.optionIn(o, keys));
    const first = results[0];
    if (!first) return { kind: 'absent' };
    const computed = results.find((r) => r.kind === 'computed');
    if (computed) return computed;
    if (results.every((r) => r.kind === 'absent')) return { kind: 'absent' };
    const known = results.filter((r): r is Extract<OptionValue, { kind: 'known' }> => r.kind === 'known');
    const k0 = known[0] as Extract<OptionValue, { kind: 'known' }>;
    const allSame = known.length === results.length && known.every((r) => r.value === k0.value && r.anchor === k0.anchor);
    if (!allSame) {
      return { kind: 'computed', reason: `\`${keys.join('.')}\` differs between the branches of the config function`, sites: known.flatMap((r) => r.sites) };
    }
    return { kind: 'known', value: k0.value, anchor: k0.anchor, sites: known.flatMap((r) => r.sites) };
  }

  private optionIn(obj: ObjectLiteralExpression, keys: string[]): OptionValue {
    let current: ObjectLiteralExpression = obj;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const found = this.property(current, key);
      if (found.kind === 'absent') return { kind: 'absent' };
      if (found.kind === 'computed') return { kind: 'computed', reason: found.reason, sites: [this.site(found.node)] };
      if (i === keys.length - 1) {
        const value = this.evaluatePath(found.expr, 0);
        const site = this.site(this.unwrap(found.expr));
        if (!value) return { kind: 'computed', reason: `\`${keys.join('.')}\` is computed (\`${truncate(found.expr.getText())}\`)`, sites: [site] };
        // Only a literal written in place can be edited in place.
        if (!value.inPlace) delete site.literal;
        return { kind: 'known', value: value.value, anchor: value.anchor, sites: [site] };
      }
      const next = this.asObject(found.expr);
      if (!next) return { kind: 'computed', reason: `\`${keys.slice(0, i + 1).join('.')}\` is computed (\`${truncate(found.expr.getText())}\`)`, sites: [this.site(found.expr)] };
      current = next;
    }
    return { kind: 'absent' };
  }

  /**
   * Statically evaluate a path expression: string literals, `__dirname`, `import.meta.dirname`,
   * `process.cwd()`, `path.resolve/join(...)` (path imported from `path`/`node:path`),
   * `fileURLToPath(new URL('x', import.meta.url))` and top-level constants built from those.
   */
  evaluatePath(node: TsNode, depth: number): { value: string; anchor: Anchor; inPlace: boolean } | undefined {
    const raw = this.evaluateRaw(node, depth);
    if (raw === undefined) return undefined;
    const inPlace = this.isLiteral(this.unwrap(node));
    if (raw === CONFIG_ROOT || raw.startsWith(`${CONFIG_ROOT}/`)) {
      const rel = path.relative(CONFIG_DIR, raw);
      return { value: rel === '' ? '.' : rel, anchor: 'configDir', inPlace: false };
    }
    if (raw.startsWith('/')) return { value: raw, anchor: 'absolute', inPlace };
    return { value: raw, anchor: 'relative', inPlace };
  }

  private isLiteral(n: TsNode): boolean {
    return this.m.Node.isStringLiteral(n) || this.m.Node.isNoSubstitutionTemplateLiteral(n);
  }

  private evaluateRaw(node: TsNode, depth: number): string | undefined {
    if (depth > 8) return undefined;
    const N = this.m.Node;
    const n = this.unwrap(node);
    if (N.isStringLiteral(n) || N.isNoSubstitutionTemplateLiteral(n)) {
      const v = n.getLiteralText();
      return v.startsWith(CONFIG_ROOT) ? undefined : v;
    }
    const text = n.getText().replace(/\s+/g, '');
    if (text === '__dirname' || text === 'import.meta.dirname' || text === 'process.cwd()') return CONFIG_DIR;
    if (N.isIdentifier(n)) {
      const init = this.topLevelInitializer(n.getText());
      return init ? this.evaluateRaw(init, depth + 1) : undefined;
    }
    if (N.isCallExpression(n)) {
      const fn = this.pathFunction(n.getExpression());
      const args = n.getArguments();
      if (fn === 'resolve' || fn === 'join') {
        const values: string[] = [];
        for (const a of args) {
          const v = this.evaluateRaw(a, depth + 1);
          if (v === undefined) return undefined;
          values.push(v);
        }
        // path.resolve() with only relative parts resolves against the working directory.
        return fn === 'resolve' ? path.resolve(CONFIG_DIR, ...values) : path.join(...values);
      }
      if (fn === 'fileURLToPath' && args.length === 1 && args[0]) return this.urlPath(args[0]);
      return undefined;
    }
    if (N.isPropertyAccessExpression(n) && n.getName() === 'pathname') return this.urlPath(n.getExpression());
    return undefined;
  }

  /** `new URL('./x', import.meta.url)` → the config folder joined with x. */
  private urlPath(node: TsNode): string | undefined {
    const N = this.m.Node;
    const n = this.unwrap(node);
    if (!N.isNewExpression(n) || n.getExpression().getText() !== 'URL') return undefined;
    const [rel, base] = n.getArguments();
    if (!rel || !base || base.getText().replace(/\s+/g, '') !== 'import.meta.url') return undefined;
    const r = this.unwrap(rel);
    if (!N.isStringLiteral(r) && !N.isNoSubstitutionTemplateLiteral(r)) return undefined;
    return path.resolve(CONFIG_DIR, r.getLiteralText());
  }

  /** `resolve`/`join` of node's path module, or `fileURLToPath` of node's url module. */
  private pathFunction(callee: TsNode): 'resolve' | 'join' | 'fileURLToPath' | undefined {
    const N = this.m.Node;
    const imports = this.sf.getImportDeclarations();
    const fromModule = (mods: string[]) => imports.filter((i) => mods.includes(i.getModuleSpecifierValue()));
    const pathImports = fromModule(['path', 'node:path', 'path/posix', 'node:path/posix']);
    const urlImports = fromModule(['url', 'node:url']);
    const named = (decls: typeof imports, local: string): string | undefined => {
      for (const d of decls) {
        for (const s of d.getNamedImports()) {
          if ((s.getAliasNode()?.getText() ?? s.getName()) === local) return s.getName();
        }
      }
      return undefined;
    };
    const isModuleObject = (decls: typeof imports, local: string): boolean =>
      decls.some((d) => d.getDefaultImport()?.getText() === local || d.getNamespaceImport()?.getText() === local) || this.requires(local, decls === pathImports ? ['path', 'node:path'] : ['url', 'node:url']);
    if (N.isIdentifier(callee)) {
      const name = named(pathImports, callee.getText()) ?? this.requiredMember(callee.getText(), ['path', 'node:path']);
      if (name === 'resolve' || name === 'join') return name;
      const urlName = named(urlImports, callee.getText()) ?? this.requiredMember(callee.getText(), ['url', 'node:url']);
      if (urlName === 'fileURLToPath') return 'fileURLToPath';
      return undefined;
    }
    if (N.isPropertyAccessExpression(callee)) {
      let obj = callee.getExpression();
      const member = callee.getName();
      // path.posix.resolve(...)
      if (N.isPropertyAccessExpression(obj) && obj.getName() === 'posix') obj = obj.getExpression();
      if (!N.isIdentifier(obj)) return undefined;
      if ((member === 'resolve' || member === 'join') && isModuleObject(pathImports, obj.getText())) return member;
      if (member === 'fileURLToPath' && isModuleObject(urlImports, obj.getText())) return 'fileURLToPath';
    }
    return undefined;
  }

  /** `const local = require('mod')`. */
  private requires(local: string, mods: string[]): boolean {
    const init = this.topLevelInitializer(local);
    return init !== undefined && this.isRequireOf(init, mods);
  }

  /** `const { member: local } = require('mod')` → member. */
  private requiredMember(local: string, mods: string[]): string | undefined {
    const N = this.m.Node;
    for (const d of this.sf.getVariableDeclarations()) {
      const nameNode = d.getNameNode();
      const init = d.getInitializer();
      if (!N.isObjectBindingPattern(nameNode) || !init || !this.isRequireOf(init, mods)) continue;
      for (const el of nameNode.getElements()) {
        if (el.getName() === local) return el.getPropertyNameNode()?.getText() ?? local;
      }
    }
    return undefined;
  }

  private isRequireOf(init: TsNode, mods: string[]): boolean {
    const N = this.m.Node;
    const n = this.unwrap(init);
    if (!N.isCallExpression(n) || n.getExpression().getText() !== 'require') return false;
    const a = n.getArguments()[0];
    return a !== undefined && N.isStringLiteral(a) && mods.includes(a.getLiteralText());
  }
}

function truncate(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}
