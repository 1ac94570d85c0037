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
import type { Releasable } from '../facts/fact.js';
import type { RawFinding, Safety, Severity } from './types.js';

/**
 * The JSON Schema (draft-07) of one option, as it appears in the generated config schema
 * (schemas/config.schema.json, `npm run schema`): `type`/`enum`/`items`… for validation,
 * `description` for editors, and `default`, the value the rule gets when the config is silent.
 */
export type OptionSchema = { description: string; default?: unknown } & Record<string, unknown>;

export interface RuleMeta {
  id: string;
  /** Every gap-analysis item the rule's findings can be an instance of (see RawFinding.seedIds). */
  seedIds: string[];
  /** One line for list-rules. */
  summary: string;
  defaultSeverity: Severity;
  /** Whether the rule can produce fixes at all, and the strongest class it produces. */
  fixable: Safety | 'none';
  /**
   * The options, by name, in the order the schema lists them. The engine gives the rule the
   * configured options merged over the `default`s (see `defaultOptions`); the config file is
   * validated against these schemas. Absent or empty: the rule takes no options.
   */
  options?: Record<string, OptionSchema>;
  /**
   * Message templates by id: a finding names one (`RawFinding.messageId`) and the values of
   * its `{{placeholders}}` (`RawFinding.data`), and the engine renders the text
   * (`renderMessage`). Goldens assert the id and the data, so a rewording changes one line
   * here. Every built-in rule declares them (tests/rule-meta.test.ts); a plugin rule without
   * them may still report plain `message`s.
   */
  messages?: Record<string, string>;
  /**
   * `false`: an opt-in rule, run only when the configuration enables it (`rules.<id>.enabled:
   * true`) or `--select`/`--rule` names it. For inventories whose findings are many and are not
   * drift (todo-inventory): on by default they would bury every other rule's output. Absent: on.
   */
  defaultEnabled?: boolean;
}

export interface RuleContext {
  workspace: Workspace;
  facts: Facts;
  /** The one parse of each file, by kind (`files.yaml(p)`, `files.dockerfile(p)`, `await files.python(p)`): facts.files. */
  files: Files;
  /** The rule's options from configuration, merged over the defaults of its meta. */
  options: Record<string, unknown>;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): Promise<RawFinding[]>;
  /**
   * The Markdown docs this rule reads (the list `check` walks): parse workers read them ahead of
   * it, and the main thread reads them in batches (src/parallel/). A hint, like the Python
   * pass's interests: a doc left out is read alone when asked, and one listed but never asked
   * costs a parse. Absent: the rule reads no doc, or a few it picks as it goes.
   */
  docsReadAhead?(ctx: Pick<RuleContext, 'workspace' | 'options'>): readonly string[];
  /**
   * Whether this rule will likely look up missing paths in git history, from a cheap look (no
   * parse): the pipeline then has git walk the history's removals from the start of the run
   * (Workspace.readHistoryAhead), beside the rules before this one. A guess: wrong either way,
   * it costs time, never a finding (the rule may still start the walk itself once it knows).
   */
  historyAhead?(ctx: Pick<RuleContext, 'workspace' | 'options'>): boolean;
  /**
   * The large per-run data this rule reads, directly or through a fact (`DOC_COMMANDS`: any doc's
   * commands). A run that fixes nothing lets each go once the last rule that names it has run
   * (facts/fact.ts, Releasable). A rule that reads one it does not name makes it again: it costs
   * time, never a finding. Absent: none.
   */
  reads?: readonly Releasable[];
  /**
   * Whether this run's rule may read its `reads` at all, from a cheap look before the rules run
   * (no parse): a rule that reads them only for what few repositories hold (drift-guard-coverage:
   * a drift checker whose lists forbid app targets) says no elsewhere, and the run lets them go
   * after the last rule that will read them. A wrong no costs time, never a finding (the rule
   * makes them again). Absent: it reads them.
   */
  readsIf?(ctx: Pick<RuleContext, 'workspace' | 'options'>): boolean;
  /**
   * The rule judges what the rules before it found (unused-suppression: which suppressions
   * silenced a finding), so it starts only once every one of them has ended and its findings
   * were kept (engine/overlap.ts). Absent: the rule may start while an earlier rule waits for
   * git or a parse worker.
   */
  afterEarlierRules?: boolean;
}

/** The options a rule gets when the configuration sets none: the `default` of each. */
export function defaultOptions(meta: RuleMeta): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // A copy: a rule that changed a default in place would change it for every later run.
  for (const [name, schema] of Object.entries(meta.options ?? {})) if (schema.default !== undefined) out[name] = structuredClone(schema.default);
  return out;
}

/** The configured options over the defaults (an option given replaces its default whole). */
export function effectiveOptions(meta: RuleMeta, configured: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  return { ...defaultOptions(meta), ...(configured ?? {}) };
}

/**
 * A message template with its `{{name}}`s replaced by `data` (one pass: a value that contains
 * braces is not expanded again). A placeholder without a value, or a template id the rule does
 * not declare, is the rule's bug and throws.
 */
export function renderMessage(meta: RuleMeta, messageId: string, data: Readonly<Record<string, string | number>> = {}): string {
  const template = meta.messages?.[messageId];
  if (template === undefined) throw new Error(`rule ${meta.id} reported messageId "${messageId}", which its meta.messages does not declare`);
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
    const value = data[name];
    if (value === undefined) throw new Error(`rule ${meta.id}: message "${messageId}" needs data.${name}`);
    return String(value);
  });
}
