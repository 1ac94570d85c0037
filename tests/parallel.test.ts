/**
 * Parse workers (src/parallel/): how many start, in which order they read, and that what they
 * read is what the main thread would have read. The workers run the compiled code (they are
 * started from dist/, as the CLI runs them), so the tests of what they read import dist/ too,
 * and the CLI's output is compared with workers and without, byte for byte.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AUTO_MIN_MODULES, prefetchPlan, workerCount } from '../src/parallel/prefetch.js';
import type { PrefetchJob } from '../src/parallel/protocol.js';
import { goldenCases } from './helpers/golden-cases.js';
import { gitIn, removeDir, repoFrom, ROOT, tempDir } from './helpers/repo.js';

const DIST = path.join(ROOT, 'dist', 'src');
const BIN = path.join(ROOT, 'bin', 'autopack-fix.js');
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

/**
 * A small repository with the shapes the parsers treat specially: CRLF and BOM texts, MDX, an
 * unclosed fence, a fence in a list item, a syntax error, and files a worker must leave to the
 * main thread (binary, a symbolic link).
 */
function sampleRepo(): string {
  const dir = tempDir('apf-par-');
  cleanup.push(dir);
  const put = (p: string, text: string | Buffer): void => {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), text);
  };
  put(
    'README.md',
    '# Service\n\nRun it:\n\n```bash\ncd services/api\nPYTHONPATH=src uvicorn app.main:app --port 8000\n```\n\nSee [the guide](docs/guide.md), `src/app/main.py` and ![logo](docs/logo.png).\n\n[ref]: docs/missing.md\n',
  );
  put('docs/guide.md', '# Guide\r\n\r\n1. Install:\r\n   ```sh\r\n   docker compose up -d api\r\n   ```\r\n2. Read [the API](api.md#top).\r\n');
  put('docs/api.md', '\uFEFF# API\n\n    indented code\n\n| a | `b` |\n|---|---|\n| [x](../README.md) | y |\n');
  put('docs/page.mdx', "import { Tabs } from './tabs'\n\n<Tabs\n  items={['a']}\n>\n\n`docker compose logs -f api`\n\n</Tabs>\n");
  put('docs/open.md', '# Open\n\n```python\nimport os\nprint(os.environ["HOME"])\n');
  put('docs/notes.md', Array.from({ length: 40 }, (_, i) => `## Part ${i}\n\nText with \`code ${i}\` and [link](part-${i}.md).\n`).join('\n'));
  put('docs/binary.md', Buffer.from([0x23, 0x20, 0x00, 0x01, 0x0a]));
  put(
    'src/app/main.py',
    'import os\nfrom fastapi import Depends, FastAPI\n\nfrom .settings import settings\n\napp = FastAPI(version="1.2.0")\nAPI_KEY = os.environ.get("API_KEY", "")\nDATABASE_URL = os.getenv("DATABASE_URL")\n\n\ndef require_key(key: str = "") -> None:\n    if not API_KEY:\n        return None\n    if key != API_KEY:\n        raise PermissionError("bad key")\n\n\n@app.get("/v1/items", dependencies=[Depends(require_key)])\ndef items():\n    return {"path": "data/items.json"}\n',
  );
  put('src/app/settings.py', 'from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n    redis_url: str = "redis://localhost"\n\n\nsettings = Settings()\n');
  put('src/app/redact.py', 'SENSITIVE = {"password", "Token", "api_key"}\n\n\ndef redact(d):\n    return {k: ("***" if k.lower() in SENSITIVE else v) for k, v in d.items()}\n');
  put('src/app/crlf.py', 'import os\r\n\r\nPATH = "docs/guide.md"\r\nHOME = os.environ["HOME"]\r\n');
  put('src/app/bom.py', '\uFEFF# TODO: remove\nVALUE = {"a", "b"}\n');
  put('src/app/broken.py', 'def broken(:\n    pass\n');
  // Read ahead for api-version-drift (a `"version"` string), its pass with the environment reads.
  put('src/app/meta.py', 'import os\n\nfrom .main import app\n\n\n@app.get("/version")\ndef version():\n    return {"version": os.environ.get("APP_VERSION", "1.2.0")}\n');
  put('src/app/__main__.py', 'from .main import app\n\nif __name__ == "__main__":\n    import uvicorn\n    uvicorn.run(app)\n');
  put('tests/test_paths.py', 'from pathlib import Path\n\n\ndef test_docs():\n    assert Path("docs/guide.md").exists()\n');
  put('docker-compose.yml', 'services:\n  api:\n    build: .\n    command: uvicorn app.main:app --port 8000\n');
  gitIn(dir, ['init', '-q', '-b', 'main']);
  gitIn(dir, ['config', 'core.autocrlf', 'false']);
  symlinkSync('guide.md', path.join(dir, 'docs', 'link.md'));
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '-m', 'sample']);
  return dir;
}

/** Whether a folder holds a Python module or a Markdown doc (what the workers read). */
function hasParsedFiles(dir: string): boolean {
  return (readdirSync(dir, { recursive: true }) as string[]).some((p) => /\.(py|md|mdx|markdown)$/i.test(p));
}

describe('how many parse workers', () => {
  const plan = (modules: number, docs = 0): PrefetchJob[] => [
    ...Array.from({ length: modules }, (_, i): PrefetchJob => ({ path: `m${i}.py`, kind: 'python' })),
    ...Array.from({ length: docs }, (_, i): PrefetchJob => ({ path: `d${i}.md`, kind: 'markdown' })),
  ];

  it('auto starts none for few Python modules (however many docs), or on one core', () => {
    expect(workerCount('auto', plan(AUTO_MIN_MODULES - 1, 50_000), 8)).toBe(0);
    expect(workerCount('auto', plan(AUTO_MIN_MODULES), 1)).toBe(0);
    expect(workerCount('auto', plan(AUTO_MIN_MODULES), 2)).toBe(1);
  });

  it('auto leaves a core to the main thread, and starts at most a few', () => {
    expect(workerCount('auto', plan(5000), 4)).toBe(3);
    expect(workerCount('auto', plan(5000), 64)).toBe(3);
  });

  it('a number is taken as given, but never more than the files, and none for none', () => {
    expect(workerCount(2, plan(2, 3), 1)).toBe(2);
    expect(workerCount(4, plan(0, 3), 8)).toBe(3);
    expect(workerCount(0, plan(5000), 8)).toBe(0);
    expect(workerCount(2, plan(0), 8)).toBe(0);
  });
});

describe('the plan', () => {
  it('holds the Python modules, then the Markdown docs, each in path order, and nothing else', () => {
    const plan = prefetchPlan(['a.py', 'README.md', 'docs/x.mdx', 'b/c.py', 'setup.cfg', 'x.pyc', 'notes.markdown', 'docker-compose.yml']);
    expect(plan).toEqual([
      { path: 'a.py', kind: 'python' },
      { path: 'b/c.py', kind: 'python' },
      { path: 'README.md', kind: 'markdown' },
      { path: 'docs/x.mdx', kind: 'markdown' },
      { path: 'notes.markdown', kind: 'markdown' },
    ]);
  });
});

describe('the docs read ahead', () => {
  it('are the docs the running rules read: the plan keeps only those of the Markdown files, and every module', () => {
    const plan = prefetchPlan(['a.py', 'README.md', 'CHANGELOG.md', 'docs/releases/v1.md', 'docs/guide.md', 'b.py'], ['README.md', 'docs/guide.md']);
    expect(plan.map((j) => j.path)).toEqual(['a.py', 'b.py', 'README.md', 'docs/guide.md']);
    expect(prefetchPlan(['a.py', 'README.md'], []).map((j) => j.path)).toEqual(['a.py']);
  });

  it('of a docs rule are the docs it reads (and the histories, read for their instructions), never a changelog, a release note or an excluded folder', async () => {
    const { Workspace } = await import('../src/workspace/workspace.js');
    const { rule: deadReference } = await import('../codemods/docs-dead-reference/index.js');
    const { rule: commandDrift } = await import('../codemods/docs-command-drift/index.js');
    const { rule: portDrift } = await import('../codemods/docs-port-drift/index.js');
    const { effectiveOptions } = await import('../src/model/rule.js');
    const ws = Workspace.fromFiles('/r', {
      'README.md': '',
      'CHANGELOG.md': '',
      'docs/guide.mdx': '',
      'docs/BUILD_HISTORY.md': '',
      'docs/releases/v1.2.md': '',
      'docs/INDEX.json': '{}',
      'node_modules/pkg/README.md': '',
      'src/app.py': '',
    });
    for (const rule of [deadReference, commandDrift]) {
      expect(rule.docsReadAhead?.({ workspace: ws, options: effectiveOptions(rule.meta, undefined) })).toEqual(['README.md', 'docs/guide.mdx', 'docs/BUILD_HISTORY.md']);
      // The rule's own options say which docs are ledgers.
      expect(rule.docsReadAhead?.({ workspace: ws, options: effectiveOptions(rule.meta, { ledgerGlobs: [] }) })).toContain('docs/releases/v1.2.md');
    }
    // docs-port-drift reads the docs, not the histories.
    expect(portDrift.docsReadAhead?.({ workspace: ws, options: effectiveOptions(portDrift.meta, undefined) })).toEqual(['README.md', 'docs/guide.mdx']);
  });
});

describe('what a worker reads', () => {
  it('is what the main thread reads from the same text, and the main thread uses it', async () => {
    const root = sampleRepo();
    const { ParsePrefetch } = await import(path.join(DIST, 'parallel', 'prefetch.js'));
    const { RULES } = await import(path.join(DIST, 'rules', 'registry.js'));
    const { decode, SourceFile } = await import(path.join(DIST, 'workspace', 'source-file.js'));
    const { prefetchAnalysis, pythonAnalysis, setPassRules } = await import(path.join(DIST, 'formats', 'python.js'));
    const { parseMarkdown } = await import(path.join(DIST, 'formats', 'markdown.js'));
    const { setParseStore } = await import(path.join(DIST, 'formats', 'store.js'));
    const paths = gitIn(root, ['ls-files']).trim().split('\n');
    const rules = RULES.map((r: { meta: { id: string } }) => r.meta.id);
    const prefetch = ParsePrefetch.start(undefined, { root, paths, maxFileBytes: 4 << 20, rules, concurrency: 2 });
    expect(prefetch).toBeDefined();
    try {
      // The main thread asks nothing until the workers are through: each file is theirs.
      for (let waited = 0; ; waited += 20) {
        const s = prefetch.stats();
        if (s.unread === 0 && s.reading === 0) break;
        if (waited > 150_000) throw new Error(`workers did not finish: ${JSON.stringify(s)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(prefetch.stats()).toMatchObject({ files: 17, readAhead: 17, leftToMain: 0 });
      setPassRules(rules);
      let compared = 0;
      for (const { path: p, kind } of prefetchPlan(paths)) {
        const file = decode(p, readFileSync(path.join(root, p)));
        if (!file.ok) continue;
        // What the main thread puts in the store for this text, read here without workers.
        const expected = new Map<string, unknown>();
        setParseStore({ get: () => undefined, put: (_f: unknown, key: string, value: unknown) => expected.set(key, value) });
        try {
          if (kind === 'markdown') await parseMarkdown(file.file);
          else {
            const analysis = prefetchAnalysis(file.file);
            if (analysis) await pythonAnalysis(file.file, analysis);
          }
        } finally {
          setParseStore(undefined);
        }
        const again = new SourceFile(p, file.file.text, file.file.bom);
        if (lstatSync(path.join(root, p)).isSymbolicLink()) {
          // Left to the main thread, which knows where the link may point.
          for (const key of expected.keys()) expect(prefetch.get(again, key)).toBeUndefined();
          continue;
        }
        for (const [key, value] of expected) {
          expect(prefetch.settle(again)).toBeUndefined();
          if (kind === 'markdown') {
            // Sent lean (the strings the text holds left out): the parser puts them back.
            setParseStore(prefetch);
            try {
              expect(await parseMarkdown(again), p).toEqual({ ok: true, model: value });
            } finally {
              setParseStore(undefined);
            }
          } else expect(prefetch.get(again, key), `${p}: ${key}`).toEqual({ value });
          compared++;
          // Handed over once: the file's parse keeps it from then on, and the store lets go.
          expect(prefetch.get(again, key), `${p}: ${key} again`).toBeUndefined();
        }
        // Another text at the same path (a fix changed it): the worker's result is not used.
        for (const key of expected.keys()) expect(prefetch.get(new SourceFile(p, `${file.file.text}\n`, false), key)).toBeUndefined();
      }
      // Every doc that parses, and the Python modules a rule's prefilter takes, with every analysis of their pass.
      expect(compared).toBeGreaterThan(15);
      expect(prefetch.used).toBe(compared);
    } finally {
      prefetch.close();
    }
  }, 240_000);

  it('a module nobody has reached is left to the main thread; a doc is read there in a batch with the docs after it', async () => {
    const root = sampleRepo();
    const { ParsePrefetch } = await import(path.join(DIST, 'parallel', 'prefetch.js'));
    const { decode, SourceFile } = await import(path.join(DIST, 'workspace', 'source-file.js'));
    const { parseMarkdown } = await import(path.join(DIST, 'formats', 'markdown.js'));
    const paths = gitIn(root, ['ls-files']).trim().split('\n');
    // No worker: the main thread alone, as on one core or from the sources.
    const prefetch = ParsePrefetch.start(undefined, { root, paths, maxFileBytes: 4 << 20, rules: [], concurrency: 0 });
    try {
      const module = new SourceFile('src/app/main.py', 'x', false);
      expect(prefetch.settle(module)).toBeUndefined();
      expect(prefetch.stats()).toMatchObject({ leftToMain: 1, readAhead: 0 });
      expect(prefetch.get(module, 'python: module summary')).toBeUndefined();

      const docs = prefetchPlan(paths).filter((j) => j.kind === 'markdown');
      const first = docs.findIndex((j) => j.path === 'docs/api.md');
      const readme = decode('docs/api.md', readFileSync(path.join(root, 'docs/api.md')));
      await prefetch.settle(readme.file);
      // docs/api.md and every doc after it in the plan: one batch.
      expect(prefetch.stats()).toMatchObject({ readAhead: docs.length - first, reading: 0 });
      for (const { path: p } of docs.slice(first)) {
        const file = decode(p, readFileSync(path.join(root, p)));
        if (!file.ok) continue;
        expect(prefetch.settle(file.file)).toBeUndefined();
        const expected = await parseMarkdown(new SourceFile(p, file.file.text, file.file.bom));
        const got = prefetch.get(file.file, 'markdown model');
        // The symbolic link is left to the workspace; every other doc here parses.
        if (p === 'docs/link.md') expect(got).toBeUndefined();
        else expect(got, p).toEqual({ value: (expected as { model: unknown }).model });
      }
      expect(prefetch.stats()).toMatchObject({ leftToMain: 1 });
    } finally {
      prefetch.close();
    }
  });
});

describe('when a run ends', () => {
  it("the plan lets go of the run's texts, though a worker may still be ending", async () => {
    const root = sampleRepo();
    const { ParsePrefetch } = await import(path.join(DIST, 'parallel', 'prefetch.js'));
    const paths = gitIn(root, ['ls-files']).trim().split('\n');
    // What the pipeline's peek reaches: the workspace, and through it every text read.
    const started = (): { prefetch: { close(): void; stats(): { files: number } }; held: WeakRef<object> } => {
      const workspace = { texts: ['x'.repeat(1 << 20)] };
      const prefetch = ParsePrefetch.start(undefined, { root, paths, maxFileBytes: 4 << 20, rules: [], concurrency: 1, peek: () => (workspace.texts.length ? undefined : undefined) });
      return { prefetch, held: new WeakRef(workspace) };
    };
    const { prefetch, held } = started();
    expect(prefetch.stats().files).toBeGreaterThan(0);
    prefetch.close();
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // A WeakRef holds its target to the end of the job that made or read it.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(held.deref()).toBeUndefined();
  });
});

describe('the CLI with workers and without', () => {
  const cli = (args: string[], extra: Record<string, string> = {}): { code: number; stdout: string; stderr: string } => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', AUTOPACK_FIX_NO_RUN_MEMO: '1', ...extra };
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  it('gives the same report and the same fixes, byte for byte', () => {
    const sample = sampleRepo();
    const demo = repoFrom(path.join(ROOT, 'fixtures', 'demo'));
    cleanup.push(demo);
    for (const root of [sample, demo]) {
      for (const mode of [['--format', 'json'], ['--dry-run']]) {
        const off = cli([root, ...mode, '--no-cache', '--concurrency', 'off']);
        const on = cli([root, ...mode, '--no-cache', '--concurrency', '2']);
        expect(off.code, off.stderr).toBeLessThan(2);
        expect(on.stdout, `${root} ${mode} ${on.code} ${on.stderr}`).toBe(off.stdout);
        expect(on.stderr).toBe(off.stderr);
        expect(on.code).toBe(off.code);
      }
    }
  }, 240_000);

  it('gives the same report on every golden input with Python or Markdown, laid side by side in one repository', () => {
    // One repository, so that two runs cover them all: the rules see the cases together (what
    // they find differs from the goldens), the same with and without a worker.
    const dir = tempDir('apf-par-goldens-');
    cleanup.push(dir);
    const cases = goldenCases((input) => hasParsedFiles(input));
    for (const c of cases) cpSync(c.rule ? path.join(c.dir, 'input') : c.dir, path.join(dir, 'cases', c.rule || 'demo', path.basename(c.dir)), { recursive: true, verbatimSymlinks: true });
    gitIn(dir, ['init', '-q', '-b', 'main']);
    gitIn(dir, ['config', 'core.autocrlf', 'false']);
    gitIn(dir, ['add', '-A']);
    gitIn(dir, ['commit', '-q', '-m', 'goldens']);
    expect(cases.length).toBeGreaterThan(60);
    const off = cli([dir, '--format', 'json', '--no-cache', '--concurrency', 'off']);
    const on = cli([dir, '--format', 'json', '--no-cache', '--concurrency', '1']);
    expect(off.code, off.stderr).toBe(1);
    expect(JSON.parse(off.stdout).findings.length).toBeGreaterThan(100);
    expect(on.stdout).toBe(off.stdout);
    expect(on.stderr).toBe(off.stderr);
  }, 240_000);

  it('says what is wrong with a bad --concurrency or AUTOPACK_FIX_CONCURRENCY', () => {
    const r = cli([ROOT, '--concurrency', 'many']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--concurrency: not auto, off or a number of workers from 0 to 64: many');
    const demo = repoFrom(path.join(ROOT, 'fixtures', 'demo'));
    cleanup.push(demo);
    const env = cli([demo, '--no-cache'], { AUTOPACK_FIX_CONCURRENCY: '-1' });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('AUTOPACK_FIX_CONCURRENCY: not auto, off or a number of workers from 0 to 64: -1');
  });
});
