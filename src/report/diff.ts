import { structuredPatch } from 'diff';
import type { FileChange } from '../engine/run.js';

/**
 * A git-style unified diff of the changes, which `git apply` accepts at the root. Texts are
 * diffed with their BOM so the patch reproduces the exact bytes `--write` produces; CRLF lines
 * keep their `\r`.
 */
export function unifiedDiff(changes: readonly FileChange[]): string {
  let out = '';
  for (const change of [...changes].sort((a, b) => a.path.localeCompare(b.path))) {
    const bom = change.bom ? '\uFEFF' : '';
    const before = change.before === undefined ? '' : bom + change.before;
    const after = bom + change.after;
    const created = change.before === undefined;
    const patch = structuredPatch(`a/${change.path}`, `b/${change.path}`, before, after, undefined, undefined, { context: 3 });
    out += `diff --git a/${change.path} b/${change.path}\n`;
    if (created) out += 'new file mode 100644\n';
    out += `--- ${created ? '/dev/null' : `a/${change.path}`}\n+++ b/${change.path}\n`;
    for (const hunk of patch.hunks) {
      // An empty side starts at line 0 in unified diffs ("@@ -0,0 +1,3 @@").
      const oldStart = hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart;
      const newStart = hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart;
      out += `@@ -${oldStart},${hunk.oldLines} +${newStart},${hunk.newLines} @@\n`;
      for (const line of hunk.lines) out += `${line}\n`;
    }
  }
  return out;
}
