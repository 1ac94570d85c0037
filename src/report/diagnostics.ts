/**
 * Which diagnostics reach stderr, and how many lines they take. Every front end (the check,
 * `--write --branch`, `pr`) prints them through `stderrDiagnostics` and `diagnosticLines`, so a
 * problem has the same level (`note:`, `warning:`, `error:`) wherever it shows.
 *
 * - Skipped files (binary, not UTF-8, over the size cap, links out of the root, …) are one note
 *   in all, `18 binary files skipped; --verbose lists them`, unless only one file was skipped
 *   (then that file's own note, which names it) or `verbose` is set (then one note each).
 * - `quiet` leaves out every note: only warnings and errors remain.
 * The JSON report keeps every diagnostic as it is.
 */
import type { Diagnostic } from '../model/types.js';

export interface StderrOptions {
  verbose?: boolean;
  quiet?: boolean;
}

/** What a skip note says, as a short plural phrase (the reason texts are src/workspace's). */
const REASONS: Array<[RegExp, string]> = [
  [/binary file/, 'binary'],
  [/not valid UTF-8/, 'not UTF-8'],
  [/size cap/, 'over the size cap'],
  [/points outside the root/, 'links out of the root'],
  [/broken symbolic link/, 'broken links'],
  [/symbolic link loop/, 'link loops'],
  [/symbolic link to a directory/, 'links to folders'],
  [/symbolic link to a (FIFO|socket|character device|block device|special file)/, 'links to special files'],
  [/not a regular file/, 'not regular files'],
  [/could not read/, 'unreadable'],
  [/too complex/, 'too complex'],
];

function reasonOf(d: Diagnostic): string {
  return REASONS.find(([re]) => re.test(d.message))?.[1] ?? 'other';
}

export function stderrDiagnostics(diagnostics: readonly Diagnostic[], options: StderrOptions = {}): Diagnostic[] {
  const isNote = (d: Diagnostic): boolean => d.kind === 'note' || d.kind === 'skipped';
  if (options.quiet) return diagnostics.filter((d) => !isNote(d));
  const skipped = diagnostics.filter((d) => d.kind === 'skipped');
  if (options.verbose || skipped.length < 2) return [...diagnostics];
  const counts = new Map<string, number>();
  for (const d of skipped) {
    const r = reasonOf(d);
    counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  const n = skipped.length;
  const only = counts.size === 1 ? [...counts.keys()][0] : undefined;
  const what =
    only === 'binary'
      ? `${n} binary files skipped`
      : only !== undefined && only !== 'other'
        ? `${n} files skipped (${only})`
        : `${n} files skipped (${[...counts].map(([r, k]) => `${k} ${r}`).join(', ')})`;
  const summary: Diagnostic = { file: '', kind: 'skipped', message: `${what}; --verbose lists them` };
  const out: Diagnostic[] = [];
  let placed = false;
  for (const d of diagnostics) {
    if (d.kind !== 'skipped') out.push(d);
    else if (!placed) {
      out.push(summary);
      placed = true;
    }
  }
  return out;
}
