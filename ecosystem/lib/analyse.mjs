/**
 * One in-process run of the engine over a snapshot, configured the way the CLI configures a
 * plain `--write` run (the repository's own config, its suppressions, safe fixes applied to a
 * copy in memory), plus helpers to show a fix in context.
 */
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';

const DIST = path.resolve(import.meta.dirname, '..', '..', 'dist', 'src');
const { RULES } = await import(path.join(DIST, 'rules', 'registry.js'));
const { Workspace } = await import(path.join(DIST, 'workspace', 'workspace.js'));
const { run } = await import(path.join(DIST, 'engine', 'run.js'));
const { loadConfig, allOf } = await import(path.join(DIST, 'config', 'index.js'));
const { createSuppressions } = await import(path.join(DIST, 'engine', 'suppressions.js'));
const { applyEdits } = await import(path.join(DIST, 'engine', 'edits.js'));
const { ParsePrefetch } = await import(path.join(DIST, 'parallel', 'prefetch.js'));
const { setParseStore } = await import(path.join(DIST, 'formats', 'store.js'));
const { DEFAULT_MAX_FILE_BYTES } = await import(path.join(DIST, 'workspace', 'workspace.js'));

// The plan of each run as the CLI makes it (src/parallel/: docs read in batches), with
// ECOSYSTEM_WORKERS=N parse workers beside it, to check that the output does not change with
// them. Default: none.
const WORKERS = Number(process.env.ECOSYSTEM_WORKERS ?? 0);

export async function analyse(root, options = {}) {
  const t0 = Date.now();
  const cfg = loadConfig({ root, registry: RULES, only: options.only });
  const suppressions = createSuppressions({ selected: cfg.rules, knownRuleIds: RULES.map((r) => r.meta.id) });
  const workspace = await Workspace.open(root);
  const safe = new Set(['safe']);
  const prefetch = ParsePrefetch.start(undefined, { root: workspace.root, paths: workspace.paths, maxFileBytes: DEFAULT_MAX_FILE_BYTES, rules: suppressions.rules.map((r) => r.meta.id), concurrency: WORKERS, peek: (p) => workspace.peek(p) });
  setParseStore(prefetch);
  let result;
  try {
    result = await run(workspace, { rules: suppressions.rules, ruleOptions: cfg.ruleOptions, apply: safe, accepted: safe, keep: allOf(cfg.keep, suppressions.keep) });
  } finally {
    setParseStore(undefined);
    prefetch?.close();
  }
  return { ...result, workspace, ms: Date.now() - t0 };
}

/** The unified diff of one fix alone on the original files (3 lines of context). */
export function editContext(ws, fix) {
  const files = [...new Set(fix.edits.map((e) => e.file))];
  const parts = [];
  for (const file of files) {
    const before = ws.read(file)?.text ?? '';
    const after = applyEdits(before, fix.edits.filter((e) => e.file === file));
    parts.push(createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, '', '', { context: 3 }).split('\n').slice(2).join('\n').trimEnd());
  }
  for (const c of fix.creates ?? []) {
    const body = c.content.split('\n').slice(0, 60).map((l) => `+${l}`).join('\n');
    parts.push(`--- /dev/null\n+++ b/${c.file} (created)\n${body}`);
  }
  return parts.join('\n');
}
