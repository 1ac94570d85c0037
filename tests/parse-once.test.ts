/**
 * One parse per file (issue 14, item 3): every parser library the engine uses is wrapped here
 * with a counter, every rule runs on the demo repository (YAML, JSON, TOML, Dockerfiles,
 * Python, Markdown, nginx, TypeScript), and each text handed to a parser must have been handed
 * to it at most once per file holding that text. A second parse anywhere (a rule, a fact, the
 * engine's validation of the files the rules relied on, a fresh cache in the next pass) fails
 * here, whether it goes around the workspace's accessors or through a second cache key.
 */
import { describe, it, expect, vi, afterAll } from 'vitest';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { ROOT, gitIn, removeDir, tempDir } from './helpers/repo.js';

const calls = vi.hoisted(() => new Map<string, string[]>());
const record = vi.hoisted(() => (kind: string, text: unknown): void => {
  if (typeof text !== 'string') return;
  const list = calls.get(kind) ?? [];
  list.push(text);
  calls.set(kind, list);
});

vi.mock('dockerfile-ast', async (importOriginal) => {
  const m = await importOriginal<typeof import('dockerfile-ast')>();
  const original = m.DockerfileParser.parse.bind(m.DockerfileParser) as (...a: unknown[]) => ReturnType<typeof m.DockerfileParser.parse>;
  const DockerfileParser = Object.assign(Object.create(m.DockerfileParser) as typeof m.DockerfileParser, {
    parse: (content: string, ...rest: unknown[]) => (record('dockerfile', content), original(content, ...rest)),
  });
  return { ...m, DockerfileParser };
});

vi.mock('web-tree-sitter', async (importOriginal) => {
  const m = await importOriginal<typeof import('web-tree-sitter')>();
  class Parser extends m.Parser {
    override parse(...args: Parameters<InstanceType<typeof m.Parser>['parse']>): ReturnType<InstanceType<typeof m.Parser>['parse']> {
      record('python', args[0]);
      return super.parse(...args);
    }
  }
  return { ...m, Parser };
});

vi.mock('yaml', async (importOriginal) => {
  const m = await importOriginal<typeof import('yaml')>();
  return {
    ...m,
    parseDocument: ((text: string, ...rest: unknown[]) => (record('yaml', text), (m.parseDocument as (...a: unknown[]) => unknown)(text, ...rest))) as typeof m.parseDocument,
    parseAllDocuments: ((text: string, ...rest: unknown[]) => (record('yaml', text), (m.parseAllDocuments as (...a: unknown[]) => unknown)(text, ...rest))) as typeof m.parseAllDocuments,
    parse: ((text: string, ...rest: unknown[]) => (record('yaml', text), (m.parse as (...a: unknown[]) => unknown)(text, ...rest))) as typeof m.parse,
  };
});

vi.mock('smol-toml', async (importOriginal) => {
  const m = await importOriginal<typeof import('smol-toml')>();
  return { ...m, parse: ((text: string, ...rest: unknown[]) => (record('toml', text), (m.parse as (...a: unknown[]) => unknown)(text, ...rest))) as typeof m.parse };
});

vi.mock('jsonc-parser', async (importOriginal) => {
  const m = await importOriginal<typeof import('jsonc-parser')>();
  return {
    ...m,
    parse: ((text: string, ...rest: unknown[]) => (record('json', text), (m.parse as (...a: unknown[]) => unknown)(text, ...rest))) as typeof m.parse,
    parseTree: ((text: string, ...rest: unknown[]) => (record('json-tree', text), (m.parseTree as (...a: unknown[]) => unknown)(text, ...rest))) as typeof m.parseTree,
  };
});

// Markdown is read with markdown-it (mdast only when markdown-it's tokens cannot be placed,
// which the demo never needs): count the parses of every instance it makes.
vi.mock('markdown-it', async (importOriginal) => {
  const m = await importOriginal<typeof import('markdown-it')>();
  type Md = import('markdown-it').MarkdownIt;
  const make = (...args: unknown[]): Md => {
    const md = (m.default as unknown as (...a: unknown[]) => Md)(...args);
    const parse = md.parse.bind(md);
    md.parse = (text: string, env: import('markdown-it').Env) => (record('markdown', text), parse(text, env));
    return md;
  };
  return { ...m, default: make };
});

vi.mock('../src/formats/nginx.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../src/formats/nginx.js')>();
  return { ...m, parseNginxText: (text: string) => (record('nginx', text), m.parseNginxText(text)) };
});

const { Workspace } = await import('../src/workspace/workspace.js');
const { SourceFile } = await import('../src/workspace/source-file.js');
// nginx's parser is ours and is called inside its own module, past the mock above: its parses
// are counted where the one parse of a file's text is made.
const cachedParse = SourceFile.prototype.parse;
SourceFile.prototype.parse = function <T>(this: InstanceType<typeof SourceFile>, key: string, fn: (file: InstanceType<typeof SourceFile>) => T): T {
  return cachedParse.call(this, key, key === 'nginx' ? (f: InstanceType<typeof SourceFile>) => (record('nginx', f.text), fn(f)) : fn) as T;
};
const { detect } = await import('../src/engine/run.js');
const { RULES } = await import('../src/rules/registry.js');
const { blankComponentTags, parseMarkdown } = await import('../src/formats/markdown.js');

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

/** Kinds of file and the text their parser is handed (Markdown is parsed with component tags blanked). */
const KINDS: Record<string, { is: (p: string) => boolean; input?: (text: string) => string }> = {
  dockerfile: { is: (p) => /(^|\/)(Dockerfile|Containerfile)[^/]*$/.test(p) || p.endsWith('.dockerfile') },
  python: { is: (p) => p.endsWith('.py') },
  yaml: { is: (p) => /\.ya?ml$/.test(p) },
  toml: { is: (p) => p.endsWith('.toml') },
  json: { is: (p) => p.endsWith('.json') },
  // The docs rules read a JSON file's strings with their offsets (a jsonc tree): a parse of its
  // own beside the value, counted apart (see docs/architecture.md, "Parses").
  'json-tree': { is: (p) => p.endsWith('.json') },
  markdown: { is: (p) => /\.(md|mdx)$/.test(p), input: blankComponentTags },
  nginx: { is: (p) => p.endsWith('.conf') },
};

/** The demo repository, committed in a fresh folder. */
function demoRepository(): string {
  const dir = tempDir();
  cleanup.push(dir);
  cpSync(path.join(ROOT, 'fixtures', 'demo'), dir, { recursive: true });
  gitIn(dir, ['init', '-q', '-b', 'main']);
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'demo']);
  return dir;
}

/** How many files of `ws` hold each text a parser of `kind` may be handed: identical files are parsed once each. */
function holders(ws: InstanceType<typeof Workspace>, kind: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of ws.paths) {
    const text = KINDS[kind]?.is(p) ? ws.probe(p)?.text : undefined;
    if (text === undefined) continue;
    const input = KINDS[kind]?.input?.(text) ?? text;
    out.set(input, (out.get(input) ?? 0) + 1);
  }
  return out;
}

/** The texts of `ws`'s files handed to a parser more often than files hold them (since `calls` was cleared). */
function overParsed(ws: InstanceType<typeof Workspace>): string[] {
  const out: string[] = [];
  for (const kind of Object.keys(KINDS)) {
    const files = holders(ws, kind);
    const counts = new Map<string, number>();
    for (const text of calls.get(kind) ?? []) counts.set(text, (counts.get(text) ?? 0) + 1);
    for (const [text, n] of counts) {
      const allowed = files.get(text) ?? 0;
      // A text no file holds is a fragment (a code block, an inline snippet): not a file parse.
      if (allowed > 0 && n > allowed) out.push(`${kind}: parsed ${n} times, ${allowed} file(s): ${JSON.stringify(text.slice(0, 60))}`);
    }
  }
  return out;
}

/** JSON.parse, counted, for the length of a test. */
function countJsonParses(): { mockRestore(): void } {
  const jsonParse = JSON.parse;
  return vi.spyOn(JSON, 'parse').mockImplementation((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => (record('json', text), jsonParse(text, reviver)));
}

describe('each file is parsed once per run', () => {
  it('every rule on the demo repository: one parse per file of every kind, none in a second detection', async () => {
    const dir = demoRepository();
    const spy = countJsonParses();
    calls.clear();
    const ws = await Workspace.open(dir);
    const diagnostics: Parameters<typeof detect>[3] = [];
    const findings = await detect(ws, RULES, {}, diagnostics);
    expect(findings.length).toBeGreaterThan(0);
    expect(overParsed(ws)).toEqual([]);
    // The check means something only if every kind was parsed: each kind of the demo is read by some rule.
    for (const kind of Object.keys(KINDS)) {
      const files = holders(ws, kind);
      const parsedFiles = (calls.get(kind) ?? []).filter((t) => files.has(t));
      expect(parsedFiles.length, `${kind} files parsed`).toBeGreaterThan(0);
    }

    // The engine detects again on views that share the untouched files: nothing is parsed again.
    const before = new Map([...calls].map(([k, v]) => [k, v.length]));
    await detect(ws, RULES, {}, []);
    await detect(ws.withChanges(new Map()), RULES, {}, []);
    for (const [kind, list] of calls) {
      const files = holders(ws, kind);
      const added = list.slice(before.get(kind) ?? 0).filter((t) => files.has(t));
      expect(added, `${kind} parsed again in a later detection`).toEqual([]);
    }
    spy.mockRestore();
  }, 120_000);

  it("a run that fixes nothing and lets the docs' commands go after their last reader: still one parse per file (every rule that reads them names them)", async () => {
    const dir = demoRepository();
    const spy = countJsonParses();
    calls.clear();
    const ws = await Workspace.open(dir);
    await detect(ws, RULES, {}, [], undefined, undefined, true);
    // A rule that read the docs' commands after they went, without naming them in Rule.reads, parsed a doc again.
    expect(overParsed(ws)).toEqual([]);
    // They did go: a doc's model is made again when asked.
    const docs = [...holders(ws, 'markdown').keys()];
    expect(docs.length).toBeGreaterThan(0);
    const doc = ws.paths.find((p) => KINDS.markdown?.is(p) && (calls.get('markdown') ?? []).includes(blankComponentTags(ws.probe(p)?.text ?? ''))) as string;
    expect(doc).toBeDefined();
    const parsed = calls.get('markdown')?.length ?? 0;
    await parseMarkdown(ws.probe(doc) as InstanceType<typeof SourceFile>);
    expect(calls.get('markdown')?.length).toBe(parsed + 1);
    spy.mockRestore();
  }, 120_000);
});
