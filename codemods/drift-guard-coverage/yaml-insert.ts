/**
 * Inserting one block-sequence item after another, as text. This is the same job as the block
 * appender dependabot-coverage uses for `updates:` (its `endOfItem`), which is moving to
 * src/formats/yaml/edit.ts; the contract here (text, line ending, the item, its dash column,
 * the new item's lines → one insertion) is the one to swap onto it when it lands.
 */
import type { Node } from 'yaml';
import { nodeRange } from '../../src/formats/yaml.js';

/** Offset just after the last line of `item` (comment lines indented past its dash belong to it). */
function endOfItem(text: string, item: Node, dashCol: number): number {
  const r = nodeRange(item) as [number, number];
  let c = r[1] - 1;
  while (c > r[0] && /\s/.test(text[c] as string)) c--;
  let nl = text.indexOf('\n', c);
  if (nl === -1) return text.length;
  let end = nl + 1;
  for (;;) {
    let probe = end;
    let next = text.indexOf('\n', probe);
    let line = text.slice(probe, next === -1 ? text.length : next);
    while (/^[ \t]*\r?$/.test(line) && next !== -1) {
      probe = next + 1;
      next = text.indexOf('\n', probe);
      line = text.slice(probe, next === -1 ? text.length : next);
    }
    const m = /^([ \t]*)#/.exec(line);
    if (!m || (m[1] as string).length <= dashCol) break;
    nl = next;
    end = nl === -1 ? text.length : nl + 1;
    if (nl === -1) break;
  }
  return end;
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
