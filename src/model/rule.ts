/**
 * The contract between the engine and the rules: a rule reads a RuleContext and returns raw
 * findings; the engine stamps, filters, proves and applies them. Rules never touch the disk,
 * spawn processes or print: everything they know comes through the context.
 *
 * It names the workspace and the facts, so model/ sits above them in the layers
 * (docs/architecture.md): the workspace, formats and facts do not import model/, and keep
 * their own narrow types where they need one.
 */
import type { Workspace } from '../workspace/workspace.js';
import type { Facts } from '../facts/facts.js';
import type { Files } from '../facts/files.js';
import type { RawFinding, Safety, Severity } from './types.js';

export interface RuleMeta {
  id: string;
  /** Every gap-analysis item the rule's findings can be an instance of (see RawFinding.seedIds). */
  seedIds: string[];
  /** One line for list-rules. */
  summary: string;
  defaultSeverity: Severity;
  /** Whether the rule can produce fixes at all, and the strongest class it produces. */
  fixable: Safety | 'none';
}

export interface RuleContext {
  workspace: Workspace;
  facts: Facts;
  /** The one parse of each file, by kind (`files.yaml(p)`, `files.dockerfile(p)`, `await files.python(p)`): facts.files. */
  files: Files;
  /** The rule's options from configuration, merged over its defaults. */
  options: Record<string, unknown>;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): Promise<RawFinding[]>;
}
