/**
 * Hostile shapes far under the size caps (issue 18: defect 5 and the smaller parsing ones):
 * nesting that overflows a recursive parser's stack, shapes on which a parser or a lookup is
 * super-linear, and configuration that silently matches nothing. Each must end quickly with a
 * clear message naming the file (and line), and the rest of the run must go on. Nothing here
 * asserts a time: sizes are chosen so that the head before the fix took seconds (or crashed)
 * and the fixed code takes milliseconds; timings are measured by `npm run fuzz` (bench/).
 */
import { describe, it, expect, afterAll } from 'vitest';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, gitIn, removeDir, tempDir } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';
import { loadConfig } from '../src/config/index.js';
import { diagnosticLines } from '../src/report/text.js';
import { RULES } from '../src/rules/registry.js';
import { createColors } from 'picocolors';

const DEMO = path.join(ROOT, 'fixtures', 'demo');
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

function write(dir: string, rel: string, content: string): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), content);
}

function repo(files: Record<string, string>, base?: string): string {
  const dir = tempDir();
  cleanup.push(dir);
  if (base) cpSync(base, dir, { recursive: true });
  for (const [p, text] of Object.entries(files)) write(dir, p, text);
  gitIn(dir, ['init', '-q', '-b', 'main']);
  gitIn(dir, ['config', 'core.autocrlf', 'false']);
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '-m', 'fixture']);
  return dir;
}

describe('deep block YAML', () => {
  // 1,400 levels of block nesting: the parser overflowed its stack at a line that varied from
  // run to run (about 900 levels, depending on what else was on the stack).
  const maps = (n: number): string => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}a:\n`).join('') + `${' '.repeat(n)}b: 1\n`;
  const seqOfMaps = (n: number): string => 'x:\n' + Array.from({ length: n }, (_, i) => `${' '.repeat(i * 2)}- k:\n`).join('');
  const dashes = (n: number): string => `${'- '.repeat(n)}a\n`;

  it('is refused before the parser sees it, at the same place every time', async () => {
    const dir = repo({ 'docker-compose.yml': maps(1400), 'svc/compose.yaml': seqOfMaps(1400), 'one/compose.yml': dashes(1400) });
    const first = await runCli([dir]);
    const second = await runCli([dir]);
    const lines = (s: string): string[] => s.split('\n').filter((l) => l.includes('could not parse')).sort();
    // Level 257 of the maps is line 257 (one level per line); the sequence of maps opens two
    // levels per line (line 129, the `k:` of its 128th item); the dashes, all on line 1.
    expect(lines(first.stderr)).toEqual([
      'warning: could not parse docker-compose.yml at 257:257: nested deeper than 256 levels; not parsed',
      'warning: could not parse one/compose.yml at 1:513: nested deeper than 256 levels; not parsed',
      'warning: could not parse svc/compose.yaml at 129:257: nested deeper than 256 levels; not parsed',
    ]);
    expect(lines(second.stderr)).toEqual(lines(first.stderr));
    expect(first.stderr).not.toMatch(/call stack|failed/);
  });
});

describe('deep JavaScript in vite.config.ts', () => {
  it('a 5,000-deep array makes that config unreadable, not the rule: the other app is still checked', async () => {
    const deep = readFileSync(path.join(DEMO, 'vite.config.ts'), 'utf8').replace('plugins: [react()],', `plugins: [react()], x: ${'['.repeat(5000)}${']'.repeat(5000)},`);
    const web = (p: string): string => readFileSync(path.join(DEMO, p), 'utf8');
    const dir = repo(
      {
        'vite.config.ts': deep,
        // A second frontend, whose outDir the Dockerfile does not copy: the rule must still report it.
        'web/Dockerfile': web('Dockerfile.frontend'),
        'web/package.json': web('package.json'),
        'web/index.html': web('index.html'),
        'web/nginx.conf': web('nginx.conf'),
        'web/src/frontend/main.tsx': 'export {};\n',
        'web/vite.config.ts': web('vite.config.ts').replace('dist/frontend', 'dist/web'),
      },
      DEMO,
    );
    const r = await runCli([dir, '--rule', 'dockerfile-copy-outdir', '--verbose']);
    expect(r.stderr).not.toMatch(/failed|call stack/);
    expect(r.stderr).toContain('warning: could not parse vite.config.ts at 6:280: nested deeper than 256 levels; not parsed');
    expect(r.stdout).toMatch(/web\/Dockerfile\n\s+12:19\s+error\s+dockerfile-copy-outdir .*into `\/app\/dist\/web`/);
  });
});

describe('include patterns that can match nothing', () => {
  it('are named, with their line in the config file', () => {
    const dir = repo({
      'autopack-fix.config.json': '{\n  "include": [\n    "services/**",\n    "../other/**"\n  ],\n  "exclude": ["/abs/vendor", "a/../b"]\n}\n',
    });
    const cfg = loadConfig({ root: dir, registry: RULES, configPath: path.join(dir, 'autopack-fix.config.json') });
    const shown = diagnosticLines(cfg.notes, createColors(false)).split('\n').filter(Boolean);
    const file = path.join(dir, 'autopack-fix.config.json');
    expect(shown).toEqual([
      `note: ${file}:4:5: include pattern \`../other/**\` points outside the root (a leading \`..\`); files outside the root are not part of the run, so it matches nothing`,
      `note: ${file}:6:15: exclude pattern \`/abs/vendor\` is an absolute path; patterns are relative to the root, so it matches nothing`,
      `note: ${file}:6:30: exclude pattern \`a/../b\` has a \`.\` or \`..\` segment; repository paths have none, so it matches nothing`,
    ]);
    // When every include pattern is outside, the note says that nothing is reported at all.
    const only = repo({ 'autopack-fix.config.yaml': 'include:\n  - ../elsewhere/**\n' });
    const c2 = loadConfig({ root: only, registry: RULES });
    expect(c2.notes.map((n) => n.message)).toEqual([
      'autopack-fix.config.yaml:2:5: include pattern `../elsewhere/**` points outside the root (a leading `..`); files outside the root are not part of the run, so it matches nothing; no other include pattern matches either, so no finding is reported',
    ].map((m) => `${path.relative(process.cwd(), path.join(only, 'autopack-fix.config.yaml'))}${m.slice('autopack-fix.config.yaml'.length)}`));
  });

  it('reach the user: the run prints them on stderr', async () => {
    const dir = repo({ 'autopack-fix.config.yaml': 'include:\n  - ../elsewhere/**\n', 'README.md': '# x\n' });
    const r = await runCli([dir]);
    expect(r.stderr).toMatch(/note: .*autopack-fix\.config\.yaml:2:5: include pattern `\.\.\/elsewhere\/\*\*` points outside the root/);
  });
});

describe('many stages and services', () => {
  /** Stage i is built FROM stage i-1 and copies from the one (and, every other stage, the two) before it. */
  function crossCopyingDockerfile(n: number): string {
    let s = 'FROM python:3.12 AS s0\nWORKDIR /app\nCOPY . /app\n';
    for (let i = 1; i < n; i++) {
      s += `FROM s${i - 1} AS s${i}\nCOPY --from=s${i - 1} /app /app\n`;
      if (i % 2) s += `COPY --from=s${Math.max(0, i - 2)} /app /app2\n`;
    }
    return `${s}CMD ["uvicorn", "main:app"]\n`;
  }

  it('a Dockerfile of 40 stages copying from one another is judged (each stage is followed once, not once per path)', async () => {
    // Before: every COPY --from walked the stage it names again, so the work doubled with each
    // stage (20 stages: 21 s; 40 would take days). Now each stage is read once per run.
    const dir = repo({
      Dockerfile: crossCopyingDockerfile(40),
      'main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
      'pkg/web.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
      'docker-compose.yml': 'services:\n  api:\n    build:\n      context: .\n      target: s39\n    command: uvicorn nope.main:app\n',
    });
    const r = await runCli([dir, '--rule', 'compose-stale-app-target', '--verbose']);
    expect(r.stdout).toContain('command of service `api` runs `nope.main:app`, which does not resolve (module `nope.main` does not exist); candidates `main:app`, `pkg.web:app`');
  });

  it('a compose file of 4,000 services (merged anchors, extends chains, an override) is judged', async () => {
    // Before: each alias was resolved by walking the whole document, each service view walked
    // its whole `extends:` chain, and each rename guess looked every value up in every service
    // (over 2 minutes here). Now each of those is a lookup.
    let compose = 'x-base: &base\n  restart: always\nservices:\n';
    for (let i = 0; i < 4000; i++) {
      compose += `  s${i}:\n    <<: *base\n    image: x\n    depends_on: [s${Math.max(0, i - 1)}]\n    volumes: [v${i}:/data]\n    ports: ["${8000 + (i % 1000)}:80"]\n    environment:\n      K${i}: v\n`;
      if (i % 3 === 0) compose += `    extends: s${Math.max(0, i - 3)}\n`;
    }
    const dir = repo({
      'docker-compose.yml': compose,
      'docker-compose.override.yml': 'services:\n  s1:\n    image: y\n  ghost:\n    environment:\n      K7: v\n',
    });
    const r = await runCli([dir, '--rule', 'compose-unknown-service', '--rule', 'compose-undeclared-volume', '--verbose']);
    expect(r.stdout).toMatch(/docker-compose\.override\.yml\n\s+4:3\s+error\s+compose-unknown-service\s+service `ghost` is defined in no other compose file/);
    expect(r.stdout).toContain('named volume `v3999` (service `s3999`) is declared in no compose file of the root');
  });
});

describe('output that stays bounded', () => {
  it('a message or fix description shared by every finding of a large file names a few items, not all of them', async () => {
    // 16,000 undeclared volumes: each of the 16,000 findings carried a fix description naming all
    // of them, and the JSON report (2.4 GB) could not be built ('Invalid string length', exit 2).
    const n = 2000;
    let compose = 'services:\n';
    for (let i = 0; i < n; i++) compose += `  s${i}:\n    image: x\n    volumes: [v${i}:/data]\n`;
    const dir = repo({ 'docker-compose.yml': compose, 'README.md': 'Run `docker compose up -d postgres`.\n' });
    const r = await runCli([dir, '--format', 'json', '--rule', 'compose-undeclared-volume', '--rule', 'docs-command-drift']);
    const report = JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; message: string; fix: { description: string } | null }> };
    const volumes = report.findings.filter((f) => f.ruleId === 'compose-undeclared-volume');
    expect(volumes).toHaveLength(n);
    expect(volumes[0]!.fix!.description).toMatch(/^declare (`v\d+`, ){9}`v\d+` and 1990 more under top-level `volumes:`$/);
    const docs = report.findings.find((f) => f.ruleId === 'docs-command-drift');
    expect(docs?.message).toMatch(/known services: (`s\d+`, ){19}`s\d+` and 1980 more \(not changed\)$/);
    expect(r.stdout.length).toBeLessThan(5_000_000);
  });
});

describe('work that stays bounded', () => {
  it("reads each stage's COPY lines a bounded number of times, however the stages copy from one another", async () => {
    const { Workspace } = await import('../src/workspace/workspace.js');
    const { Facts } = await import('../src/facts/facts.js');
    const { serviceView } = await import('../src/facts/compose.js');
    let dockerfile = 'FROM python:3.12 AS s0\nWORKDIR /app\nCOPY . /app\n';
    for (let i = 1; i < 16; i++) dockerfile += `FROM s${i - 1} AS s${i}\nCOPY --from=s${i - 1} /app /app\nCOPY --from=s${Math.max(0, i - 2)} /app /app2\n`;
    const dir = repo({ Dockerfile: dockerfile, 'main.py': 'app = 1\n', 'compose.yaml': 'services:\n  api:\n    build:\n      context: .\n      target: s15\n' });
    const facts = new Facts(await Workspace.open(dir));
    const model = facts.dockerfile('Dockerfile')!;
    let reads = 0;
    for (const s of model.stages) {
      const copies = s.copies;
      Object.defineProperty(s, 'copies', { get: () => (reads++, copies) });
    }
    const set = facts.compose.sets[0]!;
    const context = facts.serviceExecContext(serviceView(set, set.services.get('api')!, set.files[0]!), undefined);
    expect(context?.mappings).toContainEqual({ container: '/app', repo: '', dir: true });
    // Each stage is followed once and walks its FROM chain once: at most n² reads (before: each
    // COPY --from walked the stage it names again, 2^n reads).
    expect(reads).toBeLessThanOrEqual(model.stages.length ** 2);
  });

  it('resolves YAML aliases through an index, never by walking the whole document per alias', async () => {
    // `Alias.resolve(doc)` without a context walks the whole document on every call: with an
    // alias in each of 16,000 services that was quadratic. (The parser's own toJS passes a
    // context that caches the walk.)
    const { Alias } = await import('yaml');
    const original = Alias.prototype.resolve;
    let walks = 0;
    Alias.prototype.resolve = function (this: InstanceType<typeof Alias>, ...args: Parameters<typeof original>) {
      if (args[1] === undefined) walks++;
      return original.apply(this, args);
    };
    try {
      // An image Dependabot cannot update: the ecosystem scan reads the image of every service.
      let compose = 'x-base: &base\n  image: postgres\nservices:\n';
      for (let i = 0; i < 200; i++) compose += `  s${i}:\n    <<: *base\n    environment: &env${i}\n      K${i}: v\n`;
      const dir = repo({ 'docker-compose.yml': compose, '.env': 'A=1\n' });
      const r = await runCli([dir]);
      expect(r.code).not.toBe(2);
      expect(walks).toBe(0);
    } finally {
      Alias.prototype.resolve = original;
    }
  });
});

describe('serviceView', () => {
  it('stops following an extends chain after MAX_EXTENDS_CHAIN services (the view is incomplete)', async () => {
    const { buildComposeModel, serviceView, MAX_EXTENDS_CHAIN } = await import('../src/facts/compose.js');
    const { Workspace } = await import('../src/workspace/workspace.js');
    let compose = 'services:\n  s0:\n    image: x\n';
    for (let i = 1; i < 100; i++) compose += `  s${i}:\n    extends: s${i - 1}\n`;
    const dir = repo({ 'compose.yaml': compose });
    const ws = await Workspace.open(dir);
    const model = buildComposeModel(ws);
    const set = model.sets[0]!;
    const file = set.files[0]!;
    const deep = serviceView(set, set.services.get('s99')!, file);
    expect(deep.incomplete).toBe(true);
    expect(deep.fragments).toHaveLength(MAX_EXTENDS_CHAIN);
    const shallow = serviceView(set, set.services.get('s10')!, file);
    expect(shallow).toMatchObject({ incomplete: false });
    expect(shallow.fragments.map((f) => f.name)).toEqual(Array.from({ length: 11 }, (_, i) => `s${i}`));
  });
});

describe('hostile Markdown', () => {
  // A docs command the docs rules judge, so that a page that is read shows it: `postgres` is no
  // service of the compose file.
  const compose = 'services:\n  db:\n    image: postgres:16\n';
  const command = '\n\nRun `docker compose up -d postgres` first.\n';
  const finding = (file: string, line: number): RegExp => new RegExp(`${file.replace('.', '\\.')}\\n\\s+${line}:\\d+\\s+warning\\s+docs-command-drift\\s+\`docker compose up -d\` names service \`postgres\``);
  const noted = (stderr: string, file: string): string[] => stderr.split('\n').filter((l) => l.startsWith(`note: ${file}: docs rules: skipped: too complex`));

  it('nesting and brackets past their limits: refused before the parser runs, naming the line', async () => {
    // Sizes at which the head took seconds (2, 1.5 and 1.6 s); at the sizes (a 32 KB
    // line of `* `, a 100 KB quote, 400 KB of `[`) it took minutes.
    const dir = repo({
      'docker-compose.yml': compose,
      'docs/stars.md': `# Stars\n\n${'* '.repeat(2500)}a${command}`,
      'docs/quote.md': `${'>'.repeat(20_000)} a${command}`,
      'docs/brackets.md': `Intro.${command}\n${'[a]'.repeat(13_334)}\n`,
      'docs/fine.md': `# Fine${command}`,
    });
    // Several skipped files are one note unless --verbose lists them.
    const summary = await runCli([dir, '--rule', 'docs-command-drift']);
    expect(summary.stderr).toContain('note: 3 files skipped (too complex); --verbose lists them');
    const r = await runCli([dir, '--rule', 'docs-command-drift', '--verbose']);
    expect(noted(r.stderr, 'docs/stars.md')).toEqual(['note: docs/stars.md: docs rules: skipped: too complex (block quotes and list items nested 33 deep; the limit is 32 at line 3); not read']);
    expect(noted(r.stderr, 'docs/quote.md')).toEqual(['note: docs/quote.md: docs rules: skipped: too complex (block quotes and list items nested 33 deep; the limit is 32 at line 1); not read']);
    expect(noted(r.stderr, 'docs/brackets.md')).toEqual([
      'note: docs/brackets.md: docs rules: skipped: too complex (26668 brackets in one paragraph (the sum over paragraphs of brackets² is 7.1e+8; the limit is 4.0e+8) at line 5); not read',
    ]);
    // The other page is read and judged as before.
    expect(r.stdout).toMatch(finding('docs/fine.md', 3));
  });

  it('too many emphasis markers: the page is read without emphasis (its code spans and links are the same)', async () => {
    // 20 KB of `*`/`[` (the shape: 400 KB ran for over 300 s) and 32 KB of `a*`: 2.6 and
    // 4 s on the head, spent resolving emphasis. Emphasis is now never resolved for such a page.
    const { attention } = await import('micromark-core-commonmark');
    const resolveAll = attention.resolveAll as NonNullable<typeof attention.resolveAll>;
    let resolved = 0;
    attention.resolveAll = (events, context) => {
      resolved++;
      return resolveAll(events, context);
    };
    try {
      const dir = repo({
        'docker-compose.yml': compose,
        'docs/mixed.md': `Intro.${command}\n${Array.from({ length: 20_000 }, (_, i) => (i % 2 ? '[' : '*')).join('')}\n`,
        'docs/emphasis.md': `${'a*'.repeat(16_000)}${command}`,
      });
      // micromark is the parser that resolves emphasis in quadratic time: read with it (mdast, the
      // fallback reader) to count its resolver, then with markdown-it, the reader in use.
      const r = await runCli([dir, '--rule', 'docs-command-drift'], { env: { AUTOPACK_FIX_MARKDOWN_PARSER: 'mdast' } });
      expect(r.stderr).not.toContain('too complex');
      expect(r.stdout).toMatch(finding('docs/mixed.md', 3));
      expect(r.stdout).toMatch(finding('docs/emphasis.md', 3));
      expect(resolved).toBe(0);
      const fast = await runCli([dir, '--rule', 'docs-command-drift']);
      expect(fast.stdout).toBe(r.stdout);
    } finally {
      attention.resolveAll = resolveAll;
    }
  });

  it('any other shape: parsing is interrupted at its time budget and the page skipped with a note', async () => {
    // 6,000 list items each holding a nested item: micromark copies all its events at every
    // nested item that ends (quadratic: about 3 s at 2,000 items, so tens of seconds here).
    // markdown-it reads this page in milliseconds; the budget is the same watchdog around
    // either reader, so it is shown here with mdast (the fallback reader). With a budget of 1 s (set for the
    // test; by default 1 s + 20 ms per KB) the parse is stopped, and the run goes on. The budget
    // is wide enough that the small page beside it is read in time even on a loaded machine,
    // and the big one is far past it on any machine.
    const dir = repo({ 'docker-compose.yml': compose, 'docs/nested.md': `${'- a\n  - b\n'.repeat(6000)}${command}`, 'docs/fine.md': `# Fine${command}` });
    const r = await runCli([dir, '--rule', 'docs-command-drift'], { env: { AUTOPACK_FIX_MARKDOWN_BUDGET_MS: '1000', AUTOPACK_FIX_MARKDOWN_PARSER: 'mdast' } });
    expect(noted(r.stderr, 'docs/nested.md')).toEqual(['note: docs/nested.md: docs rules: skipped: too complex (not read within its budget of 1.0 s for 59 KB); not read']);
    expect(r.stdout).toMatch(finding('docs/fine.md', 3));
  });
});
