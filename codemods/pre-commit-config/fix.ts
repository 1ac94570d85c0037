/**
 * The `.pre-commit-config.yaml` the fix creates: one entry per linter, in the order the
 * repository shows them (CI first, then the configuration), each Python hook pinned to the
 * version the repository uses. Written as text, in the repository's line endings.
 */
import type { JsManager } from '../../src/facts/ecosystems.js';
import { DEFAULT_VERSIONS, HOOKS, execPrefix, type LinterId } from './tools.js';
import type { Pin } from './detect.js';

export const CONFIG_PATH = '.pre-commit-config.yaml';

export interface PlannedHook {
  linter: LinterId;
  /** For ruff: the hook ids CI's commands map to. */
  ids?: string[];
}

export interface Generated {
  content: string;
  /** `ruff v0.4.4 (uv.lock)`, for the fix's description. */
  pinned: string[];
}

/**
 * `frameworks`: identify's file types of the single-file components the root package uses
 * (`vue`, `svelte`), which its eslint lints through a plugin; a plain eslint would fail to parse them.
 */
export function generateConfig(planned: readonly PlannedHook[], pins: ReadonlyMap<string, Pin>, manager: JsManager, eol: string, frameworks: readonly string[] = []): Generated {
  const lines: string[] = [
    '# The linters this repository configures and its CI runs, as git hooks: `pre-commit install`.',
    '# Python hooks are pinned to the versions the repository uses; `pre-commit autoupdate` moves them.',
    'repos:',
  ];
  const pinned: string[] = [];
  const local: string[] = [];
  for (const { linter, ids } of planned) {
    const plan = HOOKS[linter];
    if (plan.kind === 'remote') {
      const pin = pins.get(plan.pypi);
      const version = pin?.version ?? (DEFAULT_VERSIONS[linter] as string);
      const rev = plan.tag(version);
      const source = pin ? pin.source : 'no pin in the repository: the version table of autopack-fix';
      pinned.push(`${linter} ${rev} (${source})`);
      lines.push(`  - repo: ${plan.repo}`, `    rev: ${rev}  # ${source}`, '    hooks:');
      for (const id of ids && ids.length > 0 ? ids : plan.hooks) lines.push(`      - id: ${id}`);
    } else if (plan.kind === 'local') {
      const entry = [execPrefix(manager), plan.bin, ...plan.args].join(' ');
      const types = linter === 'eslint' ? [...plan.types, ...frameworks] : plan.types;
      local.push(`      - id: ${linter}`, `        name: ${linter}`, `        entry: ${entry}`, '        language: system', `        types_or: [${types.join(', ')}]`);
    }
  }
  if (local.length > 0) lines.push('  # Run with the version and plugins the lockfile installs, as CI does.', '  - repo: local', '    hooks:', ...local);
  return { content: lines.join(eol) + eol, pinned };
}
