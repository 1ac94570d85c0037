/**
 * Which modules can hold a membership test of a literal set: a prefilter over the repository's
 * Python text, read before a module is parsed.
 *
 * A test the rule judges reads its container by name (`key in NAME`, `key in obj.NAME`,
 * `NAME.__contains__(key)`: python-tree's `containerOf`), and that name leads to a literal
 * collection of strings through the resolver (index.ts, SetResolver): the collection is bound
 * under that name outside any function (at module or class level), or the name is an alias
 * (`X = NAME`) or a renaming import (`from m import NAME as X`) of such a name, a few steps
 * away. A module none of whose containers is such a name holds no test the rule could judge,
 * and is not parsed for one.
 *
 * Every reading here errs on the side of yes: a collection counts at module level and in any
 * block but a function's, every `NAME as X` and every statement `X = NAME` counts as a step, and
 * a module the token scan cannot read offers every word of its text as a collection's name, and
 * is read as a consumer.
 */
import { assignedValue, codeTokens, forEachName, isName, isOp, isOpIn, TOKEN, tokenScratch, tokenText, type CodeTokens, type TokenScratch } from '../../src/formats/python-scan.js';

/** What a module binds that a test may reach a collection through. */
export interface ModuleBindings {
  /** Names bound to a literal collection whose first element is a string (`NAME = {"a", …}`, `NAME = frozenset(("a", …))`, `NAME = "a", "b"`). */
  collections: string[];
  /** `[from, to]`: the statement `to = from`, and `from as to`. */
  renames: Array<[string, string]>;
}

const CONSTRUCTORS = new Set(['set', 'frozenset', 'list', 'tuple']);
const OPENERS = new Set(['(', '[', '{']);
const WORD = /[\p{XID_Start}_][\p{XID_Continue}]*/gu;

const KEYWORDS = new Set(['False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield']);

/** What may stand between a `for` and its `in`: the names, commas, brackets, dots and stars of a target list. */
const TARGET_OPS = new Set([',', '(', ')', '[', ']', '.', '*']);

/** After a container's name, what makes the operand a call, a subscript or a longer attribute: no container then. */
const NOT_A_CONTAINER = new Set(['(', '[', '.']);

/** What the token scan reads of a module (undefined when it cannot): its bindings and its tests' containers. */
export interface ModuleReading {
  bindings: ModuleBindings & {
    /** Every name after an import statement's `import` (`a`, `b`, `as`, `c` of `import a.b as c`; `X`, `Y`, `Z` of `from .m import (X, Y as Z)`). */
    imported: Set<string>;
    /** The left sides of `X = NAME` outside functions. */
    aliases: Set<string>;
    classes: Set<string>;
  };
  containers: Container[];
}

/** A membership test's container: `NAME`, or `object.NAME`. */
export interface Container {
  name: string;
  object: string | undefined;
}

/** `scratch`: buffers to reuse when reading many modules (python-scan.ts, tokenScratch). */
export function readModule(text: string, scratch?: TokenScratch): ModuleReading | undefined {
  const tokens = codeTokens(text, scratch);
  return tokens && { bindings: bindings(tokens), containers: containers(tokens) };
}

/** What the module binds; a module the scan cannot read offers every word of its text as a collection. */
export function moduleBindings(text: string, scratch?: TokenScratch): ModuleBindings {
  const tokens = codeTokens(text, scratch);
  return tokens ? bindings(tokens) : { collections: [...new Set(text.match(WORD) ?? [])], renames: [] };
}

/**
 * What a module's membership tests may read a collection through: `own`, a collection the module
 * binds itself (`in NAME`, `in self.NAME`, `in Cls.NAME`); `imported`, names that only another
 * module's collection can stand behind (a name the module imports or aliases, `mod.NAME` of an
 * imported module). The resolver follows no other path: a name the module neither binds outside
 * a function, nor imports, nor aliases, leads nowhere. Undefined when the module cannot be read.
 */
export function consumerNames(text: string, scratch?: TokenScratch): { own: boolean; imported: string[] } | undefined {
  const reading = readModule(text, scratch);
  if (!reading) return undefined;
  const b = reading.bindings;
  const own = new Set(b.collections);
  const out = { own: false, imported: new Set<string>() };
  for (const c of reading.containers) {
    if (c.object === undefined) {
      if (own.has(c.name)) out.own = true;
      else if (b.imported.has(c.name) || b.aliases.has(c.name)) out.imported.add(c.name);
    } else {
      if ((c.object === 'self' || c.object === 'cls' || b.classes.has(c.object)) && own.has(c.name)) out.own = true;
      if (b.imported.has(c.object)) out.imported.add(c.name);
    }
  }
  return { own: out.own, imported: [...out.imported] };
}

/** Whether the value at `j` is a literal collection whose first element is a string (a dict is not). */
function stringCollectionAt(t: CodeTokens, j: number): boolean {
  if (t.kinds[j] === TOKEN.name && isOp(t, j + 1, '(') && CONSTRUCTORS.has(tokenText(t, t, j))) j += 2;
  const opened = isOpIn(t, j, OPENERS);
  if (opened) j++;
  if (t.kinds[j] !== TOKEN.string) return false;
  while (t.kinds[j] === TOKEN.string) j++;
  // `{"a": 1}` is a dict; without a bracket, only a tuple's comma makes a collection of a string.
  return opened ? !isOp(t, j, ':') : isOp(t, j, ',');
}

/**
 * The collections bound outside functions (python-tree reads those of the module and of class
 * bodies), and every rename.
 */
function bindings(t: CodeTokens): ModuleReading['bindings'] {
  const collections: string[] = [];
  const renames: Array<[string, string]> = [];
  const imported = new Set<string>();
  const aliases = new Set<string>();
  const classes = new Set<string>();
  const n = t.kinds.length;
  let afterImport = false;
  forEachName(t, (i, { statement, head, inFunction }) => {
    if (statement) afterImport = false;
    // What an import binds follows its `import` (not `from a.b`'s module path).
    if (afterImport) imported.add(tokenText(t, t, i));
    else if (isName(t, i, 'import') && (head === 'import' || head === 'from')) afterImport = true;
    if (!statement && !isName(t, i + 1, 'as')) return;
    const text = tokenText(t, t, i);
    if (statement && text === 'class' && t.kinds[i + 1] === TOKEN.name) classes.add(tokenText(t, t, i + 1));
    if (isName(t, i + 1, 'as') && t.kinds[i + 2] === TOKEN.name) {
      renames.push([text, tokenText(t, t, i + 2)]);
      return;
    }
    if (!statement) return;
    const j = assignedValue(t, i);
    if (j === -1) return;
    if (stringCollectionAt(t, j)) {
      if (!inFunction) collections.push(text);
    } else if (t.kinds[j] === TOKEN.name && (t.kinds[j + 1] === TOKEN.end || isOp(t, j + 1, ';') || j + 1 === n) && !KEYWORDS.has(tokenText(t, t, j))) {
      // `X = NAME` (`X = None` binds no name: the search back would take every module that says `None`).
      renames.push([tokenText(t, t, j), text]);
      // The resolver follows the aliases of the module's top level (a function's are its own).
      if (!inFunction) aliases.add(text);
    }
  });
  return { collections, renames, imported, aliases, classes };
}

/** Whether the `in` at `i` is a `for`'s (`for k, v in items`): only target tokens back to a `for` at its depth. */
function forIn(t: CodeTokens, i: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    const kind = t.kinds[j];
    if (kind === TOKEN.name) {
      if (isName(t, j, 'for')) return t.depths[j] === t.depths[i];
      if (KEYWORDS.has(tokenText(t, t, j))) return false;
    } else if (!isOpIn(t, j, TARGET_OPS)) return false;
  }
  return false;
}

/**
 * The containers of the membership tests, as python-tree's `containerOf` reads them: `in NAME`,
 * `in obj.NAME` (not a call, a subscript or a longer attribute), `NAME.__contains__`,
 * `obj.NAME.__contains__`; in the code and in f-string fields (where every `in` counts: their
 * tokens have no depths).
 */
function containers(t: CodeTokens): Container[] {
  const out: Container[] = [];
  for (const tokens of [t, t.fields]) {
    const { kinds } = tokens;
    for (let i = 0; i < kinds.length; i++) {
      if (kinds[i] !== TOKEN.name) continue;
      if (isName(t, i, 'in', tokens) && kinds[i + 1] === TOKEN.name && !(tokens === t && forIn(t, i))) {
        const attribute = isOp(t, i + 2, '.', tokens) && kinds[i + 3] === TOKEN.name;
        const last = attribute ? i + 3 : i + 1;
        if (isOpIn(t, last + 1, NOT_A_CONTAINER, tokens)) continue;
        out.push({ name: tokenText(t, tokens, last), object: attribute ? tokenText(t, tokens, i + 1) : undefined });
      } else if (isName(t, i, '__contains__', tokens) && i >= 2 && isOp(t, i - 1, '.', tokens) && kinds[i - 2] === TOKEN.name) {
        const attribute = isOp(t, i - 3, '.', tokens) && kinds[i - 4] === TOKEN.name;
        out.push({ name: tokenText(t, tokens, i - 2), object: attribute ? tokenText(t, tokens, i - 4) : undefined });
      }
    }
  }
  return out;
}

/**
 * The names a test may reach a literal collection of strings by, over the given modules' bindings:
 * the names bound to one, and every name that renames one of those, step after step.
 */
export function reachableNames(modules: Iterable<ModuleBindings>): Set<string> {
  const reached = new Set<string>();
  const next = new Map<string, string[]>();
  for (const m of modules) {
    for (const c of m.collections) reached.add(c);
    for (const [from, to] of m.renames) next.set(from, [...(next.get(from) ?? []), to]);
  }
  const queue = [...reached];
  while (queue.length) {
    for (const to of next.get(queue.pop() as string) ?? []) {
      if (reached.has(to)) continue;
      reached.add(to);
      queue.push(to);
    }
  }
  return reached;
}

/**
 * Text that may bind one of `names` (a superset of what `bindings` reads in any module): the
 * name at a statement's start followed by `=` or an annotation's `:`, or after an `as`.
 */
function bindingPattern(names: readonly string[]): RegExp {
  const alt = names.join('|');
  const gap = String.raw`[ \t\f]*(?:\\\r?\n[ \t\f]*)*`;
  return new RegExp(String.raw`(?:^|[;:])${gap}(?:${alt})${gap}[:=]|(?<![\p{XID_Continue}])as(?:[ \t\f\r\n]|\\|#[^\n]*)+(?:${alt})(?![\p{XID_Continue}])`, 'mu');
}

/**
 * Which of `wanted` reach a literal collection of strings, over the repository's modules. Only the
 * modules that may bind a name on a path to one of them are scanned: a search back from the
 * wanted names, through the renames into them, to the collections.
 */
export function reachingNames(wanted: ReadonlySet<string>, modules: readonly string[]): Set<string> {
  const sought = new Set<string>();
  const read: ModuleBindings[] = [];
  const scanned = new Uint8Array(modules.length);
  const scratch = tokenScratch();
  let frontier = [...wanted];
  while (frontier.length) {
    for (const name of frontier) sought.add(name);
    const pattern = bindingPattern(frontier);
    modules.forEach((text, k) => {
      if (scanned[k] || !pattern.test(text)) return;
      scanned[k] = 1;
      read.push(moduleBindings(text, scratch));
    });
    const before = new Set<string>();
    for (const m of read) for (const [from, to] of m.renames) if (sought.has(to) && !sought.has(from)) before.add(from);
    frontier = [...before];
  }
  const reached = reachableNames(read);
  return new Set([...wanted].filter((n) => reached.has(n)));
}
