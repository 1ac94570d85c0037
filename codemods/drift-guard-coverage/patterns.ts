/**
 * Seed 2.9: the checker forbids the retired app targets it knew of (`backend.main:app`), but not
 * the one the docs still use and docs-command-drift rewrites in this run
 * (`autopack.api.server:app`). Once the docs are fixed, nothing stops it coming back.
 *
 * The stale targets come from docs-command-drift itself (its findings with a fix, kind
 * `app-target`): the one place that decides what is stale and what it becomes. The new entry is
 * appended to the one list of the checker that already holds app targets, in that list's style.
 * Only Python lists of plain strings are edited; anything else is reported.
 */
import type { Fix, RawFinding, SkipReason, TextEdit } from '../../src/model/types.js';
import { effectiveOptions, type RuleContext } from '../../src/model/rule.js';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { rule as docsCommandDrift } from '../docs-command-drift/index.js';
import type { Checker } from './detect.js';
import type { PyString } from '../../src/formats/python-tree.js';
import { pythonCheckerShape, type PatternElement, type PatternList } from './python-checker.js';

export interface StaleTarget {
  subject: string;
  replacement: string;
  docs: string[];
}

/** An app target written in a pattern: `module.path:attr`, with regex escapes. */
const TARGET_LIKE = /[A-Za-z_][\w]*(?:\\?\.[A-Za-z_]\w*)*:[A-Za-z_]\w*/;
const REGEX_SYNTAX = /\\[.sdwbSDWB]|[\^$*+?[\]()|{}]/;

/** The app targets docs-command-drift fixes in this run, with the docs that still use them. */
export async function staleTargets(ctx: RuleContext): Promise<StaleTarget[]> {
  const findings = await docsCommandDrift.check({ ...ctx, options: effectiveOptions(docsCommandDrift.meta, undefined) });
  const out = new Map<string, StaleTarget>();
  for (const f of findings) {
    if (!f.fix) continue;
    const m = /:app-target:(.+?)=>(.+?)(?: \(review\))?#\d+$/.exec(f.key);
    if (!m) continue;
    const subject = m[1] as string;
    // The replacement may carry what makes it importable (`PYTHONPATH=src pkg.main:app`): the target is its last word.
    const replacement = (m[2] as string).trim().split(/\s+/).pop() as string;
    const entry = out.get(subject) ?? { subject, replacement, docs: [] };
    if (!entry.docs.includes(f.file)) entry.docs.push(f.file);
    out.set(subject, entry);
  }
  return [...out.values()];
}

type Covers = 'yes' | 'no' | 'unknown';

/** Whether a list entry already forbids the target (as the checker would test it). */
function covers(entry: string | undefined, regex: boolean, target: string): Covers {
  if (entry === undefined) return 'unknown';
  if (!regex) return target.includes(entry) ? 'yes' : 'no';
  try {
    return new RegExp(entry).test(target) ? 'yes' : 'no';
  } catch {
    return 'unknown'; // Python-only syntax (`(?P<name>…)`): cannot tell
  }
}

function isRegexList(list: PatternList): boolean {
  return list.elements.some((e) => e.pattern && (e.pattern.prefix.toLowerCase().includes('r') || REGEX_SYNTAX.test(e.pattern.value ?? '')));
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  if (nl === -1) return text.length;
  return text[nl - 1] === '\r' ? nl - 1 : nl;
}

function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** A pattern string for `value` written as `like` is (prefix, quotes, regex escapes). */
function literalLike(like: PyString, value: string, regex: boolean): string | undefined {
  const raw = like.prefix.toLowerCase().includes('r');
  let body = regex ? value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : value;
  if (!raw) body = body.replace(/\\/g, '\\\\');
  if (body.includes(like.quote[0] as string)) return undefined;
  return `${like.prefix}${like.quote}${body}${like.quote}`;
}

/** The target an entry's pattern names, with regex escapes undone (`backend\.main:app` → `backend.main:app`). */
function namedTarget(pattern: string | undefined): string | undefined {
  const m = pattern === undefined ? null : TARGET_LIKE.exec(pattern);
  return m ? m[0].replace(/\\\./g, '.') : undefined;
}

/**
 * The text of the new entry. A plain string list gets a string; a list whose entries carry a
 * message with the pattern (`(pattern, hint)`, `pattern: hint`) gets a copy of an entry whose
 * message names the same replacement (and not its own old target), with only its pattern
 * swapped: its message is then as true of the new entry.
 */
function newEntry(text: string, list: PatternList, value: string, replacement: string): string | { skipReason: SkipReason; reason: string } {
  const els = list.elements;
  const regex = isRegexList(list);
  const plain = els.every((e) => e.pattern && e.pattern.start === e.start && e.pattern.end === e.end);
  if (plain) {
    const last = els[els.length - 1] as PatternElement;
    return literalLike(last.pattern as PyString, value, regex) ?? { skipReason: 'not-editable', reason: 'the target contains the list\'s quote character' };
  }
  const templates = els.filter((e) => {
    if (!e.pattern || e.pattern.value === undefined) return false;
    const own = namedTarget(e.pattern.value);
    if (!own) return false;
    const rest = text.slice(e.start, e.pattern.start) + text.slice(e.pattern.end, e.end);
    return rest.includes(replacement) && !rest.includes(own);
  });
  const template = templates[templates.length - 1];
  if (!template?.pattern) {
    return { skipReason: 'author-intent', reason: 'its entries carry a message with each pattern, and none says what this target became' };
  }
  const literal = literalLike(template.pattern, value, regex);
  if (!literal) return { skipReason: 'not-editable', reason: 'the target contains the list\'s quote character' };
  return text.slice(template.start, template.pattern.start) + literal + text.slice(template.pattern.end, template.end);
}

/** The new entry for one target, or why it gets none. */
function entryFor(text: string, list: PatternList, value: string, replacement: string): string | { skipReason: SkipReason; reason: string } {
  if (list.elements.some((e) => text.slice(e.start, e.end).includes('\n'))) return { skipReason: 'unusual-layout', reason: 'an entry of the list spans several lines' };
  // `main:app` retired for `app.main:app`: the pattern would fail the checker on the fixed docs.
  if (covers(value, false, replacement) === 'yes') return { skipReason: 'changes-behaviour', reason: `a pattern for it would also match its replacement \`${replacement}\`` };
  return newEntry(text, list, value, replacement);
}

/** The edits that append the entries (already written) after the list's last one, in its layout. */
function appendEdits(file: SourceFile, list: PatternList, entries: readonly string[]): TextEdit[] {
  const text = file.text;
  const els = list.elements;
  const last = els[els.length - 1] as PatternElement;
  const close = list.literal.end - 1;
  const after = text.slice(last.end, close);
  const comma = after.indexOf(',');
  const trailing = comma !== -1 && !after.slice(0, comma).includes('#');
  const firstLineBreak = els.length > 1 ? text.slice((els[0] as typeof last).end, (els[1] as typeof last).start).includes('\n') : text.slice(list.literal.start, last.start).includes('\n');
  const eol = file.eol;
  if (firstLineBreak) {
    const indent = ' '.repeat(column(text, last.start));
    if (trailing) {
      const at = lineEnd(text, last.end + comma);
      return [{ file: '', start: at, end: at, text: entries.map((e) => `${eol}${indent}${e},`).join('') }];
    }
    const at = lineEnd(text, last.end);
    return [{ file: '', start: last.end, end: last.end, text: ',' }, { file: '', start: at, end: at, text: entries.map((e) => `${eol}${indent}${e}`).join(',') }];
  }
  if (trailing) {
    const at = last.end + comma + 1;
    return [{ file: '', start: at, end: at, text: entries.map((e) => ` ${e},`).join('') }];
  }
  return [{ file: '', start: last.end, end: last.end, text: entries.map((e) => `, ${e}`).join('') }];
}

export async function patternGaps(ctx: RuleContext, checkers: readonly Checker[], targetsOf: () => Promise<StaleTarget[]>): Promise<RawFinding[]> {
  const out: RawFinding[] = [];
  let targets: StaleTarget[] | undefined;
  for (const checker of checkers) {
    if (checker.language !== 'python') continue;
    const file = ctx.workspace.read(checker.path);
    if (!file) continue;
    const shape = await pythonCheckerShape(file);
    const lists = shape.lists.filter((l) => shape.readNames.has(l.name) && l.elements.some((e) => TARGET_LIKE.test(e.pattern?.value ?? '')));
    if (lists.length === 0) continue;
    targets ??= await targetsOf();
    const missing = targets.filter((t) => {
      const verdicts = lists.flatMap((l) => l.elements.map((e) => covers(e.pattern?.value, isRegexList(l), t.subject)));
      return !verdicts.includes('yes') && !verdicts.includes('unknown');
    });
    if (missing.length === 0) continue;
    const list = lists[0] as PatternList;
    const entries = missing.map((t) => (lists.length > 1 ? { skipReason: 'ambiguous-target' as const, reason: 'more than one of its lists holds app targets' } : entryFor(file.text, list, t.subject, t.replacement)));
    const written = entries.filter((e): e is string => typeof e === 'string');
    // One fix appends every target at once: findings share it, so no two insertions at the end
    // of the list wait on each other (by the next pass the docs are fixed, and the target gone).
    const shared: Fix | null = written.length === 0 ? null : {
      safety: 'review',
      description: `forbid ${missing.filter((_, i) => typeof entries[i] === 'string').map((t) => `\`${t.subject}\``).join(', ')} in \`${list.name}\` of ${checker.path}`,
      edits: appendEdits(file, list, written).map((e) => ({ ...e, file: checker.path })),
    };
    missing.forEach((t, i) => {
      const entry = entries[i] as string | { skipReason: SkipReason; reason: string };
      const skip = typeof entry === 'string' ? undefined : entry;
      out.push({
        file: checker.path,
        offset: list.nameOffset,
        key: `${checker.path}:missing:${t.subject}`,
        messageId: 'missingPattern',
        data: { checker: checker.path, list: `\`${lists.map((l) => l.name).join('`, `')}\``, target: t.subject, replacement: t.replacement, docs: t.docs.map((d) => `\`${d}\``).join(', '), noFix: skip ? ` (no fix: ${skip.reason})` : '' },
        fix: skip ? null : shared,
        ...(skip ? { skipReason: skip.skipReason } : {}),
        seedIds: ['2.9'],
      });
    });
  }
  return out;
}
