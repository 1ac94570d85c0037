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
import { pythonCheckerShape, type PatternList } from './python-checker.js';

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
    const entry = out.get(subject) ?? { subject, replacement: m[2] as string, docs: [] };
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

/** The edits that append `value` to the list, in its style, or why not. */
function appendEdits(file: SourceFile, list: PatternList, value: string): { edits: TextEdit[] } | { skipReason: SkipReason; reason: string } {
  const text = file.text;
  const els = list.elements;
  if (!els.every((e) => e.pattern && e.pattern.start === e.start && e.pattern.end === e.end)) {
    // A mapping's value, a tuple's message: what goes with the pattern is the authors' to write.
    return { skipReason: 'author-intent', reason: 'its entries are not plain strings (a message or a value goes with each pattern)' };
  }
  const last = els[els.length - 1] as (typeof els)[number];
  const str = last.pattern as NonNullable<typeof last.pattern>;
  const regex = isRegexList(list);
  const raw = str.prefix.toLowerCase().includes('r');
  let body = regex ? value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : value;
  if (!raw) body = body.replace(/\\/g, '\\\\');
  if (body.includes(str.quote[0] as string)) return { skipReason: 'not-editable', reason: 'the target contains the list\'s quote character' };
  const literal = `${str.prefix}${str.quote}${body}${str.quote}`;
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
      return { edits: [{ file: '', start: at, end: at, text: `${eol}${indent}${literal},` }] };
    }
    const at = lineEnd(text, last.end);
    return { edits: [{ file: '', start: last.end, end: last.end, text: ',' }, { file: '', start: at, end: at, text: `${eol}${indent}${literal}` }] };
  }
  if (trailing) {
    const at = last.end + comma + 1;
    return { edits: [{ file: '', start: at, end: at, text: ` ${literal},` }] };
  }
  return { edits: [{ file: '', start: last.end, end: last.end, text: `, ${literal}` }] };
}

/** Findings for checkers whose target lists lack a target the docs rule fixes. */
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
    for (const t of targets) {
      const verdicts = lists.flatMap((l) => l.elements.map((e) => covers(e.pattern?.value, isRegexList(l), t.subject)));
      if (verdicts.includes('yes') || verdicts.includes('unknown')) continue;
      const list = lists[0] as PatternList;
      const data = { checker: checker.path, list: `\`${lists.map((l) => l.name).join('`, `')}\``, target: t.subject, replacement: t.replacement, docs: t.docs.map((d) => `\`${d}\``).join(', ') };
      let fix: Fix | null = null;
      let skip: { skipReason: SkipReason; reason: string } | undefined;
      if (lists.length > 1) skip = { skipReason: 'ambiguous-target', reason: 'more than one of its lists holds app targets' };
      else {
        const r = appendEdits(file, list, t.subject);
        if ('edits' in r) fix = { safety: 'review', description: `forbid \`${t.subject}\` in \`${list.name}\` of ${checker.path}`, edits: r.edits.map((e) => ({ ...e, file: checker.path })) };
        else skip = r;
      }
      out.push({
        file: checker.path,
        offset: list.nameOffset,
        key: `${checker.path}:missing:${t.subject}`,
        messageId: 'missingPattern',
        data: { ...data, noFix: skip ? ` (no fix: ${skip.reason})` : '' },
        fix,
        ...(skip ? { skipReason: skip.skipReason } : {}),
        seedIds: ['2.9'],
      });
    }
  }
  return out;
}
