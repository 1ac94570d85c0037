/**
 * The repository's own drift checkers: scripts or configs with lists of forbidden patterns
 * that CI or a doc runs. Their lists quote bad values on purpose (never judged), and the files
 * they exclude are ledgers by the repository's own word. Docs facts ask both (doc-files.ts,
 * quoting.ts).
 */
import path from 'node:path/posix';
import type { Workspace } from '../../workspace/workspace.js';
import type { SourceFile } from '../../workspace/source-file.js';
import { isComposePath } from '../../formats/compose.js';
import { isMarkdownPath } from '../../formats/markdown.js';
import { factSlot } from '../facts.js';

/** A name that holds forbidden patterns in a checker (FORBIDDEN_PATTERNS, banned, deny_list …). */
const FORBIDDEN_LIST = /(forbidden|banned|disallowed|deny|denied|blocked|block|black|legacy|deprecated|stale|obsolete|bad)[_-]?\w*?(patterns?|commands?|strings?|targets?|paths?|files?|names?|list|entries|refs?|regex(es)?|rules)$/i;
/** Cheap text filter: a line that assigns such a list. */
const FORBIDDEN_ASSIGNMENT = /^[ \t]*["']?[\w-]*?(forbidden|banned|disallowed|deny|denied|block|black|legacy|deprecated|stale|obsolete|bad)[\w-]*["']?[ \t]*(:[^=\n]*)?[:=]/im;
/** A name that lists files a checker skips (EXCLUDED, ALLOWLIST, ignore_files …). */
const EXCLUSION_LIST = /^(excluded?|exclusions?|ignored?|allow(ed)?[_-]?list|whitelist|skip(ped)?|ledgers?)([_-]?(files|paths|docs))?$/i;

export interface DriftChecker {
  path: string;
  /** Strings of its forbidden-pattern lists. */
  patterns: string[];
  /** Strings of its exclusion lists (repo paths it deliberately does not check). */
  excluded: string[];
  /** For JSON/YAML checkers: spans of the strings in forbidden lists (never judged). */
  spans: Array<[number, number]>;
}

const checkerCache = factSlot<DriftChecker[]>('drift checkers');

/**
 * The repository's own drift checkers: a Python, JSON or YAML file that has a list of
 * forbidden patterns (a module-level NAME / key matching FORBIDDEN_LIST holding a list, set,
 * tuple or mapping of strings) and is referenced as a checker — its path appears in a CI
 * workflow, pre-commit config, Makefile, package.json, tox/nox file or a doc. Its pattern lists
 * quote bad values on purpose; the files it excludes are ledgers by the repository's own word.
 */
export function driftCheckers(ws: Workspace): DriftChecker[] {
  const cached = checkerCache.get(ws);
  if (cached) return cached;
  const out: DriftChecker[] = [];
  const referrers = ws.paths.filter((p) => /^\.github\/workflows\/|(^|\/)(\.pre-commit-config\.ya?ml|Makefile|package\.json|tox\.ini|noxfile\.py|\.gitlab-ci\.yml|justfile|Taskfile\.ya?ml)$/i.test(p) || isMarkdownPath(p) || /\.json$/i.test(p));
  for (const p of ws.paths) {
    if (!/\.(py|json|ya?ml)$/i.test(p) || isComposePath(p)) continue;
    // A scan: the checker's lists are read with namedStringLists, never with the format's parser.
    const file = ws.probe(p);
    if (!file || !FORBIDDEN_ASSIGNMENT.test(file.text)) continue;
    const lists = namedStringLists(file, (name) => FORBIDDEN_LIST.test(name) || EXCLUSION_LIST.test(name));
    const forbidden = lists.filter((l) => FORBIDDEN_LIST.test(l.name));
    if (forbidden.length === 0) continue;
    const base = path.basename(p);
    const referenced = referrers.some((r) => r !== p && (ws.probe(r)?.text.includes(p) || (ws.probe(r)?.text.includes(base) ?? false)));
    if (!referenced) continue;
    out.push({
      path: p,
      patterns: forbidden.flatMap((l) => l.strings.map((s) => s.value)),
      excluded: lists.filter((l) => EXCLUSION_LIST.test(l.name)).flatMap((l) => l.strings.map((s) => s.value)),
      spans: forbidden.flatMap((l) => l.strings.map((s): [number, number] => [s.start, s.end])),
    });
  }
  checkerCache.set(ws, out);
  return out;
}

interface NamedList {
  name: string;
  strings: Array<{ value: string; start: number; end: number }>;
}

/**
 * `NAME = [ ... ]` / `NAME: [...]` / `"name": [...]` at the start of a line, with the string
 * literals inside its brackets. A deliberately small reader: it is only used to recognise a
 * checker's lists, never to edit them. Only the lists whose name `wanted` takes are read (the
 * bracket matching of every list of a large JSON file was most of the docs facts' time).
 */
function namedStringLists(file: SourceFile, wanted: (name: string) => boolean): NamedList[] {
  const text = file.text;
  const out: NamedList[] = [];
  const head = /^[ \t]*["']?([A-Za-z_][\w-]*)["']?[ \t]*(?::[^=\n[{(]*)?[:=][ \t]*(?:frozenset\(|set\(|tuple\(|list\()?[ \t]*([[{(])/gm;
  for (let m = head.exec(text); m; m = head.exec(text)) {
    if (!wanted(m[1] as string)) continue;
    const open = m.index + m[0].length - 1;
    const close = matchingBracket(text, open);
    if (close === undefined) continue;
    const strings: NamedList['strings'] = [];
    const lit = /(?:^|[^\w])[rbuRBU]{0,2}("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')/g;
    const body = text.slice(open, close);
    for (let s = lit.exec(body); s; s = lit.exec(body)) {
      const quoted = s[1] as string;
      const start = open + s.index + s[0].length - quoted.length + 1;
      strings.push({ value: quoted.slice(1, -1), start, end: start + quoted.length - 2 });
    }
    out.push({ name: m[1] as string, strings });
  }
  return out;
}

function matchingBracket(text: string, open: number): number | undefined {
  const pairs: Record<string, string> = { '[': ']', '{': '}', '(': ')' };
  const stack: string[] = [];
  // Whether text[open, i) holds a `"` is whether the first one from `open` lies before i.
  const firstQuote = text.indexOf('"', open);
  for (let i = open; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      const nl = text.indexOf('\n', i + 1);
      if (end === -1 || (nl !== -1 && nl < end)) return undefined;
      i = end;
      continue;
    }
    if (c === '#' && !(firstQuote !== -1 && firstQuote < i) && text[i - 1] !== '/') {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl;
      continue;
    }
    if (pairs[c]) stack.push(pairs[c] as string);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i;
    }
  }
  return undefined;
}

/** Docs a drift checker excludes from its own checks: the repository says they are ledgers. */
export function declaredLedgers(ws: Workspace): Set<string> {
  const out = new Set<string>();
  for (const c of driftCheckers(ws)) for (const e of c.excluded) if (ws.has(e.replace(/^\.\//, ''))) out.add(e.replace(/^\.\//, ''));
  return out;
}

/** Whether an offset of a JSON/YAML doc lies in one of its own forbidden-pattern lists. */
export function inCheckerList(ws: Workspace, file: string, offset: number): boolean {
  return driftCheckers(ws).some((c) => c.path === file && c.spans.some(([s, e]) => offset >= s && offset <= e));
}
