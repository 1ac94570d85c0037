/**
 * Inserting one block-sequence item after another (a step after the job's last doc check), as
 * text. Where an item ends is the shared YAML editor's answer (src/formats/yaml-edit.ts, which
 * also appends dependabot-coverage's and compose-undeclared-volume's entries).
 */
import type { Node } from 'yaml';
import { nodeRange } from '../../src/formats/yaml.js';
import { endOfItemAt } from '../../src/formats/yaml-edit.js';

/** Offset just after the last line of `item` (comment lines indented past its dash belong to it). */
function endOfItem(text: string, item: Node, dashCol: number): number {
  const r = nodeRange(item) as [number, number];
  return endOfItemAt(text, r[0], r[1], dashCol);
}

/**
 * The insertion that puts `lines` (already indented) right after `item`, keeping a blank line
 * between items when the sequence separates its items with one.
 */
export function insertAfterSeqItem(text: string, eol: string, item: Node, dashCol: number, lines: readonly string[]): { start: number; end: number; text: string } {
  const at = endOfItem(text, item, dashCol);
  const start = (nodeRange(item) as [number, number])[0];
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const before = text.slice(0, lineStart);
  const blankBefore = /\n[ \t]*\r?\n$/.test(before) && !/:[ \t]*(#.*)?\r?\n[ \t]*\r?\n$/.test(before);
  const blankAfter = /^[ \t]*\r?\n[ \t]*-/.test(text.slice(at));
  const body = lines.join(eol);
  const lead = at === text.length && !text.endsWith('\n') ? eol : '';
  const gap = blankBefore || blankAfter ? eol : '';
  return { start: at, end: at, text: `${lead}${gap}${body}${eol}` };
}
