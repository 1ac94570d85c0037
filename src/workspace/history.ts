/**
 * What git history says became of repository paths that no longer exist: renamed (followed
 * through chains to a path that exists today), deleted, never there, or unknown.
 *
 * Rules never run git: the workspace owns one provider per run (`Workspace.gitHistory()`), and
 * rules ask it for a batch of paths. Cost is bounded by how git is asked:
 *
 * - which commits removed a path: `git log --no-renames --diff-filter=D`. With a few paths it
 *   is limited by pathspecs; with many, one walk without pathspecs is cheaper (pathspec
 *   matching grows with their number: 500 paths take ten times the full walk on a 15,000-commit
 *   repository), and the walk is kept as an index for every later question;
 * - what those commits renamed: `git diff-tree -M` on just those commits, without pathspecs so
 *   that rename detection sees both sides.
 */
import { git, gitBytes, gitSync, type GitResult } from '../util/git.js';

export interface HistoryCommit {
  sha: string;
  /** The abbreviation git prints for it. */
  short: string;
  /** Committer date, YYYY-MM-DD. */
  date: string;
}

export interface RenameStep {
  from: string;
  to: string;
  commit: HistoryCommit;
}

export type PathHistory =
  | {
      status: 'renamed';
      /** At least one; `to` of the last step is the successor when there is one. */
      steps: RenameStep[];
      /** The path it is today (exists in the work tree), when the chain reaches one. */
      successor: string | undefined;
      /** The chain ended in a plain deletion of its last path. */
      deleted?: HistoryCommit;
      /** The chain could not be followed further, and why. */
      lost?: string;
    }
  | { status: 'deleted'; commit: HistoryCommit }
  | { status: 'never' }
  | { status: 'unknown'; reason: string };

/** One version of a file that git history records: what a commit left at that path. */
export interface FileVersion {
  /** Root-relative path. */
  path: string;
  commit: HistoryCommit;
  /**
   * The text the commit left; undefined when the commit deleted the file, or the blob is too
   * large or absent from the repository.
   */
  text: string | undefined;
}

export type VersionsAnswer =
  | {
      status: 'known';
      /** Newest first (committer time), one per commit and path. */
      versions: FileVersion[];
      /** Why older versions may be missing (a shallow clone, the version cap), when they may. */
      incomplete?: string;
    }
  | { status: 'unknown'; reason: string };

export interface HistoryQuery {
  /** Repo path relative to the workspace root, `/`-separated, no trailing slash. */
  path: string;
  dir: boolean;
}

/** Whether a root-relative path exists today (a file, or a directory holding files). */
export type ExistsToday = (p: string, dir: boolean) => boolean;

interface Deletion {
  commit: HistoryCommit;
  /** Committer time, to order deletions of different paths. */
  time: number;
}

interface Renames {
  /** Top-relative source path → top-relative destination. */
  map: Map<string, string>;
  /** Why renames of this commit cannot be trusted (rename detection skipped, git failed). */
  problem?: string;
}

/** Few enough paths for one pathspec-limited walk to beat the full walk. */
const PATHSPEC_MAX = 4;
/** Pathspec-limited walks before the full index is cheaper overall. */
const PATHSPEC_WALKS_MAX = 2;
/** Renames followed from one path before giving up (a→b→…). */
const CHAIN_MAX = 16;
/**
 * Rename detection compares every removed file with every added one; above this many on one
 * side git skips the inexact part and says so (the commit's renames are then not trusted).
 */
const RENAME_LIMIT = 4000;
/**
 * The full walk of removals is read ahead only in a history of at most this many commits: it
 * grows with every commit (0.8 s of git for DefectDojo's 15,000), and read ahead it may not be
 * needed. A longer history is walked as before, only when a rule asks.
 */
const AHEAD_COMMITS_MAX = 20000;
/** Versions read for one question at most (the newest). */
const VERSIONS_MAX = 200;
/** A version larger than this is not read (its text is undefined). */
const VERSION_BYTES_MAX = 1024 * 1024;
/** The empty blob: every empty file is "the same", so its renames say nothing. */
const EMPTY_BLOBS = new Set(['e69de29bb2d1d6434b8b29ae775ad8c2e48c5391', '473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813']);

// Never block on a lock, never write the index, never fetch a missing object over the network
// (git ≥ 2.44 honours the last one; partial clones are not read at all, see `open`).
const ENV = { GIT_OPTIONAL_LOCKS: '0', GIT_NO_LAZY_FETCH: '1', GIT_LITERAL_PATHSPECS: '1' };
// User configuration that would change what these commands print.
const CONFIG = ['-c', 'log.showSignature=false', '-c', 'diff.relative=false', '-c', 'core.quotePath=false', '-c', 'log.follow=false'];

export class GitHistory {
  private readonly answers = new Map<string, Promise<PathHistory>>();
  private readonly deletions = new Map<string, Deletion[]>();
  /** Root-relative pathspecs whose deletions are all in `deletions` ('' after the full walk). */
  private readonly covered = new Set<string>();
  private full: Promise<string | undefined> | undefined;
  private pathspecWalks = 0;
  private readonly renames = new Map<string, Promise<Renames>>();
  private headPaths: Promise<Set<string> | undefined> | undefined;
  private readonly versionAnswers = new Map<string, Promise<VersionsAnswer>>();
  /**
   * The full walk read ahead of the rules (`readAhead`): true once its removals are in
   * `deletions`; false when it could not be read or was stopped, and lookups walk as if
   * nothing had been read ahead.
   */
  private deletionsAhead: Promise<boolean> | undefined;
  /** Ends what was read ahead and is still running (`stopReadAhead`). */
  private readonly ahead = new AbortController();
  /**
   * What rules derive from the history (past versions of a file, parsed), by a key the rule
   * declares: one history per run, shared by every view, so it is derived once per run.
   */
  readonly derived = new Map<object, unknown>();

  private constructor(
    private readonly root: string,
    /** Why nothing can be learnt from history (undefined when it can). */
    private readonly unavailable: string | undefined,
    /** The workspace root relative to the repository top, with a trailing slash ('' at the top). */
    private readonly prefix: string,
    private readonly shallow: boolean,
    private readonly exists: ExistsToday,
  ) {}

  /** A provider that answers `unknown` with this reason for every path. */
  static unavailable(reason: string): GitHistory {
    return new GitHistory('', reason, '', false, () => false);
  }

  /**
   * `readAhead`: also start the walk of every removal (see `readAhead`) with the questions, not
   * after their answers: a rule asks while it parses, and the main thread may not turn the event
   * loop until it has parsed every doc.
   */
  static async open(root: string, exists: ExistsToday, options: { readAhead?: boolean } = {}): Promise<GitHistory> {
    // A partial clone fetches the objects it lacks on demand, and a lint must not go to the
    // network (GIT_NO_LAZY_FETCH needs git 2.44): its history is not read at all. Reading the
    // configuration fetches nothing. Before a walk read ahead, it is asked at once, on this
    // thread: no walk starts before the answer.
    const asked = options.readAhead ? gitSync(root, PARTIAL_CLONE, { env: ENV }) : undefined;
    const ahead = asked && !isPartialClone(asked) ? new AheadWalk(root, AHEAD_COMMITS_MAX, true) : undefined;
    // The other question at once: each is a git process, and a rule waits for the answer (asked
    // one after the other they were 35–65 ms of a 2,000-file run). The answers are judged in order.
    const [info, partial] = await Promise.all([
      // The shallow flag and the root's prefix, then HEAD's commit: exit 1 (after the first two)
      // when there is none, 128 outside a repository.
      git(root, ['rev-parse', '--is-shallow-repository', '--show-prefix', '--verify', '-q', 'HEAD^{commit}'], { env: ENV }),
      asked ?? git(root, PARTIAL_CLONE, { env: ENV }),
    ]);
    const [shallow = '', prefix = '', head = ''] = info.stdout.split('\n');
    const why =
      info.code === 127
        ? 'git is not available'
        : info.code !== 0 && !(info.code === 1 && /^(true|false)$/.test(shallow.trim()))
          ? 'not a git repository'
          : info.code !== 0 || !head.trim()
            ? 'the repository has no commit yet'
            : isPartialClone(partial)
              ? 'a partial clone: reading its history could fetch objects over the network'
              : undefined;
    if (why !== undefined) {
      ahead?.stop();
      return GitHistory.unavailable(why);
    }
    const history = new GitHistory(root, undefined, prefix.trim(), shallow.trim() === 'true', exists);
    if (ahead) history.adopt(ahead);
    return history;
  }

  /** What became of each path (keyed `path` for a file, `path/` for a directory). */
  async lookup(queries: readonly HistoryQuery[]): Promise<Map<string, PathHistory>> {
    const out = new Map<string, PathHistory>();
    if (this.unavailable !== undefined) {
      for (const q of queries) out.set(historyKey(q), { status: 'unknown', reason: this.unavailable });
      return out;
    }
    const fresh = queries.filter((q) => !this.answers.has(historyKey(q)));
    // Every fresh path is first looked up in HEAD's listing: git lists it while it walks.
    if (fresh.length > 0) void this.head();
    // One walk (or a few pathspec walks) for the whole batch, then one diff-tree for every
    // commit that removed one of the paths; chains ask again only for their later links.
    try {
      await this.ensureDeletions(fresh.map((q) => q.path));
    } catch (error) {
      for (const q of queries) out.set(historyKey(q), { status: 'unknown', reason: `git failed: ${error instanceof Error ? error.message : String(error)}` });
      return out;
    }
    const commits = new Set<string>();
    for (const q of fresh) for (const d of this.deletionsOf(q.path, q.dir)) commits.add(d.commit.sha);
    await this.ensureRenames([...commits]);
    for (const q of queries) {
      const key = historyKey(q);
      let answer = this.answers.get(key);
      if (!answer) {
        answer = this.resolve(q.path, q.dir, new Set()).catch((error: unknown) => ({ status: 'unknown' as const, reason: `git failed: ${error instanceof Error ? error.message : String(error)}` }));
        this.answers.set(key, answer);
      }
      out.set(key, await answer);
    }
    return out;
  }

  /**
   * Every version of the files at `paths` (root-relative) that history records, newest first:
   * what each commit that added, changed or deleted one of them left there. Side branches
   * count (`--full-history`: a file created and deleted on a branch that was merged is pruned
   * from the default walk), merges do not (they only repeat a parent's version). Two git runs
   * whatever the number of versions: one `git log --name-status` for the commits, one
   * `git cat-file --batch` for the texts. At most the newest `max` commits (default 200).
   */
  async versions(paths: readonly string[], options: { max?: number } = {}): Promise<VersionsAnswer> {
    if (this.unavailable !== undefined) return { status: 'unknown', reason: this.unavailable };
    const max = Math.max(1, options.max ?? VERSIONS_MAX);
    const key = `${max}\0${[...new Set(paths)].sort().join('\0')}`;
    let answer = this.versionAnswers.get(key);
    if (!answer) {
      answer = this.readVersions([...new Set(paths)], max).catch((error: unknown) => ({ status: 'unknown' as const, reason: `git failed: ${error instanceof Error ? error.message : String(error)}` }));
      this.versionAnswers.set(key, answer);
    }
    return answer;
  }

  /**
   * Start the walk of every removal, without waiting: a rule found paths missing and will look
   * them up once it has read its files. A lookup then waits for this walk rather than walk
   * itself; its answers are what its own walks would give. A walk that fails, is stopped, or
   * is of a history over `maxCommits` commits is not kept, and lookups walk as before.
   */
  readAhead(maxCommits = AHEAD_COMMITS_MAX): void {
    if (this.unavailable !== undefined || this.ahead.signal.aborted || this.deletionsAhead) return;
    this.adopt(new AheadWalk(this.root, maxCommits, this.headPaths === undefined));
  }

  /** End what is read ahead and still running: the rules that would have asked have run. */
  stopReadAhead(): void {
    this.ahead.abort();
  }

  private adopt(walk: AheadWalk): void {
    if (this.deletionsAhead) return walk.stop();
    if (this.ahead.signal.aborted) walk.stop();
    else this.ahead.signal.addEventListener('abort', () => walk.stop(), { once: true });
    if (walk.head) this.headPaths ??= walk.head.then(headListing);
    this.deletionsAhead = walk.kept().then((out) => {
      if (out === undefined) return false;
      this.index(out);
      this.covered.add('');
      this.full ??= Promise.resolve(undefined);
      return true;
    });
  }

  private async readVersions(paths: string[], max: number): Promise<VersionsAnswer> {
    if (paths.length === 0) return { status: 'known', versions: [] };
    // Pathspecs are read from the root (the working directory); git prints paths from the top.
    const args = [...CONFIG, 'log', '--full-history', '--no-merges', '--no-renames', '--name-status', '-z', '--no-color', '--date-order', `--max-count=${max + 1}`, '--format=%x01%H %h %ct %cs', '--', ...paths];
    const r = await git(this.root, args, { env: ENV });
    if (r.code !== 0) return { status: 'unknown', reason: `git failed: ${r.stderr.trim().split('\n')[0] || `git log exited with ${r.code}`}` };
    const found: Array<{ path: string; top: string; commit: HistoryCommit; time: number; deleted: boolean }> = [];
    const tokens = r.stdout.split('\0');
    let current: { commit: HistoryCommit; time: number } | undefined;
    let commits = 0;
    for (let i = 0; i < tokens.length; i++) {
      let token = tokens[i] as string;
      if (token.startsWith('\n')) token = token.slice(1);
      if (token.startsWith('\x01')) {
        const [sha = '', short = '', time = '0', date = ''] = token.slice(1).split(' ');
        current = { commit: { sha, short, date }, time: Number(time) };
        commits++;
        continue;
      }
      // A status letter (A, M, D, T), then the path.
      if (!/^[A-Z]$/.test(token) || !current) continue;
      const top = tokens[++i] ?? '';
      const local = this.local(top);
      if (commits > max || local === undefined || !paths.includes(local)) continue;
      found.push({ path: local, top, commit: current.commit, time: current.time, deleted: token === 'D' });
    }
    const kept = found.filter((f) => !f.deleted);
    const texts = await this.blobTexts(kept.map((f) => `${f.commit.sha}:${f.top}`));
    const versions = found
      .map((f, order) => ({ f, order }))
      .sort((a, b) => b.f.time - a.f.time || a.order - b.order)
      .map(({ f }): FileVersion => ({ path: f.path, commit: f.commit, text: f.deleted ? undefined : texts.get(`${f.commit.sha}:${f.top}`) }));
    const incomplete = commits > max ? `only the newest ${max} commits that changed ${paths.join(', ')} were read` : this.shallow ? 'a shallow clone: the history before its first commit is missing' : undefined;
    return incomplete ? { status: 'known', versions, incomplete } : { status: 'known', versions };
  }

  /**
   * The texts of blobs named `<commit>:<top-relative path>`, read with one `git cat-file
   * --batch`; large, absent and non-file ones (a symbolic link, a submodule) are left out.
   */
  private async blobTexts(names: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (names.length === 0) return out;
    const r = await gitBytes(this.root, ['cat-file', '--batch'], { env: ENV, input: `${names.join('\n')}\n` });
    if (r.code !== 0) throw new Error(r.stderr.trim().split('\n')[0] || `git cat-file exited with ${r.code}`);
    const buf = r.stdout;
    let at = 0;
    // One header per name, in order: `<oid> <type> <size>`, then the content and a newline;
    // `<name> missing` (or `ambiguous`) for one that names nothing.
    for (const name of names) {
      const nl = buf.indexOf(0x0a, at);
      if (nl === -1) break;
      const header = buf.subarray(at, nl).toString('utf8');
      at = nl + 1;
      const m = /^[0-9a-f]+ (\S+) (\d+)$/.exec(header);
      if (!m) continue;
      const bytes = Number(m[2]);
      if (m[1] === 'blob' && bytes <= VERSION_BYTES_MAX) out.set(name, buf.subarray(at, at + bytes).toString('utf8'));
      at += bytes + 1;
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------

  private async resolve(p: string, dir: boolean, seen: Set<string>): Promise<PathHistory> {
    const head = await this.head();
    if (head === undefined) return { status: 'unknown', reason: 'git could not list HEAD' };
    const top = this.prefix + p;
    if (dir ? [...head].some((h) => h.startsWith(`${top}/`)) : head.has(top)) return { status: 'unknown', reason: 'it is in HEAD; only the work tree lacks it' };
    await this.ensureDeletions([p]);
    return dir ? this.resolveDir(p, seen) : this.resolveFile(p, seen);
  }

  private async resolveFile(p: string, seen: Set<string>): Promise<PathHistory> {
    const dels = this.deletionsOf(p, false);
    const latest = dels[0];
    if (!latest) return this.nothingFound();
    await this.ensureRenames(dels.map((d) => d.commit.sha));
    const outcome = await this.fileOutcome(p, latest);
    if (typeof outcome === 'object' && 'unknown' in outcome) return { status: 'unknown', reason: outcome.unknown };
    // The same path removed on branches that never saw each other's removal, in different
    // ways: git cannot say which one the reader's path went through.
    if (dels.length > 1) {
      const concurrent = await this.concurrentWith(latest, dels.slice(1));
      for (const other of concurrent) {
        const o = await this.fileOutcome(p, other);
        if (JSON.stringify(o) !== JSON.stringify(outcome)) {
          return { status: 'unknown', reason: `it was removed differently on parallel branches (${latest.commit.short}, ${other.commit.short})` };
        }
      }
    }
    if (outcome === undefined) return { status: 'deleted', commit: latest.commit };
    return this.follow({ from: p, to: outcome.to, commit: latest.commit }, false, seen);
  }

  /** What one removal of a file did: renamed it (to a root-relative path), or deleted it. */
  private async fileOutcome(p: string, del: Deletion): Promise<{ to: string } | { unknown: string } | undefined> {
    const r = await this.renamesOf(del.commit.sha);
    if (r.problem) return { unknown: r.problem };
    const to = r.map.get(this.prefix + p);
    if (to === undefined) return undefined;
    const local = this.local(to);
    return local === undefined ? { unknown: `it was moved out of the folder being checked (to \`${to}\` in ${del.commit.short})` } : { to: local };
  }

  private async resolveDir(p: string, seen: Set<string>): Promise<PathHistory> {
    const dels = this.deletionsOf(p, true);
    if (dels.length === 0) return this.nothingFound();
    // The directory disappeared with the newest removal of a file under it: what that commit
    // did with its files decides where the directory went.
    const last = dels[0] as Deletion;
    const files = this.filesRemovedBy(p, last.commit.sha);
    await this.ensureRenames([last.commit.sha]);
    const r = await this.renamesOf(last.commit.sha);
    if (r.problem) return { status: 'unknown', reason: r.problem };
    const homes = new Set<string>();
    let deleted = 0;
    for (const f of files) {
      const to = r.map.get(this.prefix + f);
      if (to === undefined) {
        deleted++;
        continue;
      }
      const rel = f.slice(p.length + 1);
      const local = this.local(to);
      homes.add(local !== undefined && local.endsWith(`/${rel}`) ? local.slice(0, -(rel.length + 1)) : '\0');
    }
    if (deleted === files.length) return { status: 'deleted', commit: last.commit };
    const home = homes.size === 1 && deleted === 0 ? [...homes][0] : undefined;
    if (home === undefined || home === '\0') return { status: 'unknown', reason: `its files went to different places in ${last.commit.short}` };
    return this.follow({ from: p, to: home, commit: last.commit }, true, seen);
  }

  /** A rename step, then whatever became of its destination. */
  private async follow(step: RenameStep, dir: boolean, seen: Set<string>): Promise<PathHistory> {
    const { to } = step;
    if (this.exists(to, dir)) return { status: 'renamed', steps: [step], successor: to };
    seen.add(step.from);
    if (seen.has(to) || seen.size >= CHAIN_MAX) return { status: 'renamed', steps: [step], successor: undefined, lost: `the renames of \`${step.from}\` go round in circles` };
    const next = await this.resolve(to, dir, seen);
    switch (next.status) {
      case 'renamed':
        return { ...next, steps: [step, ...next.steps] };
      case 'deleted':
        return { status: 'renamed', steps: [step], successor: undefined, deleted: next.commit };
      case 'never':
        return { status: 'renamed', steps: [step], successor: undefined, lost: `git has no record of what became of \`${to}\`` };
      case 'unknown':
        return { status: 'renamed', steps: [step], successor: undefined, lost: next.reason };
    }
  }

  private nothingFound(): PathHistory {
    return this.shallow ? { status: 'unknown', reason: 'a shallow clone: the history before its first commit is missing' } : { status: 'never' };
  }

  // -------------------------------------------------------------------------------------------
  // Which commits removed which paths

  /**
   * Removals of a file, or of the files under a directory; newest first (a directory's by
   * committer time, then commit id). Not in the order the index met them: which walks filled
   * it, and in which order they ended, depends on the questions asked before and on the walk
   * read ahead, and the answer must not.
   */
  private deletionsOf(p: string, dir: boolean): Deletion[] {
    const top = this.prefix + p;
    if (!dir) return this.deletions.get(top) ?? [];
    const out: Deletion[] = [];
    const seen = new Set<string>();
    for (const [path, list] of this.deletions) {
      if (!path.startsWith(`${top}/`)) continue;
      for (const d of list) {
        if (seen.has(d.commit.sha)) continue;
        seen.add(d.commit.sha);
        out.push(d);
      }
    }
    return out.sort((a, b) => b.time - a.time || (a.commit.sha < b.commit.sha ? -1 : a.commit.sha > b.commit.sha ? 1 : 0));
  }

  /** Root-relative files under `dir` that `sha` removed, sorted. */
  private filesRemovedBy(dir: string, sha: string): string[] {
    const top = `${this.prefix}${dir}/`;
    const out: string[] = [];
    for (const [path, list] of this.deletions) if (path.startsWith(top) && list.some((d) => d.commit.sha === sha)) out.push(path.slice(this.prefix.length));
    return out.sort();
  }

  private isCovered(p: string): boolean {
    if (this.covered.has('')) return true;
    for (let s = p; ; s = s.slice(0, s.lastIndexOf('/'))) {
      if (this.covered.has(s)) return true;
      if (!s.includes('/')) return false;
    }
  }

  private async ensureDeletions(paths: readonly string[]): Promise<void> {
    // The walk read ahead holds every removal: wait for it rather than walk beside it.
    if (this.deletionsAhead) await this.deletionsAhead;
    const missing = [...new Set(paths.filter((p) => !this.isCovered(p)))];
    if (missing.length === 0) return;
    if (!this.full && missing.length <= PATHSPEC_MAX && this.pathspecWalks < PATHSPEC_WALKS_MAX) {
      this.pathspecWalks++;
      const error = await this.walk(missing);
      if (error) throw new Error(error);
      for (const p of missing) this.covered.add(p);
      return;
    }
    this.full ??= this.walk(undefined).then((error) => {
      if (!error) this.covered.add('');
      return error;
    });
    const error = await this.full;
    if (error) throw new Error(error);
  }

  /** One `git log` over the removals of `pathspecs` (all removals when undefined). */
  private async walk(pathspecs: string[] | undefined): Promise<string | undefined> {
    const r = await git(this.root, walkArgs(pathspecs), { env: ENV });
    if (r.code !== 0) return r.stderr.trim().split('\n')[0] || `git log exited with ${r.code}`;
    this.index(r.stdout);
    return undefined;
  }

  /** Put a walk's removals in the index. */
  private index(out: string): void {
    let current: Deletion | undefined;
    for (let token of out.split('\0')) {
      if (token.startsWith('\n')) token = token.slice(1);
      if (token.startsWith('\x01')) {
        const [sha = '', short = '', time = '0', date = ''] = token.slice(1).split(' ');
        current = { commit: { sha, short, date }, time: Number(time) };
        continue;
      }
      if (!token || !current) continue;
      const list = this.deletions.get(token) ?? [];
      if (!list.some((d) => d.commit.sha === current!.commit.sha)) list.push(current);
      this.deletions.set(token, list);
    }
  }

  /**
   * The removals in `others` that `latest` does not descend from (made on a branch that never
   * saw `latest`'s): only their outcome can contradict it. One `merge-base --independent`.
   */
  private async concurrentWith(latest: Deletion, others: Deletion[]): Promise<Deletion[]> {
    const shas = [...new Set(others.map((o) => o.commit.sha))].filter((s) => s !== latest.commit.sha);
    if (shas.length === 0) return [];
    const r = await git(this.root, ['merge-base', '--independent', latest.commit.sha, ...shas], { env: ENV });
    if (r.code !== 0) throw new Error(r.stderr.trim().split('\n')[0] || 'git merge-base failed');
    const independent = new Set(r.stdout.split('\n').map((s) => s.trim()).filter(Boolean));
    return others.filter((o) => o.commit.sha !== latest.commit.sha && independent.has(o.commit.sha));
  }

  // -------------------------------------------------------------------------------------------
  // What a commit renamed

  private renamesOf(sha: string): Promise<Renames> {
    return this.renames.get(sha) ?? this.ensureRenames([sha]).then(() => this.renames.get(sha) as Promise<Renames>);
  }

  private async ensureRenames(shas: readonly string[]): Promise<void> {
    const todo = [...new Set(shas)].filter((s) => !this.renames.has(s));
    if (todo.length === 0) return;
    const batch = this.diffTree(todo);
    for (const sha of todo) this.renames.set(sha, batch.then((m) => m.get(sha) ?? { map: new Map(), problem: `git could not read the changes of ${sha.slice(0, 12)}` }));
    await batch;
  }

  /**
   * Renames of each commit, against its first parent, with git's rename detection. When git
   * warns that it skipped detection (too many files) or fails, the commits are asked one by
   * one so that only the ones concerned are distrusted.
   */
  private async diffTree(shas: string[]): Promise<Map<string, Renames>> {
    const r = await git(this.root, [...CONFIG, 'diff-tree', '--stdin', '-r', '-M', `-l${RENAME_LIMIT}`, '--raw', '-z', '--no-abbrev', '--no-color'], { env: ENV, input: `${shas.join('\n')}\n` });
    const skipped = /rename detection was skipped|renameLimit/i.test(r.stderr);
    if ((r.code !== 0 || skipped) && shas.length > 1) {
      const out = new Map<string, Renames>();
      for (const sha of shas) for (const [k, v] of await this.diffTree([sha])) out.set(k, v);
      return out;
    }
    const out = parseDiffTree(r.stdout);
    if (r.code !== 0 || skipped) {
      const sha = shas[0] as string;
      const short = sha.slice(0, 12);
      out.set(sha, { map: new Map(), problem: r.code !== 0 ? `git could not read the changes of ${short} (${r.stderr.trim().split('\n')[0] ?? ''})` : `git skipped rename detection in ${short} (too many files)` });
    }
    return out;
  }

  private head(): Promise<Set<string> | undefined> {
    this.headPaths ??= git(this.root, LS_HEAD, { env: ENV }).then(headListing);
    return this.headPaths;
  }

  /** A top-relative path as a root-relative one, or undefined when it lies outside the root. */
  private local(top: string): string | undefined {
    return top.startsWith(this.prefix) ? top.slice(this.prefix.length) : undefined;
  }
}

/**
 * The arguments of a walk of the removals of `pathspecs`, or of every removal below the working
 * directory (the root): every commit that removed a matching file, children before parents.
 * `--full-history`, so that a removal on a side branch is not pruned away by history
 * simplification; `.` for the whole walk, so that it needs no answer about where the root is
 * (the same walk at the top, limited to the root's folder below it).
 */
function walkArgs(pathspecs: string[] | undefined): string[] {
  return [...CONFIG, 'log', '--no-renames', '--diff-filter=D', '--name-only', '-z', '--no-color', '--date-order', '--format=%x01%H %h %ct %cs', '--full-history', '--', ...(pathspecs ?? ['.'])];
}

const LS_HEAD = ['ls-tree', '-r', '-z', '--name-only', '--full-tree', 'HEAD'];

const PARTIAL_CLONE = ['config', '--get-regexp', '^(extensions\\.partialclone|remote\\..*\\.promisor)$'];

function isPartialClone(r: GitResult): boolean {
  return r.code === 0 && r.stdout.trim() !== '';
}

function headListing(r: GitResult): Set<string> | undefined {
  return r.code === 0 ? new Set(r.stdout.split('\0').filter(Boolean)) : undefined;
}

/**
 * The walk of every removal read ahead, and HEAD's listing every lookup asks first: their git
 * processes start at once, in the call that makes it. The commits are counted beside the walk,
 * and a walk of more than `maxCommits` is stopped.
 */
class AheadWalk {
  private readonly stopper = new AbortController();
  /** HEAD's listing, when asked for (`withHead`). */
  readonly head: Promise<GitResult> | undefined;
  private readonly walk: Promise<GitResult>;
  private readonly tooLong: Promise<boolean>;

  constructor(root: string, maxCommits: number, withHead: boolean) {
    const signal = this.stopper.signal;
    this.head = withHead ? git(root, LS_HEAD, { env: ENV }) : undefined;
    this.walk = git(root, walkArgs(undefined), { env: ENV, signal });
    this.tooLong = git(root, ['rev-list', '--count', `--max-count=${maxCommits + 1}`, 'HEAD'], { env: ENV, signal }).then((count) => {
      const long = count.code !== 0 || Number(count.stdout.trim()) > maxCommits;
      if (long) this.stopper.abort();
      return long;
    });
  }

  /** The walk's output when it ran whole on a history short enough and was not stopped. */
  async kept(): Promise<string | undefined> {
    const r = await this.walk;
    if (r.code !== 0 || (await this.tooLong) || this.stopper.signal.aborted) return undefined;
    return r.stdout;
  }

  stop(): void {
    this.stopper.abort();
  }
}

export function historyKey(q: HistoryQuery): string {
  return q.dir ? `${q.path}/` : q.path;
}

/** `git diff-tree --stdin -r -M --raw -z` output → renames per commit (empty files left out). */
export function parseDiffTree(out: string): Map<string, Renames> {
  const result = new Map<string, Renames>();
  const tokens = out.split('\0');
  let current: Renames | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(token)) {
      current = { map: new Map() };
      result.set(token, current);
      continue;
    }
    if (!token.startsWith(':')) continue;
    // `:old-mode new-mode old-oid new-oid status`, then one path, or two for R and C.
    const [, , srcOid = '', , status = ''] = token.slice(1).split(' ');
    const twoPaths = status.startsWith('R') || status.startsWith('C');
    const from = tokens[++i] ?? '';
    const to = twoPaths ? (tokens[++i] ?? '') : undefined;
    if (current && status.startsWith('R') && to !== undefined && !EMPTY_BLOBS.has(srcOid)) current.map.set(from, to);
  }
  return result;
}
