import { structuredPatch } from 'diff';
import type { FileChange } from '../engine/run.js';
import type { Secrets } from './secrets.js';
import { displayPath, quotePath } from './escape.js';

/** Lines of context around a change, as `diff -u` and git print them. */
export const CONTEXT_LINES = 3;

/** Collected values shorter than this are not searched for in lines (too common to mean anything). */
export const MIN_SEARCHED_VALUE = 6;

/**
 * A git-style unified diff of the changes, which `git apply` accepts at the root. Texts are
 * diffed with their BOM so the patch reproduces the exact bytes `--write` produces; CRLF lines
 * keep their `\r`.
 *
 * With `secrets`, an unchanged line is never printed as context when it holds an environment
 * value: when it is one of the file's `secrets.lines`, or when it contains one of
 * `secrets.searched` (those of at least MIN_SEARCHED_VALUE characters). The context is cut at
 * such a line, and two changes it separates go into two hunks. Changed lines are printed as
 * they are: they are the fix, and a patch cannot leave them out.
 *
 * A hunk whose change is followed directly by a withheld line (not the end of the file) has no
 * trailing context. Plain `git apply` anchors such a hunk at the end of the file and rejects it
 * (or, for a pure insertion with no context at all, puts it at the end of the file); likewise it
 * anchors an insertion right after a withheld first line (`@@ -1,0 …`) at the start.
 * `git apply --unidiff-zero` applies both where they belong. `note` is called once per file
 * that has such a hunk.
 */
export function unifiedDiff(changes: readonly FileChange[], secrets?: Secrets, note?: (message: string) => void): string {
  const needles = secrets ? searchedValues(secrets.searched) : [];
  const needsUnidiffZero: string[] = [];
  let out = '';
  for (const change of [...changes].sort((a, b) => a.path.localeCompare(b.path))) {
    if (change.movedFrom !== undefined) {
      // A move carries the file's bytes unchanged (a fix never edits a moved file): git's pure
      // rename, which has no hunk, so a file that is not text moves in a patch too.
      out += `diff --git ${quotePath(`a/${change.movedFrom}`)} ${quotePath(`b/${change.path}`)}\nsimilarity index 100%\nrename from ${quotePath(change.movedFrom)}\nrename to ${quotePath(change.path)}\n`;
      continue;
    }
    const bom = change.bom ? '\uFEFF' : '';
    const before = change.before === undefined ? '' : bom + change.before;
    const after = bom + change.after;
    const created = change.before === undefined;
    const marked = secrets?.lines.get(change.path);
    const withheld = secrets ? (line: number, text: string): boolean => (marked?.has(line) ?? false) || needles.some((v) => text.includes(v)) : undefined;
    const { hunks, unanchored } = diffHunks(before, after, withheld);
    // Names as git writes them: C-quoted when they hold a control character, `"` or `\`
    // (`"a/x\ty"`), and a tab after a name with a space on the ---/+++ lines, so that `git
    // apply` and `patch` find where the name ends.
    const a = quotePath(`a/${change.path}`);
    const b = quotePath(`b/${change.path}`);
    const tab = change.path.includes(' ') ? '\t' : '';
    out += `diff --git ${a} ${b}\n`;
    if (created) out += 'new file mode 100644\n';
    out += `--- ${created ? '/dev/null' : `${a}${tab}`}\n+++ ${b}${tab}\n`;
    out += hunks;
    if (unanchored) {
      note?.(unanchoredNote(change.path));
      needsUnidiffZero.push(change.path);
    }
  }
  // Said inside the patch too, for whoever applies the saved file later: plain `git apply`
  // would reject such a hunk or, for a context-free insertion, put it at the end of the file.
  // git apply skips text before the first `diff --git` line.
  return needsUnidiffZero.length > 0 ? `${UNIDIFF_ZERO_PREAMBLE(needsUnidiffZero)}${out}` : out;
}

/** The patch's first lines when some hunk needs `git apply --unidiff-zero`. */
export const UNIDIFF_ZERO_PREAMBLE = (files: readonly string[]): string =>
  `Apply this patch with \`git apply --unidiff-zero\` (or \`patch -p1\`): lines that hold environment values are left out\nof its context in ${files.map(displayPath).join(', ')}, and plain \`git apply\` would reject or misplace those hunks.\n\n`;

export function unanchoredNote(file: string): string {
  return `autopack-fix: ${displayPath(file)}: the diff leaves out a line that holds an environment value; apply it with \`git apply --unidiff-zero\` (or use --write)\n`;
}

/** The strings searched for in context lines: each line of each value, when long enough. */
function searchedValues(values: readonly string[]): string[] {
  const out = new Set<string>();
  for (const v of values) for (const part of v.split(/\r?\n/)) if (part.trim().length >= MIN_SEARCHED_VALUE) out.add(part);
  // Longest first: a hit on a long value is found without trying its substrings.
  return [...out].sort((a, b) => b.length - a.length);
}

interface Op {
  kind: ' ' | '-' | '+';
  text: string;
  /** The line has no line break (the patch says `\ No newline at end of file` after it). */
  noEol: boolean;
  /** 1-based old line ('+': the old line it comes before). */
  oldNo: number;
  /** 1-based new line ('-': the new line it comes before). */
  newNo: number;
}

/**
 * The hunks (`@@ … @@` and their lines) that turn `before` into `after`, with `context` lines of
 * context that stop at any unchanged line `withheld(oldLineNumber, text)` refuses. Changes
 * whose unchanged gap is at most 2 × context lines and holds no withheld line share a hunk.
 * `unanchored` is true when plain `git apply` would misplace or reject some hunk: one that ends
 * without trailing context before the end of the file, or an insertion right after a withheld
 * first line with nothing after it shown.
 */
export function diffHunks(before: string, after: string, withheld?: (line: number, text: string) => boolean, context = CONTEXT_LINES): { hunks: string; unanchored: boolean } {
  const ops = lineOps(before, after);
  const hidden = (i: number): boolean => {
    const op = ops[i] as Op;
    return op.kind === ' ' && withheld !== undefined && withheld(op.oldNo, op.text);
  };
  const isContext = (i: number): boolean => ops[i]?.kind === ' ';
  let out = '';
  let unanchored = false;
  let i = 0;
  while (i < ops.length) {
    if (isContext(i)) {
      i++;
      continue;
    }
    // Leading context: walk up from the first change, stopping at a withheld line.
    let start = i;
    for (let lead = 0; lead < context && start > 0 && isContext(start - 1) && !hidden(start - 1); lead++) start--;
    // Take changes while the unchanged gap to the next one is short and shows nothing withheld.
    let last = i;
    for (;;) {
      while (last + 1 < ops.length && !isContext(last + 1)) last++;
      let next = last + 1;
      while (next < ops.length && isContext(next)) next++;
      if (next >= ops.length || next - (last + 1) > 2 * context) break;
      let clean = true;
      for (let k = last + 1; k < next; k++) if (hidden(k)) clean = false;
      if (!clean) break;
      last = next;
    }
    // Trailing context: walk down from the last change, stopping at a withheld line.
    let stop = last;
    let trail = 0;
    for (; trail < context && stop + 1 < ops.length && isContext(stop + 1) && !hidden(stop + 1); trail++) stop++;
    const hunk = hunkText(ops.slice(start, stop + 1));
    // Plain `git apply` anchors a hunk without trailing context at the end of the file, and a
    // hunk whose header says `-1,…` at the start (so an insertion after line 1, `-1,0`, too).
    if ((trail === 0 && stop + 1 < ops.length) || hunk.startsWith('@@ -1,0 ')) unanchored = true;
    out += hunk;
    i = stop + 1;
  }
  return { hunks: out, unanchored };
}

function hunkText(lines: Op[]): string {
  const oldSide = lines.filter((op) => op.kind !== '+');
  const newSide = lines.filter((op) => op.kind !== '-');
  const first = lines[0] as Op;
  // An empty side gives the line it comes after ("@@ -0,0 +1,3 @@" for a created file).
  const oldStart = oldSide.length ? (oldSide[0] as Op).oldNo : first.oldNo - 1;
  let newStart = newSide.length ? (newSide[0] as Op).newNo : first.newNo - 1;
  // A deletion without context of a last line that has no line break: `git apply
  // --unidiff-zero` starts looking at the line the header names, and there matches the
  // incomplete line against a complete one with the same text (it compares the bytes of the
  // preimage only). Naming the deleted line itself makes it look there first; plain `git apply`
  // and `patch` apply it either way (at the end of the file).
  if (!newSide.length && first.newNo > 1 && lines.every((op) => op.kind === '-') && (lines[lines.length - 1] as Op).noEol) newStart = first.newNo;
  let out = `@@ -${oldStart},${oldSide.length} +${newStart},${newSide.length} @@\n`;
  for (const op of lines) {
    out += `${op.kind}${op.text}\n`;
    if (op.noEol) out += '\\ No newline at end of file\n';
  }
  return out;
}

/** The whole line-by-line alignment of two texts (jsdiff's, as one hunk spanning everything). */
function lineOps(before: string, after: string): Op[] {
  const patch = structuredPatch('a', 'b', before, after, undefined, undefined, { context: Number.MAX_SAFE_INTEGER });
  const ops: Op[] = [];
  let oldNo = 1;
  let newNo = 1;
  // With unbounded context there is at most one hunk, and it starts at line 1.
  for (const hunk of patch.hunks) {
    for (const line of hunk.lines) {
      const kind = line[0];
      if (kind === '\\') {
        const prev = ops[ops.length - 1];
        if (prev) prev.noEol = true;
        continue;
      }
      const text = line.slice(1);
      if (kind === ' ') ops.push({ kind, text, noEol: false, oldNo: oldNo++, newNo: newNo++ });
      else if (kind === '-') ops.push({ kind, text, noEol: false, oldNo: oldNo++, newNo });
      else if (kind === '+') ops.push({ kind, text, noEol: false, oldNo, newNo: newNo++ });
    }
  }
  return ops;
}
