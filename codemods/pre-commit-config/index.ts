import type { Fix, RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { readPackageJson } from '../../src/facts/ecosystems.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { ciRuns, configuredLinters, otherHookRunner, repositoryPins, rootManager, type Evidence } from './detect.js';
import { CONFIG_PATH, generateConfig, type PlannedHook } from './fix.js';
import { HOOKS, type LinterId } from './tools.js';
import { majorityLineEnding } from '../../src/facts/files.js';

/**
 * Linters configured at the repository root or run by its CI, and no `.pre-commit-config.yaml`
 * (seed 3.1): contributors meet the lint failures only in CI. Silent when the repository runs
 * git hooks another way (husky, lefthook, simple-git-hooks, a hooks folder). The `review` fix
 * creates a config that mirrors what CI runs, pinned to the versions the repository uses.
 */
export const rule: Rule = {
  meta: {
    id: 'pre-commit-config',
    seedIds: ['3.1'],
    summary: 'Linters configured or run in CI but no .pre-commit-config.yaml; generate one that mirrors CI, pinned to the repository\'s versions (review).',
    defaultSeverity: 'info',
    fixable: 'review',
    messages: {
      noConfig: '{{linters}} {{are}} used here ({{evidence}}) but no `.pre-commit-config.yaml` runs {{them}} before a commit{{leftOut}}',
    },
  },
  async check({ workspace: ws, files }) {
    if (ws.has(CONFIG_PATH) || ws.has('.pre-commit-config.yml')) return [];
    if (otherHookRunner(ws)) return [];
    const configured = configuredLinters(ws, files);
    const pins = repositoryPins(ws, files);
    const ci = ciRuns(ws, pins);
    if (configured.length === 0 && ci.length === 0) return [];
    const order: LinterId[] = [];
    for (const e of [...ci, ...configured]) if (!order.includes(e.linter)) order.push(e.linter);
    const jsDeps = declaredJsPackages(ws);
    const planned: PlannedHook[] = [];
    const leftOut: string[] = [];
    for (const linter of order) {
      const plan = HOOKS[linter];
      if (plan.kind === 'none') leftOut.push(`${linter} (${plan.why})`);
      else if (plan.kind === 'local' && !jsDeps.has(linter)) leftOut.push(`${linter} (the root package.json does not install it, so a local hook has nothing to run)`);
      else if (linter === 'ruff') {
        const ids = [...new Set(ci.filter((c) => c.linter === 'ruff' && c.hook).map((c) => c.hook as string))].sort();
        planned.push({ linter, ids: ids.length > 0 ? ids : ['ruff'] });
      } else planned.push({ linter });
    }
    const evidence: Evidence[] = [];
    for (const linter of order) {
      const own = configured.find((c) => c.linter === linter);
      const run = ci.find((c) => c.linter === linter);
      if (own) evidence.push(own);
      if (run) evidence.push(run);
    }
    const anchor = evidence[0] as Evidence;
    // The line ending most of the evidence files use (the linter configs and the workflows that
    // run them): the files a contributor edits next to the new config; LF on a tie.
    const eol = majorityLineEnding(ws, evidence.map((e) => e.file));
    let fix: Fix | null = null;
    if (planned.length > 0) {
      const generated = generateConfig(planned, pins, rootManager(ws), eol, ['vue', 'svelte'].filter((t) => jsDeps.has(t)));
      const names = planned.map((p) => p.linter).join(', ');
      fix = { safety: 'review', description: `create ${CONFIG_PATH} with hooks for ${names}${generated.pinned.length > 0 ? `; pinned: ${generated.pinned.join(', ')}` : ''}`, edits: [], creates: [{ file: CONFIG_PATH, content: generated.content }] };
    }
    const finding: RawFinding = {
      file: anchor.file,
      offset: anchor.offset,
      key: 'no-pre-commit-config',
      messageId: 'noConfig',
      data: {
        linters: order.join(', '),
        are: order.length === 1 ? 'is' : 'are',
        them: order.length === 1 ? 'it' : 'them',
        evidence: evidence.map((e) => (e.what.includes(e.file) ? e.what : `${e.file} ${e.what}`)).slice(0, 6).join('; '),
        leftOut: leftOut.length > 0 ? `; no hook generated for ${leftOut.join(', ')}` : '',
      },
      fix,
      ...(fix ? {} : { skipReason: 'no-candidate' as const }),
    };
    return [finding];
  },
};

/** eslint, prettier and eslint's single-file-component plugins as the root package.json installs them. */
function declaredJsPackages(ws: Workspace): Set<string> {
  const out = new Set<string>();
  const pkg = ws.has('package.json') ? readPackageJson(ws.read('package.json')) : undefined;
  for (const field of ['devDependencies', 'dependencies']) {
    const deps = pkg?.[field];
    if (!deps || typeof deps !== 'object') continue;
    if ('eslint' in deps) out.add('eslint');
    if ('prettier' in deps) out.add('prettier');
    if ('eslint-plugin-vue' in deps) out.add('vue');
    if ('eslint-plugin-svelte' in deps || 'eslint-plugin-svelte3' in deps) out.add('svelte');
  }
  return out;
}

