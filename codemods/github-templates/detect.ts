/**
 * Where GitHub looks for issue and pull-request templates, and what the repository says about
 * itself: whether it lives on GitHub, which command runs its tests, which line endings its
 * files use. Everything comes from the files of the checkout (a rule never asks git).
 */
import type { Workspace } from '../../src/workspace/workspace.js';
import type { Files } from '../../src/facts/files.js';
import { jsPackages, readPackageJson } from '../../src/facts/ecosystems.js';
import { majorityLineEnding } from '../../src/facts/files.js';

/** The folders GitHub reads templates from: the root, `.github/` and `docs/`. */
const PLACES = ['', '.github/', 'docs/'];

function lowerPaths(ws: Workspace): string[] {
  return ws.paths.map((p) => p.toLowerCase());
}

/**
 * The issue templates the repository has, by path: `ISSUE_TEMPLATE.md` or an `ISSUE_TEMPLATE/`
 * folder (forms or Markdown) in the root, `.github/` or `docs/`, in any case.
 */
export function issueTemplates(ws: Workspace): string[] {
  const lower = lowerPaths(ws);
  return ws.paths.filter((_, i) => {
    const p = lower[i] as string;
    return PLACES.some((d) => p === `${d}issue_template.md` || p === `${d}issue_template.txt` || p === `${d}issue_template` || (p.startsWith(`${d}issue_template/`) && !p.slice(`${d}issue_template/`.length).includes('/')));
  });
}

/** The pull-request templates: `pull_request_template.md` or a `PULL_REQUEST_TEMPLATE/` folder, in the same places. */
export function prTemplates(ws: Workspace): string[] {
  const lower = lowerPaths(ws);
  return ws.paths.filter((_, i) => {
    const p = lower[i] as string;
    return PLACES.some((d) => p === `${d}pull_request_template.md` || p === `${d}pull_request_template.txt` || p === `${d}pull_request_template` || (p.startsWith(`${d}pull_request_template/`) && !p.slice(`${d}pull_request_template/`.length).includes('/')));
  });
}

/**
 * Files named like a template but not as GitHub reads them (`issue-template.md`,
 * `.github/PR_TEMPLATE.md`): the maintainers wrote one, so the finding names it instead of
 * offering a second.
 */
export function nearMisses(ws: Workspace, kind: 'issue' | 'pr'): string[] {
  const re = kind === 'issue' ? /^(issue|bug)[-_ ]?(report[-_ ]?)?template(\.(md|txt|ya?ml))?$/i : /^(pull[-_ ]?request|pr)[-_ ]?template(\.(md|txt))?$/i;
  return ws.paths.filter((p) => {
    const slash = p.lastIndexOf('/');
    const dir = p.slice(0, slash + 1).toLowerCase();
    return PLACES.includes(dir) && re.test(p.slice(slash + 1));
  });
}

const GITHUB_URL = /(^|[/@.])github\.com[/:]/i;

/**
 * Why the repository is taken to be hosted on GitHub, or undefined: a `.github/` folder, or a
 * github.com URL in the root's package metadata (package.json `repository`/`homepage`/`bugs`,
 * pyproject `[project.urls]` or poetry's `repository`/`homepage`).
 */
export function onGitHub(ws: Workspace, files: Files): string | undefined {
  if (ws.hasDir('.github')) return 'it has a `.github/` folder';
  const pkg = ws.has('package.json') ? readPackageJson(ws.read('package.json')) : undefined;
  if (pkg) {
    for (const key of ['repository', 'homepage', 'bugs']) {
      const v = pkg[key];
      const url = typeof v === 'string' ? v : v && typeof v === 'object' ? (v as Record<string, unknown>).url : undefined;
      if (typeof url === 'string' && (GITHUB_URL.test(url) || /^github:/.test(url) || (key === 'repository' && /^[\w.-]+\/[\w.-]+$/.test(url)))) return `package.json \`${key}\` is on GitHub`;
    }
  }
  const py = ws.has('pyproject.toml') ? files.toml('pyproject.toml')?.value : undefined;
  if (py) {
    const project = py.project as Record<string, unknown> | undefined;
    const poetry = (py.tool as Record<string, Record<string, unknown> | undefined> | undefined)?.poetry;
    const urls = [...Object.values((project?.urls as Record<string, unknown>) ?? {}), poetry?.repository, poetry?.homepage];
    if (urls.some((u) => typeof u === 'string' && GITHUB_URL.test(u))) return 'pyproject.toml names a github.com URL';
  }
  return undefined;
}

/** The npm default `test` script, which only fails. */
const NPM_PLACEHOLDER = /no test specified/;

/**
 * The command that runs the repository's tests, when its own files name one: the root
 * package.json `test` script (run with the root's package manager), a Makefile `test` target,
 * or pytest configured at the root.
 */
export function testCommand(ws: Workspace, files: Files): string | undefined {
  const pkg = ws.has('package.json') ? readPackageJson(ws.read('package.json')) : undefined;
  const scripts = pkg?.scripts && typeof pkg.scripts === 'object' ? (pkg.scripts as Record<string, unknown>) : {};
  if (typeof scripts.test === 'string' && !NPM_PLACEHOLDER.test(scripts.test)) {
    const manager = jsPackages(ws).find((p) => p.dir === '')?.manager ?? 'npm';
    // `bun test` is bun's own test runner, not the script.
    return manager === 'bun' ? 'bun run test' : `${manager} test`;
  }
  for (const makefile of ['Makefile', 'makefile', 'GNUmakefile']) {
    const text = ws.has(makefile) ? ws.probe(makefile)?.text : undefined;
    if (text && /^test\s*::?(?!=)/m.test(text)) return 'make test';
  }
  const tool = ws.has('pyproject.toml') ? (files.toml('pyproject.toml')?.value?.tool as Record<string, unknown> | undefined) : undefined;
  if ((tool && 'pytest' in tool) || ws.has('pytest.ini')) return 'pytest';
  return undefined;
}

/**
 * The line ending of the created files: the one most of the files under `.github/` use (the
 * templates join them), else most of the root's Markdown files; LF on a tie or with nothing to go by.
 */
export function lineEnding(ws: Workspace): '\n' | '\r\n' {
  const github = ws.paths.filter((p) => p.startsWith('.github/'));
  const withBreaks = github.some((p) => ws.probe(p)?.text.includes('\n'));
  return majorityLineEnding(ws, withBreaks ? github : ws.paths.filter((p) => !p.includes('/') && /\.md$/i.test(p)));
}
