/**
 * "Did you mean …" for a mistyped name (a rule id on the command line, in `explain`, in the
 * configuration). Candidates are ranked by edit distance (Damerau–Levenshtein, so a swapped
 * pair of letters costs one); a candidate that contains the word, or that the word contains, as
 * a whole dash-separated part (`unknown-service` for `compose-unknown-service`) also counts.
 */

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((d[i - 1] as number[])[j]! + 1, (d[i] as number[])[j - 1]! + 1, (d[i - 1] as number[])[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (d[i - 2] as number[])[j - 2]! + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return (d[rows - 1] as number[])[cols - 1]!;
}

/**
 * The candidates `word` most likely means, best first (at most `max`): those within an edit
 * distance of a third of the word's length (at least 2), then those that hold the word as whole
 * dash-separated parts. Empty when nothing is close.
 */
export function closest(word: string, candidates: readonly string[], max = 3): string[] {
  const w = word.toLowerCase();
  if (w === '') return [];
  const limit = Math.max(2, Math.floor(w.length / 3));
  const scored: Array<{ c: string; score: number }> = [];
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const dist = editDistance(w, lc);
    if (dist <= limit) scored.push({ c, score: dist });
    else if (w.length >= 4 && (`-${lc}-`.includes(`-${w}-`) || `-${w}-`.includes(`-${lc}-`))) scored.push({ c, score: limit + 1 });
  }
  return scored
    .sort((a, b) => a.score - b.score || candidates.indexOf(a.c) - candidates.indexOf(b.c))
    .slice(0, max)
    .map((s) => s.c);
}

/** ` (did you mean a?)` / ` (did you mean a or b?)`, or '' when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const best = closest(word, candidates);
  if (best.length === 0) return '';
  const list = best.length === 1 ? (best[0] as string) : `${best.slice(0, -1).join(', ')} or ${best[best.length - 1]}`;
  return ` (did you mean ${list}?)`;
}

/**
 * The message for rule ids that are not in `known`: `unknown rule: x (did you mean y?) (see
 * \`autopack-fix list-rules\`)`, a suggestion after each unknown id that has one.
 */
export function unknownRulesMessage(unknown: readonly string[], known: readonly string[]): string {
  const parts = unknown.map((id) => `${id}${didYouMean(id, known)}`);
  return `unknown rule${unknown.length > 1 ? 's' : ''}: ${parts.join(', ')} (see \`autopack-fix list-rules\`)`;
}
