/**
 * The vocabulary shared by the engine, the rules and the reports: a finding may carry a Fix
 * made of byte-span edits (offsets into the file's decoded text, BOM excluded) and whole-file
 * creations. What a rule is and what it is given live in rule.ts.
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

export interface Fix {
  safety: Safety;
  /** One imperative line: "rename service `postgres` to `db`". */
  description: string;
  edits: TextEdit[];
  creates?: FileCreation[];
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
  message: string;
  /**
   * Stable identity of the problem, independent of line numbers, used to prove that a fix made
   * the rule stop firing and, later, for baselines. Rules set it from the facts they judged.
   */
  key: string;
  fix: Fix | null;
}

/** What a rule returns before the engine stamps ruleId/seedIds/severity on it. */
export interface RawFinding {
  file: string;
  /** Offset into the file's text; the engine turns it into line/column. */
  offset: number;
  message: string;
  key: string;
  severity?: Severity;
  fix?: Fix | null;
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
