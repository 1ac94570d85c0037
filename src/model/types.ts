/**
 * The vocabulary shared by the engine, the rules and the reports: a finding may carry a Fix
 * made of byte-span edits (offsets into the file's decoded text, BOM excluded), whole-file
 * creations and file moves. What a rule is and what it is given live in rule.ts.
 */

export type Severity = 'error' | 'warning' | 'info';
/** `safe` fixes are applied by --write; `review` fixes only with --unsafe-fixes. */
export type Safety = 'safe' | 'review';

export interface TextEdit {
  /** Path relative to the workspace root, `/`-separated. */
  file: string;
  /** Offsets into the decoded text (UTF-16 code units, BOM excluded). */
  start: number;
  end: number;
  text: string;
}

export interface FileCreation {
  file: string;
  content: string;
}

/**
 * A file moved byte for byte (`git mv`): the source goes, the target holds its exact bytes. The
 * target must not exist; a fix never also edits or creates either path (a moved file keeps its
 * content, so a rename diff carries no hunk and binary files move like any other).
 */
export interface FileMove {
  from: string;
  to: string;
}

export interface Fix {
  safety: Safety;
  /** One imperative line: "rename service `postgres` to `db`". */
  description: string;
  edits: TextEdit[];
  creates?: FileCreation[];
  moves?: FileMove[];
}

export interface Finding {
  ruleId: string;
  seedIds: string[];
  severity: Severity;
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  /** The text, rendered from the rule's `meta.messages[messageId]` with `data` when it has one. */
  message: string;
  /** The id of the message template, when the rule reports by id (RuleMeta.messages). */
  messageId?: string;
  /** The values of the template's placeholders. */
  data?: Record<string, string | number>;
  /**
   * Stable identity of the problem, independent of line numbers, used to prove that a fix made
   * the rule stop firing and, later, for baselines. Rules set it from the facts they judged.
   */
  key: string;
  fix: Fix | null;
  /** Why the rule offers no fix (set only when `fix` is null): see SKIP_REASONS. */
  skipReason?: SkipReason;
  /** The finding is about the file as a whole (RawFinding.wholeFile). */
  wholeFile?: true;
}

/**
 * Why a rule reports a problem and withholds its fix: a closed set, so that reports can count
 * them (Renovate's `skipReason`). The human detail stays in the finding's message.
 */
export const SKIP_REASONS = {
  'ambiguous-target': 'more than one replacement fits; the tool will not pick one',
  'no-candidate': 'nothing in the repository says what the value should be',
  'not-editable': 'the text cannot be edited in place (escaped, split, generated or not a file of the workspace)',
  'unusual-layout': 'the file is laid out in a way the rule does not edit (flow style, one-line blocks)',
  'changes-behaviour': 'the only edit that silences the finding would change what is built or run',
  'author-intent': 'only the author can say what is missing (a reason, the rule that was meant)',
  'unverifiable': 'the rule cannot check the value (computed, or read from outside the repository)',
  'evidence-in-ledger': 'the text quotes the old value on purpose (a changelog, a migration note)',
  'other-consumers': 'other files use the value as it is, so changing it here would break them',
  'unparseable': 'a file the fix depends on does not parse',
  'disabled-by-option': 'an option of the rule turns the fix off',
  'needs-pin-map': 'the fix needs a value only the user can vouch for (a commit SHA or digest from --pin-map)',
  'lookup-failed': 'the value the fix needs was to be looked up (--network), and the lookup failed (HTTP status, DNS, timeout, auth, rate limit)',
} as const satisfies Record<string, string>;

export type SkipReason = keyof typeof SKIP_REASONS;

/** What a rule returns before the engine stamps ruleId/seedIds/severity on it. */
export interface RawFinding {
  file: string;
  /** Offset into the file's text; the engine turns it into line/column. */
  offset: number;
  /**
   * The text, for a rule that does not report by message id (a plugin rule); the built-in rules
   * set `messageId` and `data`, and the engine renders the text from their meta.
   */
  message?: string;
  /** A key of the rule's `meta.messages`. */
  messageId?: string;
  /** The values of the message's `{{placeholders}}`. */
  data?: Record<string, string | number>;
  key: string;
  severity?: Severity;
  fix?: Fix | null;
  /**
   * The finding is about the file as a whole (nothing reads it, it is in the wrong place), not
   * about a line of it: its baseline fingerprint leaves out the line text, so an edit at the top
   * of the file does not make it a new finding.
   */
  wholeFile?: true;
  /** Why no fix is offered, when `fix` is null and the rule knows (SKIP_REASONS). */
  skipReason?: SkipReason;
  /**
   * The gap-analysis items this finding is an instance of. Omitted: the rule's own `seedIds`
   * (a rule with one class of finding); a rule with several classes sets it per finding, and
   * `[]` for a finding of no seed class (a dead link in some report is not seed item 1.4).
   */
  seedIds?: string[];
  /**
   * The same problem, as another rule reports it (rule id and that finding's key). When that
   * rule reports it in the same run, this finding is left out: one finding per problem (a missing
   * `.env.example` is env-example-missing's, not also a dead reference). When that rule is not
   * run, or says nothing, this finding stands.
   */
  reportedBy?: { ruleId: string; key: string };
}

/** Something the run could not do on one file: it is reported and the run goes on. */
export interface Diagnostic {
  file: string;
  line?: number;
  column?: number;
  message: string;
  kind: 'parse-error' | 'skipped' | 'fix-rejected' | 'write-error' | 'note';
  ruleId?: string;
}
