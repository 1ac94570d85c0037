/**
 * The fix config-unreferenced will offer: `review`, move the file to the archive folder with a
 * note saying where it was and why it moved. The engine has no file-move edit yet (a fix is
 * span edits and whole-file creations), so the rule is report-only for now, with the skip
 * reason `author-intent`: wiring the file, archiving it or documenting it as future-only is the
 * maintainers' call (seed 2.11).
 *
 * TODO(lead): when the engine's file-move edit lands (src/engine/*, model/types.ts), return
 * here a review-class Fix that moves `file` to `${archive}/${file}` and creates or extends
 * `${archive}/README.md` with a line naming the old path and the reason, and set the rule's
 * `meta.fixable` to 'review' (README: "What the fix touches", "Safety").
 */
import type { Fix } from '../../src/model/types.js';

export function archiveFix(_file: string): Fix | null {
  return null;
}
