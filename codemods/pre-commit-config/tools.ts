/**
 * The linters the rule knows, and how each is run from pre-commit. A Python linter has an
 * upstream hook repository, pinned with `rev:` to a tag; the tag style differs per repository
 * (`v0.4.4` for ruff and mypy, `24.4.2` for black, isort and flake8), so it is part of the
 * table. JavaScript linters are run as `local` hooks through the repository's own package
 * manager: the upstream mirrors (mirrors-eslint, mirrors-prettier) are archived, and a local hook
 * runs the very version and plugins the lockfile installs, which is what CI runs too.
 */
import type { JsManager } from '../../src/facts/ecosystems.js';

export type LinterId = 'ruff' | 'black' | 'isort' | 'flake8' | 'mypy' | 'eslint' | 'prettier' | 'pylint';

export interface RemoteHook {
  kind: 'remote';
  repo: string;
  /** The distribution name whose pinned version is the hook's version. */
  pypi: string;
  tag: (version: string) => string;
  /** Hook ids, in the order they are written. */
  hooks: readonly string[];
}

export interface LocalHook {
  kind: 'local';
  /** The executable the package manager runs. */
  bin: string;
  /** Arguments after the executable, before pre-commit's file names. */
  args: readonly string[];
  /** pre-commit's file types the hook runs on (`types_or`). */
  types: readonly string[];
}

/** No hook is generated: the linter needs the project's whole environment (say so in the finding). */
export interface NoHook {
  kind: 'none';
  why: string;
}

export type HookPlan = RemoteHook | LocalHook | NoHook;

const v = (version: string): string => `v${version}`;
const bare = (version: string): string => version;

export const HOOKS: Readonly<Record<LinterId, HookPlan>> = {
  ruff: { kind: 'remote', repo: 'https://github.com/astral-sh/ruff-pre-commit', pypi: 'ruff', tag: v, hooks: ['ruff'] },
  black: { kind: 'remote', repo: 'https://github.com/psf/black-pre-commit-mirror', pypi: 'black', tag: bare, hooks: ['black'] },
  isort: { kind: 'remote', repo: 'https://github.com/PyCQA/isort', pypi: 'isort', tag: bare, hooks: ['isort'] },
  flake8: { kind: 'remote', repo: 'https://github.com/PyCQA/flake8', pypi: 'flake8', tag: bare, hooks: ['flake8'] },
  mypy: { kind: 'remote', repo: 'https://github.com/pre-commit/mirrors-mypy', pypi: 'mypy', tag: v, hooks: ['mypy'] },
  eslint: { kind: 'local', bin: 'eslint', args: [], types: ['javascript', 'jsx', 'ts', 'tsx'] },
  prettier: { kind: 'local', bin: 'prettier', args: ['--check', '--ignore-unknown'], types: ['text'] },
  pylint: { kind: 'none', why: 'pylint imports the code it checks, so its hook needs the project installed in the hook environment' },
};

/**
 * Versions used when the repository pins none (no lockfile, requirement or CI install names
 * one). Written 2025-06 from the hook repositories' tags; each of these tags exists upstream.
 * `pre-commit autoupdate` moves them on; the repository's own pins always win over this table.
 */
export const DEFAULT_VERSIONS: Readonly<Record<string, string>> = {
  ruff: '0.12.0',
  black: '25.1.0',
  isort: '6.0.1',
  flake8: '7.1.1',
  mypy: '1.15.0',
};

/** How each package manager runs a binary the project installed (pre-commit appends the file names). */
export function execPrefix(manager: JsManager): string {
  switch (manager) {
    case 'pnpm':
      return 'pnpm exec';
    case 'yarn':
      return 'yarn';
    case 'bun':
      return 'bunx';
    default:
      return 'npx';
  }
}
