/**
 * File names with control characters (issue 18, defects 11 and 12): a newline, a tab, an ESC
 * byte, `"` and `\` in a path. The text and github reports must keep one line per entry (a
 * line starting with `::` is a workflow command for the Actions runner) and never print a
 * control byte; `--format diff` must quote such names as git does so that `git apply` takes the
 * patch.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, writeFileSync, readFileSync, cpSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { unifiedDiff } from '../src/report/diff.js';
import { diagnosticLines, textReport, colorDiff } from '../src/report/text.js';
import { githubReport } from '../src/report/github.js';
import { displayPath, escapeControls, quotePath } from '../src/report/escape.js';
import { createColors } from 'picocolors';
import type { FileChange, ReportedFinding, RunResult } from '../src/engine/run.js';
import { ROOT, gitIn, readTree, removeDir, tempDir, treeDifferences } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';

const BIN = path.join(ROOT, 'bin', 'autopack-fix.js');
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

/** Names git quotes (and one it does not: a space, and one it quotes only with core.quotePath). */
const NAMES = ['x\ty.txt', 'n\nl.txt', 'q"b.txt', 'b\\s.txt', 'e\x1bc.txt', 'sp ace.txt', 'é.txt', 'cr\r.txt', 'dir\tname/in side.txt'];

/** A line that the Actions runner would read as a workflow command. */
const INJECTED = '::error file=x,line=1::pwned';

function repoWithFiles(files: Record<string, string>): string {
  const dir = tempDir();
  cleanup.push(dir);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), text);
  }
  gitIn(dir, ['init', '-q', '-b', 'main']);
  gitIn(dir, ['config', 'core.autocrlf', 'false']);
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '-m', 'fixture']);
  return dir;
}

describe('quoting', () => {
  it('quotes like git quote_c_style, and only what needs it', () => {
    expect(quotePath('a/x\ty')).toBe('"a/x\\ty"');
    expect(quotePath('a/n\nl')).toBe('"a/n\\nl"');
    expect(quotePath('a/e\x1bc')).toBe('"a/e\\033c"');
    expect(quotePath('a/q"b')).toBe('"a/q\\"b"');
    expect(quotePath('a/b\\s')).toBe('"a/b\\\\s"');
    expect(quotePath('a/sp ace')).toBe('a/sp ace');
    expect(quotePath('a/é')).toBe('a/é');
    // For people, Unicode controls are quoted too (as their UTF-8 bytes, like git's default).
    expect(displayPath('a\u202eb')).toBe('"a\\342\\200\\256b"');
    expect(displayPath('plain/name.yml')).toBe('plain/name.yml');
    expect(escapeControls('a\nb\x1b[31mc\u2028')).toBe('a\\nb\\033[31mc\\342\\200\\250');
  });
});

describe('--format diff with special names (defect 12)', () => {
  it('writes the headers git writes, and git apply takes the patch', () => {
    const files = Object.fromEntries(NAMES.map((n) => [n, 'one\ntwo\nthree\n']));
    const repo = repoWithFiles(files);
    const changes: FileChange[] = NAMES.map((n) => ({ path: n, before: 'one\ntwo\nthree\n', after: 'one\nTWO\nthree\n', bom: false }));
    changes.push({ path: 'new\tfile "x".txt', before: undefined, after: 'created\n', bom: false });
    const patch = unifiedDiff(changes);
    // The same change made on disk: git's own headers (core.quotePath=false keeps UTF-8 as is).
    const copy = tempDir();
    cleanup.push(copy);
    cpSync(repo, copy, { recursive: true });
    for (const n of NAMES) writeFileSync(path.join(copy, n), 'one\nTWO\nthree\n');
    writeFileSync(path.join(copy, 'new\tfile "x".txt'), 'created\n');
    gitIn(copy, ['add', '-A']);
    const gitPatch = gitIn(copy, ['-c', 'core.quotePath=false', 'diff', '--cached']);
    const headers = (p: string): string[] => p.split('\n').filter((l) => /^(diff --git|---|\+\+\+) /.test(l)).sort();
    expect(headers(patch)).toEqual(headers(gitPatch));
    gitIn(repo, ['apply', '--check', '-'], patch);
    gitIn(repo, ['apply', '-'], patch);
    gitIn(repo, ['add', '-A']);
    expect(treeDifferences(readTree(repo), readTree(copy))).toEqual([]);
  });

  it('through the CLI: a fix in a folder with a tab, a newline and a quote in its name applies with git apply, as --write writes it', async () => {
    const compose = 'services:\n  app:\n    image: node:20\n    volumes:\n      - cache:/cache\n';
    const dirs = ['tab\there', 'new\nline', 'quote"d', 'back\\slash', `evil\n${INJECTED}`];
    const repo = repoWithFiles(Object.fromEntries(dirs.map((d) => [`${d}/docker-compose.yml`, compose])));
    const d = await runCli([repo, '--format', 'diff', '--rule', 'compose-undeclared-volume']);
    expect(d.stdout).toContain('diff --git "a/tab\\there/docker-compose.yml" "b/tab\\there/docker-compose.yml"');
    expect(d.stdout.split('\n').filter((l) => l.startsWith('diff --git'))).toHaveLength(dirs.length);
    expect(d.stdout.split('\n').some((l) => l.startsWith('::'))).toBe(false);
    gitIn(repo, ['apply', '--check', '-'], d.stdout);
    gitIn(repo, ['apply', '-'], d.stdout);
    const viaDiff = readTree(repo);
    for (const dir of dirs) expect(readFileSync(path.join(repo, dir, 'docker-compose.yml'), 'utf8')).toMatch(/\nvolumes:\n {2}cache:\n/);
    gitIn(repo, ['checkout', '--', '.']);
    const w = await runCli([repo, '--write', '--rule', 'compose-undeclared-volume']);
    expect(w.code).not.toBe(2);
    expect(treeDifferences(readTree(repo), viaDiff)).toEqual([]);
  });
});

describe('human formats with control characters in names and messages (defect 11)', () => {
  const evilDir = `evil\n${INJECTED}\x1b[2J`;
  const compose = 'services:\n  app:\n    image: node:20\n    volumes:\n      - cache:/cache\n';
  let repo: string;
  const getRepo = (): string =>
    (repo ??= repoWithFiles({
      [`${evilDir}/docker-compose.yml`]: compose,
      // A broken compose file: its parse warning names the file.
      [`bro\x1bken\n${INJECTED}/compose.yaml`]: 'services:\n  web: [\n',
    }));

  /** No output line is a workflow command, and no control byte other than \n reaches the terminal. */
  function assertClean(out: string, opts: { commands?: boolean; tabs?: boolean } = {}): void {
    expect(out).not.toMatch(opts.tabs ? /[\x00-\x08\x0b-\x1f\x7f]/ : /[\x00-\x09\x0b-\x1f\x7f]/);
    for (const line of out.split('\n')) if (!opts.commands) expect(line.startsWith('::'), line).toBe(false);
  }

  it('text: one line per finding and diagnostic, names quoted, no ESC', async () => {
    const r = await runCli([getRepo()]);
    expect(r.stdout).toContain('"evil\\n::error file=x,line=1::pwned\\033[2J/docker-compose.yml"');
    assertClean(r.stdout);
    assertClean(r.stderr);
    expect(r.stderr).toMatch(/could not parse .*bro\\033ken\\n::error/);
  });

  it('text with --dry-run: the diff stays clean (a tab ends a name with a space, as in git)', async () => {
    const dry = await runCli([getRepo(), '--dry-run', '--rule', 'compose-undeclared-volume']);
    assertClean(dry.stdout, { tabs: true });
    assertClean(dry.stderr);
    expect(dry.stdout).toContain('+++ "b/evil\\n::error file=x,line=1::pwned\\033[2J/docker-compose.yml"');
  });

  it('concise: one line per finding, names quoted, no ESC', async () => {
    const r = await runCli([getRepo(), '--format', 'concise']);
    expect(r.stdout).toContain('evil\\n::error file=x,line=1::pwned\\033[2J/docker-compose.yml');
    assertClean(r.stdout);
    assertClean(r.stderr);
  });

  it('github: every line is one annotation; the file property decodes back to the name (its ESC shown escaped)', async () => {
    const r = await runCli([getRepo(), '--format', 'github']);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    for (const l of lines) expect(l).toMatch(/^::(error|warning|notice) /);
    assertClean(r.stdout, { commands: true });
    const files = lines.map((l) => /file=([^,]*)/.exec(l)?.[1]).filter((f): f is string => f !== undefined);
    const decode = (s: string): string => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
    expect(files.map(decode)).toContain(`${evilDir.replace('\x1b', '\\033')}/docker-compose.yml`);
  });

  it('the report functions escape whatever a rule or a diagnostic passes them', () => {
    const finding = {
      ruleId: 'docs-dead-reference',
      seedIds: [],
      severity: 'warning',
      file: `a\n${INJECTED}.md`,
      line: 1,
      column: 1,
      message: `link \`x\n${INJECTED}\x1b]0;title\x07\` is dead`,
      key: 'k',
      fix: null,
      fixStatus: null,
    } as unknown as ReportedFinding;
    const result = { findings: [finding], remaining: [], changes: [], diagnostics: [], passes: 1, applied: [], final: undefined as never } as RunResult;
    for (const colors of [createColors(false), createColors(true)]) {
      const text = textReport(result, colors, 'report').replace(/\x1b\[[0-9;]*m/g, '');
      assertClean(text);
      const diag = diagnosticLines([{ file: `d\r${INJECTED}`, kind: 'parse-error', message: `could not parse d\r${INJECTED}: bad\x1b[0m` }], colors).replace(/\x1b\[[0-9;]*m/g, '');
      assertClean(diag);
      expect(diag.split('\n')).toHaveLength(2);
      const diff = colorDiff(`diff --git a/x b/x\n+\x1b[2Jline\twith tab\r\n`, colors).replace(/\x1b\[[0-9;]*m/g, '');
      expect(diff).toContain('+\\033[2Jline\twith tab\r');
    }
    const gh = githubReport([finding], { diagnostics: [{ file: `d\n${INJECTED}`, kind: 'parse-error', message: 'x\x1by' }] });
    expect(gh.split('\n').filter((l) => l !== '')).toHaveLength(2);
    assertClean(gh, { commands: true });
  });
});

describe('lines the CLI prints itself, with control characters in names (issue 18)', () => {
  const compose = 'services:\n  app:\n    image: node:20\n    volumes:\n      - cache:/cache\n';
  /** A newline that starts a workflow command, an ESC sequence, and a right-to-left override. */
  const HOSTILE = [`nl\n${INJECTED}`, 'esc\x1b[2Jx', 'bidi\u202etxt.exe'];
  const BIDI = /[\u0080-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

  /** No line is a workflow command, no control byte but \n, no Unicode control. */
  function assertClean(out: string): void {
    expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(out).not.toMatch(BIDI);
    for (const line of out.split('\n')) expect(line.startsWith('::'), line).toBe(false);
  }

  it('"Wrote N files" names each file quoted', async () => {
    const repo = repoWithFiles(Object.fromEntries(HOSTILE.map((d) => [`${d}/docker-compose.yml`, compose])));
    const w = await runCli([repo, '--write', '--rule', 'compose-undeclared-volume']);
    expect(w.code, w.stderr).toBe(0);
    const wrote = w.stdout.split('\n').find((l) => l.startsWith('Wrote '));
    expect(wrote).toBe(`Wrote 3 files: ${HOSTILE.map((d) => displayPath(`${d}/docker-compose.yml`)).sort().join(', ')}`);
    expect(wrote).toContain('"bidi\\342\\200\\256txt.exe/docker-compose.yml"');
    assertClean(w.stdout);
    assertClean(w.stderr);
  });

  it('the lists of written and not written files after an interrupted --write', async () => {
    const repo = repoWithFiles(Object.fromEntries(HOSTILE.map((d) => [`${d}/docker-compose.yml`, compose])));
    // A real process: the signal is delivered to it. The pause lets it land between two files.
    const child = spawn(process.execPath, [BIN, repo, '--write', '--rule', 'compose-undeclared-volume'], { env: { ...process.env, NO_COLOR: '1', AUTOPACK_FIX_TEST_WRITE_PAUSE_MS: '400' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const fixed = (): number => HOSTILE.filter((d) => readFileSync(path.join(repo, d, 'docker-compose.yml'), 'utf8') !== compose).length;
    const deadline = Date.now() + 60_000;
    while (fixed() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(143);
    const stopped = stderr.split('\n').find((l) => l.startsWith('autopack-fix: stopped by SIGTERM'));
    expect(stopped, stderr).toBeDefined();
    for (const d of HOSTILE) expect(stopped).toContain(displayPath(`${d}/docker-compose.yml`));
    assertClean(stderr);
  });

  it('usage errors and refusals that name the root or a path argument', async () => {
    const outside = tempDir();
    cleanup.push(outside);
    const root = path.join(outside, `root\n${INJECTED}\x1b[2J\u202e`);
    mkdirSync(root);
    writeFileSync(path.join(root, 'docker-compose.yml'), compose);
    const runs = [
      await runCli(['--root', `${root}-missing`]),
      await runCli([`${root}/nothing\x1b[31m`, `${root}/docker-compose.yml`]),
      await runCli([root, '--write']),
      await runCli([root, '--write', '--branch']),
      await runCli(['--root', path.join(root, 'docker-compose.yml')]),
      await runCli([root, '-o', path.join(root, 'no-such-dir', 'out\u2066.txt')]),
      await runCli([root, `--frob\x1b[2J`]),
    ];
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(2);
      assertClean(r.stdout);
      assertClean(r.stderr);
    }
    const quoted = displayPath(root);
    expect(runs.map((r) => r.stderr.trim())).toEqual([
      `autopack-fix: root does not exist: ${displayPath(`${root}-missing`)}`,
      `autopack-fix: ${displayPath(`${root}/nothing\x1b[31m`)}: no such file or directory`,
      `autopack-fix: ${quoted} is not inside a git work tree; --write needs one to be undoable (use --allow-dirty to write anyway)`,
      `autopack-fix: ${quoted} is not inside a git work tree; --branch needs one`,
      `autopack-fix: root is not a directory: ${displayPath(path.join(root, 'docker-compose.yml'))}`,
      `autopack-fix: cannot write ${displayPath(path.join(root, 'no-such-dir', 'out\u2066.txt'))}: ENOENT`,
      "autopack-fix: unknown option '--frob\\033[2J' (see `autopack-fix --help`)",
    ]);
  });

  it('--write on a tree with an uncommitted file: the refusal quotes its name', async () => {
    const repo = repoWithFiles({ 'docker-compose.yml': compose });
    writeFileSync(path.join(repo, `new\n${INJECTED}\u202e.yml`), 'x: 1\n');
    const r = await runCli([repo, '--write']);
    expect(r.code).toBe(2);
    assertClean(r.stderr);
    expect(r.stderr).toContain(`e.g. ${displayPath(`new\n${INJECTED}\u202e.yml`)})`);
  });

  it('--format markdown: names and messages in list items and cells, escaped and quoted', async () => {
    const repo = repoWithFiles(Object.fromEntries(HOSTILE.map((d) => [`${d}/docker-compose.yml`, compose])));
    const r = await runCli([repo, '--format', 'markdown', '--rule', 'compose-undeclared-volume']);
    assertClean(r.stdout);
    expect(r.stdout).toContain('"bidi\\342\\200\\256txt.exe/docker-compose.yml":');
  });
});
