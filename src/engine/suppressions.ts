/**
 * Inline suppressions: a comment in the file's own comment syntax silences one rule (or a
 * comma-separated list) on one line or in the whole file, with a mandatory reason.
 *
 *   # autopack-fix-ignore compose-unknown-service -- the service comes from a sibling repo
 *   depends_on: [postgres]
 *   services: # autopack-fix-ignore compose-undeclared-volume -- same line
 *   <!-- autopack-fix-ignore-file docs-port-drift, docs-command-drift -- a migration guide -->
 *
 * Syntax by file type: `#` for YAML, shell, Python, TOML, nginx/`.conf`, Makefile, requirement
 * and ignore files; Dockerfiles `#` too, but only on a line of its own (Docker has no trailing
 * comments); `//` for JS/TS; `<!-- … -->` for Markdown (and `{/* … *\/}` too in MDX). JSON has no
 * comments: suppress there through the configuration (`exclude`, or turn the rule off).
 *
 * Scope: a comment alone on its line applies to the next line that is neither blank nor another
 * suppression comment (so several can be stacked); a comment after code applies to its own
 * line; `autopack-fix-ignore-file` applies to the whole file wherever it stands. A finding is
 * matched by its rule id and its 1-based line.
 *
 * The reason is required: a suppression without `-- reason`, naming no rule, or naming an
 * unknown rule is invalid. It suppresses nothing and is reported as an error finding of the
 * pseudo rule `unused-suppression`, with no fix (the tool cannot invent the reason, and
 * removing the comment would silently change what is suppressed). A finding rather than a
 * diagnostic: it fails CI (exit 1), shows in SARIF and annotations, and can be baselined.
 *
 * Unused suppressions (the rule ran and reported nothing there) are warning findings of
 * `unused-suppression` with a safe fix: the whole comment line goes when the comment is alone on
 * its line, else the comment and the whitespace before it; when only some of the listed rules
 * are unused, only their ids are removed from the list. Suppressions of rules that did not run
 * (turned off, or not chosen with --rule) are neither used nor unused.
 *
 * Usage is recorded per workspace view by the keep predicate as the engine runs each rule; the
 * session's `unused-suppression` rule runs last over the same view, so it sees the usage of
 * every other rule (`session.rules(selected)` puts it last).
 */
import type { Finding, Fix, RawFinding, TextEdit } from '../model/types.js';
import type { Rule, RuleMeta } from '../model/rule.js';
import type { Workspace } from '../workspace/workspace.js';
import type { SourceFile } from '../workspace/source-file.js';
import { isDockerfilePath } from '../formats/dockerfile.js';
import { didYouMean } from '../util/suggest.js';

export const UNUSED_SUPPRESSION_ID = 'unused-suppression';

export const unusedSuppressionMeta: RuleMeta = {
  id: UNUSED_SUPPRESSION_ID,
  seedIds: [],
  summary: 'an autopack-fix-ignore comment that suppresses nothing, or has no reason',
  defaultSeverity: 'warning',
  fixable: 'safe',
  messages: {
    invalidNoRule: 'suppression `{{directive}}` names no rule (write `autopack-fix-ignore <rule-id> -- reason`); it suppresses nothing',
    invalidTrailingText: 'suppression `{{directive}}` has text after the rule ids that is not a reason (`{{text}}`; write `-- reason`); it suppresses nothing',
    invalidNoReason: 'suppression `{{directive}}` has no reason (add `-- why this is kept`); it suppresses nothing',
    unknownRule: 'suppression `{{directive}}` names unknown rule {{rules}} (see `autopack-fix list-rules`)',
    unknownRules: 'suppression `{{directive}}` names unknown rules {{rules}} (see `autopack-fix list-rules`)',
    unusedOnLine: 'unused suppression: {{rules}} reports nothing on line {{line}}',
    unusedOnLineMany: 'unused suppression: {{rules}} report nothing on line {{line}}',
    unusedInFile: 'unused suppression: {{rules}} reports nothing in this file',
    unusedInFileMany: 'unused suppression: {{rules}} report nothing in this file',
    unusedAtEnd: 'unused suppression: {{rules}} reports nothing after it (it is the last line)',
    unusedAtEndMany: 'unused suppression: {{rules}} report nothing after it (it is the last line)',
  },
};

/**
 * The pseudo rule as registered (list-rules, explain, config, SARIF declarations). On its own
 * it reports nothing: a suppression session binds the working copy (`session.rules(...)`).
 */
export const unusedSuppressionRule: Rule = {
  meta: unusedSuppressionMeta,
  async check() {
    return [];
  },
};

export type CommentStyle = 'hash' | 'dockerfile' | 'slash' | 'markdown' | 'mdx';

/** The comment syntax of a file that can carry suppressions (undefined: none, e.g. JSON). */
export function commentStyleFor(p: string): CommentStyle | undefined {
  const base = p.slice(p.lastIndexOf('/') + 1);
  const lower = base.toLowerCase();
  if (isDockerfilePath(p)) return 'dockerfile';
  if (/\.mdx$/.test(lower)) return 'mdx';
  if (/\.(md|markdown)$/.test(lower)) return 'markdown';
  if (/\.(c|m)?(j|t)sx?$/.test(lower)) return 'slash';
  if (/\.(ya?ml|sh|bash|zsh|py|pyi|toml|conf|ini|cfg|env|mk|tf|rb|pl)$/.test(lower)) return 'hash';
  if (/^(makefile|gnumakefile|codeowners|\.env(\..*)?|\.(git|docker|npm|prettier|eslint)ignore|requirements.*\.(txt|in)|nginx.*)$/.test(lower)) return 'hash';
  return undefined;
}

export type SuppressionScope = 'next-line' | 'same-line' | 'file';

export interface Directive {
  file: string;
  scope: SuppressionScope;
  ruleIds: string[];
  reason: string;
  /** 1-based line and column of the comment opener. */
  line: number;
  column: number;
  /** The line it applies to (next-line / same-line); undefined for file scope. */
  target: number | undefined;
  /** The comment's span (opener to closer or end of line), offsets in the file's text. */
  start: number;
  end: number;
  /** Span of the rule id list, for removing some ids only. */
  idsStart: number;
  idsEnd: number;
  /** Whether nothing but whitespace shares its line. */
  ownLine: boolean;
  /** Why it is invalid (then it suppresses nothing). */
  problem?: string;
  /** The same, as an id (`problemText`: the stray text of `trailing-text`). */
  problemId?: 'no-rule' | 'trailing-text' | 'no-reason';
  problemText?: string;
}

interface LineInfo {
  start: number;
  /** End of the line's content (before `\r\n` / `\n`). */
  end: number;
  /** Just past the line break. */
  next: number;
}

function splitLines(text: string): LineInfo[] {
  const out: LineInfo[] = [];
  let start = 0;
  while (start <= text.length) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) {
      if (start < text.length) out.push({ start, end: text.length, next: text.length });
      break;
    }
    out.push({ start, end: nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl, next: nl + 1 });
    start = nl + 1;
  }
  return out;
}

const KEYWORD = 'autopack-fix-ignore';
const OPENERS: Record<CommentStyle, Array<{ before: RegExp; closer?: string }>> = {
  hash: [{ before: /(^|\s)(#)\s*$/ }],
  dockerfile: [{ before: /^(\s*)(#)\s*$/ }],
  slash: [{ before: /(^|\s)(\/\/)\s*$/ }],
  markdown: [{ before: /(^|\s)(<!--)\s*$/, closer: '-->' }],
  mdx: [
    { before: /(^|\s)(<!--)\s*$/, closer: '-->' },
    { before: /(^|\s)(\{\/\*)\s*$/, closer: '*/}' },
  ],
};

/** What nearly every file holds: one list for all of them (a list a file was 3 MB at 100,000 files). */
const NO_DIRECTIVES: readonly Directive[] = Object.freeze([]);

/** The suppression comments of a file (cached per text). */
export function directivesOf(file: SourceFile): readonly Directive[] {
  return file.parse('suppressions', (f) => {
    const style = commentStyleFor(f.path);
    return style && f.text.includes(KEYWORD) ? parseDirectives(f.path, f.text, style) : NO_DIRECTIVES;
  });
}

/** Parse the suppression comments of a text in one comment style. */
export function parseDirectives(path: string, text: string, style: CommentStyle): Directive[] {
  const lines = splitLines(text);
  const found: Array<Omit<Directive, 'target'> & { lineIndex: number }> = [];
  let fence: string | undefined;
  lines.forEach((l, i) => {
    const content = text.slice(l.start, l.end);
    if (style === 'markdown' || style === 'mdx') {
      // Comments inside fenced code are code, not comments.
      const m = /^ {0,3}(`{3,}|~{3,})/.exec(content);
      if (m) {
        const marker = m[1] as string;
        if (fence === undefined) fence = marker;
        else if (marker[0] === fence[0] && marker.length >= fence.length && content.trim() === marker) fence = undefined;
        return;
      }
      if (fence !== undefined) return;
    }
    let from = 0;
    for (;;) {
      const at = content.indexOf(KEYWORD, from);
      if (at === -1) break;
      from = at + KEYWORD.length;
      const d = directiveAt(content, at, style);
      if (!d) continue;
      found.push({
        ...d,
        file: path,
        line: i + 1,
        column: d.start + 1,
        start: l.start + d.start,
        end: l.start + d.end,
        idsStart: l.start + d.idsStart,
        idsEnd: l.start + d.idsEnd,
        lineIndex: i,
      });
      break;
    }
  });
  const directiveOnly = new Set(found.filter((d) => d.ownLine).map((d) => d.lineIndex));
  return found.map(({ lineIndex, ...d }) => {
    let target: number | undefined;
    if (d.scope === 'same-line') target = lineIndex + 1;
    else if (d.scope === 'next-line') {
      for (let j = lineIndex + 1; j < lines.length; j++) {
        const l = lines[j] as LineInfo;
        if (text.slice(l.start, l.end).trim() === '' || directiveOnly.has(j)) continue;
        target = j + 1;
        break;
      }
    }
    return { ...d, target };
  });
}

function directiveAt(line: string, at: number, style: CommentStyle): Omit<Directive, 'file' | 'line' | 'column' | 'target'> | undefined {
  const before = line.slice(0, at);
  for (const opener of OPENERS[style]) {
    const m = opener.before.exec(before);
    if (!m) continue;
    const start = (m.index ?? 0) + (m[1] as string).length;
    let bodyEnd = line.length;
    let end = line.length;
    if (opener.closer) {
      const close = line.indexOf(opener.closer, at);
      if (close === -1) continue;
      bodyEnd = close;
      end = close + opener.closer.length;
    }
    let rest = line.slice(at + KEYWORD.length, bodyEnd);
    let scope: SuppressionScope;
    if (rest.startsWith('-file') && (rest.length === 5 || /\s/.test(rest[5] as string))) {
      scope = 'file';
      rest = rest.slice(5);
    } else if (rest.length === 0 || /\s/.test(rest[0] as string)) {
      scope = 'next-line';
    } else {
      continue; // autopack-fix-ignored, autopack-fix-ignore-next…: not ours
    }
    const restOffset = bodyEnd - rest.length;
    const ownLine = before.slice(0, start).trim() === '' && line.slice(end).trim() === '';
    if (scope === 'next-line' && !ownLine) scope = 'same-line';
    if (style === 'dockerfile' && !ownLine) return undefined;
    const ids = /^\s+([a-z0-9][a-z0-9-]*(?:\s*,\s*[a-z0-9][a-z0-9-]*)*)/.exec(rest);
    const idsStart = ids ? restOffset + (ids[0].length - (ids[1] as string).length) : restOffset;
    const idsEnd = ids ? restOffset + ids[0].length : restOffset;
    const ruleIds = ids ? (ids[1] as string).split(',').map((s) => s.trim()) : [];
    const after = ids ? rest.slice(ids[0].length) : rest;
    const reasonMatch = /^\s*--(.*)$/s.exec(after);
    const reason = reasonMatch ? (reasonMatch[1] as string).trim() : '';
    let problem: Pick<Directive, 'problem' | 'problemId' | 'problemText'> | undefined;
    if (ruleIds.length === 0) problem = { problem: 'names no rule (write `autopack-fix-ignore <rule-id> -- reason`)', problemId: 'no-rule' };
    else if (!reasonMatch && after.trim() !== '') problem = { problem: `has text after the rule ids that is not a reason (\`${after.trim()}\`; write \`-- reason\`)`, problemId: 'trailing-text', problemText: after.trim() };
    else if (!reason) problem = { problem: 'has no reason (add `-- why this is kept`)', problemId: 'no-reason' };
    return { scope, ruleIds, reason, start, end, idsStart, idsEnd, ownLine, ...problem };
  }
  return undefined;
}

export interface UsedSuppression {
  directive: Directive;
  ruleId: string;
}

export interface SuppressionSession {
  /** For RunOptions.keep: false for a finding an inline suppression covers (recording the use). */
  keep: (finding: Finding, ws: Workspace) => boolean;
  /**
   * The rules to pass to run(): `selected` without any rule named `unused-suppression`, plus
   * (last) this session's working `unused-suppression` rule when it reports.
   */
  rules: readonly Rule[];
  /** Suppressions that silenced a finding in the view `ws` (pass the workspace given to run()). */
  used(ws: Workspace): UsedSuppression[];
}

export interface SuppressionOptions {
  /** The rules that run (their suppressions are judged used/unused). */
  selected: readonly Rule[];
  /** Every known rule id (the registry): other ids in a suppression are reported as unknown. */
  knownRuleIds: readonly string[];
  /** Report unused/invalid suppressions; default: when `selected` holds the unused-suppression rule. */
  reportUnused?: boolean;
}

/** One run's suppressions: the keep predicate, the rule list, and what was used. */
export function createSuppressions(options: SuppressionOptions): SuppressionSession {
  const active = new Set(options.selected.map((r) => r.meta.id).filter((id) => id !== UNUSED_SUPPRESSION_ID));
  const known = new Set([...options.knownRuleIds, UNUSED_SUPPRESSION_ID]);
  const usage = new WeakMap<Workspace, Map<string, UsedSuppression>>();
  const reportUnused = options.reportUnused ?? options.selected.some((r) => r.meta.id === UNUSED_SUPPRESSION_ID);
  const selectedUnused = options.selected.find((r) => r.meta.id === UNUSED_SUPPRESSION_ID);
  // A configured severity (the config wraps the registered rule) applies to every finding.
  const forced = selectedUnused && selectedUnused.meta.defaultSeverity !== unusedSuppressionMeta.defaultSeverity ? selectedUnused.meta.defaultSeverity : undefined;

  const keep = (finding: Finding, ws: Workspace): boolean => {
    if (finding.ruleId === UNUSED_SUPPRESSION_ID) return true;
    // Only comments are looked for: the finding's rule decides what the file's structure is worth.
    // A file with no comment syntax (a database) is not read at all.
    if (!commentStyleFor(finding.file)) return true;
    const file = ws.probe(finding.file);
    if (!file) return true;
    const directives = directivesOf(file);
    if (directives.length === 0) return true;
    // The most specific suppression wins: a line's own before the file-wide one.
    const match =
      directives.findIndex((d) => !d.problem && d.scope !== 'file' && d.target === finding.line && d.ruleIds.includes(finding.ruleId));
    const index = match !== -1 ? match : directives.findIndex((d) => !d.problem && d.scope === 'file' && d.ruleIds.includes(finding.ruleId));
    if (index === -1) return true;
    let used = usage.get(ws);
    if (!used) usage.set(ws, (used = new Map()));
    used.set(`${finding.file}\0${index}\0${finding.ruleId}`, { directive: directives[index] as Directive, ruleId: finding.ruleId });
    return false;
  };

  const bound: Rule = {
    meta: selectedUnused?.meta ?? unusedSuppressionMeta,
    afterEarlierRules: true,
    async check({ workspace }) {
      const used = usage.get(workspace) ?? new Map<string, UsedSuppression>();
      const out: RawFinding[] = [];
      for (const p of workspace.paths) {
        if (!commentStyleFor(p)) continue;
        const file = workspace.probe(p);
        if (!file) continue;
        const directives = directivesOf(file);
        const seen = new Map<string, number>();
        directives.forEach((d, i) => {
          const identity = `${d.scope}\0${d.ruleIds.join(',')}\0${d.reason}`;
          const n = seen.get(identity) ?? 0;
          seen.set(identity, n + 1);
          const key = `${p}\0${identity}\0${n}`;
          const directive = `autopack-fix-ignore${d.scope === 'file' ? '-file' : ''}${d.ruleIds.length ? ` ${d.ruleIds.join(', ')}` : ''}`;
          // Only the author knows the reason to write, or the rule a misspelt id meant.
          if (d.problemId) {
            const messageId = d.problemId === 'no-rule' ? 'invalidNoRule' : d.problemId === 'trailing-text' ? 'invalidTrailingText' : 'invalidNoReason';
            out.push({ file: p, offset: d.start, key: `invalid\0${key}`, severity: 'error', messageId, data: { directive, ...(d.problemText !== undefined ? { text: d.problemText } : {}) }, fix: null, skipReason: 'author-intent' });
            return;
          }
          const unknown = d.ruleIds.filter((id) => !known.has(id));
          if (unknown.length) {
            const rules = unknown.map((u) => `\`${u}\`${didYouMean(u, [...known])}`).join(', ');
            out.push({ file: p, offset: d.start, key: `unknown\0${key}`, severity: 'error', messageId: unknown.length > 1 ? 'unknownRules' : 'unknownRule', data: { directive, rules }, fix: null, skipReason: 'author-intent' });
          }
          const unused = d.ruleIds.filter((id) => active.has(id) && !used.has(`${p}\0${i}\0${id}`));
          if (unused.length === 0) return;
          const where = d.scope === 'file' ? 'InFile' : d.target === undefined ? 'AtEnd' : 'OnLine';
          const kept = d.ruleIds.filter((id) => !unused.includes(id) && !unknown.includes(id));
          out.push({
            file: p,
            offset: d.start,
            key: `unused\0${key}\0${unused.join(',')}`,
            messageId: `unused${where}${unused.length === 1 ? '' : 'Many'}`,
            data: { rules: unused.map((u) => `\`${u}\``).join(', '), ...(d.target !== undefined && d.scope !== 'file' ? { line: d.target } : {}) },
            fix: kept.length === 0 ? removalFix(file, d) : { safety: 'safe', description: `drop ${unused.join(', ')} from the suppression`, edits: [{ file: p, start: d.idsStart, end: d.idsEnd, text: kept.join(', ') }] },
          });
        });
      }
      return forced ? out.map((f) => ({ ...f, severity: forced })) : out;
    },
  };

  const rules = options.selected.filter((r) => r.meta.id !== UNUSED_SUPPRESSION_ID);
  return {
    keep,
    rules: reportUnused ? [...rules, bound] : rules,
    used(ws) {
      return [...(usage.get(ws)?.values() ?? [])];
    },
  };
}

/** Remove a suppression comment: its whole line when alone on it, else the comment and the blanks before it. */
function removalFix(file: SourceFile, d: Directive): Fix {
  const text = file.text;
  let edit: TextEdit;
  if (d.ownLine) {
    const lineStart = text.lastIndexOf('\n', d.start - 1) + 1;
    const nl = text.indexOf('\n', d.end);
    if (nl !== -1) edit = { file: file.path, start: lineStart, end: nl + 1, text: '' };
    else {
      // The last line, with no line break after it: take the break before it instead.
      const prev = lineStart > 0 ? (lineStart >= 2 && text.charCodeAt(lineStart - 2) === 13 ? lineStart - 2 : lineStart - 1) : 0;
      edit = { file: file.path, start: prev, end: text.length, text: '' };
    }
  } else {
    let start = d.start;
    while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
    edit = { file: file.path, start, end: d.end, text: '' };
  }
  return { safety: 'safe', description: 'remove the unused suppression comment', edits: [edit] };
}
