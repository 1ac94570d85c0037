/**
 * What a dead owner rule becomes: pointed at the path git recorded its target's rename to
 * (safe); otherwise removed, for review. A rule says who must approve changes, so it is never
 * dropped without a person reading why: the path may be about to be created, or the owners
 * meant a file that moved without a record.
 */
import type { RuleMeta } from '../../src/model/rule.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { DocsOptions } from '../../src/facts/docs/options.js';
import { relocate, relocationText, type Histories } from '../../src/facts/docs/relocation.js';
import { say, type SaidProblem } from '../docs-messages.js';
import { headOf, type DeadOwnerRule } from './detect.js';

/** The rule's message templates (meta.messages). */
export const MESSAGES = {
  moved: '{{head}}; {{relocation}}',
  ownerRemove: '{{head}}; {{relocation}}; the fix removes the rule, for review (it owns nothing today, but it may be waiting for that path)',
} as const;

export function settle(meta: RuleMeta, ws: Workspace, opts: DocsOptions, dead: DeadOwnerRule, histories: Histories): SaidProblem {
  const { file, rule, path, dir, anchored } = dead;
  const head = headOf(dead);
  const written = rule.pattern;
  const at = { doc: file, offset: rule.start, kind: 'owner', subject: written };
  // Only a path without wildcards, anchored at the root, names one path whose history can be
  // asked; a bare name or a glob matches wherever it is.
  const moved = anchored ? relocate(ws, path, dir, opts, histories(path, dir)) : undefined;
  const editable = ws.isEditable(file);
  if (moved?.target && moved.safety === 'safe' && editable) {
    const replacement = `${written.startsWith('/') ? '/' : ''}${moved.target}${written.endsWith('/') ? '/' : ''}`;
    const fix = { edits: [{ start: rule.start, end: rule.end, text: replacement }], replacement, description: `point \`${written}\` at \`${replacement}\``, safety: 'safe' as const };
    return say(meta, { ...at, fix }, { messageId: 'moved', data: { head, relocation: relocationText(moved, dir, true) } });
  }
  const what = moved ? relocationText(moved, dir, false).replace(/\s*\(not changed\)$/, '') : 'nothing in the repository matches it';
  const said = { messageId: 'ownerRemove', data: { head, relocation: what } };
  if (!editable) return say(meta, { ...at, fix: undefined }, { ...said, skipReason: 'not-editable' });
  const fix = { edits: [{ start: rule.lineStart, end: rule.lineEnd, text: '' }], replacement: '', description: `remove the CODEOWNERS rule for \`${written}\``, safety: 'review' as const };
  return say(meta, { ...at, fix }, said);
}
