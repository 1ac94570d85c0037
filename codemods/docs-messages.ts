/**
 * Message ids for the docs rules, whose problems go through the shared docs grouping
 * (`problemsToFindings`, `outsideRecords` in facts/docs), which knows problems by their text
 * only. A problem is said with an id and data (rendered at once, since the docs helpers read
 * and extend the text), and the id, data and skip reason go with it to its finding.
 */
import { renderMessage, type RuleMeta } from '../src/model/rule.js';
import type { RawFinding, SkipReason } from '../src/model/types.js';
import { outsideRecords, problemsToFindings, type DocProblem } from '../src/facts/docs/findings.js';
import { textRole, type QuoteContext } from '../src/facts/docs/quoting.js';
import { type Relocation } from '../src/facts/docs/relocation.js';

export interface Said {
  messageId: string;
  data: Record<string, string | number>;
  /** Why no fix is offered; kept only on a problem without one. */
  skipReason?: SkipReason;
}

/** A doc problem whose `message` is its template rendered with its data. */
export type SaidProblem = DocProblem & { said: Said };

export function say(meta: RuleMeta, problem: Omit<DocProblem, 'message'>, said: Said): SaidProblem {
  return { ...problem, message: renderMessage(meta, said.messageId, said.data), said };
}

/**
 * `outsideRecords` with the ids kept: a link whose fix sits in a record of the past (a
 * changelog entry) is reported under the id's `…InRecord` template, which names the record.
 */
export function sayOutsideRecords(meta: RuleMeta, q: QuoteContext, problems: SaidProblem[]): SaidProblem[] {
  return problems.flatMap((p): SaidProblem[] => {
    const [kept] = outsideRecords(q, [p]);
    if (!kept) return [];
    if (!p.fix || kept.fix) return [p];
    const record = textRole(q, p.offset)?.why ?? '';
    const { message: _text, said: _said, ...rest } = { ...p, ...kept };
    return [say(meta, { ...rest, fix: undefined }, { messageId: `${p.said.messageId}InRecord`, data: { ...p.said.data, record }, skipReason: 'evidence-in-ledger' })];
  });
}

/**
 * The findings of said problems. The shared grouping makes one finding per problem and carries
 * nothing but its text: for the call each problem's text is its index, so every finding finds
 * its problem again (two problems may render the same text with different data).
 */
export function saidFindings(problems: SaidProblem[]): RawFinding[] {
  return problemsToFindings(problems.map((p, i) => ({ ...p, message: String(i) }))).map(({ message, ...f }): RawFinding => {
    const { said } = problems[Number(message)] as SaidProblem;
    return { ...f, messageId: said.messageId, data: said.data, ...(f.fix === null && said.skipReason ? { skipReason: said.skipReason } : {}) };
  });
}

/** The suffix of a fix template's `…Doubt` variant (see `doubtful`). */
export const DOUBT = '; {{doubt}}, so the fix is for review';

/**
 * `judgedFromEveryCwd`'s `doubt` with the ids kept: a fix found from every folder the command
 * may run in is held for review, under the id's `…Doubt` template, which says why.
 */
export function doubtful(meta: RuleMeta): (p: SaidProblem, why: string) => SaidProblem {
  return (p, why) => {
    if (!p.fix) return p;
    const { message: _text, said: _said, ...rest } = p;
    return say(meta, { ...rest, fix: { ...p.fix, safety: 'review' } }, { messageId: `${p.said.messageId}Doubt`, data: { ...p.said.data, doubt: why } });
  };
}

/** Why a relocation (facts/docs `relocate`) gives no fix; `editable`: the reference can be rewritten in place. */
export function relocationSkip(moved: Relocation, editable: boolean): SkipReason {
  if (moved.target) return editable ? 'no-candidate' : 'not-editable';
  if (!moved.gone && !moved.archived && moved.candidates.length > 1) return 'ambiguous-target';
  return 'no-candidate';
}
