/**
 * Where a missing path went: git history (renames followed to today, deletions), the same path
 * in other letter case, the other spelling of its extension, files of the same name, a path
 * written from the wrong folder; and the words of a finding that says so. Shared by the docs
 * rules and env-example-missing, which all fix stale references.
 */
import path from 'node:path/posix';
import type { Workspace } from '../../workspace/workspace.js';
import { historyKey, type HistoryCommit, type HistoryQuery, type PathHistory, type RenameStep } from '../../workspace/history.js';
import { factSlot } from '../facts.js';
import { docGlobMatcher } from './doc-files.js';
import type { DocsOptions } from './options.js';
import { isGitIgnored, joinRepo } from './paths.js';

const nameIndexCache = factSlot<{ files: Map<string, string[]>; dirs: Map<string, string[]> }>('paths by name');

function nameIndex(ws: Workspace): { files: Map<string, string[]>; dirs: Map<string, string[]> } {
  let idx = nameIndexCache.get(ws);
  if (idx) return idx;
  idx = { files: new Map(), dirs: new Map() };
  const seenDirs = new Set<string>();
  for (const p of ws.paths) {
    const b = path.basename(p);
    const files = idx.files.get(b);
    if (files) files.push(p);
    else idx.files.set(b, [p]);
    for (let d = path.dirname(p); d !== '.' && !seenDirs.has(d); d = path.dirname(d)) {
      seenDirs.add(d);
      const db = path.basename(d);
      const dirs = idx.dirs.get(db);
      if (dirs) dirs.push(d);
      else idx.dirs.set(db, [d]);
    }
  }
  nameIndexCache.set(ws, idx);
  return idx;
}

export interface Relocation {
  /** The one path the reference must mean now, when there is one. */
  target: string | undefined;
  /**
   * How sure `target` is: `safe` when git recorded the rename (followed to a path that exists
   * today) or when only the letter case differs; `review` when it is guessed from the name.
   */
  safety: 'safe' | 'review' | undefined;
  /** Every path with the same name (after narrowing by shared parent directories). */
  candidates: string[];
  /** The only candidate, or the rename's destination, sits in an archive / ledger location: retired, not relocated. */
  archived: boolean;
  /** The evidence for `target`, or what history says became of the path (a message clause). */
  because: string;
  /** Git history says the path is gone with no successor (deleted, or renamed and then deleted). */
  gone: boolean;
}

/**
 * A reference written from the wrong folder: the path as written (at least two segments, so
 * one file name alone is no evidence) names an existing path from exactly one other base — an
 * ancestor of the folder it was resolved from, or the repository root with its leading `../`
 * dropped (`./skill-b/SKILL.md` in `skills/skill-a/` meaning `skills/skill-b/SKILL.md`;
 * `server/app/x.py` in `handbook/design/` meaning the root's `server/app/x.py`). The whole
 * path matches, not a guess from a name: the one file meant.
 */
export function writtenFromAnotherBase(ws: Workspace, base: string, written: string, dir: boolean): Relocation | undefined {
  const bare = written.replace(/^(\.\.?\/)+/, '').replace(/\/$/, '');
  if (bare.split('/').length < 2) return undefined;
  const found = new Map<string, string>();
  const consider = (from: string, rel: string): void => {
    const p = joinRepo(from, rel);
    if (p !== undefined && p !== '' && (dir ? ws.hasDir(p) : ws.has(p)) && !found.has(p)) found.set(p, from);
  };
  for (let a = base; a !== ''; ) {
    a = path.dirname(a) === '.' ? '' : path.dirname(a);
    consider(a, written);
  }
  consider('', bare);
  if (found.size !== 1) return undefined;
  const [target, from] = [...found][0] as [string, string];
  return { target, safety: 'safe', candidates: [target], archived: false, because: `the path as written exists from ${from ? `\`${from}/\`` : 'the repository root'}: it was written from the wrong folder`, gone: false };
}

/** What git history says about each path, asked in one batch (the workspace runs git, not the rule). */
export type Histories = (p: string, dir: boolean) => PathHistory;

export async function pathHistories(ws: Workspace, queries: Iterable<HistoryQuery>): Promise<Histories> {
  const unique = new Map<string, HistoryQuery>();
  for (const q of queries) unique.set(historyKey(q), q);
  const answers = unique.size ? await (await ws.gitHistory()).lookup([...unique.values()]) : new Map<string, PathHistory>();
  return (p, dir) => answers.get(historyKey({ path: p, dir })) ?? { status: 'unknown', reason: 'not looked up' };
}

/** `abc1234 (2024-05-01)`, or `abc1234, 2024-05-01` inside parentheses. */
function when(c: HistoryCommit, inParens = false): string {
  return inParens ? `${c.short}, ${c.date}` : `${c.short} (${c.date})`;
}

/** `renamed in abc1234, 2024-05-01` or `renamed to `b` in …, then to `c` in …`. */
function renameChain(steps: readonly RenameStep[], withLast: boolean, inParens: boolean): string {
  if (steps.length === 1 && !withLast) return `renamed in ${when((steps[0] as RenameStep).commit, inParens)}`;
  return `renamed ${steps.map((s, i) => `${i ? 'then ' : ''}to \`${s.to}\` in ${when(s.commit, inParens)}`).join(', ')}`;
}

/**
 * Where a missing file or directory went. Evidence, strongest first:
 *
 * 1. the same path in another letter case (`docs/readme.md` for `docs/README.md`): exactly one
 *    file is meant, whatever history says;
 * 2. git history: a rename (followed through later renames) to a path that exists today is the
 *    successor; a deletion, or a rename whose chain ends in one, means there is none, even when
 *    a file of the same name exists elsewhere (it is another file);
 * 3. with no rename record (the path never existed in history, or history cannot tell: not a
 *    repository, a shallow clone), the paths with the same basename, narrowed to those sharing
 *    the most trailing segments with the reference (`integrations/supervisor.py` prefers
 *    `scripts/integrations/supervisor.py` over `tools/supervisor.py`). A guess: `review`.
 *
 * Excluded and ledger locations never count as a namesake new home, and a rename into a ledger
 * location retires the file.
 */
export function relocate(ws: Workspace, missing: string, dir: boolean, opts: DocsOptions, history: PathHistory): Relocation {
  const kind = dir ? 'directory' : 'file';
  // The same path in another letter case: broken on case-sensitive hosts, and exactly one file
  // is meant.
  const sameLetters = dir ? [] : ws.paths.filter((p) => p !== missing && p.toLowerCase() === missing.toLowerCase());
  if (sameLetters.length === 1) return { target: sameLetters[0], safety: 'safe', candidates: sameLetters, archived: false, because: 'the same path in other letter case', gone: false };
  // Several files differing only in letter case (possible on Linux, a clash on macOS/Windows
  // checkouts): the reference cannot say which one is meant.
  if (sameLetters.length > 1) return { target: undefined, safety: undefined, candidates: sameLetters.sort(), archived: false, because: '', gone: false };
  let candidates = namesakes(ws, missing, dir, opts);
  // No file of that name: one of that name with the other spelling of its extension is as good a
  // guess (`docker-compose.yaml` for the only `docker-compose.yml`, in another folder).
  if (candidates.length === 0 && !dir) candidates = otherSpellings(missing).flatMap((p) => namesakes(ws, p, false, opts));
  if (history.status === 'renamed' && history.successor !== undefined) {
    const chain = renameChain(history.steps, false, true);
    if (docGlobMatcher(ws, opts.ledgerGlobs)(history.successor)) {
      return { target: undefined, safety: undefined, candidates: [history.successor], archived: true, because: `it was ${renameChain(history.steps, true, false)}, an archive location`, gone: true };
    }
    return { target: history.successor, safety: 'safe', candidates, archived: false, because: chain, gone: false };
  }
  // The same file with the other spelling of its extension, next to where it was meant
  // (`docker-compose.yaml` for `docker-compose.yml`): one file, which tools read either way. A
  // deletion in history then names the move to the other spelling.
  const alias = dir || history.status === 'renamed' ? undefined : extensionAlias(ws, missing);
  if (alias) return { target: alias, safety: 'safe', candidates: [alias], archived: false, because: `the same file with its extension spelled \`${path.extname(alias)}\``, gone: false };
  if (history.status === 'deleted') return { target: undefined, safety: undefined, candidates, archived: false, because: `it was deleted in ${when(history.commit)}`, gone: true };
  if (history.status === 'renamed' && history.deleted) {
    const last = history.steps[history.steps.length - 1] as RenameStep;
    return { target: undefined, safety: undefined, candidates, archived: false, because: `it was ${renameChain(history.steps, true, false)}, and \`${last.to}\` was deleted in ${when(history.deleted)}`, gone: true };
  }
  // No rename record: the name is all there is to go on.
  const why =
    history.status === 'never'
      ? 'no rename record in git history'
      : history.status === 'unknown'
        ? `no usable git history: ${history.reason}`
        : `git history loses track of it after it was ${renameChain(history.steps, true, true)}: ${history.lost ?? 'no successor'}`;
  const live = candidates.filter((c) => !docGlobMatcher(ws, opts.ledgerGlobs)(c));
  const spelled = live.length === 1 && path.posix.basename(live[0] as string) !== path.posix.basename(missing) ? ` (its extension spelled \`${path.posix.extname(live[0] as string)}\`)` : '';
  if (live.length === 1) return { target: live[0], safety: 'review', candidates, archived: false, because: `the only ${kind} of that name${spelled}; ${why}; guessed from the file name`, gone: false };
  return { target: undefined, safety: undefined, candidates, archived: live.length === 0 && candidates.length > 0, because: why, gone: false };
}

/** Extensions that name one format in two spellings. */
const EXTENSION_SPELLINGS = [['.yml', '.yaml'], ['.jpg', '.jpeg'], ['.htm', '.html'], ['.tif', '.tiff']];

/** `p` with the other spellings of its extension (`a.yaml` → `a.yml`, `a.YML`). */
function otherSpellings(p: string): string[] {
  const ext = path.posix.extname(p).toLowerCase();
  const pair = EXTENSION_SPELLINGS.find((x) => x.includes(ext));
  if (!pair) return [];
  const stem = p.slice(0, p.length - ext.length);
  return pair.filter((e) => e !== ext).flatMap((e) => [`${stem}${e}`, `${stem}${e.toUpperCase()}`]);
}

/** The one existing file that is `missing` with the other spelling of its extension, if any. */
function extensionAlias(ws: Workspace, missing: string): string | undefined {
  const found = otherSpellings(missing).filter((p) => ws.has(p));
  return found.length === 1 ? found[0] : undefined;
}

/**
 * The paths with the same basename as `missing` (files for a file, directories for a
 * directory), narrowed to those sharing the most trailing segments with it. Excluded and
 * gitignored paths are never a namesake new home.
 */
export function namesakes(ws: Workspace, missing: string, dir: boolean, opts: DocsOptions): string[] {
  const base = path.basename(missing);
  const all = ((dir ? nameIndex(ws).dirs : nameIndex(ws).files).get(base) ?? []).filter((c) => c !== missing && !docGlobMatcher(ws, opts.excludeGlobs)(c) && !isGitIgnored(ws, c, dir));
  const want = missing.split('/').reverse();
  const shared = (c: string): number => {
    const parts = c.split('/').reverse();
    let n = 0;
    while (n < want.length && parts[n] === want[n]) n++;
    return n;
  };
  const best = Math.max(0, ...all.map(shared));
  return all.filter((c) => shared(c) === best).sort();
}

/** Whether a reference that is only judged once its path moved did move (a namesake, or a rename record). */
export function seemsMoved(moved: Relocation): boolean {
  return moved.candidates.length > 0 || moved.target !== undefined;
}

const quoteList = (paths: readonly string[]): string => paths.map((c) => `\`${c}\``).join(', ');

/**
 * The end of a docs finding's message: where the path went and on what evidence, or why the
 * reference is not changed. `editable` says whether the text can be rewritten in place.
 */
export function relocationText(moved: Relocation, dir: boolean, editable: boolean): string {
  const kind = dir ? 'directory' : 'file';
  if (moved.target) {
    if (!editable) return `it must be \`${moved.target}\` (${moved.because}), but the text cannot be edited in place (not changed)`;
    return moved.safety === 'safe' ? `it is now \`${moved.target}\` (${moved.because})` : `it is probably \`${moved.target}\` (${moved.because})`;
  }
  if (moved.gone) {
    const others = moved.archived ? [] : moved.candidates;
    const namesakes = others.length === 0 ? '' : `; ${quoteList(others)} ${others.length === 1 ? 'has' : 'have'} the same name, but git records no rename to ${others.length === 1 ? 'it' : 'them'}`;
    return `${moved.because}${namesakes} (not changed)`;
  }
  if (moved.archived) return `the only ${kind} of that name is archived (${quoteList(moved.candidates)}); not changed`;
  if (moved.candidates.length > 1) return `candidates ${quoteList(moved.candidates)} (not changed)`;
  return `no ${kind} of that name in the repository (not changed)`;
}
