/**
 * The CLI as users of ruff, ESLint and pre-commit expect it (issue 17): rule selection
 * (--select/--ignore/--rule, "did you mean"), file arguments, --statistics, the concise format,
 * one-line findings, quiet stderr, --quiet/--verbose, -o, --exit-zero/--fail-on, --fix,
 * --version, `help <command>`, one-line usage errors, `list-rules --format json`, and the
 * pre-commit hook. In process (tests/helpers/cli.ts); the read-only checks share one copy of
 * the demo.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT, repoFrom, gitIn, removeDir, readTree, treeDifferences } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';
import { RULES } from '../src/rules/registry.js';
import { fitMessage } from '../src/report/text.js';
import { stderrDiagnostics } from '../src/report/diagnostics.js';
import { closest } from '../src/util/suggest.js';

const DEMO = path.join(ROOT, 'fixtures', 'demo');
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

function demoRepo(): string {
  const dir = repoFrom(DEMO);
  cleanup.push(dir);
  return dir;
}

/** The demo, read only: never written by these tests. */
let demo: string;
beforeAll(() => {
  demo = demoRepo();
});

interface JsonDoc {
  findings: Array<{ ruleId: string; file: string; line: number; column: number; severity: string; message: string }>;
  summary: { findings: number };
}
const json = (stdout: string): JsonDoc => JSON.parse(stdout) as JsonDoc;
const ruleIds = (stdout: string): string[] => [...new Set(json(stdout).findings.map((f) => f.ruleId))].sort();

describe('rule selection', () => {
  it('--rule takes one id and leaves the root alone (it used to swallow it)', async () => {
    const r = await runCli(['--rule', 'compose-unknown-service', '.', '--format', 'json'], { cwd: demo });
    expect(r.stderr).toBe('');
    expect(ruleIds(r.stdout)).toEqual(['compose-unknown-service']);
  });

  it('--select is comma-split and repeatable, --rule adds to it, --ignore takes rules out', async () => {
    const r = await runCli([demo, '--format', 'json', '--select', 'compose-unknown-service,docs-port-drift', '--select', 'compose-undeclared-volume', '--rule', 'dockerfile-copy-outdir']);
    expect(ruleIds(r.stdout)).toEqual(['compose-undeclared-volume', 'compose-unknown-service', 'dockerfile-copy-outdir', 'docs-port-drift']);
    const ignored = await runCli([demo, '--format', 'json', '--ignore', 'docs-command-drift,redaction-key-normalization', '--ignore', 'docs-dead-reference']);
    const all = ruleIds((await runCli([demo, '--format', 'json'])).stdout);
    expect(ruleIds(ignored.stdout)).toEqual(all.filter((id) => !['docs-command-drift', 'redaction-key-normalization', 'docs-dead-reference'].includes(id)));
    const both = await runCli([demo, '--format', 'json', '--select', 'compose-unknown-service,docs-port-drift', '--ignore', 'docs-port-drift']);
    expect(ruleIds(both.stdout)).toEqual(['compose-unknown-service']);
  });

  it('says "did you mean" for a mistyped id: in --select/--ignore, explain and pr', async () => {
    const r = await runCli([demo, '--select', 'compose-unknwn-service']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('autopack-fix: unknown rule: compose-unknwn-service (did you mean compose-unknown-service?) (see `autopack-fix list-rules`)\n');
    expect((await runCli([demo, '--ignore', 'port-drift'])).stderr).toContain('port-drift (did you mean docs-port-drift?)');
    const explain = await runCli(['explain', 'docs-dead-refrence']);
    expect(explain.code).toBe(2);
    expect(explain.stderr).toBe('autopack-fix: unknown rule: docs-dead-refrence (did you mean docs-dead-reference?) (see `autopack-fix list-rules`)\n');
    const repo = demoRepo();
    gitIn(repo, ['remote', 'add', 'origin', 'https://github.com/o/demo.git']);
    const pr = await runCli(['pr', repo, '--dry-run', '--base', 'main', '--select', 'nginx-body-size-limt'], { env: { GITHUB_TOKEN: undefined } });
    expect(pr.code).toBe(2);
    expect(pr.stderr).toContain('unknown rule: nginx-body-size-limt (did you mean nginx-body-size-limit?)');
    // And in a suppression comment (reported by unused-suppression).
    writeFileSync(path.join(repo, 'docker-compose.dev.yml'), readFileSync(path.join(repo, 'docker-compose.dev.yml'), 'utf8').replace('  postgres:\n', '  # autopack-fix-ignore compose-unknwn-service -- mapped by hand\n  postgres:\n'));
    const suppression = await runCli([repo, '--select', 'compose-unknown-service,unused-suppression', '--format', 'json', '--allow-dirty']);
    expect(json(suppression.stdout).findings.map((f) => f.message)).toContain('suppression `autopack-fix-ignore compose-unknwn-service` names unknown rule `compose-unknwn-service` (did you mean compose-unknown-service?) (see `autopack-fix list-rules`)');
    expect(closest('zzz', RULES.map((x) => x.meta.id))).toEqual([]);
  });

  it('an empty --select is a usage error, not "every rule"', async () => {
    const r = await runCli([demo, '--select', ',']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--select: no rule id');
  });
});

describe('file arguments', () => {
  it('limit the findings to the files named; the facts still come from the whole repository', async () => {
    // compose-unknown-service needs the base compose file to judge the override: it is not named.
    const r = await runCli(['docker-compose.dev.yml', 'README.md', '--format', 'json'], { cwd: demo });
    expect(r.stderr).toBe('');
    const doc = json(r.stdout);
    expect([...new Set(doc.findings.map((f) => f.file))].sort()).toEqual(['README.md', 'docker-compose.dev.yml']);
    expect(doc.findings.map((f) => f.ruleId)).toContain('compose-unknown-service');
    const whole = json((await runCli([demo, '--format', 'json'])).stdout);
    expect(doc.findings).toEqual(whole.findings.filter((f) => f.file === 'README.md' || f.file === 'docker-compose.dev.yml'));
  });

  it('resolve against the current directory; the root is the git top level; a folder argument among others covers what is under it', async () => {
    const r = await runCli(['INDEX.md', 'guides', '--format', 'json'], { cwd: path.join(demo, 'docs') });
    const files = [...new Set(json(r.stdout).findings.map((f) => f.file))].sort();
    expect(files).toEqual(['docs/INDEX.md', 'docs/guides/RESEARCH_CI_FIX_CHECKLIST.md', 'docs/guides/RESEARCH_CI_IMPORT_FIX.md']);
  });

  it('one folder alone is the root, as before; --root makes every argument a path', async () => {
    const asRoot = await runCli(['docs', '--format', 'json'], { cwd: demo });
    // docs/ as the root: paths are relative to it.
    expect(json(asRoot.stdout).findings.every((f) => !f.file.startsWith('docs/'))).toBe(true);
    const asPath = await runCli(['--root', '.', 'docs', '--format', 'json'], { cwd: demo });
    const files = json(asPath.stdout).findings.map((f) => f.file);
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.startsWith('docs/'))).toBe(true);
  });

  it('refuses paths that do not exist or lie outside the root, and --update-baseline with paths', async () => {
    const missing = await runCli(['README.md', 'nope.md'], { cwd: demo });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('autopack-fix: nope.md: no such file or directory\n');
    expect((await runCli(['lsit-rules'], { cwd: demo })).stderr).toBe('autopack-fix: lsit-rules: no such file or directory (did you mean the command list-rules?)\n');
    const outside = await runCli(['README.md', path.join(ROOT, 'package.json')], { cwd: demo });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('is outside the root .; run from inside its repository, or name the root with --root');
    expect((await runCli(['README.md', '--update-baseline'], { cwd: demo })).stderr).toContain('--update-baseline records every finding of the root');
  });

  it('--write (and its alias --fix) fixes only the findings in the files named', async () => {
    const repo = demoRepo();
    const before = readTree(repo);
    const r = await runCli(['README.md', '--fix', '--format', 'json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { written: string[] }).written).toEqual(['README.md']);
    expect(treeDifferences(readTree(repo), before).map((d) => d.split(' ')[0])).toEqual(['README.md']);
  });
});

describe('information at a glance', () => {
  it('--statistics counts the findings per rule, fixable or not (text and json)', async () => {
    const all = json((await runCli([demo, '--format', 'json'])).stdout);
    const r = await runCli([demo, '--statistics']);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    const rows = lines.slice(0, lines.indexOf(''));
    const counts = new Map<string, number>();
    for (const f of all.findings) counts.set(f.ruleId, (counts.get(f.ruleId) ?? 0) + 1);
    expect(rows).toHaveLength(counts.size);
    for (const row of rows) {
      const m = /^\s*(\d+) {2}(\S+) +(.+)$/.exec(row);
      expect(m, row).not.toBeNull();
      expect(Number(m?.[1])).toBe(counts.get(m?.[2] as string));
    }
    expect(r.stdout).toMatch(/^\s*7 {2}redaction-key-normalization +7 fixable$/m);
    expect(r.stdout).toMatch(/^\s*4 {2}docs-dead-reference +2 need --unsafe-fixes, 2 report only$/m);
    expect(r.stdout).toContain(`\n${all.summary.findings} findings, `);
    const doc = JSON.parse((await runCli([demo, '--statistics', '--format', 'json'])).stdout) as { statistics: Array<{ ruleId: string; count: number; heldBack: number }> };
    expect(doc.statistics.reduce((n, s) => n + s.count, 0)).toBe(all.findings.length);
    expect(doc.statistics.find((s) => s.ruleId === 'nginx-body-size-limit')?.heldBack).toBe(1);
    expect((await runCli([demo, '--statistics', '--format', 'sarif'])).code).toBe(2);
  });

  it('--format concise: path:line:col: rule message [fix], clickable from the current directory', async () => {
    const all = json((await runCli([demo, '--format', 'json'])).stdout);
    const fromRoot = (await runCli(['--format', 'concise', '--select', 'docs-port-drift,compose-unknown-service'], { cwd: demo })).stdout.trim().split('\n');
    const expected = all.findings.filter((f) => f.ruleId === 'docs-port-drift' || f.ruleId === 'compose-unknown-service').sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
    expect(fromRoot.slice(0, -2)).toEqual(expected.map((f) => `${f.file}:${f.line}:${f.column}: ${f.ruleId} ${f.message} [safe fix]`));
    expect(fromRoot.at(-2)).toBe('2 findings, 2 fixable, 0 report-only');
    // From elsewhere the paths are absolute, so they still resolve.
    const elsewhere = await runCli([demo, '--format', 'concise', '--select', 'docs-port-drift']);
    expect(elsewhere.stdout.split('\n')[0]).toMatch(new RegExp(`^${path.join(demo, 'README.md').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:12:74: docs-port-drift `));
    const sub = await runCli(['--root', '..', '--format', 'concise', '--select', 'docs-dead-reference', '-q'], { cwd: path.join(demo, 'docs') });
    expect(sub.stdout).toMatch(/^INDEX\.md:14:19: docs-dead-reference /m);
    expect(sub.stdout).not.toContain('findings');
  });

  it('a finding is one line of at most 120 columns in the text report; --verbose shows whole messages', async () => {
    const all = json((await runCli([demo, '--format', 'json'])).stdout);
    const r = await runCli([demo]);
    const findingRows = r.stdout.split('\n').filter((l) => /^ {2}\d+:\d+ /.test(l));
    expect(findingRows).toHaveLength(all.findings.length);
    for (const row of findingRows) expect([...row].length, row).toBeLessThanOrEqual(120);
    expect(r.stdout).toMatch(/\d+ messages cut to fit 120 columns \(…\): --verbose shows them whole/);
    const verbose = await runCli([demo, '--verbose']);
    for (const f of all.findings) expect(verbose.stdout).toContain(f.message);
    expect(verbose.stdout).not.toContain('cut to fit');
  });

  it('fitMessage keeps the claim and drops the evidence', () => {
    const m = 'named volume `backend_cache` (service `backend`) is declared in no compose file of the root';
    expect(fitMessage(m, 200)).toBe(m);
    expect(fitMessage(m, 75)).toBe('named volume `backend_cache` is declared in no compose file of the root');
    expect(fitMessage('no config: 6 directories get no updates (a, b); Dockerfile:3 asks for it', 50)).toBe('no config: 6 directories get no updates; …');
    const cut = fitMessage('entry "set-cookie" of SENSITIVE_HEADERS can never match: _is_sensitive_key() applies .lower()', 60);
    expect(cut.length).toBeLessThanOrEqual(60);
    expect(cut.endsWith('…')).toBe(true);
    expect(fitMessage('a `(b; c)` d; e f g h i j k l m n o p', 20)).toBe('a `(b; c)` d; …');
  });

  it('--dry-run repeats the summary after the diff', async () => {
    const r = await runCli([demo, '--dry-run']);
    const summary = r.stdout.split('\n').find((l) => /^\d+ findings, /.test(l)) as string;
    expect(r.stdout.indexOf('diff --git')).toBeLessThan(r.stdout.lastIndexOf(summary));
    // The summary closes the output; only the count of withheld fixes by reason may follow it.
    const tail = r.stdout.trimEnd().split('\n');
    const at = tail.lastIndexOf(summary);
    expect(tail.slice(at + 1).every((l) => l.startsWith('Fixes withheld: ')), tail.slice(at).join('\n')).toBe(true);
  });
});

describe('quiet stderr', () => {
  it('skipped files are one note (--verbose names each); --quiet drops notes, not warnings', async () => {
    const repo = demoRepo();
    for (const name of ['a.md', 'b.md', 'c.md']) writeFileSync(path.join(repo, 'docs', name), Buffer.from('# x\0binary'));
    mkdirSync(path.join(repo, 'svc'));
    writeFileSync(path.join(repo, 'svc', 'docker-compose.yml'), 'services:\n  api: [\n');
    gitIn(repo, ['add', '-A']);
    gitIn(repo, ['commit', '-qm', 'binary docs, a broken compose file']);
    gitIn(repo, ['remote', 'add', 'origin', 'https://github.com/o/demo.git']);
    const parseWarning = /^warning: could not parse svc\/docker-compose\.yml at /m;
    const r = await runCli([repo]);
    expect(r.stderr).toMatch(parseWarning);
    expect(r.stderr.split('\n').filter((l) => l.includes('skipped'))).toEqual(['note: 3 binary files skipped; --verbose lists them']);
    const verbose = await runCli([repo, '--verbose']);
    expect(verbose.stderr).toContain('note: docs/a.md: skipped: binary file (contains NUL bytes)\nnote: docs/b.md: skipped: binary file (contains NUL bytes)\nnote: docs/c.md: skipped: binary file (contains NUL bytes)\n');
    const quiet = await runCli([repo, '--quiet']);
    expect(quiet.stderr).not.toContain('note:');
    expect(quiet.stderr).toMatch(parseWarning);
    // No warning about a compose file when no selected rule reads compose files.
    const other = await runCli([repo, '--select', 'redaction-key-normalization']);
    expect(other.stderr).not.toMatch(/could not parse/);
    // pr prints the same lines at the same levels.
    const sel = ['--select', 'compose-unknown-service,docs-dead-reference'];
    const check = await runCli([repo, ...sel]);
    const pr = await runCli(['pr', repo, '--dry-run', '--base', 'main', ...sel], { env: { GITHUB_TOKEN: undefined } });
    const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && l !== 'note: a real run needs a GitHub token in GITHUB_TOKEN').sort();
    expect(lines(check.stderr)).toHaveLength(2);
    expect(lines(pr.stderr)).toEqual(lines(check.stderr));
  }, 60_000);

  it('collapses mixed reasons into one line, and leaves a single skipped file as it is', () => {
    const skip = (file: string, message: string) => ({ file, kind: 'skipped' as const, message });
    const mixed = stderrDiagnostics([skip('a', 'skipped: binary file (contains NUL bytes)'), { file: 'x', kind: 'parse-error', message: 'could not parse x' }, skip('b', 'skipped: not valid UTF-8'), skip('c', 'skipped: binary file (contains NUL bytes)')]);
    expect(mixed.map((d) => d.message)).toEqual(['3 files skipped (2 binary, 1 not UTF-8); --verbose lists them', 'could not parse x']);
    const one = [skip('a', 'skipped: symbolic link points outside the root')];
    expect(stderrDiagnostics(one)).toEqual(one);
  });
});

describe('CLI basics', () => {
  it('--version, help <command>, one-line usage errors, list-rules --format json', async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const help = await runCli(['help', 'pr']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: autopack-fix pr [options] [root]');
    expect((await runCli(['pr', '--help'])).stdout).toBe(help.stdout);
    const bad = await runCli([demo, '--frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe("autopack-fix: unknown option '--frobnicate' (see `autopack-fix --help`)\n");
    const badChoice = await runCli(['list-rules', '--format', 'xml']);
    expect(badChoice.stderr.trim().split('\n')).toHaveLength(1);
    expect(badChoice.stderr).toContain('(see `autopack-fix list-rules --help`)');
    const list = await runCli(['list-rules', '--format', 'json']);
    const doc = JSON.parse(list.stdout) as { rules: Array<{ id: string; fixable: string; defaultSeverity: string; summary: string; docs: string; seedIds: string[] }> };
    expect(doc.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.meta.id));
    for (const r of doc.rules) expect(readFileSync(path.join(ROOT, r.docs), 'utf8').length).toBeGreaterThan(0);
  });

  it('--quiet prints the findings only; -o writes the report to a file, uncoloured', async () => {
    const quiet = await runCli([demo, '--quiet', '--select', 'docs-port-drift']);
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).toMatch(/^README\.md\n {2}12:74 {2}warning {2}docs-port-drift {2}.+ {2}\[safe fix\]\n$/);
    const out = path.join(demo, '..', `${path.basename(demo)}-report.txt`);
    cleanup.push(out);
    const r = await runCli([demo, '-o', out, '--select', 'docs-port-drift'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('1 finding, 1 fixable');
    expect(text).not.toMatch(/\u001b\[/);
    const bad = await runCli([demo, '-o', path.join(demo, 'no', 'such', 'dir', 'x.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cannot write');
  });

  it('the exit code: an info finding does not fail unless --fail-on info; --exit-zero always 0', async () => {
    const repo = demoRepo();
    // Every finding of the repository at severity info.
    rmSync(path.join(repo, 'autopack-fix.config.json'), { force: true }); // the demo's own config (pin maps): one config file at a time
    writeFileSync(path.join(repo, 'autopack-fix.config.yml'), `rules:\n${RULES.map((r) => `  ${r.meta.id}:\n    severity: info\n`).join('')}`);
    gitIn(repo, ['add', '-A']);
    gitIn(repo, ['commit', '-qm', 'all info']);
    const info = await runCli([repo]);
    expect(info.stdout).toMatch(/\d+ findings/);
    expect(info.code).toBe(0);
    expect((await runCli([repo, '--fail-on', 'info'])).code).toBe(1);
    expect((await runCli([repo, '--dry-run'])).code).toBe(0);
    expect((await runCli([demo, '--fail-on', 'error', '--select', 'docs-port-drift'])).code).toBe(0); // a warning
    expect((await runCli([demo, '--fail-on', 'error', '--select', 'compose-unknown-service'])).code).toBe(1); // an error
    expect((await runCli([demo, '--exit-zero'])).code).toBe(0);
    expect((await runCli([demo, '--fail-on', 'fatal'])).code).toBe(2);
  });
});

describe('.pre-commit-hooks.yaml', () => {
  interface Hook { id: string; entry: string; language: string; args?: string[]; pass_filenames?: boolean; require_serial?: boolean }
  const hooks = parse(readFileSync(path.join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[];

  it('declares node hooks that run the package bin with the staged files', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(hooks.map((h) => h.id)).toEqual(['autopack-fix', 'autopack-fix-fix']);
    for (const h of hooks) {
      expect(h.language).toBe('node');
      expect(Object.keys(pkg.bin)).toContain(h.entry.split(' ')[0]);
      expect(h.pass_filenames ?? true).toBe(true);
      expect(h.require_serial).toBe(true);
    }
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain('.pre-commit-hooks.yaml');
  });

  it('run as pre-commit runs them (from the top level, with file names) they check and fix those files', async () => {
    const repo = demoRepo();
    const argv = (h: Hook, files: string[]): string[] => [...h.entry.split(' ').slice(1), ...(h.args ?? []), ...files];
    const [check, fix] = hooks as [Hook, Hook];
    const r = await runCli(argv(check, ['README.md', 'src/autopack/sanitizer.py']), { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('README.md:12:74: docs-port-drift ');
    expect(r.stdout).not.toContain('docker-compose.dev.yml');
    // pre-commit stashes unstaged changes, but staged ones leave the tree "dirty": the fix hook allows it.
    writeFileSync(path.join(repo, 'notes.txt'), 'staged\n');
    gitIn(repo, ['add', 'notes.txt']);
    const w = await runCli(argv(fix, ['README.md']), { cwd: repo });
    expect(w.code, w.stderr).toBe(0);
    expect(gitIn(repo, ['status', '--porcelain']).split('\n').filter(Boolean).sort()).toEqual([' M README.md', 'A  notes.txt']);
  });
});
