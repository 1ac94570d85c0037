/**
 * `--write --branch`: the fixes as one commit per rule on a new branch, made in a temporary
 * worktree with real git, so the user's checkout, index and current branch never move.
 */
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import path from 'node:path';
import { ROOT, repoFrom, readTree, treeDifferences, gitIn, removeDir, tempDir } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';
import { RULES } from '../src/rules/registry.js';
import { buildFixes, planBranch } from '../src/pipeline/branch.js';
import { withWorktree } from '../src/git/worktree.js';
import { BOT_IDENTITY } from '../src/git/identity.js';
import type { Safety } from '../src/model/types.js';
import type { Rule } from '../src/model/rule.js';

const DEMO = path.join(ROOT, 'fixtures', 'demo');
const BIN = path.join(ROOT, 'bin', 'autopack-fix.js');
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

// No identity from the machine: the bot's default identity must be what the commits get.
beforeAll(() => {
  process.env.GIT_CONFIG_GLOBAL = '/dev/null';
  process.env.GIT_CONFIG_NOSYSTEM = '1';
  for (const k of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL']) delete process.env[k];
});

function demoRepo(): string {
  const dir = repoFrom(DEMO);
  cleanup.push(dir);
  return dir;
}

let branched: string | undefined;

/**
 * A copy of the demo repository on which `--write --branch` has made the bot branch. The branch
 * is made once per file (it is the same every time) and each caller gets its own copy to change.
 */
async function demoWithBranch(): Promise<string> {
  if (!branched) {
    const repo = demoRepo();
    const r = await runCli([repo, '--write', '--branch']);
    expect(r.code, r.stderr).toBe(0);
    branched = repo;
  }
  const dir = tempDir();
  cleanup.push(dir);
  cpSync(branched, dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

function git(dir: string, ...args: string[]): string {
  return gitIn(dir, args).trim();
}

/** Everything about the user's side of the repository that --branch must leave alone. */
function userState(dir: string): unknown {
  return {
    head: git(dir, 'rev-parse', 'HEAD'),
    branch: git(dir, 'symbolic-ref', 'HEAD'),
    status: git(dir, 'status', '--porcelain=v1', '--untracked-files=all'),
    index: git(dir, 'ls-files', '-s'),
    staged: git(dir, 'diff', '--cached'),
    unstaged: git(dir, 'diff'),
    tree: [...readTree(dir)].map(([p, b]) => `${p}:${b.toString('base64')}`),
    worktrees: git(dir, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')),
  };
}

function commitsOn(dir: string, range: string): Array<{ sha: string; subject: string; body: string; author: string; committer: string; files: string[] }> {
  const shas = git(dir, 'rev-list', '--reverse', range).split('\n').filter(Boolean);
  return shas.map((sha) => ({
    sha,
    subject: git(dir, 'log', '-1', '--format=%s', sha),
    body: git(dir, 'log', '-1', '--format=%B', sha),
    author: git(dir, 'log', '-1', '--format=%an <%ae>', sha),
    committer: git(dir, 'log', '-1', '--format=%cn <%ce>', sha),
    files: git(dir, 'diff-tree', '--no-commit-id', '--name-only', '-r', sha).split('\n').filter(Boolean),
  }));
}

/** Commit what is staged as someone else (the helper's fixed fixture identity is overridden). */
function commitAs(dir: string, name: string, email: string, subject: string): void {
  const env = { ...process.env, GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
  const r = spawnSync('git', ['commit', '-qm', subject], { cwd: dir, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

const ruleIndex = (id: string): number => RULES.findIndex((r) => r.meta.id === id);

describe('--write --branch on the demo repository', () => {
  it('makes one commit per rule, in catalogue order, and leaves checkout, index and current branch untouched', async () => {
    const repo = demoRepo();
    // A user mid-work: a staged change, an unstaged change and an untracked file.
    writeFileSync(path.join(repo, '.editorconfig'), `${readFileSync(path.join(repo, '.editorconfig'), 'utf8')}# staged\n`);
    git(repo, 'add', '.editorconfig');
    writeFileSync(path.join(repo, 'README.md'), `${readFileSync(path.join(repo, 'README.md'), 'utf8')}\nunstaged line\n`);
    writeFileSync(path.join(repo, 'notes.txt'), 'work in progress\n');
    const before = userState(repo);

    const r = await runCli([repo, '--write', '--branch']);
    expect(r.stderr).toContain('the branch starts from HEAD');
    expect(r.code).toBe(0);
    expect(userState(repo)).toEqual(before);
    expect(existsSync(path.join(repo, '.git', 'worktrees')) ? readdirSync(path.join(repo, '.git', 'worktrees')) : []).toEqual([]);

    const commits = commitsOn(repo, 'main..autopack-fix/fixes');
    expect(commits.length).toBeGreaterThanOrEqual(5);
    const ids = commits.map((c) => /^fix\(([a-z0-9-]+)\): \S/.exec(c.subject)?.[1] ?? `bad subject: ${c.subject}`);
    for (const id of ids) expect(ruleIndex(id), id).toBeGreaterThanOrEqual(0);
    // One commit per rule, in catalogue order.
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => ruleIndex(a) - ruleIndex(b))).toEqual(ids);
    for (const id of ['compose-unknown-service', 'compose-missing-build-target', 'compose-stale-app-target', 'compose-undeclared-volume']) expect(ids).toContain(id);
    expect(r.stdout).toContain(`Created branch autopack-fix/fixes from main`);
    for (const c of commits) expect(r.stdout).toContain(`${c.sha.slice(0, 12)} ${c.subject}`);

    for (const c of commits) {
      const id = ids[commits.indexOf(c)] as string;
      const rule = RULES[ruleIndex(id)] as Rule;
      expect(c.author).toBe('autopack-fix <autopack-fix@users.noreply.github.com>');
      expect(c.committer).toBe(c.author);
      expect(c.files.length).toBeGreaterThan(0);
      expect(c.body).toContain(`Rule ${id}: ${rule.meta.summary}`);
      expect(c.body).not.toMatch(/seed id/);
      expect(c.body).toContain('What was wrong, and where:');
      // Every place is file:line of a file the commit changes.
      const places = [...c.body.matchAll(/^- ([^\s:]+):(\d+): /gm)].map((m) => m[1]);
      expect(places.length).toBeGreaterThan(0);
      // The place is a file of the repository or one the commit creates (a finding may sit in
      // one file and its fix in another: COPY in a Dockerfile, outDir in vite.config.ts).
      for (const p of places) expect(c.files.includes(p as string) || existsSync(path.join(repo, p as string)), p).toBe(true);
      expect(c.body).toContain('revert this commit');
      expect(c.body).toContain(`Autopack-Fix-Rule: ${id}`);
      expect(c.body).toContain('Autopack-Fix-Safety: safe');
    }
    const unknown = commits[ids.indexOf('compose-unknown-service')];
    expect(unknown?.subject).toBe('fix(compose-unknown-service): rename service `postgres` to `db`');
    expect(unknown?.body).toContain('- docker-compose.dev.yml:23: service `postgres` is defined in no other compose file');
  });

  it('gives the same tree as --write, and a second run leaves the branch as it is', async () => {
    const repo = await demoWithBranch();
    const tip = git(repo, 'rev-parse', 'autopack-fix/fixes');

    const written = demoRepo();
    await runCli([written, '--write']);
    git(written, 'add', '-A');
    git(written, 'commit', '-qm', 'written');
    expect(git(repo, 'rev-parse', 'autopack-fix/fixes^{tree}')).toBe(git(written, 'rev-parse', 'HEAD^{tree}'));

    const again = await runCli([repo, '--write', '--branch']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Branch autopack-fix/fixes already holds these fixes: left as it is.');
    expect(git(repo, 'rev-parse', 'autopack-fix/fixes')).toBe(tip);
  });

  it('prints the commits as JSON with --format json', async () => {
    const repo = demoRepo();
    const r = await runCli([repo, '--write', '--branch', '--format', 'json', '--select', 'compose-undeclared-volume,compose-unknown-service']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { branch: { name: string; action: string; tip: string }; commits: Array<{ sha: string; ruleId: string; files: string[] }> };
    expect(doc.branch.name).toBe('autopack-fix/fixes');
    expect(doc.branch.action).toBe('create');
    expect(doc.commits.map((c) => c.ruleId)).toEqual(['compose-unknown-service', 'compose-undeclared-volume']);
    expect(doc.branch.tip).toBe(git(repo, 'rev-parse', 'autopack-fix/fixes'));
  });
});

describe('--write --branch: names, identities, refusals', () => {
  it('makes no branch when there is nothing to fix, exits 0 and says so', async () => {
    const dir = tempDir();
    cleanup.push(dir);
    writeFileSync(path.join(dir, 'README.md'), '# nothing to see\n');
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'x');
    const r = await runCli([dir, '--write', '--branch']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Nothing to fix: no branch created.\n');
    expect(git(dir, 'branch', '--format=%(refname:short)')).toBe('main');
  });

  it("uses the repository's git identity, or the options", async () => {
    const repo = demoRepo();
    git(repo, 'config', 'user.name', 'Repo Owner');
    git(repo, 'config', 'user.email', 'owner@example.invalid');
    expect((await runCli([repo, '--write', '--branch', '--rule', 'compose-unknown-service'])).code).toBe(0);
    const [c] = commitsOn(repo, 'main..autopack-fix/fixes');
    expect(c?.author).toBe('Repo Owner <owner@example.invalid>');
    expect(c?.committer).toBe('Repo Owner <owner@example.invalid>');

    const r = await runCli([repo, '--write', '--branch', 'autopack-fix/other', '--rule', 'compose-unknown-service', '--author', 'A Person <a@example.invalid>', '--committer', 'Bot <bot@example.invalid>']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Author A Person <a@example.invalid>, committer Bot <bot@example.invalid>.');
    const [d] = commitsOn(repo, 'main..autopack-fix/other');
    expect(d?.author).toBe('A Person <a@example.invalid>');
    expect(d?.committer).toBe('Bot <bot@example.invalid>');
    // Passed through the environment only: the repository's config is unchanged.
    expect(git(repo, 'config', '--local', '--list')).not.toContain('a@example.invalid');

    const bad = await runCli([repo, '--write', '--branch', '--author', 'no email']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--author: expected "Name <email>"');
  });

  it('honours a custom name and prefix, and refuses branches it must not rewrite', async () => {
    const repo = demoRepo();
    const r = await runCli([repo, '--write', '--branch', 'bots/drift', '--branch-prefix', 'bots/', '--rule', 'compose-unknown-service']);
    expect(r.code).toBe(0);
    expect(git(repo, 'rev-parse', '--verify', 'bots/drift')).toMatch(/^[0-9a-f]{40}$/);

    git(repo, 'branch', 'feature');
    const existing = await runCli([repo, '--write', '--branch', 'feature']);
    expect(existing.code).toBe(2);
    expect(existing.stderr).toContain('branch feature already exists and is not under the bot prefix autopack-fix/');

    const checkedOut = tempDir();
    cleanup.push(checkedOut);
    git(repo, 'branch', 'autopack-fix/busy');
    git(repo, 'worktree', 'add', '-q', path.join(checkedOut, 'wt'), 'autopack-fix/busy');
    const busy = await runCli([repo, '--write', '--branch', 'autopack-fix/busy']);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain('is checked out in a worktree');

    expect((await runCli([repo, '--branch'])).stderr).toContain('--branch needs --write');
    expect((await runCli([repo, '--write', '--branch', 'a..b'])).stderr).toContain('not a valid branch name');
    expect((await runCli([repo, '--write', '--branch', '--format', 'diff'])).code).toBe(2);
    expect((await runCli([repo, '--author', 'A <a@b>'])).code).toBe(2);

    const outside = tempDir();
    cleanup.push(outside);
    cpSync(DEMO, outside, { recursive: true });
    const noGit = await runCli([outside, '--write', '--branch']);
    expect(noGit.code).toBe(2);
    expect(noGit.stderr).toContain('is not inside a git work tree; --branch needs one');
  });

  it('reads a directory after a bare --branch as a mistake, not as a branch name', async () => {
    const repo = demoRepo();
    const r = await runCli(['--write', '--branch', path.basename(repo)], { cwd: path.dirname(repo) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is a directory; put the root before the options');
  });

  it('works on a root that is a subdirectory of the repository, with repository paths in the commits', async () => {
    const repo = tempDir();
    cleanup.push(repo);
    mkdirSync(path.join(repo, 'deploy'));
    cpSync(DEMO, path.join(repo, 'deploy'), { recursive: true });
    writeFileSync(path.join(repo, 'top.txt'), 'outside the root\n');
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'x');
    const r = await runCli([path.join(repo, 'deploy'), '--write', '--branch', '--select', 'compose-unknown-service', '--select', 'compose-undeclared-volume']);
    expect(r.code).toBe(0);
    const commits = commitsOn(repo, 'main..autopack-fix/fixes');
    expect(commits.map((c) => c.files)).toEqual([['deploy/docker-compose.dev.yml'], ['deploy/docker-compose.dev.yml']]);
    expect(commits[0]?.body).toContain('- deploy/docker-compose.dev.yml:23: ');
  });
});

describe('--write --branch with commits by others on the branch', () => {
  function humanCommit(repo: string, branch: string, edit: (dir: string) => void, subject: string): string {
    const wt = path.join(tempDir(), 'wt');
    cleanup.push(path.dirname(wt));
    git(repo, 'worktree', 'add', '-q', wt, branch);
    edit(wt);
    git(wt, 'add', '-A');
    commitAs(wt, 'Human', 'human@example.invalid', subject);
    const sha = git(wt, 'rev-parse', 'HEAD');
    git(repo, 'worktree', 'remove', wt);
    return sha;
  }

  /** A change on main that changes the fix set: the build target gets fixed by hand. */
  function baseMoves(repo: string): void {
    const file = path.join(repo, 'docker-compose.dev.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('      target: development\n', ''));
    git(repo, 'commit', '-qam', 'drop the build target by hand');
  }

  it('keeps them: the branch is rebuilt from the new HEAD with their commits first, then the bot\'s', async () => {
    const repo = await demoWithBranch();
    const human = humanCommit(repo, 'autopack-fix/fixes', (wt) => writeFileSync(path.join(wt, 'docs', 'NOTE.md'), '# reviewed\n'), 'docs: note from review');
    // Unchanged fixes: nothing happens, the human commit stays the tip.
    const same = await runCli([repo, '--write', '--branch']);
    expect(same.stdout).toContain('already holds these fixes');
    expect(git(repo, 'rev-parse', 'autopack-fix/fixes')).toBe(human);

    baseMoves(repo);
    const r = await runCli([repo, '--write', '--branch']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Rebuilt (the fixes changed) branch autopack-fix/fixes');
    expect(r.stdout).toContain('docs: note from review  (kept: Human)');
    const commits = commitsOn(repo, 'main..autopack-fix/fixes');
    expect(commits[0]?.subject).toBe('docs: note from review');
    expect(commits[0]?.author).toBe('Human <human@example.invalid>');
    expect(commits.slice(1).every((c) => c.subject.startsWith('fix('))).toBe(true);
    expect(commits.map((c) => c.subject).join('\n')).not.toContain('compose-missing-build-target');
    expect(git(repo, 'show', 'autopack-fix/fixes:docs/NOTE.md')).toBe('# reviewed');
    expect(git(repo, 'merge-base', 'main', 'autopack-fix/fixes')).toBe(git(repo, 'rev-parse', 'main'));
  });

  it('does not count a merge of the base into the branch ("Update branch") as anyone\'s work', async () => {
    const repo = await demoWithBranch();
    writeFileSync(path.join(repo, 'CHANGELOG.md'), '# changes\n');
    git(repo, 'add', 'CHANGELOG.md');
    git(repo, 'commit', '-qm', 'unrelated work on main');
    const wt = path.join(tempDir(), 'wt');
    cleanup.push(path.dirname(wt));
    git(repo, 'worktree', 'add', '-q', wt, 'autopack-fix/fixes');
    const env = { ...process.env, GIT_AUTHOR_NAME: 'Human', GIT_AUTHOR_EMAIL: 'h@example.invalid', GIT_COMMITTER_NAME: 'Human', GIT_COMMITTER_EMAIL: 'h@example.invalid' };
    expect(spawnSync('git', ['merge', '-q', '--no-edit', 'main'], { cwd: wt, env }).status).toBe(0);
    git(repo, 'worktree', 'remove', wt);
    baseMoves(repo);
    const r = await runCli([repo, '--write', '--branch']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Rebuilt (the fixes changed)');
    expect(r.stdout).not.toContain('kept:');
    expect(commitsOn(repo, 'main..autopack-fix/fixes').every((c) => c.subject.startsWith('fix('))).toBe(true);
  });

  it('rebuilds a branch whose fixes are unchanged but that no longer merges into HEAD', async () => {
    const repo = await demoWithBranch();
    const tip = git(repo, 'rev-parse', 'autopack-fix/fixes');
    // The comment line right above the service the bot renames: fixes unchanged, merge conflicts.
    const file = path.join(repo, 'docker-compose.dev.yml');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('  # Expose the database to host tools (psql, DBeaver)\n  postgres:\n');
    writeFileSync(file, text.replace('  # Expose the database to host tools (psql, DBeaver)\n', '  # The database, for psql and DBeaver\n'));
    git(repo, 'commit', '-qam', 'reword a comment');
    const r = await runCli([repo, '--write', '--branch']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Rebuilt (the branch no longer merges cleanly into the base)');
    expect(git(repo, 'rev-parse', 'autopack-fix/fixes')).not.toBe(tip);
    expect(git(repo, 'merge-base', 'main', 'autopack-fix/fixes')).toBe(git(repo, 'rev-parse', 'main'));
  });

  it('leaves the branch alone when their commit does not replay onto the new HEAD (exit 1)', async () => {
    const repo = await demoWithBranch();
    const human = humanCommit(
      repo,
      'autopack-fix/fixes',
      (wt) => {
        const f = path.join(wt, 'docker-compose.dev.yml');
        writeFileSync(f, readFileSync(f, 'utf8').replace('  db:\n', '  database:\n'));
      },
      'rename the dev database service',
    );
    baseMoves(repo);
    const r = await runCli([repo, '--write', '--branch']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Branch autopack-fix\/fixes left as it is: commit [0-9a-f]{12} \("rename the dev database service" by Human\) does not apply on top of the base \(conflict in docker-compose.dev.yml\)/);
    expect(git(repo, 'rev-parse', 'autopack-fix/fixes')).toBe(human);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });
});

// ---------------------------------------------------------------------------------------------
// The commit builder with synthetic rules: safety classes and cross-rule follow-ups.
// ---------------------------------------------------------------------------------------------

/** A rule that wants `line` in `file`, with the given fix class; optionally only once `when` holds. */
function appendRule(id: string, file: string, line: string, safety: 'safe' | 'review', when?: (text: (p: string) => string | undefined) => boolean): Rule {
  return {
    meta: { id, seedIds: ['9.9'], summary: `${file} must say ${line}.`, defaultSeverity: 'warning', fixable: safety },
    async check({ workspace }) {
      const text = workspace.read(file)?.text;
      if (text === undefined || text.includes(line)) return [];
      if (when && !when((p) => workspace.read(p)?.text)) return [];
      return [{ file, offset: 0, key: `${id}:${file}`, message: `${file} lacks ${line}`, fix: { safety, description: `add ${line} to ${file}`, edits: [{ file, start: text.length, end: text.length, text: `${line}\n` }] } }];
    },
  };
}

function syntheticRepo(): string {
  const dir = tempDir();
  cleanup.push(dir);
  writeFileSync(path.join(dir, 'a.txt'), 'a\n');
  writeFileSync(path.join(dir, 'b.txt'), 'b\n');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'x');
  return dir;
}

/** The builder's selection as a pipeline without configuration would give it. */
function select(rules: readonly Rule[], unsafeFixes: boolean): { rules: readonly Rule[]; accepted: Set<Safety> } {
  return { rules, accepted: new Set<Safety>(unsafeFixes ? ['safe', 'review'] : ['safe']) };
}

describe('commit builder', () => {
  const ids = { author: BOT_IDENTITY, committer: BOT_IDENTITY };
  const rules = [appendRule('rule-a', 'a.txt', 'A-safe', 'safe'), appendRule('rule-b', 'b.txt', 'B-review', 'review'), appendRule('rule-c', 'b.txt', 'C-safe', 'safe')];

  it('puts review-class fixes in their own commits after all safe ones, only with unsafe fixes', async () => {
    const repo = syntheticRepo();
    const head = git(repo, 'rev-parse', 'HEAD');
    const safeOnly = await buildFixes({ repo, rootRel: '', start: head, selection: select(rules, false), identities: ids });
    expect(safeOnly.commits.map((c) => [c.ruleId, c.safety])).toEqual([['rule-a', 'safe'], ['rule-c', 'safe']]);
    expect(safeOnly.heldBack.map((f) => f.ruleId)).toEqual(['rule-b']);

    const all = await buildFixes({ repo, rootRel: '', start: head, selection: select(rules, true), identities: ids });
    expect(all.commits.map((c) => [c.ruleId, c.safety])).toEqual([['rule-a', 'safe'], ['rule-c', 'safe'], ['rule-b', 'review']]);
    expect(all.commits[2]?.subject).toBe('fix(rule-b): add B-review to b.txt [review]');
    expect(all.commits[2]?.message).toContain('Safety: review.');
    expect(all.heldBack).toEqual([]);
    expect(git(repo, 'show', `${all.tip}:b.txt`)).toBe('b\nC-safe\nB-review');
    // Nothing moved on the user's side.
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(repo, 'branch', '--format=%(refname:short)')).toBe('main');
  });

  it('commits a fix that a later rule made possible as a follow-up of its rule', async () => {
    const repo = syntheticRepo();
    const head = git(repo, 'rev-parse', 'HEAD');
    // rule-x (first in order) only fires once b.txt says Y, which rule-y (second) writes.
    const chain = [appendRule('rule-x', 'a.txt', 'X', 'safe', (t) => (t('b.txt') ?? '').includes('Y')), appendRule('rule-y', 'b.txt', 'Y', 'safe')];
    const build = await buildFixes({ repo, rootRel: '', start: head, selection: select(chain, false), identities: ids });
    expect(build.commits.map((c) => [c.ruleId, c.followUp])).toEqual([['rule-y', false], ['rule-x', true]]);
    expect(build.commits[1]?.subject).toBe('fix(rule-x): add X to a.txt [follow-up]');
  });

  it('fingerprints the fixes, not the line numbers: an unrelated change on the base leaves them equal', async () => {
    const repo = syntheticRepo();
    const first = await planBranch({ repo, rootRel: '', base: git(repo, 'rev-parse', 'HEAD'), selection: select(rules, false), identities: ids });
    writeFileSync(path.join(repo, 'c.txt'), 'unrelated\n');
    writeFileSync(path.join(repo, 'a.txt'), 'zero\na\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'unrelated');
    const second = await planBranch({ repo, rootRel: '', base: git(repo, 'rev-parse', 'HEAD'), selection: select(rules, false), identities: ids });
    expect(second.fresh.setFingerprint).toBe(first.fresh.setFingerprint);
    expect(second.fresh.findingsFingerprint).toBe(first.fresh.findingsFingerprint);
  });

  it('always removes its worktree, also when the work fails', async () => {
    const repo = syntheticRepo();
    let seen = '';
    await expect(
      withWorktree(repo, 'HEAD', async (dir) => {
        seen = dir;
        expect(existsSync(path.join(dir, 'a.txt'))).toBe(true);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(existsSync(seen)).toBe(false);
    expect(git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '))).toEqual([`worktree ${repo}`]);
  });
});

describe('the built binary', () => {
  // A real process, end to end: `node bin/autopack-fix.js` on the built dist/, as a user runs it.
  it('runs --write --branch on a copy of the demo: one commit per rule, checkout clean and on its branch', () => {
    const repo = demoRepo();
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    const r = spawnSync(process.execPath, [BIN, repo, '--write', '--branch'], { cwd: repo, env, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const subjects = git(repo, 'log', '--reverse', '--format=%s', 'main..autopack-fix/fixes').split('\n');
    expect(subjects.length).toBeGreaterThanOrEqual(5);
    expect(new Set(subjects.map((s) => /^fix\(([a-z0-9-]+)\)/.exec(s)?.[1])).size).toBe(subjects.length);
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(git(repo, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(treeDifferences(readTree(repo), readTree(DEMO))).toEqual([]);
  });

  it('ends on a SIGTERM that arrives as the worktree is cleaned up: no branch, no exit 0 (issue 18, item 8)', () => {
    const repo = demoRepo();
    // The seam raises the signal right after the worktree's cleanup, where the listener used to
    // be removed before it could run.
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', AUTOPACK_FIX_TEST_SIGNAL_AT_CLEANUP: 'SIGTERM' };
    const r = spawnSync(process.execPath, [BIN, repo, '--write', '--branch'], { cwd: repo, env, encoding: 'utf8' });
    expect(r.signal ?? r.status).toBe(r.signal ? 'SIGTERM' : 143);
    expect(git(repo, 'branch', '--list', 'autopack-fix/fixes')).toBe('');
    expect(git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '))).toEqual([`worktree ${repo}`]);
  });
});
