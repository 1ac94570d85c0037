/**
 * The analyses of the Python pass read only the nodes they look at (`PassTree.descendants`, a
 * text search for names), not every node of the tree. What they find must be what a walk over
 * every node finds, in the same order: each mechanism is checked here against such a walk, on
 * modules written to trip it (a keyword spelled like a node type, names in comments and strings,
 * a name inside a longer one, code a walk does not enter, a node tree-sitter made up).
 */
import { describe, it, expect } from 'vitest';
import type { Node as TSNode } from 'web-tree-sitter';
import { definePythonAnalysis, encloses, pythonAnalysis, spanOf, type PassTree } from '../src/formats/python.js';
import { analyzePythonTree } from '../src/formats/python-tree.js';
import { authSurface } from '../codemods/prod-auth-fail-open/surface.js';
import { SourceFile } from '../src/workspace/source-file.js';

/** Every named node below `node` (itself included), parents first: the walk the analyses replaced. */
function walk(node: TSNode, out: TSNode[] = []): TSNode[] {
  out.push(node);
  for (const c of node.namedChildren) if (c) walk(c, out);
  return out;
}

const where = (n: TSNode): string => `${n.type}@${n.startIndex}-${n.endIndex}`;

/** Runs `read` inside the pass over `text`, with the pass's own tree. */
function inPass<T>(name: string, read: (root: TSNode, tree: PassTree) => T): (text: string) => Promise<T> {
  const analysis = definePythonAnalysis<T>({ name, owner: `test: ${name}`, run: (root, _file, tree) => read(root, tree), noTree: () => undefined as T });
  return (text) => pythonAnalysis(new SourceFile('m.py', text, false), analysis);
}

const MODULE = [
  'import os',
  'square = lambda x: x * x  # lambda, the keyword, is spelled as the node',
  '',
  '@app.get("/items", dependencies=[check(os.getenv("KEY"))])',
  'async def handler(k=os.getenv("DEFAULT")):',
  '    def inner():',
  '        return k in {"a"} or (lambda: k.lower())()',
  '    if k not in ALLOWED:',
  '        raise ValueError(k)',
  '    return inner()',
  '',
  'class Config(Base[os.environ["T"]]):',
  '    mode = os.getenv("MODE")',
  '    class Inner:',
  '        x = [f(y) for y in range(3)]',
  '',
  'broken = (1, ',
  '',
].join('\n');

describe('PassTree.descendants', () => {
  const compare = inPass('descendants against a walk', (root, tree) => {
    const lists = [['lambda'], ['call', 'comparison_operator'], ['function_definition', 'class_definition', 'decorated_definition', 'if_statement'], ['ERROR', 'identifier']];
    return lists.map((types) => ({
      found: tree.descendants(root, types).map(where),
      walked: walk(root)
        .filter((n) => types.includes(n.type))
        .map(where),
    }));
  });

  it('finds the named nodes of the types a walk meets, in its order', async () => {
    for (const { found, walked } of await compare(MODULE)) {
      expect(walked.length).toBeGreaterThan(0);
      expect(found).toEqual(walked);
    }
  });

  it('leaves out the keyword `lambda`, which shares its type name with the expression', async () => {
    const [lambdas] = await compare(MODULE);
    expect(lambdas!.found.every((w) => w.startsWith('lambda@'))).toBe(true);
    // Two lambda expressions; each also holds the keyword, which must not be counted.
    expect(lambdas!.found).toHaveLength(2);
  });
});

describe('encloses', () => {
  const probe = inPass('encloses', (root) => {
    const missing = findMissing(root);
    if (!missing) return undefined;
    const parent = missing.parent as TSNode;
    // The token that ends where the made-up one sits, but does not hold it.
    const before = parent.children.find((c) => c !== null && c.endIndex === missing.startIndex && c.id !== missing.id) as TSNode;
    const fn = parent.parent as TSNode;
    const name = fn.childForFieldName('name') as TSNode;
    return {
      empty: missing.startIndex === missing.endIndex,
      inParent: encloses(spanOf(parent), missing, missing.startIndex, missing.endIndex),
      inBefore: encloses(spanOf(before), missing, missing.startIndex, missing.endIndex),
      byRange: [encloses(spanOf(fn), name, name.startIndex, name.endIndex), encloses(spanOf(name), fn, fn.startIndex, fn.endIndex)],
    };
  });

  it('asks an empty node’s parents, since its range sits at the edge of a node that may not hold it', async () => {
    // `def f(:` lacks its `)`: tree-sitter makes up an empty one right after `(`, which ends there.
    const r = await probe('def f(:\n    pass\n');
    expect(r).toEqual({ empty: true, inParent: true, inBefore: false, byRange: [true, false] });
  });
});

function findMissing(node: TSNode): TSNode | undefined {
  if (node.isMissing) return node;
  for (const c of node.children) {
    const found = c ? findMissing(c) : undefined;
    if (found) return found;
  }
  return undefined;
}

describe('python-tree: references found by their names', () => {
  /** The references as a walk over every node finds them (what collectReferences did before). */
  const walked = inPass('references by a walk', (root) => {
    const text = root.text;
    const names = new Set(['KEYS', 'ALLOWED']);
    const out: string[] = [];
    const globals: string[] = [];
    const isModuleLevel = (n: TSNode): boolean => {
      for (let p = n.parent; p && p.type !== 'module'; p = p.parent) if (!['if_statement', 'try_statement', 'with_statement', 'else_clause', 'elif_clause', 'except_clause', 'finally_clause', 'block', 'decorated_definition'].includes(p.type)) return false;
      return true;
    };
    const visit = (n: TSNode, cls: string | undefined): void => {
      if (n.type === 'class_definition' && isModuleLevel(n)) {
        const body = n.childForFieldName('body');
        for (const c of n.namedChildren) if (c && c.id !== body?.id) visit(c, cls);
        for (const c of body?.namedChildren ?? []) if (c) visit(c, n.childForFieldName('name')?.text);
        return;
      }
      if (n.type === 'function_definition' || n.type === 'lambda') cls = undefined;
      const p = n.parent;
      if (n.type === 'identifier' && names.has(n.text)) {
        const notRead =
          (p?.type === 'attribute' && p.childForFieldName('attribute')?.id === n.id) ||
          (p?.type === 'keyword_argument' && p.childForFieldName('name')?.id === n.id) ||
          ((p?.type === 'function_definition' || p?.type === 'class_definition') && p.childForFieldName('name')?.id === n.id) ||
          p?.type === 'parameters' ||
          p?.type === 'lambda_parameters' ||
          p?.type === 'typed_parameter' ||
          ((p?.type === 'default_parameter' || p?.type === 'typed_default_parameter') && p.childForFieldName('name')?.id === n.id) ||
          p?.type === 'global_statement' ||
          p?.type === 'nonlocal_statement' ||
          text.slice(n.startIndex).match(/^\w+\s*=\s*[[{(]/) !== null;
        if (!notRead) out.push(`${n.text}@${n.startIndex} in ${cls ?? '-'}`);
        if ((p?.type === 'global_statement' || p?.type === 'nonlocal_statement') && !globals.includes(n.text)) globals.push(n.text);
      } else if (n.type === 'attribute') {
        const attr = n.childForFieldName('attribute');
        if (attr && names.has(attr.text)) out.push(`${n.childForFieldName('object')?.text}.${attr.text}@${n.startIndex} in ${cls ?? '-'}`);
      }
      for (const c of n.namedChildren) if (c) visit(c, cls);
    };
    visit(root, undefined);
    return { references: out, globals };
  });

  const TEXT = [
    'KEYS = {"a", "b"}',
    'ALLOWED = ["x"]',
    '# KEYS in a comment, "KEYS" in a string, MY_KEYS and KEYS_2 are other names',
    'note = "ALLOWED" + MY_KEYS + KEYS_2',
    'def check(k, KEYS=None):',
    '    global ALLOWED',
    '    return k in KEYS or k in settings.KEYS or f(KEYS=1)',
    'def later():',
    '    global KEYS',
    '    KEYS = set()',
    'class Policy:',
    '    ALLOWED = ["y"]',
    '    merged = KEYS | set(ALLOWED)',
    '    @guard(KEYS)',
    '    def m(self):',
    '        return self.ALLOWED.KEYS',
    '    pick = lambda self: KEYS',
    '    class Nested:',
    '        again = KEYS',
    'if KEYS:',
    '    class Late(Base, extra=ALLOWED):',
    '        late = ALLOWED',
    'ünïcode = KEYS',
    '',
  ].join('\n');

  it('finds what a walk over every node finds, in the same order, and the names declared global', async () => {
    const a = await analyzePythonTree(new SourceFile('m.py', TEXT, false));
    const found = a.references.map((r) => `${r.object === undefined ? '' : `${r.object}.`}${r.name}@${r.offset} in ${r.classBody ?? '-'}`);
    const expected = await walked(TEXT);
    expect(expected.references.length).toBeGreaterThan(10);
    expect(found).toEqual(expected.references);
    // Names declared global, in the order the walk meets them (not the collections' order).
    expect(expected.globals).toEqual(['ALLOWED', 'KEYS']);
    expect([...a.globals]).toEqual(expected.globals);
    // The look-alikes are not references: comments, strings, longer names.
    expect(found.some((f) => f.startsWith('KEYS@') && TEXT.slice(Number(f.split('@')[1]!.split(' ')[0])).startsWith('KEYS in a comment'))).toBe(false);
  });
});

describe('python-tree: the walk over scopes and membership tests', () => {
  it('gives each test its innermost scope and each function its return, with and without `__contains__` in the module', async () => {
    const body = [
      'S = {"a"}',
      'def outer(k):',
      '    def inner(j):',
      '        return j.lower() in S',
      '    f = lambda x: x.upper() in S',
      '    return k in S or inner(k)',
      'def last(k):',
      '    return CALL',
      '',
    ].join('\n');
    for (const call of ['S.__contains__(k.strip())', 'other(k)']) {
      const a = await analyzePythonTree(new SourceFile('m.py', body.replace('CALL', call), false));
      expect(a.functions.map((f) => [f.name, f.nested, f.returnOrLeaves ?? null])).toEqual([
        // Not straight-line code (it defines a function): no return shape.
        ['outer', false, null],
        ['inner', true, [0]],
        ['f', true, null],
        ['last', false, call.startsWith('S.') ? [3] : [null]],
      ]);
      expect(a.membershipTests.map((t) => [a.functions[t.functionIndex]?.name, t.form])).toEqual([
        ['inner', 'in'],
        ['f', 'in'],
        ['outer', 'in'],
        ...(call.startsWith('S.') ? [['last', '__contains__']] : []),
      ]);
    }
  });
});

describe('prod-auth-fail-open: the surface reads what a walk into bodies reads', () => {
  it('skips decorators, parameters and class bases, and knows the function and class around each read', async () => {
    const s = await authSurface(new SourceFile('app/auth.py', MODULE.replace('    if k not in ALLOWED:', '    if os.getenv("ENV") == "production":\n        pass\n    if k not in ALLOWED:'), false));
    // Read in bodies only: not the decorator's, the default's or the class base's.
    expect(s.envReads.map((r) => [r.env, r.bound ?? null])).toEqual([
      ['ENV', null],
      ['MODE', 'mode'],
    ]);
    expect(s.comparisons.map((c) => [c.env, c.values])).toEqual([['ENV', ['production']]]);
    expect(s.raisingIfs.map((r) => [r.condition, r.inFunction ?? null])).toEqual([['k not in ALLOWED', 'handler']]);
  });

  it('without `getenv` or `environ` in the module, reads no call or subscript and still finds the rest', async () => {
    const text = 'import os\nMODE = settings.mode\nif MODE == "production":\n    raise SystemExit(1)\n';
    const s = await authSurface(new SourceFile('app/auth.py', `${text}TOKEN = 1\n`, false));
    expect(s.envReads).toEqual([]);
    expect(s.comparisons.map((c) => [c.name, c.values])).toEqual([['MODE', ['production']]]);
    expect(s.raisingIfs.map((r) => r.inFunction ?? null)).toEqual([null]);
  });
});
