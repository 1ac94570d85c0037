import path from 'node:path/posix';
import type { FileCreation, Fix, RawFinding, TextEdit } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { analyzePythonTree, declareTreeInterest, type PyKeyBase, type PyMembershipTest, type PyStringCollection, type PythonTreeAnalysis } from '../../src/formats/python-tree.js';
import { absorbs, isIdempotent, normalizerFrom, type Normalizer } from './normalize.js';
import { fitsQuotes, removalSpans } from './literal-edits.js';
import { contractFileName, contractTestSource, findTestsDir, importName, keyVariants, pytestConfig, type ContractFunction } from './contract-test.js';
import { mayConsumeSet, moduleSurroundings, NORMALISING_CALL, type ModuleSurroundings, type OrOperand } from './consumers.js';
import { consumerNames, reachingNames } from './reach.js';
import { tokenScratch } from '../../src/formats/python-scan.js';
import { prefiltersEnabled } from '../../src/util/prefilter.js';

/** Keys the generated contract test asserts (each also lower/upper-cased and with either separator). */
export const DEFAULT_CONTRACT_KEYS = ['Authorization', 'Cookie', 'Set-Cookie', 'X-API-Key', 'x_api_key', 'X-GitHub-Token'];

/** Methods that, called on a collection, may drop entries at run time: the contract test cannot rely on its literal then. */
const SHRINKING = new Set(['remove', 'discard', 'clear', 'pop', 'difference_update', 'intersection_update', 'symmetric_difference_update', '__delitem__']);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const EMPTY_SURROUNDINGS: ModuleSurroundings = { tests: new Map(), returns: new Map(), imports: [], moduleImports: new Map(), aliases: new Map() };


/**
 * Words that say what membership in a set does. A set that denies (redacts, masks, blocks) only
 * gets stricter when it matches more keys; a set that allows (keeps a value in the log, lets a
 * header through) gets looser. Read as whole words of the set's name, else of its consumers'
 * function names, else of the module's file name.
 */
const DENY_WORDS = new Set(['sensitive', 'secret', 'secrets', 'private', 'redact', 'redacted', 'redaction', 'mask', 'masked', 'masking', 'hidden', 'hide', 'hides', 'confidential', 'credential', 'credentials', 'password', 'passwords', 'token', 'tokens', 'apikey', 'cookie', 'cookies', 'deny', 'denied', 'denylist', 'block', 'blocked', 'blocklist', 'blacklist', 'ban', 'banned', 'forbidden', 'scrub', 'scrubbed', 'censor', 'censored', 'protected', 'unsafe', 'pii', 'sanitize', 'sanitise', 'sanitizer', 'sanitiser', 'obfuscate', 'strip', 'stripped', 'auth', 'filtered']);
const ALLOW_WORDS = new Set(['allow', 'allowed', 'allowlist', 'whitelist', 'safe', 'public', 'permit', 'permitted', 'accept', 'accepted', 'keep', 'kept', 'passthrough', 'expose', 'exposed', 'visible', 'plain', 'trusted', 'harmless', 'loggable', 'shown', 'exempt', 'exempted', 'bypass', 'skip']);

type Polarity = 'deny' | 'allow' | 'unknown';

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .flatMap((w) => (w === 'api' ? [] : [w]))
    .concat(/api_?key/i.test(name) ? ['apikey'] : []);
}

function polarityOf(names: string[]): Polarity | undefined {
  let deny = false;
  let allow = false;
  for (const n of names) {
    for (const w of words(n)) {
      if (DENY_WORDS.has(w)) deny = true;
      if (ALLOW_WORDS.has(w)) allow = true;
    }
  }
  return deny === allow ? undefined : deny ? 'deny' : 'allow';
}

/** A literal collection some module binds once, as a set the rule may rewrite. */
interface SetRef {
  id: string;
  file: SourceFile;
  a: PythonTreeAnalysis;
  coll: PyStringCollection;
}

/** A module the rule reads: its analysis, and its surroundings when first asked for (a second parse). */
interface ModuleInfo {
  file: SourceFile;
  a: PythonTreeAnalysis;
  surroundings(): Promise<ModuleSurroundings>;
}

/** One membership test of a set: where it is, how it normalises the key, what else its `or` catches. */
interface Consumer {
  mod: ModuleInfo;
  file: SourceFile;
  a: PythonTreeAnalysis;
  /** Filled in once the set is judged. */
  s: ModuleSurroundings;
  test: PyMembershipTest;
  /** Undefined: the key is compared as it is. */
  norm: Normalizer | undefined;
  fn: string;
  set: SetRef;
}

/** What another operand of a consumer's `or` matches: a set under a normalisation, on the same key. */
interface Cover {
  set: SetRef;
  norm: Normalizer | undefined;
  via: string;
}

type EntryVerdict =
  | { index: number; value: string; kind: 'fix'; target: string; remove: 'present' | 'repeat' | false }
  | { index: number; value: string; kind: 'report'; reason: string };

interface Judged {
  ref: SetRef;
  consumers: Consumer[];
  /** The normalisation the entries are rewritten to (it sees through every other one). */
  canonical: Normalizer | undefined;
  /** Reads of the collection other than its tests: `line N`, another file's path. */
  otherReads: string[];
  entries: EntryVerdict[];
  polarity: Polarity;
}

interface Options {
  withTests: boolean;
  contractKeys: string[];
  testsDir: string | undefined;
}

function readOptions(o: Record<string, unknown>): Options {
  return {
    withTests: o.withTests === true,
    contractKeys: Array.isArray(o.contractKeys) && o.contractKeys.every((k) => typeof k === 'string') ? (o.contractKeys as string[]) : DEFAULT_CONTRACT_KEYS,
    testsDir: typeof o.testsDir === 'string' && o.testsDir.trim() ? o.testsDir.trim().replace(/^\.\/|\/$/g, '') : undefined,
  };
}

function qualified(coll: PyStringCollection): string {
  return coll.className ? `${coll.className}.${coll.name}` : coll.name;
}

function functionLabel(a: PythonTreeAnalysis, test: PyMembershipTest): string {
  const fn = a.functions[test.functionIndex];
  if (!fn) return 'module-level code';
  return `${fn.className ? `${fn.className}.` : ''}${fn.name}()`;
}

function testKey(t: { start: number; end: number }): string {
  return `${t.start}:${t.end}`;
}

/** The collection a membership test reads, when it is one this module binds exactly once. */
function containerCollection(a: PythonTreeAnalysis, test: PyMembershipTest): PyStringCollection | undefined {
  const { name, object } = test.container;
  const fn = a.functions[test.functionIndex];
  if (object === undefined) {
    if (fn?.params.some((p) => p.name === name)) return undefined;
    return moduleCollection(a, name);
  }
  const className = object === 'self' || object === 'cls' ? fn?.className : object;
  if (!className || a.classBindings.get(className)?.get(name) !== 1) return undefined;
  return a.collections.find((c) => c.className === className && c.name === name);
}

/**
 * A module-level assignment of a collection literal (`NAME = {`, `NAME: set[str] = frozenset(`):
 * what a set imported by a consumer is, in the module that holds it.
 */
const MODULE_COLLECTION = /^[A-Za-z_]\w*[ \t]*(?::[^=\n]*)?=[ \t]*(?:frozenset|set|tuple|list)?[ \t]*[[{(]/m;

// The rule reads the tree of each module that normalises keys, and of the modules their sets
// come from: a module that only passes a set on (`from .a import KEYS`) gets a parse of its own.
// A module that normalises but holds no test is not asked as a consumer (mayConsumeSet), but
// may be asked as the home of a set: its pass reads the tree all the same.
declareTreeInterest('redaction-key-normalization', (file) => NORMALISING_CALL.test(file.text) || MODULE_COLLECTION.test(file.text), (file) => mayConsumeSet(file.text));

function moduleCollection(a: PythonTreeAnalysis, name: string): PyStringCollection | undefined {
  if (a.moduleBindings.get(name) !== 1 || a.globals.has(name)) return undefined;
  return a.collections.find((c) => c.className === undefined && c.name === name);
}

function readsOf(a: PythonTreeAnalysis, coll: PyStringCollection): PythonTreeAnalysis['references'] {
  return a.references.filter((r) => {
    if (r.name !== coll.name) return false;
    if (coll.className === undefined) return r.object === undefined && r.classBody === undefined;
    return r.object === 'self' || r.object === 'cls' || r.object === coll.className ? true : r.object === undefined && r.classBody === coll.className;
  });
}

/**
 * Resolves what a test's container names: a collection of this module, a module-level alias of
 * one (`_REDACT = SENSITIVE_HEADERS`), a name imported from another module of the repository
 * (`from .constants import SENSITIVE_HEADERS as HEADERS`), or `constants.SENSITIVE_HEADERS`.
 * Each module is read once.
 */
class SetResolver {
  private modules = new Map<string, Promise<ModuleInfo | undefined>>();
  private byBasename: Map<string, string[]> | undefined;
  private bound = new Map<string, { imported: boolean; aliased: boolean }>();
  private byModule = new Map<string, string | undefined>();
  readonly refs = new Map<string, SetRef>();

  constructor(private readonly ws: Workspace) {}

  module(p: string): Promise<ModuleInfo | undefined> {
    let m = this.modules.get(p);
    if (!m) {
      m = (async () => {
        // Its collections are what the rule judges: the module's structure is relied on.
        const file = this.ws.read(p);
        if (!file) return undefined;
        const a = await analyzePythonTree(file);
        if (a.error) return undefined;
        let s: Promise<ModuleSurroundings> | undefined;
        return { file, a, surroundings: () => (s ??= moduleSurroundings(file)) };
      })();
      this.modules.set(p, m);
    }
    return m;
  }

  ref(file: SourceFile, a: PythonTreeAnalysis, coll: PyStringCollection): SetRef {
    const id = `${file.path}::${qualified(coll)}`;
    let r = this.refs.get(id);
    if (!r) {
      r = { id, file, a, coll };
      this.refs.set(id, r);
    }
    return r;
  }

  /** The repository file of a module named in an import of `from`. */
  modulePath(from: string, module: string): string | undefined {
    const key = module.startsWith('.') ? `${from}\0${module}` : module;
    if (this.byModule.has(key)) return this.byModule.get(key);
    let found: string | undefined;
    const dots = /^\.*/.exec(module)?.[0].length ?? 0;
    const rest = module.slice(dots).replace(/\./g, '/');
    if (dots > 0) {
      let dir = path.dirname(from);
      for (let i = 1; i < dots; i++) dir = path.dirname(dir);
      const base = dir === '.' ? rest : rest ? `${dir}/${rest}` : dir;
      found = [`${base}.py`, `${base}/__init__.py`].find((c) => c !== '.py' && this.ws.has(c));
    } else if (rest) {
      // An absolute import: the one module of the repository with that dotted path (flat or src layout).
      if (!this.byBasename) {
        this.byBasename = new Map();
        for (const q of this.ws.paths) {
          if (!q.endsWith('.py')) continue;
          const parts = q.split('/');
          const b = parts[parts.length - 1] === '__init__.py' ? `${parts[parts.length - 2] ?? ''}/__init__.py` : (parts[parts.length - 1] as string);
          this.byBasename.set(b, [...(this.byBasename.get(b) ?? []), q]);
        }
      }
      const leaf = rest.split('/').pop() as string;
      const candidates = [...(this.byBasename.get(`${leaf}.py`) ?? []), ...(this.byBasename.get(`${leaf}/__init__.py`) ?? [])];
      const hits = candidates.filter((q) => q === `${rest}.py` || q.endsWith(`/${rest}.py`) || q === `${rest}/__init__.py` || q.endsWith(`/${rest}/__init__.py`));
      found = hits.length === 1 ? hits[0] : undefined;
    }
    this.byModule.set(key, found);
    return found;
  }

  async resolve(m: ModuleInfo, test: PyMembershipTest): Promise<{ ref: SetRef; via: string | undefined } | undefined> {
    const { file, a } = m;
    const local = containerCollection(a, test);
    if (local) return { ref: this.ref(file, a, local), via: undefined };
    const { name, object } = test.container;
    const fn = a.functions[test.functionIndex];
    if (object === undefined) {
      if (fn?.params.some((p) => p.name === name)) return undefined;
      const how = this.boundBy(file, name);
      if (a.moduleBindings.get(name) !== 1 || !(how.imported || how.aliased)) return undefined;
      const ref = await this.named(m, name, 0);
      return ref ? { ref, via: name } : undefined;
    }
    // `constants.NAME`: a module imported as `import constants` or `from . import constants`.
    if (a.moduleBindings.get(object) !== 1 || !this.boundBy(file, object).imported) return undefined;
    const s = await m.surroundings();
    const imported = s.imports.find((i) => i.alias === object);
    const module = imported ? (imported.module.endsWith('.') ? `${imported.module}${imported.name}` : `${imported.module}.${imported.name}`) : s.moduleImports.get(object);
    const target = module ? this.modulePath(file.path, module) : undefined;
    const t = target ? await this.module(target) : undefined;
    const coll = t ? moduleCollection(t.a, name) : undefined;
    return t && coll ? { ref: this.ref(t.file, t.a, coll), via: `${object}.${name}` } : undefined;
  }

  /** Whether a name is bound by an import or a plain alias (a text check, once per module and name). */
  private boundBy(file: SourceFile, name: string): { imported: boolean; aliased: boolean } {
    const key = `${file.path}\0${name}`;
    let r = this.bound.get(key);
    if (!r) {
      r = { imported: importsName(file.text, name), aliased: aliasesName(file.text, name) };
      this.bound.set(key, r);
    }
    return r;
  }

  /** A module-level name of `p`: its own collection, an alias of one, or an imported one. */
  private async named(m: ModuleInfo, name: string, depth: number): Promise<SetRef | undefined> {
    const a = m.a;
    if (depth > 4 || a.moduleBindings.get(name) !== 1 || a.globals.has(name)) return undefined;
    const own = moduleCollection(a, name);
    if (own) return this.ref(m.file, a, own);
    const s = await m.surroundings();
    const alias = s.aliases.get(name);
    if (alias !== undefined) return this.named(m, alias, depth + 1);
    const imported = s.imports.find((i) => i.alias === name);
    if (!imported) return undefined;
    const target = this.modulePath(m.file.path, imported.module);
    const t = target ? await this.module(target) : undefined;
    return t ? this.named(t, imported.name, depth + 1) : undefined;
  }
}

/** Cheap text checks before a second parse: the name is bound by an import, or as `NAME = other`. */
function importsName(text: string, name: string): boolean {
  return new RegExp(`^[ \\t]*(from[ \\t]+\\S+[ \\t]+)?import[ \\t][^\\n]*(?<![\\w.])${escapeRe(name)}(?!\\w)`, 'm').test(text) || (/^[ \t]*from[ \t]+\S+[ \t]+import[ \t]*\(/m.test(text) && new RegExp(`(?<![\\w.])${escapeRe(name)}(?!\\w)`).test(text));
}

function aliasesName(text: string, name: string): boolean {
  return new RegExp(`^${escapeRe(name)}[ \\t]*(:[^=\\n]*)?=[ \\t]*[A-Za-z_]\\w*[ \\t]*(#.*)?$`, 'm').test(text);
}

function sameBase(a: PyKeyBase, b: PyKeyBase): boolean {
  return a.kind === 'param' ? b.kind === 'param' && a.name === b.name : b.kind === 'other' && a.text === b.text;
}

function baseName(b: PyKeyBase): string {
  return b.kind === 'param' ? b.name : b.text;
}

/**
 * What the other operands of a test's `or` catch for the same key: membership tests on the same
 * base, and calls of module-level helpers with that key (`or _is_sensitive_key(name)`), followed
 * into the helper's final `or` return when its body is straight-line code.
 */
async function coversOf(c: Consumer, resolver: SetResolver): Promise<Cover[]> {
  const site = c.s.tests.get(testKey(c.test));
  if (!site) return [];
  const out: Cover[] = [];
  const fromOperands = async (file: SourceFile, a: PythonTreeAnalysis, s: ModuleSurroundings, operands: OrOperand[], matches: (base: PyKeyBase) => boolean, via: string, depth: number): Promise<void> => {
    for (const o of operands) {
      if (o.kind === 'test') {
        const t = a.membershipTests.find((x) => x.start === o.start && x.end === o.end);
        if (!t || t.negated || !matches(t.key.base)) continue;
        const steps = normalizerFrom(t.key.steps);
        // Only a chain the rule fully understands says what reaches the set.
        if (steps && steps.steps.length !== t.key.steps.length) continue;
        const r = await resolver.resolve(c.mod, t);
        if (r) out.push({ set: r.ref, norm: steps, via: via || functionLabel(a, t) });
      } else if (o.kind === 'call' && depth < 3) {
        if (!matches({ kind: 'other', text: o.arg })) continue;
        const fi = a.functions.findIndex((f) => f.name === o.fn && !f.nested && !f.lambda && f.className === undefined);
        const fn = a.functions[fi];
        if (!fn || fn.returnOrLeaves === undefined || a.moduleBindings.get(o.fn) !== 1) continue;
        const first = fn.params[0];
        if (!first || first.kind !== 'positional' || !fn.params.slice(1).every((p) => p.hasDefault)) continue;
        const leaves = s.returns.get(fn.start) ?? [];
        await fromOperands(file, a, s, leaves, (b) => baseName(b) === first.name, via || `${o.fn}()`, depth + 1);
      }
    }
  };
  const base = c.test.key.base;
  await fromOperands(c.file, c.a, c.s, site.siblings, (b) => sameBase(b, base) || baseName(b) === baseName(base), '', 0);
  return out;
}

/** The values of a set after the fix: rewritten entries take their target, removed ones go. */
function valuesAfter(ref: SetRef, judged: Map<string, Judged>): Set<string> | undefined {
  if (!ref.coll.allStrings) return undefined;
  const j = judged.get(ref.id);
  const byIndex = new Map((j?.entries ?? []).map((e) => [e.index, e]));
  const out = new Set<string>();
  for (const [i, el] of ref.coll.elements.entries()) {
    const v = byIndex.get(i);
    if (v?.kind === 'fix') out.add(v.target);
    else if (el.string?.value !== undefined) out.add(el.string.value);
  }
  return out;
}

/**
 * The normalisation every entry should be written in: one of the consumers' normalisations that
 * sees through all the others (`.lower().replace("-", "_")` sees through `.lower()`). Undefined
 * when none does, or when two such disagree about an entry.
 */
function canonicalOf(consumers: Consumer[], samples: string[]): { canonical: Normalizer | undefined; candidates: Normalizer[] } {
  const norms = [...new Map(consumers.filter((c) => c.norm).map((c) => [(c.norm as Normalizer).text, c.norm as Normalizer])).values()];
  const candidates = norms.filter((n) => norms.every((m) => absorbs(n, m, samples)));
  return { canonical: candidates[0], candidates };
}

function judgeEntries(coll: PyStringCollection, consumers: Consumer[]): { entries: EntryVerdict[]; canonical: Normalizer | undefined } {
  const verdicts: EntryVerdict[] = [];
  const samples = coll.elements.flatMap((e) => (e.string?.value !== undefined ? [e.string.value] : []));
  const { canonical, candidates } = canonicalOf(consumers, samples);
  const norms = [...new Map(consumers.filter((c) => c.norm).map((c) => [(c.norm as Normalizer).text, c.norm as Normalizer])).values()];
  for (const [index, el] of coll.elements.entries()) {
    const s = el.string;
    if (!coll.allStrings || !s || s.value === undefined) continue;
    const value = s.value;
    // A normalisation that is not idempotent says nothing certain about what it can produce.
    if (!norms.every((n) => isIdempotent(n, value))) continue;
    const targets = norms.map((n) => n.apply(value));
    if (targets.every((t) => t === value)) continue;
    const agreed = candidates.map((n) => n.apply(value));
    if (!canonical || !agreed.every((t) => t === agreed[0])) {
      const how = norms.map((n, i) => `${n.text} gives "${targets[i]}"`).join(', ');
      verdicts.push({ index, value, kind: 'report', reason: `the tests normalise differently (${how}); not changed` });
      continue;
    }
    const target = canonical.apply(value);
    if (target === value) {
      const off = norms.filter((n) => n.apply(value) !== value).map((n) => n.text);
      verdicts.push({ index, value, kind: 'report', reason: `it is already in the form ${canonical.text} gives, which ${off.join(' / ')} never produces; not changed` });
      continue;
    }
    if (!fitsQuotes(target, s.prefix, s.quote)) {
      verdicts.push({ index, value, kind: 'report', reason: `"${target}" cannot be written inside its quotes as they are; not changed` });
      continue;
    }
    verdicts.push({ index, value, kind: 'fix', target, remove: false });
  }
  // Without duplicates: a target already in the literal (as a matching entry, or as the target of
  // an earlier entry) makes the entry redundant.
  const judged = new Set(verdicts.map((v) => v.index));
  const present = new Set<string>();
  for (const [index, el] of coll.elements.entries()) if (!judged.has(index) && el.string?.value !== undefined) present.add(el.string.value);
  const produced = new Set<string>();
  for (const v of verdicts) {
    if (v.kind !== 'fix') continue;
    if (present.has(v.target)) v.remove = 'present';
    else if (produced.has(v.target)) v.remove = 'repeat';
    produced.add(v.target);
  }
  return { entries: verdicts, canonical };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function mentionCount(text: string, name: string): number {
  return (text.match(new RegExp(`(?<![\\w.])${escapeRe(name)}(?!\\w)`, 'g')) ?? []).length;
}

/**
 * Reads of a set other than its consumers' tests. In its own module: every reference python-tree
 * finds, minus the tests and the right sides of aliases the consumers go through. In a consumer's
 * module reached by import or alias: the mentions of the local names, minus their bindings and
 * tests. Other Python files that name it: read as they are (a test asserting the old spelling).
 */
function otherReadsOf(ws: Workspace, ref: SetRef, consumers: Consumer[]): string[] {
  const out: string[] = [];
  const own = consumers.filter((c) => c.file.path === ref.file.path);
  const containers = new Set(own.map((c) => c.test.container.offset));
  const aliasValues = new Set<number>();
  const ownVia = new Set(own.map((c) => c.test.container.name).filter((n) => n !== ref.coll.name));
  for (const n of ownVia) {
    const m = new RegExp(`^${escapeRe(n)}[ \\t]*=[ \\t]*(${escapeRe(ref.coll.name)})[ \\t]*(#.*)?$`, 'm').exec(ref.file.text);
    if (m) aliasValues.add(m.index + m[0].indexOf(m[1] as string, m[0].indexOf('=')));
  }
  for (const r of readsOf(ref.a, ref.coll)) {
    if (containers.has(r.offset) || aliasValues.has(r.offset)) continue;
    out.push(`line ${ref.file.position(r.offset).line}`);
  }
  // The local names consumers use, per file: each is bound once, read by its tests, perhaps
  // re-bound to another local name.
  const byFile = new Map<string, Consumer[]>();
  for (const c of consumers) byFile.set(c.file.path, [...(byFile.get(c.file.path) ?? []), c]);
  for (const [p, cs] of byFile) {
    const names = new Set(cs.map((c) => (c.test.container.object === undefined ? c.test.container.name : undefined)).filter((n): n is string => n !== undefined));
    if (p === ref.file.path) names.delete(ref.coll.name);
    if (names.size === 0) continue;
    const text = cs[0]?.file.text ?? '';
    const s = cs[0]?.s;
    let extra = 0;
    for (const n of names) {
      // Its binding, its tests, and the aliases other local names make of it.
      const tests = cs.filter((c) => c.test.container.name === n && c.test.container.object === undefined).length;
      const rebound = [...names].filter((o) => s?.aliases.get(o) === n).length;
      extra += Math.max(0, mentionCount(text, n) - 1 - tests - rebound);
    }
    if (extra > 0 && p !== ref.file.path) out.push(p);
    else if (extra > 0) out.push('another name for it');
  }
  const consumerFiles = new Set(byFile.keys());
  const name = new RegExp(`(?<!\\w)${escapeRe(ref.coll.name)}(?!\\w)`);
  const owner = ref.coll.className ? new RegExp(`(?<!\\w)${escapeRe(ref.coll.className)}(?!\\w)`) : undefined;
  const attr = new RegExp(`\\.\\s*${escapeRe(ref.coll.name)}(?!\\w)`);
  for (const p of ws.paths) {
    if (p === ref.file.path || consumerFiles.has(p) || !p.endsWith('.py')) continue;
    const text = ws.probe(p)?.text;
    if (!text) continue;
    if (owner ? owner.test(text) && attr.test(text) : name.test(text)) out.push(p);
  }
  return [...new Set(out)];
}

function quoteList(items: string[]): string {
  return items.length <= 3 ? items.join(', ') : `${items.slice(0, 3).join(', ')} and ${items.length - 3} more`;
}

function consumerLabel(c: Consumer, home: string): string {
  return c.file.path === home ? c.fn : `${c.fn} in ${c.file.path}`;
}

/** The steps to append to a consumer's tested value so that it is normalised like the entries. */
function missingSteps(c: Consumer, canonical: Normalizer): string {
  const have = (c.norm?.steps ?? []).map((s) => s.text);
  const want = canonical.steps.map((s) => s.text);
  const prefix = have.length <= want.length && have.every((t, i) => t === want[i]);
  return (prefix ? want.slice(have.length) : want).join('');
}

/**
 * The contract test for one module's predicates: module-level functions whose body is
 * straight-line code returning an `or` of membership tests on their first parameter, or of
 * calls of such predicates with it. Evaluated with the sets as the fix leaves them.
 */
async function contractTest(ws: Workspace, m: ModuleInfo, resolver: SetResolver, judged: Map<string, Judged>, rewritten: Map<string, Normalizer>, options: Options): Promise<{ creation?: FileCreation; note?: string }> {
  const { file, a } = m;
  const s = await m.surroundings();
  const shrinks = (ref: SetRef): boolean => readsOf(ref.a, ref.coll).some((r) => r.method !== undefined && SHRINKING.has(r.method));
  const valuesOf = (ref: SetRef): Set<string> | undefined => (shrinks(ref) ? undefined : valuesAfter(ref, judged));
  const testsSets = new Map<PyMembershipTest, SetRef | undefined>();
  for (const t of a.membershipTests) testsSets.set(t, (await resolver.resolve(m, t))?.ref);
  const judgedIds = new Set(judged.keys());
  type Predicate = (k: string) => boolean;
  const predicates = new Map<number, Predicate | null>();
  const entryKeys = new Set<string>();
  const build = (fi: number, depth: number): Predicate | null => {
    if (predicates.has(fi)) return predicates.get(fi) ?? null;
    predicates.set(fi, null); // recursion guard
    const fn = a.functions[fi];
    const first = fn?.params[0];
    if (!fn || depth > 3 || fn.nested || fn.lambda || fn.className !== undefined || first?.kind !== 'positional' || !fn.params.slice(1).every((p) => p.hasDefault) || !fn.returnOrLeaves) return null;
    const operands = s.returns.get(fn.start) ?? [];
    const parts: Predicate[] = [];
    for (const o of operands) {
      if (o.kind === 'test') {
        const t = a.membershipTests.find((x) => x.start === o.start && x.end === o.end);
        if (!t || t.negated) return null;
        const ref = testsSets.get(t);
        const values = ref ? valuesOf(ref) : undefined;
        const rewrite = rewritten.get(`${file.path}#${testKey(t)}`);
        const norm = rewrite ?? normalizerFrom(t.key.steps);
        const exact = t.key.base.kind === 'param' && t.key.base.index === 0 && (rewrite !== undefined || (norm?.steps.length ?? 0) === t.key.steps.length);
        if (ref && values && judgedIds.has(ref.id)) for (const v of values) entryKeys.add(v);
        parts.push(!values || !exact ? () => false : (k) => values.has(norm ? norm.apply(k) : k));
      } else if (o.kind === 'call') {
        const ci = a.functions.findIndex((f) => f.name === o.fn && !f.nested && !f.lambda && f.className === undefined);
        if (ci === -1 || o.arg !== first.name || a.moduleBindings.get(o.fn) !== 1) return null;
        const inner = build(ci, depth + 1);
        if (!inner) return null;
        parts.push(inner);
      } else return null;
    }
    const p: Predicate = (k) => parts.some((q) => q(k));
    predicates.set(fi, p);
    return p;
  };
  const functions: ContractFunction[] = [];
  const skipped: string[] = [];
  for (const [fi, fn] of a.functions.entries()) {
    const touches = a.membershipTests.some((t) => t.functionIndex === fi && judgedIds.has(testsSets.get(t)?.id ?? ''));
    if (!touches) continue;
    const label = `${fn.name}()`;
    entryKeys.clear();
    const predicate = IDENTIFIER.test(fn.name) ? build(fi, 0) : null;
    if (!predicate) {
      skipped.push(`${label} is not a one-argument function returning membership tests (or calls of such functions) joined by \`or\``);
      continue;
    }
    // The contract: the default keys, and every entry of the sets it tests, in mixed case and
    // with either separator.
    const variants = keyVariants([...options.contractKeys, ...entryKeys]);
    const caught = variants.filter((k) => predicate(k));
    const missed = variants.filter((k) => !caught.includes(k));
    if (caught.length === 0) {
      skipped.push(`${label} catches none of the contract keys`);
      continue;
    }
    functions.push({ name: fn.name, caught, missed });
  }
  if (functions.length === 0) return { note: skipped.length ? `no contract test: ${skipped.join('; ')}` : undefined };
  const cfg = await pytestConfig(ws);
  const testsDir = options.testsDir ?? findTestsDir(ws, file.path, cfg);
  const moduleName = importName(ws, file.path, testsDir, cfg);
  if (!moduleName) return { note: `no contract test: ${file.path} has no importable module name` };
  const target = `${testsDir}/${contractFileName(file.path)}`;
  if (ws.has(target)) return { note: `no contract test: ${target} already exists` };
  return { creation: { file: target, content: contractTestSource(moduleName, functions, file.eol) } };
}

/** What the fix does to one consumer: nothing lost, or the test rewritten to the canonical form. */
interface ConsumerPlan {
  consumer: Consumer;
  /** Entries the consumer matched before and would miss after: keys spelled like them would get through. */
  loses: string[];
  /** Appends the missing normalisation steps to the tested value; none when it cannot be rewritten (`not in`). */
  edits: TextEdit[];
}

async function planConsumers(j: Judged, resolver: SetResolver, judged: Map<string, Judged>): Promise<ConsumerPlan[]> {
  const plans: ConsumerPlan[] = [];
  const changed = j.entries.filter((e): e is Extract<EntryVerdict, { kind: 'fix' }> => e.kind === 'fix');
  if (changed.length === 0 || !j.canonical) return plans;
  const samples = changed.flatMap((e) => [e.value, e.target]);
  const after = valuesAfter(j.ref, judged) ?? new Set<string>();
  for (const c of j.consumers) {
    const n = (x: string): string => (c.norm ? c.norm.apply(x) : x);
    // Entries this test matched (some key normalises to them) that are gone afterwards.
    const matched = changed.filter((e) => n(e.value) === e.value && !after.has(e.value));
    if (matched.length === 0) continue;
    const covers = await coversOf(c, resolver);
    const loses: string[] = [];
    for (const e of matched) {
      const kept = c.test.negated
        ? false
        : covers.some((cv) => {
            const vals = valuesAfter(cv.set, judged);
            return vals !== undefined && absorbs(cv.norm, c.norm, samples) && vals.has(cv.norm ? cv.norm.apply(e.value) : e.value);
          });
      if (!kept) loses.push(e.value);
    }
    if (loses.length === 0) continue;
    const site = c.s.tests.get(testKey(c.test));
    const steps = missingSteps(c, j.canonical);
    let edits: TextEdit[] = [];
    if (site && steps && !c.test.negated) {
      const { start, end, primary } = site.operand;
      edits = primary ? [{ file: c.file.path, start: end, end, text: steps }] : [{ file: c.file.path, start, end: start, text: '(' }, { file: c.file.path, start: end, end, text: `)${steps}` }];
    }
    plans.push({ consumer: c, loses, edits });
  }
  return plans;
}

/**
 * A key is normalised (`.lower()`, `.casefold()`, `.upper()`, `.replace("-", "_")` …) before a
 * membership test against a literal set of strings, but some entries are spelled in a form the
 * normalised key can never take (seed 1.7: `key.lower().replace("-", "_") in SENSITIVE_HEADERS`
 * while the set holds `"x-api-key"`), so those secrets are never redacted. The fix rewrites the
 * entries into the normalised form (removing the ones that become duplicates) and, with the
 * `withTests` option, adds a pytest contract test for the predicate.
 */
export const rule: Rule = {
  meta: {
    id: 'redaction-key-normalization',
    seedIds: ['1.7'],
    summary: 'Sensitive-key sets hold entries that can never match after the key is normalised; normalise them.',
    defaultSeverity: 'error',
    fixable: 'safe',
    messages: {
      reported: '{{head}}; {{reason}}',
      removePresent: '{{head}}; "{{target}}" is already in the set, so the entry is removed{{review}}',
      removeRepeat: '{{head}}; another entry already becomes "{{target}}", so this one is removed{{review}}',
      rewrite: '{{head}}; write it as "{{target}}"{{review}}',
    },
    options: {
      withTests: { type: 'boolean', description: 'Also create the pytest contract test.', default: false },
      contractKeys: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'The keys the contract test asserts.', default: DEFAULT_CONTRACT_KEYS },
      // No default: the folder is found from the pytest configuration and the layout.
      testsDir: { type: 'string', minLength: 1, description: 'The folder for the contract test (default: found from the pytest configuration).' },
    },
  },
  async check({ workspace, options: rawOptions }) {
    const options = readOptions(rawOptions);
    const resolver = new SetResolver(workspace);

    // Every membership test of a module that normalises keys, with the set it reads (here, through
    // an alias, or imported from another module of the repository).
    const bySet = new Map<string, Consumer[]>();
    // The modules that normalise keys; with prefilters, only those with a membership test whose
    // container may be a literal collection of strings (reach.ts) are parsed.
    const candidates: Array<{ p: string; names: ReturnType<typeof consumerNames> }> = [];
    const scratch = tokenScratch();
    for (const p of workspace.paths) {
      if (!p.endsWith('.py')) continue;
      const probe = workspace.probe(p);
      if (!probe || !NORMALISING_CALL.test(probe.text)) continue;
      const names = prefiltersEnabled() ? consumerNames(probe.text, scratch) : undefined;
      if (names && !names.own && names.imported.length === 0) continue;
      candidates.push({ p, names });
    }
    const imported = new Set(candidates.flatMap((c) => c.names?.imported ?? []));
    const reaching = imported.size ? reachingNames(imported, workspace.paths.filter((p) => p.endsWith('.py')).map((p) => workspace.probe(p)?.text ?? '')) : new Set<string>();
    for (const { p, names } of candidates) {
      if (names && !names.own && !names.imported.some((n) => reaching.has(n))) continue;
      const m = await resolver.module(p);
      if (!m || m.a.membershipTests.length === 0) continue;
      for (const test of m.a.membershipTests) {
        const r = await resolver.resolve(m, test);
        if (!r) continue;
        const list = bySet.get(r.ref.id) ?? [];
        list.push({ mod: m, file: m.file, a: m.a, s: EMPTY_SURROUNDINGS, test, norm: normalizerFrom(test.key.steps), fn: functionLabel(m.a, test), set: r.ref });
        bySet.set(r.ref.id, list);
      }
    }

    const judged = new Map<string, Judged>();
    for (const [id, consumers] of bySet) {
      // A set is judged through its normalised tests; tests of the key as it is are consumers too.
      if (!consumers.some((c) => c.norm)) continue;
      const ref = resolver.refs.get(id) as SetRef;
      const { entries, canonical } = judgeEntries(ref.coll, consumers);
      if (entries.length === 0) continue;
      for (const c of consumers) c.s = await c.mod.surroundings();
      const polarity = polarityOf([ref.coll.name, ...consumers.map((c) => c.test.container.name)]) ?? polarityOf(consumers.map((c) => c.fn)) ?? polarityOf([path.basename(ref.file.path, '.py')]) ?? 'unknown';
      judged.set(id, { ref, consumers, canonical, otherReads: otherReadsOf(workspace, ref, consumers), entries, polarity });
    }

    // One fix per module holding judged sets: its entries, the consumers it has to rewrite
    // (wherever they are) and the contract tests.
    const byHome = new Map<string, Judged[]>();
    for (const j of judged.values()) byHome.set(j.ref.file.path, [...(byHome.get(j.ref.file.path) ?? []), j]);
    const findings: RawFinding[] = [];
    for (const [home, group] of byHome) {
      const file = group[0]?.ref.file as SourceFile;
      const edits: TextEdit[] = [];
      const review: string[] = [];
      const plans = new Map<Judged, ConsumerPlan[]>();
      const rewritten = new Map<string, Normalizer>();
      let rewrittenEntries = 0;
      let removed = 0;
      for (const j of group) {
        const remove = new Set<number>();
        for (const v of j.entries) {
          if (v.kind !== 'fix') continue;
          const s = j.ref.coll.elements[v.index]?.string;
          if (!s) continue;
          if (v.remove) remove.add(v.index);
          else {
            edits.push({ file: home, start: s.contentStart, end: s.contentEnd, text: v.target });
            rewrittenEntries++;
          }
        }
        removed += remove.size;
        if (remove.size) for (const span of removalSpans(file.text, j.ref.coll, remove)) edits.push({ file: home, ...span });
        if (!j.entries.some((e) => e.kind === 'fix')) continue;
        const plan = await planConsumers(j, resolver, judged);
        plans.set(j, plan);
        for (const cp of plan) {
          edits.push(...cp.edits);
          if (cp.edits.length && j.canonical) {
            const steps = [...(cp.consumer.norm?.steps ?? []), ...j.canonical.steps];
            const n = normalizerFrom(steps);
            if (n) rewritten.set(`${cp.consumer.file.path}#${testKey(cp.consumer.test)}`, { ...n, apply: (k: string) => (j.canonical as Normalizer).apply(cp.consumer.norm ? cp.consumer.norm.apply(k) : k) });
          }
        }
        if (j.otherReads.length || plan.length || j.polarity !== 'deny') review.push(qualified(j.ref.coll));
      }
      const uniqueEdits = [...new Map(edits.map((e) => [`${e.file}:${e.start}:${e.end}:${e.text}`, e])).values()];
      let fix: Fix | null = null;
      if (uniqueEdits.length) {
        const fixed = group.filter((j) => j.entries.some((e) => e.kind === 'fix'));
        const parts = [`normalise ${rewrittenEntries + removed} entr${rewrittenEntries + removed === 1 ? 'y' : 'ies'} of ${fixed.map((j) => qualified(j.ref.coll)).join(', ')}`];
        if (removed) parts.push(`dropping ${removed} that would repeat another`);
        const rewrites = fixed.flatMap((j) => (plans.get(j) ?? []).filter((cp) => cp.edits.length).map((cp) => consumerLabel(cp.consumer, home)));
        if (rewrites.length) parts.push(`normalise the key the same way in ${quoteList([...new Set(rewrites)])}`);
        let creates: FileCreation[] | undefined;
        if (options.withTests) {
          const modules = [...new Set(fixed.flatMap((j) => j.consumers.map((c) => c.file.path)))].sort((x, y) => (x === home ? -1 : y === home ? 1 : x.localeCompare(y)));
          for (const mp of modules) {
            const m = await resolver.module(mp);
            if (!m) continue;
            const t = await contractTest(workspace, m, resolver, judged, rewritten, options);
            if (t.creation && !(creates ?? []).some((c) => c.file === t.creation?.file)) {
              creates = [...(creates ?? []), t.creation];
              parts.push(`add the contract test ${t.creation.file}`);
            } else if (t.note && modules.length === 1) parts.push(t.note);
          }
        }
        fix = { safety: review.length ? 'review' : 'safe', description: parts.join('; '), edits: uniqueEdits, ...(creates ? { creates } : {}) };
      }

      for (const j of group) {
        const name = qualified(j.ref.coll);
        const plan = plans.get(j) ?? [];
        const counts = new Map<string, number>();
        for (const v of j.entries) {
          const n = (counts.get(v.value) ?? 0) + 1;
          counts.set(v.value, n);
          const el = j.ref.coll.elements[v.index];
          if (!el) continue;
          const key = `${home}::${name}::${v.value}${n > 1 ? `#${n}` : ''}`;
          const head = entryHead(j, v.value, name, home);
          if (v.kind === 'report') {
            findings.push({ file: home, offset: el.start, key, messageId: 'reported', data: { head, reason: v.reason }, skipReason: 'ambiguous-target', fix: null });
            continue;
          }
          const messageId = v.remove === 'present' ? 'removePresent' : v.remove === 'repeat' ? 'removeRepeat' : 'rewrite';
          const notes: string[] = [];
          for (const cp of plan) {
            if (!cp.loses.includes(v.value)) continue;
            const who = consumerLabel(cp.consumer, home);
            notes.push(
              cp.edits.length && j.canonical
                ? `${who} matches "${v.value}" today and would stop, so its test becomes \`${operandText(cp)}${missingSteps(cp.consumer, j.canonical)} in ${cp.consumer.test.container.object ? `${cp.consumer.test.container.object}.` : ''}${cp.consumer.test.container.name}\``
                : `${who} matches "${v.value}" today and would stop (${cp.consumer.test.negated ? 'a `not in` test' : 'its test cannot be rewritten in place'})`,
            );
          }
          if (j.polarity === 'allow') notes.push(`${name} reads as an allow-list: matching more keys lets more through`);
          else if (j.polarity === 'unknown') notes.push(`nothing says whether ${name} denies or allows, and the fix makes it match more keys`);
          if (j.otherReads.length) notes.push(`${name} is also read elsewhere — ${quoteList(j.otherReads)} — where the old spelling may matter`);
          findings.push({ file: home, offset: el.start, key, messageId, data: { head, target: v.target, review: notes.length ? ` (review: ${notes.join('; ')})` : '' }, fix });
        }
      }
    }
    return findings;
  },
};

/** The tested value as written at a consumer's test. */
function operandText(cp: ConsumerPlan): string {
  const site = cp.consumer.s.tests.get(testKey(cp.consumer.test));
  if (!site) return cp.consumer.test.key.text;
  const t = cp.consumer.file.text.slice(site.operand.start, site.operand.end).replace(/\s+/g, ' ');
  return site.operand.primary ? t : `(${t})`;
}

/**
 * The start of an entry's message: which tests can never match it. When every normalised test
 * misses it, it "can never match"; when another test does match it as written, the message says
 * which one leaks and which one catches it.
 */
function entryHead(j: Judged, value: string, name: string, home: string): string {
  const misses = j.consumers.filter((c) => c.norm && c.norm.apply(value) !== value);
  const hits = j.consumers.filter((c) => !(c.norm && c.norm.apply(value) !== value));
  const fns = [...new Set(misses.map((c) => consumerLabel(c, home)))];
  const norms = [...new Set(misses.map((c) => (c.norm as Normalizer).text))];
  const how = `${fns.join(' and ')} appl${fns.length === 1 ? 'ies' : 'y'} ${norms.join(' / ')} to the key before \`in ${name}\``;
  if (hits.length === 0) return `entry "${value}" of ${name} can never match: ${how}`;
  const catchers = [...new Set(hits.map((c) => `${consumerLabel(c, home)} with ${c.norm ? c.norm.text : 'the key as it is'}`))];
  const which = `${fns.join(' and ')}, which appl${fns.length === 1 ? 'ies' : 'y'} ${norms.join(' / ')} to the key before \`in ${name}\``;
  return `entry "${value}" of ${name} never matches in ${which}: keys spelled like it leak there (${quoteList(catchers)} match${catchers.length === 1 ? 'es' : ''} it)`;
}

export default rule;
