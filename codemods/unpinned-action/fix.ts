/**
 * The pin of one `uses:` from a pin-map entry: `actions/checkout@v4` becomes
 * `actions/checkout@<sha> # v4` (the tag kept as a comment, as pinact and Renovate write it, so
 * that a reader and Renovate still see the version), `docker://alpine:3.19` becomes
 * `docker://alpine:3.19@sha256:…`. Quotes stay; a trailing comment stays after the tag comment.
 * Only the ref and the end of the line's value change: the edit is refused where the value is
 * not written as one plain or quoted scalar on its line (a flow mapping, a folded scalar).
 */
import type { Scalar } from 'yaml';
import type { SkipReason, TextEdit } from '../../src/model/types.js';
import type { UsesSite } from './detect.js';

export type EditOutcome = { edit: TextEdit } | { reason: string; skipReason: SkipReason };

/** Where the value's characters are in the text, when they are the value exactly. */
function contentSpan(text: string, node: Scalar, value: string): { start: number; end: number; quote: string } | { reason: string; skipReason: SkipReason } {
  const range = node.range;
  if (!range) return { reason: 'the value has no position in the file', skipReason: 'not-editable' };
  const raw = text.slice(range[0], range[1]);
  switch (node.type) {
    case 'PLAIN':
      return raw === value ? { start: range[0], end: range[1], quote: '' } : { reason: 'the value is split over lines', skipReason: 'not-editable' };
    case 'QUOTE_DOUBLE':
    case 'QUOTE_SINGLE': {
      const q = node.type === 'QUOTE_DOUBLE' ? '"' : "'";
      return raw === `${q}${value}${q}` ? { start: range[0] + 1, end: range[1] - 1, quote: q } : { reason: 'the quoted value has escapes or line breaks', skipReason: 'not-editable' };
    }
    default:
      return { reason: 'the value is a block scalar', skipReason: 'unusual-layout' };
  }
}

export function pinEdit(text: string, site: UsesSite, pin: string): EditOutcome {
  if (site.flow) return { reason: 'the step is a flow mapping (`{ uses: … }`), where the tag comment cannot go', skipReason: 'unusual-layout' };
  const value = site.node.value as string;
  const span = contentSpan(text, site.node, value);
  if ('reason' in span) return span;
  const valueEnd = span.end + span.quote.length;
  let lineEnd = text.indexOf('\n', valueEnd);
  if (lineEnd === -1) lineEnd = text.length;
  const after = text.slice(valueEnd, lineEnd).replace(/\r$/, '');
  if (!/^[ \t]*(#.*)?$/.test(after)) return { reason: 'more follows the value on its line', skipReason: 'unusual-layout' };
  if (site.kind === 'docker-tag') return { edit: { file: site.file, start: span.end, end: span.end, text: `@${pin}` } };
  const at = value.lastIndexOf('@');
  const comment = `# ${site.ref}`;
  // A comment that already names the tag is the convention's own: not written twice.
  const tagComment = after.trim() === comment ? '' : ` ${comment}`;
  return { edit: { file: site.file, start: span.start + at + 1, end: valueEnd, text: `${pin.toLowerCase()}${span.quote}${tagComment}` } };
}
