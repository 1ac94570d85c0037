import type { Fix, SkipReason } from '../../src/model/types.js';
import type { NestedApp } from './detect.js';

export interface ArchiveOutcome {
  fix: Fix | null;
  skipReason: SkipReason;
  /** Why there is no fix, in words, for the message. */
  reason: string;
}

/**
 * The fix the seed asks for is `git mv <app> archive/experiments/<name>/` with an ARCHIVED.md.
 * A fix here is byte-span edits and file creations; the engine neither deletes nor moves a
 * file, so the move cannot be expressed (a copy under archive/ beside the original would be a
 * third UI). The finding is report-only and says what the move would leave dangling.
 */
export function archiveOutcome(nested: NestedApp): ArchiveOutcome {
  if (nested.references.length > 0) {
    return { fix: null, skipReason: 'other-consumers', reason: 'moving it would leave these references dangling; repoint or remove them in the same change' };
  }
  return { fix: null, skipReason: 'not-editable', reason: 'autopack-fix edits and creates files but does not move them' };
}
