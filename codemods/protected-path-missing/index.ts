import type { Fix, RawFinding, TextEdit } from '../../src/model/types.js';
import type { Rule, RuleContext } from '../../src/model/rule.js';
import { analyzePythonTree, declareTreeInterest, type PyStringCollection } from '../../src/formats/python-tree.js';
import type { PathHistory } from '../../src/workspace/history.js';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { guardsPaths, mayBindGuardList, missingGuardEntries, NOT_THIS_REPOSITORY, type PathEntry } from './detect.js';
import { prefiltersEnabled } from '../../src/util/prefilter.js';

/** The look the rule took before its prefilter (mayBindGuardList): kept for runs without prefilters, which compare the two. */
const LOOSE_GUARD_WORD = /[A-Z_]*(PROTECT|ALLOW|REQUIRE|CONFIG|CRITICAL|GUARD|WATCH|LOCK|READONLY|IMMUTABLE|FORBID|RESTRICT|SENSITIVE)/i;

/**
 * The modules whose tree the rule asks for: the test `check` makes first. Kept with the text, as
 * a parse is: the shared pass asks it again of every module it reads.
 */
function asksAbout(file: SourceFile): boolean {
  if (NOT_THIS_REPOSITORY.test(file.path)) return false;
  return prefiltersEnabled() ? file.parse('protected-path-missing: may bind a guard list', (f) => mayBindGuardList(f.text)) : LOOSE_GUARD_WORD.test(file.text);
}

declareTreeInterest('protected-path-missing', asksAbout);

/**
 * Seed 2.10: a guard list in code (`PROTECTED_PATHS`, `ALLOWED_PATHS`, `REQUIRED_CONFIG_FILES`)
 * names repository paths that do not exist, so the guard protects, allows or requires nothing
 * there. Seed 1.12 when the missing entry is a folder (a default root of another layout:
 * `src/backend/`).
 */
export const rule: Rule = {
  meta: {
    id: 'protected-path-missing',
    seedIds: ['2.10', '1.12'],
    summary: 'A guard list in Python (PROTECTED_PATHS, ALLOWED_PATHS, REQUIRED_* …) names repository paths that do not exist → repoint to the git-recorded rename or remove the entry (review).',
    defaultSeverity: 'warning',
    fixable: 'review',
    messages: {
      missing: '`{{list}}` names {{what}} `{{path}}`, which does not exist in this repository (other entries of the list do){{tail}}',
    },
  },
  async check(ctx) {
    const findings: RawFinding[] = [];
    for (const p of ctx.workspace.paths) {
      if (!p.endsWith('.py')) continue;
      const probe = ctx.workspace.probe(p);
      if (!probe || !asksAbout(probe)) continue;
      const file = ctx.workspace.read(p);
      if (!file) continue;
      const tree = await analyzePythonTree(file);
      for (const c of tree.collections) {
        if (!guardsPaths(c.name)) continue;
        findings.push(...(await judgeList(ctx, p, file.text, c)));
      }
    }
    return findings;
  },
};

async function judgeList(ctx: RuleContext, p: string, text: string, c: PyStringCollection): Promise<RawFinding[]> {
  // No entry exists: the list may speak of another root (an install prefix, a target project).
  const missing = missingGuardEntries(ctx.workspace, c);
  if (!missing.length) return [];
  const history = await ctx.workspace.gitHistory();
  const answers = await history.lookup(missing.map((e) => ({ path: e.path, dir: e.dir })));
  const list = c.className ? `${c.className}.${c.name}` : c.name;
  return missing.map((e) => {
    const h = answers.get(e.path);
    const successor = h?.status === 'renamed' ? h.successor : undefined;
    const fix = successor ? repoint(p, e, successor) : remove(p, text, c, e);
    const tail = successor ? `; git history renamed it to \`${successor}\`` : historyNote(h) + '; without the entry the list says what it guards today';
    return {
      file: p,
      offset: e.element.start,
      key: `${p}:${list}:${e.path}`,
      messageId: 'missing',
      data: { list, what: e.dir ? 'folder' : 'file', path: e.path + (e.dir ? '/' : ''), tail },
      seedIds: e.dir ? ['1.12', '2.10'] : ['2.10'],
      fix,
    };
  });
}

function historyNote(h: PathHistory | undefined): string {
  if (h?.status === 'deleted') return ` (deleted in ${h.commit.short}, ${h.commit.date})`;
  if (h?.status === 'never') return ' (it never existed in git history)';
  return '';
}

/** The rename, in the entry's own spelling (`./`, trailing slash, quotes). */
function repoint(p: string, e: PathEntry, successor: string): Fix {
  const s = e.element.string;
  const value = s?.value ?? '';
  const replacement = (value.startsWith('./') ? './' : '') + successor + (e.dir ? '/' : '');
  return {
    // The list guards what it meant to guard again; whether the new place should be guarded the same is the author's call.
    safety: 'review',
    description: `point \`${value}\` at \`${replacement}\`, where git history moved it`,
    edits: [{ file: p, start: (s?.contentStart ?? e.element.start), end: (s?.contentEnd ?? e.element.end), text: replacement }],
  };
}

/** The entry and its comma (or the comma before it, for the last one); a lone entry on its line takes the line. */
function remove(p: string, text: string, c: PyStringCollection, e: PathEntry): Fix | null {
  const index = c.elements.indexOf(e.element);
  const edits: TextEdit[] = [];
  const el = e.element;
  if (el.commaAfter !== undefined) {
    const lineStart = text.lastIndexOf('\n', el.start - 1) + 1;
    const nl = text.indexOf('\n', el.commaAfter);
    const lineEnd = nl < 0 ? text.length : nl + 1;
    // One entry per line: the whole line goes (a comment after the comma stays with its entry).
    const alone = text.slice(lineStart, el.start).trim() === '' && /^\s*(#.*)?\r?\n?$/.test(text.slice(el.commaAfter + 1, lineEnd));
    edits.push(alone ? { file: p, start: lineStart, end: lineEnd, text: '' } : { file: p, start: el.start, end: /^ /.test(text.slice(el.commaAfter + 1)) ? el.commaAfter + 2 : el.commaAfter + 1, text: '' });
  } else if (index > 0) {
    const prev = c.elements[index - 1];
    if (prev?.commaAfter === undefined) return null;
    edits.push({ file: p, start: prev.commaAfter, end: el.end, text: '' });
  } else {
    edits.push({ file: p, start: el.start, end: el.end, text: '' });
  }
  return {
    // Guarding less is a decision: the path may be about to be created, or named by a policy.
    safety: 'review',
    description: `remove \`${e.path}${e.dir ? '/' : ''}\` from the list`,
    edits,
  };
}

