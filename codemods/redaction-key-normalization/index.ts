import type { FileCreation, Fix, RawFinding, TextEdit } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { analyzePythonTree, type PyMembershipTest, type PyStringCollection, type PythonTreeAnalysis } from '../../src/formats/python-tree.js';
import { isIdempotent, normalizerFrom, type Normalizer } from './normalize.js';
import { fitsQuotes, removalSpans } from './literal-edits.js';
import { contractFileName, contractTestSource, findTestsDir, importName, keyVariants, pytestConfig, type ContractFunction } from './contract-test.js';

/** Keys the generated contract test asserts (each also lower/upper-cased and with either separator). */
export const DEFAULT_CONTRACT_KEYS = ['Authorization', 'Cookie', 'Set-Cookie', 'X-API-Key', 'x_api_key', 'X-GitHub-Token'];

/** Methods that, called on a collection, may drop entries at run time: the contract test cannot rely on its literal then. */
const SHRINKING = new Set(['remove', 'discard', 'clear', 'pop', 'difference_update', 'intersection_update', 'symmetric_difference_update', '__delitem__']);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Cheap text filter before parsing: a normalising call somewhere in the file. */
const NORMALISING_CALL = /\.\s*(lower|casefold|upper|replace)\s*\(/;

interface NormalisedUse {
  test: PyMembershipTest;
  norm: Normalizer;
  fn: string;
}

interface Judged {
  coll: PyStringCollection;
  uses: NormalisedUse[];
  /** Reads of the collection other than its normalised tests: `line N` or another file's path. */
  otherReads: string[];
  entries: EntryVerdict[];
}

type EntryVerdict =
  | { index: number; value: string; kind: 'fix'; target: string; remove: 'present' | 'repeat' | false }
  | { index: number; value: string; kind: 'report'; reason: string };

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

/** The collection a membership test reads, when it is one this module binds exactly once. */
function containerCollection(a: PythonTreeAnalysis, test: PyMembershipTest): PyStringCollection | undefined {
  const { name, object } = test.container;
  const fn = a.functions[test.functionIndex];
  if (object === undefined) {
    if (fn?.params.some((p) => p.name === name)) return undefined;
    if (a.moduleBindings.get(name) !== 1 || a.globals.has(name)) return undefined;
    return a.collections.find((c) => c.className === undefined && c.name === name);
  }
  const className = object === 'self' || object === 'cls' ? fn?.className : object;
  if (!className || a.classBindings.get(className)?.get(name) !== 1) return undefined;
  return a.collections.find((c) => c.className === className && c.name === name);
}

function readsOf(a: PythonTreeAnalysis, coll: PyStringCollection): PythonTreeAnalysis['references'] {
  return a.references.filter((r) => {
    if (r.name !== coll.name) return false;
    if (coll.className === undefined) return r.object === undefined && r.classBody === undefined;
    return r.object === 'self' || r.object === 'cls' || r.object === coll.className ? true : r.object === undefined && r.classBody === coll.className;
  });
}

/** Entry by entry: can it ever match every normalised test, and if not, what should it be? */
function judgeEntries(coll: PyStringCollection, uses: NormalisedUse[]): EntryVerdict[] {
  const verdicts: EntryVerdict[] = [];
  const norms = uses.map((u) => u.norm);
  const distinct = [...new Map(norms.map((n) => [n.text, n])).values()];
  for (const [index, el] of coll.elements.entries()) {
    const s = el.string;
    if (!coll.allStrings || !s || s.value === undefined) continue;
    const value = s.value;
    // A normalisation that is not idempotent says nothing certain about what it can produce.
    if (!distinct.every((n) => isIdempotent(n, value))) continue;
    const targets = distinct.map((n) => n.apply(value));
    if (targets.every((t) => t === value)) continue;
    const target = targets[0] as string;
    if (!targets.every((t) => t === target)) {
      const how = distinct.map((n, i) => `${n.text} gives "${targets[i]}"`).join(', ');
      verdicts.push({ index, value, kind: 'report', reason: `the tests normalise differently (${how}); not changed` });
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
  return verdicts;
}

/**
 * Other Python files that may read the collection: they name it (module level; `mod.NAME` too),
 * or name its class and access `.NAME` (class attribute). A text check, deliberately wide.
 */
function otherFileReads(ws: Workspace, self: string, coll: PyStringCollection): string[] {
  const esc = (s: string): string => s.replace(/[$]/g, '\\$');
  const name = new RegExp(`(?<!\\w)${esc(coll.name)}(?!\\w)`);
  const owner = coll.className ? new RegExp(`(?<!\\w)${esc(coll.className)}(?!\\w)`) : undefined;
  const attr = new RegExp(`\\.\\s*${esc(coll.name)}(?!\\w)`);
  const out: string[] = [];
  for (const p of ws.paths) {
    if (p === self || !p.endsWith('.py')) continue;
    const text = ws.probe(p)?.text;
    if (!text) continue;
    if (owner ? owner.test(text) && attr.test(text) : name.test(text)) out.push(p);
  }
  return out;
}

async function judgeFile(ws: Workspace, file: SourceFile): Promise<{ a: PythonTreeAnalysis; judged: Judged[] } | undefined> {
  if (!NORMALISING_CALL.test(file.text)) return undefined;
  // It normalises keys: the rule relies on the module's structure from here on.
  ws.read(file.path);
  const a = await analyzePythonTree(file);
  if (a.error || a.collections.length === 0) return undefined;
  const byColl = new Map<PyStringCollection, NormalisedUse[]>();
  for (const test of a.membershipTests) {
    const coll = containerCollection(a, test);
    if (!coll) continue;
    const norm = normalizerFrom(test.key.steps);
    if (!norm) continue; // compared as it is: judged only through its normalised tests
    const list = byColl.get(coll) ?? [];
    list.push({ test, norm, fn: functionLabel(a, test) });
    byColl.set(coll, list);
  }
  const judged: Judged[] = [];
  for (const [coll, uses] of byColl) {
    const entries = judgeEntries(coll, uses);
    if (entries.length === 0) continue;
    const containers = new Set(uses.map((u) => u.test.container.offset));
    const otherReads = readsOf(a, coll)
      .filter((r) => !containers.has(r.offset))
      .map((r) => `line ${file.position(r.offset).line}`);
    otherReads.push(...otherFileReads(ws, file.path, coll));
    judged.push({ coll, uses, otherReads: [...new Set(otherReads)], entries });
  }
  return { a, judged };
}

function quoteList(items: string[]): string {
  return items.length <= 3 ? items.join(', ') : `${items.slice(0, 3).join(', ')} and ${items.length - 3} more`;
}

/**
 * The contract test for the file's predicates: module-level functions whose body is
 * straight-line code returning an `or` of membership tests on their first parameter.
 */
async function contractTest(ws: Workspace, file: SourceFile, a: PythonTreeAnalysis, judged: Judged[], options: Options): Promise<{ creation?: FileCreation; note?: string }> {
  const fixed = new Map<PyStringCollection, Set<string> | undefined>();
  for (const j of judged) {
    const values = new Set<string>();
    const byIndex = new Map(j.entries.map((e) => [e.index, e]));
    for (const [i, el] of j.coll.elements.entries()) {
      const v = byIndex.get(i);
      if (v?.kind === 'fix') values.add(v.target);
      else if (el.string?.value !== undefined) values.add(el.string.value);
    }
    fixed.set(j.coll, values);
  }
  const shrinks = (coll: PyStringCollection): boolean => readsOf(a, coll).some((r) => r.method !== undefined && SHRINKING.has(r.method));
  const valuesOf = (coll: PyStringCollection): Set<string> | undefined => {
    if (shrinks(coll) || !coll.allStrings) return undefined;
    if (fixed.has(coll)) return fixed.get(coll);
    const s = new Set<string>();
    for (const el of coll.elements) if (el.string?.value !== undefined) s.add(el.string.value);
    return s;
  };
  const judgedColls = new Set(judged.map((j) => j.coll));
  const variants = keyVariants(options.contractKeys);
  const functions: ContractFunction[] = [];
  const skipped: string[] = [];
  for (const [fi, fn] of a.functions.entries()) {
    const tests = a.membershipTests.filter((t) => t.functionIndex === fi);
    const touches = tests.some((t) => {
      const c = containerCollection(a, t);
      return c !== undefined && judgedColls.has(c) && normalizerFrom(t.key.steps) !== undefined;
    });
    if (!touches) continue;
    const label = `${fn.name}()`;
    const first = fn.params[0];
    const shapeOk = !fn.nested && !fn.lambda && fn.className === undefined && first?.kind === 'positional' && fn.params.slice(1).every((p) => p.hasDefault);
    const leaves = fn.returnOrLeaves;
    if (!shapeOk || !leaves || leaves.some((l) => l === null) || !IDENTIFIER.test(fn.name)) {
      skipped.push(`${label} is not a one-argument function returning membership tests joined by \`or\``);
      continue;
    }
    const predicates = (leaves as number[]).map((i) => {
      const t = a.membershipTests[i] as PyMembershipTest;
      if (t.negated) return undefined;
      const coll = containerCollection(a, t);
      const values = coll ? valuesOf(coll) : undefined;
      const norm = normalizerFrom(t.key.steps);
      const exact = t.key.base.kind === 'param' && t.key.base.index === 0 && (norm?.steps.length ?? 0) === t.key.steps.length;
      if (!values || !exact) return (): boolean => false; // unknown: never counted as caught
      return (k: string): boolean => values.has(norm ? norm.apply(k) : k);
    });
    if (predicates.some((p) => p === undefined)) {
      skipped.push(`${label} returns a negated membership test`);
      continue;
    }
    const caught = variants.filter((k) => predicates.some((p) => (p as (k: string) => boolean)(k)));
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
    options: {
      withTests: { type: 'boolean', description: 'Also create the pytest contract test.', default: false },
      contractKeys: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'The keys the contract test asserts.', default: DEFAULT_CONTRACT_KEYS },
      // No default: the folder is found from the pytest configuration and the layout.
      testsDir: { type: 'string', minLength: 1, description: 'The folder for the contract test (default: found from the pytest configuration).' },
    },
  },
  async check({ workspace, options: rawOptions }) {
    const options = readOptions(rawOptions);
    const findings: RawFinding[] = [];
    for (const p of workspace.paths) {
      if (!p.endsWith('.py')) continue;
      const file = workspace.probe(p);
      if (!file) continue;
      const result = await judgeFile(workspace, file);
      if (!result || result.judged.length === 0) continue;
      const { a, judged } = result;

      const edits: TextEdit[] = [];
      const review: string[] = [];
      let rewritten = 0;
      let removed = 0;
      for (const j of judged) {
        const remove = new Set<number>();
        for (const v of j.entries) {
          if (v.kind !== 'fix') continue;
          const s = j.coll.elements[v.index]?.string;
          if (!s) continue;
          if (v.remove) remove.add(v.index);
          else {
            edits.push({ file: p, start: s.contentStart, end: s.contentEnd, text: v.target });
            rewritten++;
          }
        }
        removed += remove.size;
        if (remove.size) for (const span of removalSpans(file.text, j.coll, remove)) edits.push({ file: p, ...span });
        if (j.entries.some((e) => e.kind === 'fix') && j.otherReads.length) review.push(qualified(j.coll));
      }
      let fix: Fix | null = null;
      if (edits.length) {
        const names = judged.filter((j) => j.entries.some((e) => e.kind === 'fix')).map((j) => qualified(j.coll));
        const parts = [`normalise ${rewritten + removed} entr${rewritten + removed === 1 ? 'y' : 'ies'} of ${names.join(', ')}`];
        if (removed) parts.push(`dropping ${removed} that would repeat another`);
        let creates: FileCreation[] | undefined;
        if (options.withTests) {
          const t = await contractTest(workspace, file, a, judged, options);
          if (t.creation) {
            creates = [t.creation];
            parts.push(`add the contract test ${t.creation.file}`);
          } else if (t.note) parts.push(t.note);
        }
        fix = { safety: review.length ? 'review' : 'safe', description: parts.join('; '), edits, ...(creates ? { creates } : {}) };
      }

      for (const j of judged) {
        const fns = [...new Set(j.uses.map((u) => u.fn))];
        const norms = [...new Set(j.uses.map((u) => u.norm.text))];
        const name = qualified(j.coll);
        const how = `${fns.join(' and ')} appl${fns.length === 1 ? 'ies' : 'y'} ${norms.join(' / ')} to the key before \`in ${name}\``;
        const counts = new Map<string, number>();
        for (const v of j.entries) {
          const n = (counts.get(v.value) ?? 0) + 1;
          counts.set(v.value, n);
          const el = j.coll.elements[v.index];
          if (!el) continue;
          const key = `${p}::${name}::${v.value}${n > 1 ? `#${n}` : ''}`;
          const head = `entry "${v.value}" of ${name} can never match: ${how}`;
          if (v.kind === 'report') {
            findings.push({ file: p, offset: el.start, key, message: `${head}; ${v.reason}`, fix: null });
            continue;
          }
          let message =
            v.remove === 'present'
              ? `${head}; "${v.target}" is already in the set, so the entry is removed`
              : v.remove === 'repeat'
                ? `${head}; another entry already becomes "${v.target}", so this one is removed`
                : `${head}; write it as "${v.target}"`;
          if (j.otherReads.length) message += ` (review: ${name} is also read elsewhere — ${quoteList(j.otherReads)} — where the old spelling may matter)`;
          findings.push({ file: p, offset: el.start, key, message, fix });
        }
      }
    }
    return findings;
  },
};

export default rule;
