/**
 * autopack-fix as a library: the same pipeline the CLI, `--write --branch` and the PR bot use
 * (configuration, rule selection, suppressions, baseline), the rule list and the types.
 *
 *   import { runPipeline, writeChanges } from 'autopack-fix';
 *   const { workspace, result } = await runPipeline({ root: '.', fix: true });
 *   for (const f of result.findings) console.log(`${f.file}:${f.line} ${f.ruleId} ${f.message}`);
 *   writeChanges(workspace, result.changes);
 *
 * Nothing here is written or printed unless asked: runPipeline returns the findings and the
 * proven changes, writeChanges writes them (each file atomically).
 */
export { createPipeline, runPipeline, type Keep, type Pipeline, type PipelineOptions, type RunPipelineOptions, type Selection } from './pipeline/pipeline.js';
export { RULES, findRule } from './rules/registry.js';
export type { Diagnostic, FileCreation, Finding, Fix, RawFinding, Safety, Severity, SkipReason, TextEdit } from './model/types.js';
export { SKIP_REASONS } from './model/types.js';
export type { OptionSchema, Rule, RuleContext, RuleMeta } from './model/rule.js';
export { defaultOptions, renderMessage } from './model/rule.js';
export { buildConfigSchema } from './config/schema.js';
export { run, type FileChange, type FixStatus, type ReportedFinding, type RunOptions, type RunResult } from './engine/run.js';
export { writeChanges, type WriteOutcome } from './engine/write.js';
export { Workspace } from './workspace/workspace.js';
export { ConfigError, loadConfig, type ConfigFile, type ResolvedConfig } from './config/index.js';
export { ChangedSinceError } from './git/changed.js';
export { BaselineError, buildBaseline, writeBaseline, type Baseline } from './engine/baseline.js';
export { jsonReport } from './report/json.js';
export { sarifReport } from './report/sarif.js';
// A diff given the workspace's secrets (collectSecrets) shows no unchanged line holding an
// environment value, as the CLI's never does (docs/robustness.md, "Secrets").
export { unifiedDiff } from './report/diff.js';
export { collectSecrets } from './report/secrets.js';
