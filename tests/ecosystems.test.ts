/** Manifest discovery (src/facts/ecosystems.ts) and the dependabot-coverage rule's config writing. */
import { describe, it, expect } from 'vitest';
import { Workspace } from '../src/workspace/workspace.js';
import { Facts } from '../src/facts/facts.js';
import { applyEdits } from '../src/engine/edits.js';
import { parseYaml } from '../src/formats/yaml.js';
import { DEFAULT_MANIFEST_EXCLUDES, discoverManifests, globToRegExp, isUpdatableComposeImage, isUpdatableImage, jsPackages, lockfileFor, matchesGlob, normalizeRepoDir } from '../src/facts/ecosystems.js';
import { rule, internals } from '../codemods/dependabot-coverage/index.js';
import { dependabotSchemaErrors } from './helpers/schemas.js';
import type { RawFinding } from '../src/model/types.js';
import { renderMessage } from '../src/model/rule.js';

const ws = (files: Record<string, string>): Workspace => Workspace.fromFiles('/repo', files);
const summary = (w: Workspace, excludes?: readonly string[]): string[] => discoverManifests(w, excludes).map((m) => `${m.ecosystem} /${m.dir} [${m.files.join(', ')}]`);

const WORKFLOW = 'on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n';
const pkg = (deps: Record<string, string> = { react: '^18.0.0' }, extra: Record<string, unknown> = {}): string => JSON.stringify({ name: 'x', ...extra, dependencies: deps });

/** The rule's raw findings, with the text the engine renders from their message ids. */
async function check(files: Record<string, string>, options: Record<string, unknown> = {}): Promise<{ workspace: Workspace; findings: Array<RawFinding & { message: string }> }> {
  const workspace = ws(files);
  const facts = new Facts(workspace);
  const raw = await rule.check({ workspace, facts, files: facts.files, options });
  const findings = raw.map((f) => ({ ...f, message: f.message ?? renderMessage(rule.meta, f.messageId as string, f.data) }));
  return { workspace, findings };
}

/** Apply the (shared) fix of the findings and return the config text after it. */
function fixed(workspace: Workspace, findings: RawFinding[], configPath = '.github/dependabot.yml'): string {
  const fix = findings[0]?.fix;
  if (!fix) throw new Error('no fix');
  const created = fix.creates?.find((c) => c.file === configPath);
  if (created) return created.content;
  const before = workspace.read(configPath)?.text ?? '';
  return applyEdits(before, fix.edits.filter((e) => e.file === configPath));
}

describe('globs', () => {
  it('normalises dependabot directories to repo-relative paths', () => {
    expect(['/', '.', '', './', '/web/', './web', 'web//', '/a/b/../c'].map(normalizeRepoDir)).toEqual(['', '', '', '', 'web', 'web', 'web', 'a/c']);
  });

  it('matches `*` within one segment and never the root', () => {
    expect(matchesGlob('apps', '*')).toBe(true);
    expect(matchesGlob('', '*')).toBe(false);
    expect(matchesGlob('apps/web', '/apps/*')).toBe(true);
    expect(matchesGlob('apps', '/apps/*')).toBe(false);
    expect(matchesGlob('apps/web/src', '/apps/*')).toBe(false);
    expect(matchesGlob('lib-core', '/lib-*')).toBe(true);
    expect(matchesGlob('lib', '/lib-*')).toBe(false);
    expect(matchesGlob('.github/actions/setup', '/.github/actions/*')).toBe(true);
  });

  it('matches `**` as zero or more whole segments', () => {
    expect(matchesGlob('', '**')).toBe(true);
    expect(matchesGlob('a/b/c', '**')).toBe(true);
    expect(matchesGlob('tools', '/tools/**')).toBe(true);
    expect(matchesGlob('tools/ci/images', '/tools/**')).toBe(true);
    expect(matchesGlob('toolsx', '/tools/**')).toBe(false);
    expect(matchesGlob('a/b', 'a/**/b')).toBe(true);
    expect(matchesGlob('a/x/y/b', 'a/**/b')).toBe(true);
    expect(matchesGlob('a/x/yb', 'a/**/b')).toBe(false);
    expect(matchesGlob('', '**/*')).toBe(false);
    expect(matchesGlob('x', '**/*')).toBe(true);
    expect(matchesGlob('node_modules/react/package.json', '**/node_modules/**')).toBe(true);
    expect(matchesGlob('web/node_modules/react/package.json', '**/node_modules/**')).toBe(true);
    expect(matchesGlob('web/my_node_modules/package.json', '**/node_modules/**')).toBe(false);
  });

  it('supports ?, classes and braces, and escapes regex characters', () => {
    expect(matchesGlob('svc1', 'svc?')).toBe(true);
    expect(matchesGlob('svc12', 'svc?')).toBe(false);
    expect(matchesGlob('svc-a', 'svc-[ab]')).toBe(true);
    expect(matchesGlob('svc-c', 'svc-[!ab]')).toBe(true);
    expect(matchesGlob('svc-a', 'svc-[!ab]')).toBe(false);
    expect(matchesGlob('apps/web', '{apps,libs}/*')).toBe(true);
    expect(matchesGlob('libs/x', '{apps,libs}/*')).toBe(true);
    expect(matchesGlob('tools/x', '{apps,libs}/*')).toBe(false);
    expect(matchesGlob('a+b', 'a+b')).toBe(true);
    expect(matchesGlob('aab', 'a+b')).toBe(false);
    expect(globToRegExp('/x/').source).toBe(globToRegExp('x').source);
  });
});

describe('JS packages and workspaces', () => {
  it('makes workspace members of the nearest root that selects them, and finds the lockfile that pins them', () => {
    const w = ws({
      'package.json': pkg({ a: '1' }, { workspaces: ['packages/*', '!packages/private'] }),
      'package-lock.json': '{}',
      'packages/app/package.json': pkg(),
      'packages/private/package.json': pkg(),
      'tools/admin/package.json': JSON.stringify({ name: 'admin', workspaces: { packages: ['plugins/**'] } }),
      'tools/admin/yarn.lock': '',
      'tools/admin/plugins/a/b/package.json': pkg(),
      'other/package.json': pkg({}, { packageManager: 'pnpm@9.0.0' }),
      'node_modules/react/package.json': pkg(),
    });
    const pkgs = jsPackages(w);
    expect(pkgs.map((p) => [p.dir, p.manager, p.workspaceRoot ?? '-', p.members.join(',')])).toEqual([
      ['other', 'pnpm', '-', ''],
      ['', 'npm', '-', 'packages/app'],
      ['packages/app', 'npm', '', ''],
      ['packages/private', 'npm', '-', ''],
      ['tools/admin', 'yarn', '-', 'tools/admin/plugins/a/b'],
      ['tools/admin/plugins/a/b', 'npm', 'tools/admin', ''],
    ]);
    expect(lockfileFor(w, 'packages/app')).toEqual({ lockfile: 'package-lock.json', root: '' });
    expect(lockfileFor(w, 'tools/admin/plugins/a/b')).toEqual({ lockfile: 'tools/admin/yarn.lock', root: 'tools/admin' });
    expect(lockfileFor(w, 'packages/private')).toBeUndefined();
    expect(lockfileFor(w, 'nowhere')).toBeUndefined();
  });

  it('reads pnpm-workspace.yaml, negations included', () => {
    const w = ws({
      'package.json': JSON.stringify({ name: 'root', private: true }),
      'pnpm-workspace.yaml': "packages:\n  - 'apps/*'\n  - '!apps/legacy'\n",
      'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
      'apps/web/package.json': pkg(),
      'apps/legacy/package.json': pkg(),
    });
    expect(summary(w)).toEqual(['npm / [package.json, pnpm-lock.yaml]', 'npm /apps/legacy [apps/legacy/package.json]']);
    const root = discoverManifests(w)[0];
    expect(root?.tool).toBe('pnpm');
    expect(root?.members).toEqual(['apps/web']);
    expect(root?.ownDependencies).toBe(false);
  });
});

describe('manifest discovery', () => {
  it('finds every ecosystem with the directory Dependabot needs', () => {
    const w = ws({
      '.github/workflows/ci.yml': WORKFLOW,
      '.github/workflows/local.yml': 'on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: ./.github/actions/a\n      - uses: docker://alpine:3\n',
      '.github/actions/a/action.yml': 'runs:\n  using: composite\n  steps:\n    - uses: actions/cache@v4\n',
      '.github/actions/b/action.yml': 'runs:\n  using: node20\n  main: index.js\n',
      'requirements.txt': 'flask\n',
      'requirements/dev.txt': '-r ../requirements.txt\npytest\n',
      'requirements-empty.txt': '# nothing\n',
      'api/pyproject.toml': '[tool.poetry]\nname = "api"\n[tool.poetry.dependencies]\npython = "^3.12"\n',
      'api/poetry.lock': '',
      'svc/pyproject.toml': '[project]\nname = "svc"\ndependencies = ["httpx"]\n',
      'svc/uv.lock': '',
      'lint/pyproject.toml': '[tool.ruff]\nline-length = 100\n',
      'broken/pyproject.toml': '[project\n',
      'legacy/setup.py': 'from setuptools import setup\nsetup(install_requires=["six"])\n',
      'web/package.json': pkg(),
      'web/bun.lock': '{}',
      'Dockerfile': 'FROM python:3.12 AS base\nFROM base\n',
      'images/Containerfile': 'FROM scratch\nCOPY x /x\n',
      'platform/Dockerfile': 'FROM --platform=$BUILDPLATFORM node:20 AS build\n',
      'arg/Dockerfile': 'ARG BASE=python:3.12\nFROM ${BASE}\n',
      // `base` is a stage of another file only: here it is an image to pull.
      'images/app.dockerfile': 'FROM base:1.0\n',
      'compose.yaml': 'services:\n  db:\n    image: postgres:16\n',
      'deploy/docker-compose.prod.yml': 'services:\n  app:\n    build: .\n    image: me/app\n',
      'testdata/Dockerfile': 'FROM busybox\n',
      'node_modules/x/package.json': pkg(),
    });
    expect(summary(w)).toEqual([
      'github-actions / [.github/workflows/ci.yml]',
      'github-actions /.github/actions/a [.github/actions/a/action.yml]',
      'pip / [requirements.txt, requirements/dev.txt]',
      'pip /api [api/pyproject.toml, api/poetry.lock]',
      'pip /broken [broken/pyproject.toml]',
      'pip /legacy [legacy/setup.py]',
      'uv /svc [svc/pyproject.toml, svc/uv.lock]',
      'bun /web [web/package.json, web/bun.lock]',
      'docker / [Dockerfile]',
      'docker /images [images/app.dockerfile]',
      'docker /platform [platform/Dockerfile]',
      'docker-compose / [compose.yaml]',
    ]);
    const byKey = new Map(discoverManifests(w).map((m) => [`${m.ecosystem} /${m.dir}`, m]));
    expect(byKey.get('pip /api')?.tool).toBe('poetry');
    expect(byKey.get('uv /svc')?.accepts).toEqual(['uv', 'pip']);
    expect(byKey.get('bun /web')?.accepts).toEqual(['bun', 'npm']);
  });

  it('folds uv workspace members into the root that pins them (globs, exclude, no lock: no workspace)', () => {
    const member = (name: string): string => `[project]\nname = "${name}"\ndependencies = ["httpx"]\n`;
    const w = ws({
      // A virtual root: no dependencies of its own, members by name and by glob, one excluded.
      'pyproject.toml': '[tool.uv.workspace]\nmembers = ["backend", "./libs/*/"]\nexclude = ["libs/legacy"]\n',
      'uv.lock': '',
      'backend/pyproject.toml': member('backend'),
      'libs/a/pyproject.toml': member('a'),
      'libs/b/pyproject.toml': member('b'),
      'libs/b/requirements-docs.txt': 'mkdocs\n',
      'libs/legacy/pyproject.toml': member('legacy'),
      // Not selected by any pattern: a project of its own.
      'tools/pyproject.toml': member('tools'),
      // A look-alike: `[tool.uv.workspace]` without a uv.lock pins nothing.
      'svc/pyproject.toml': '[project]\nname = "svc"\ndependencies = ["x"]\n[tool.uv.workspace]\nmembers = ["plugins/*"]\n',
      'svc/plugins/p/pyproject.toml': member('p'),
    });
    expect(summary(w)).toEqual([
      'pip /libs/b [libs/b/requirements-docs.txt]',
      'pip /libs/legacy [libs/legacy/pyproject.toml]',
      'pip /svc [svc/pyproject.toml]',
      'pip /svc/plugins/p [svc/plugins/p/pyproject.toml]',
      'pip /tools [tools/pyproject.toml]',
      'uv / [pyproject.toml, uv.lock]',
    ]);
    const root = discoverManifests(w).find((m) => m.dir === '');
    expect(root?.members).toEqual(['backend', 'libs/a', 'libs/b']);
    expect(root?.ownDependencies).toBe(false);
  });

  it('takes the exclusion globs from the caller', () => {
    const w = ws({ 'testdata/Dockerfile': 'FROM busybox:1.36\n', 'e2e/Dockerfile': 'FROM busybox:1.36\n' });
    expect(summary(w)).toEqual(['docker /e2e [e2e/Dockerfile]']);
    expect(summary(w, ['e2e/**'])).toEqual(['docker /testdata [testdata/Dockerfile]']);
    expect(DEFAULT_MANIFEST_EXCLUDES).toContain('**/node_modules/**');
  });
});

describe('dependabot-coverage', () => {
  it('generates a config that validates against the schema and covers the root and what the CI builds', async () => {
    // The CI installs svc/ (a step's working-directory) and web/ (`cd web`): both are in the created config.
    const ci = `${WORKFLOW}      - run: uv sync\n        working-directory: ./svc\n      - run: cd web && bun install --frozen-lockfile\n`;
    const files = { '.github/workflows/ci.yml': ci, 'package.json': pkg(), 'requirements.txt': 'flask\n', 'svc/pyproject.toml': '[project]\nname="s"\ndependencies=["x"]\n', 'svc/uv.lock': '', 'web/package.json': pkg(), 'web/bun.lock': '' };
    const { workspace, findings } = await check(files);
    expect(findings.map((f) => [f.key, f.severity, f.file])).toEqual([['no-config', 'info', '.github/dependabot.yml']]);
    const config = fixed(workspace, findings);
    expect(dependabotSchemaErrors(config)).toEqual([]);
    expect(config.split('\n').filter((l) => /^\s+(- package-ecosystem|directory):/.test(l))).toEqual([
      '  - package-ecosystem: "github-actions"',
      '    directory: "/"',
      '  - package-ecosystem: "pip"',
      '    directory: "/"',
      '  - package-ecosystem: "uv"',
      '    directory: "/svc"',
      '  - package-ecosystem: "npm"',
      '    directory: "/"',
      '  - package-ecosystem: "bun"',
      '    directory: "/web"',
    ]);
    const again = await check({ ...files, '.github/dependabot.yml': config });
    expect(again.findings).toEqual([]);
  });

  it('creates the core only, and gives every other directory its own finding with its own fix', async () => {
    const files = {
      '.github/workflows/ci.yml': WORKFLOW,
      'Dockerfile': '# Dependabot monitors Docker images and opens a PR for each new tag.\nFROM python:3.12-slim\n',
      'requirements.txt': 'flask\n',
      'package.json': pkg(),
      'docker-compose.yml': 'services:\n  db:\n    image: postgres:16-alpine\n',
      'web/package.json': pkg(),
      'web/package-lock.json': '{}',
      'web/src/main.ts': 'export {};\n',
      'svc/pyproject.toml': '[project]\nname = "svc"\ndependencies = ["httpx"]\n',
      'svc/uv.lock': '',
      'svc/app.py': 'print(1)\n',
    };
    const { findings } = await check(files);
    expect(findings.map((f) => [f.key, f.fix?.safety])).toEqual([
      ['no-config', 'safe'],
      // pip and npm are in the created config: their kinds' other directories are as safe (each
      // applied on a later pass, appended to the config the first pass created).
      ['missing:uv:svc', 'safe'],
      ['missing:npm:web', 'safe'],
      // Nothing asks for compose: "Docker images" speaks for docker, not docker-compose.
      ['missing:docker-compose:', 'review'],
    ]);
    const created = (i: number): string => findings[i]?.fix?.creates?.[0]?.content ?? '';
    const dirs = (text: string): string[] => text.split('\n').filter((l) => /^\s+(- package-ecosystem|directory):/.test(l)).map((l) => l.trim());
    expect(dirs(created(0))).toEqual(['- package-ecosystem: "github-actions"', 'directory: "/"', '- package-ecosystem: "pip"', 'directory: "/"', '- package-ecosystem: "npm"', 'directory: "/"', '- package-ecosystem: "docker"', 'directory: "/"']);
    // Each other fix is the core plus its own entry, nothing else.
    expect(dirs(created(2)).slice(8)).toEqual(['- package-ecosystem: "npm"', 'directory: "/web"']);
    expect(dirs(created(3)).slice(8)).toEqual(['- package-ecosystem: "docker-compose"', 'directory: "/"']);
    for (const i of [0, 1, 2, 3]) expect(dependabotSchemaErrors(created(i))).toEqual([]);
  });

  it('counts what other CI services build, and paths from the checkout root variable', async () => {
    const circle = 'version: 2.1\njobs:\n  build:\n    docker:\n      - image: cimg/node:20.11\n    steps:\n      - checkout\n      - run:\n          command: |\n            cd ${CIRCLE_WORKING_DIRECTORY}/frontend\n            yarn install --frozen-lockfile\n';
    const gha = `${WORKFLOW}      - run: pip install -r requirements.txt\n        working-directory: \${{ github.workspace }}/api\n      - run: cd /tmp && ls\n`;
    const { findings } = await check({
      '.github/workflows/ci.yml': gha,
      '.circleci/config.yml': circle,
      'frontend/package.json': pkg(),
      'frontend/yarn.lock': '',
      'frontend/src/index.js': '',
      'api/requirements.txt': 'flask\n',
      'tmp/requirements.txt': 'x\n',
    });
    expect(findings[0]?.message).toMatch(/^no Dependabot config: 3 manifest directories get no version updates \(github-actions `\/`, pip `\/api`, npm `\/frontend`\)/);
    // `cd /tmp` is the runner's /tmp, not the repository's tmp/.
    expect(findings.slice(1).map((f) => f.key)).toEqual(['missing:pip:tmp']);
  });

  it('holds back folders the docs retire and scaffolds with no sources, even where the config watches their kind', async () => {
    const config = 'version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule:\n      interval: weekly\n';
    const { findings } = await check({
      '.github/dependabot.yml': config,
      'package.json': pkg(),
      'package-lock.json': '{}',
      'src/app/dashboard/package.json': pkg(),
      'src/app/dashboard/package-lock.json': '{}',
      'src/app/dashboard/src/App.tsx': 'export {};\n',
      'docs/DECISIONS.md': 'Treat `src/app/dashboard/` as **legacy**: migrate its features into `src/ui/` and remove it.\n',
      'src/ui/package.json': pkg(),
      'src/ui/package-lock.json': '{}',
      'src/ui/main.tsx': 'export {};\n',
      'mobile/package.json': pkg(),
      'mobile/README.md': '# Mobile app\nComing soon.\n',
      'tools/legacy/package.json': pkg(),
      'tools/legacy/index.js': '',
      'old-cli/package.json': pkg(),
      'old-cli/package-lock.json': '{}',
      'old-cli/cli.js': '',
      'old-cli/README.md': '# old-cli\n\n> **Deprecated**\n\nThis tool is no longer maintained; use the web UI.\n',
      'api/package.json': pkg(),
      'api/package-lock.json': '{}',
      'api/server.js': '',
      'docs/api.md': 'The `api/` service is not deprecated; it serves the legacy endpoints too.\n',
    });
    expect(findings.map((f) => `${f.key} ${f.fix?.safety} ${f.message.replace(/.*held for review: /, '')}`.slice(0, 110))).toEqual([
      'missing:npm:api safe no `updates` entry covers npm `/api` (npm: package.json, package-lock.json)',
      'missing:npm:src/ui safe no `updates` entry covers npm `/src/ui` (npm: package.json, package-lock.json)',
      'missing:npm:mobile review a scaffold: no source file under it yet',
      'missing:npm:old-cli review its README says it is retired: old-cli/README.md:3 ("**Deprecated**")',
      'missing:npm:src/app/dashboard review the docs retire it: docs/DECISIONS.md:1 ("Treat `src/app/dashboard/` as *',
      'missing:npm:tools/legacy review a retired folder (path segment `legacy`)',
    ]);
    expect(new Set(findings.map((f) => f.fix)).size).toBe(findings.length);
  });

  it('gives each directory its own fix: the safe entries, each kind of project, examples and tests', async () => {
    const config = 'version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule:\n      interval: weekly\n';
    const { findings } = await check({
      '.github/dependabot.yml': config,
      'package.json': pkg(),
      'package-lock.json': '{}',
      'apps/web/package.json': pkg(),
      'apps/web/package-lock.json': '{}',
      'requirements.txt': 'flask\n',
      'svc/pyproject.toml': '[project]\nname = "svc"\ndependencies = ["httpx"]\n',
      'svc/uv.lock': '',
      Dockerfile: 'FROM python:3.12-slim\n',
      'worker/Dockerfile': 'FROM node:22-slim\n',
      'examples/demo/package.json': pkg(),
      'examples/demo/package-lock.json': '{}',
      'test/e2e/Dockerfile': 'FROM node:22-slim\n',
    });
    // Safe first, then each kind in ecosystem order, then the samples: the order the engine applies them in.
    expect(findings.map((f) => [f.key, f.fix?.safety, f.fix?.description])).toEqual([
      ['missing:npm:apps/web', 'safe', 'append 1 `updates` entry to .github/dependabot.yml (npm `/apps/web`)'],
      ['missing:pip:', 'review', 'append 1 `updates` entry to .github/dependabot.yml (pip `/`)'],
      ['missing:uv:svc', 'review', 'append 1 `updates` entry to .github/dependabot.yml (uv `/svc`)'],
      ['missing:docker:', 'review', 'append 1 `updates` entry to .github/dependabot.yml (docker `/`)'],
      ['missing:docker:worker', 'review', 'append 1 `updates` entry to .github/dependabot.yml (docker `/worker`)'],
      ['missing:npm:examples/demo', 'review', 'append 1 `updates` entry to .github/dependabot.yml (npm `/examples/demo`)'],
      ['missing:docker:test/e2e', 'review', 'append 1 `updates` entry to .github/dependabot.yml (docker `/test/e2e`)'],
    ]);
    expect(new Set(findings.map((f) => f.fix)).size).toBe(7);
    // Past what the engine applies one per pass (8), the directories of one decision share a fix.
    const many = Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => [`svc${i}/Dockerfile`, 'FROM node:22-slim\n']));
    const grouped = await check({ '.github/dependabot.yml': config, 'package.json': pkg(), 'package-lock.json': '{}', ...many });
    expect(grouped.findings).toHaveLength(9);
    expect(new Set(grouped.findings.map((f) => f.fix)).size).toBe(1);
    expect(grouped.findings[0]?.fix?.description).toBe('append 9 `updates` entries to .github/dependabot.yml (docker `/svc1`, docker `/svc2`, docker `/svc3`, docker `/svc4`, docker `/svc5`, docker `/svc6`, docker `/svc7`, docker `/svc8` and 1 more)');
  });

  it('reports without generating when createConfig is off, and says nothing without manifests', async () => {
    const { findings } = await check({ 'requirements.txt': 'flask\n' }, { createConfig: false });
    expect(findings.map((f) => [f.key, f.fix])).toEqual([['no-config', null]]);
    expect((await check({ 'README.md': '# hi\n' })).findings).toEqual([]);
  });

  it('copies the conventions all entries share, and adapts the ones naming the template ecosystem', async () => {
    const config = [
      'version: 2',
      'updates:',
      '  - package-ecosystem: npm',
      '    directory: /',
      '    schedule: &weekly',
      '      interval: weekly',
      '    labels: [dependencies, frontend, javascript]',
      '    commit-message:',
      '      prefix: chore(npm)',
      '      include: scope',
      '    groups:',
      '      npm-all:',
      '        patterns: ["*"]',
      '      react:',
      '        patterns: ["react*"]',
      '    versioning-strategy: increase',
      '    cooldown:',
      '      default-days: 3',
      '      include: ["react"]',
      '  - package-ecosystem: pip',
      '    directory: /',
      '    schedule: *weekly',
      '    labels: [dependencies, backend, python]',
      '',
    ].join('\n');
    // The Dockerfile asks for Dependabot, so its entry is as safe as the npm one: one shared fix.
    const files = { '.github/dependabot.yml': config, 'package.json': pkg(), 'requirements.txt': 'x\n', 'Dockerfile': '# Dependabot keeps this base image up to date\nFROM alpine:3\n', 'web/package.json': pkg(), 'web/index.js': '' };
    const { workspace, findings } = await check(files);
    expect(findings.map((f) => f.key)).toEqual(['missing:npm:web', 'missing:docker:']);
    expect(findings.map((f) => f.fix?.safety)).toEqual(['safe', 'safe']);
    // Each its own fix, both appended at the end (the engine applies them on successive passes).
    expect(findings.map((f) => f.fix?.edits[0]?.start)).toEqual([config.length, config.length]);
    const after = config + findings.map((f) => f.fix?.edits[0]?.text ?? '').join('');
    expect(fixed(workspace, findings).length).toBeLessThan(after.length);
    expect(after.slice(config.length)).toBe(
      [
        '  # npm: package.json (no lockfile)',
        '  - package-ecosystem: npm',
        '    directory: /web',
        '    schedule: *weekly',
        '    labels: [dependencies, frontend, javascript]',
        '    commit-message:',
        '      prefix: chore(npm)',
        '      include: scope',
        '    groups:',
        '      npm-all:',
        '        patterns: ["*"]',
        '      react:',
        '        patterns: ["react*"]',
        '    versioning-strategy: increase',
        '    cooldown:',
        '      default-days: 3',
        '  # Docker base images: Dockerfile',
        '  - package-ecosystem: docker',
        '    directory: /',
        '    schedule: *weekly',
        '    labels: [dependencies]',
        '    commit-message:',
        '      prefix: chore(docker)',
        '      include: scope',
        '    groups:',
        '      docker-all:',
        '        patterns: ["*"]',
        '    cooldown:',
        '      default-days: 3',
        '',
      ].join('\n'),
    );
    expect(after.startsWith(config)).toBe(true);
    expect(dependabotSchemaErrors(after)).toEqual([]);
    expect((await check({ ...files, '.github/dependabot.yml': after })).findings).toEqual([]);
  });

  it('appends after indented comments of the last entry, to a file without a final newline', async () => {
    const config = 'version: 2\nupdates:\n  - package-ecosystem: "pip"\n    directory: "/"\n    schedule:\n      interval: "daily"\n    # ignore:\n    #   - dependency-name: "django"';
    const files = { '.github/dependabot.yml': config, 'requirements.txt': 'x\n', '.github/workflows/ci.yml': WORKFLOW };
    const { workspace, findings } = await check(files);
    const after = fixed(workspace, findings);
    expect(after).toBe(`${config}\n  # GitHub Actions: workflows in .github/workflows\n  - package-ecosystem: "github-actions"\n    directory: "/"\n    schedule:\n      interval: "daily"`);
    expect(dependabotSchemaErrors(after)).toEqual([]);
  });

  it('writes `updates:` when the config has none, or under an empty `updates:`', async () => {
    for (const [config, expected] of [
      ['version: 2\n', 'version: 2\nupdates:\n  # pip: requirements.txt\n  - package-ecosystem: "pip"\n    directory: "/"\n    schedule:\n      interval: "weekly"\n    groups:\n      pip:\n        patterns:\n          - "*"\n'],
      ['version: 2\nupdates:\nregistries:\n    pypi:\n        type: python-index\n        url: https://pypi.org/simple\n', 'version: 2\nupdates:\n    # pip: requirements.txt\n    - package-ecosystem: "pip"\n      directory: "/"\n      schedule:\n          interval: "weekly"\n      groups:\n          pip:\n              patterns:\n                  - "*"\nregistries:\n    pypi:\n        type: python-index\n        url: https://pypi.org/simple\n'],
    ] as const) {
      const { workspace, findings } = await check({ '.github/dependabot.yml': config, 'requirements.txt': 'x\n' });
      expect(findings.map((f) => f.key)).toEqual(['missing:pip:']);
      const after = fixed(workspace, findings);
      expect(after).toBe(expected);
      expect(parseYaml(workspace.withChanges(new Map([['.github/dependabot.yml', after]])).read('.github/dependabot.yml')!).error).toBeNull();
    }
  });

  it('reads .github/dependabot.yaml, and reports what it cannot fix or read', async () => {
    const flow = await check({ '.github/dependabot.yaml': 'version: 2\nupdates: [{package-ecosystem: npm, directory: /, schedule: {interval: weekly}}]\n', 'requirements.txt': 'x\n' });
    expect(flow.findings.map((f) => [f.file, f.key, f.fix])).toEqual([['.github/dependabot.yaml', 'missing:pip:', null]]);
    expect(flow.findings[0]?.message).toBe('no `updates` entry covers pip `/` (pip: requirements.txt); held for review: the config has no pip entry at all, which may be deliberate; not fixed: its `updates` list is written in flow style');
    const broken = await check({ '.github/dependabot.yml': 'version: 2\nupdates:\n  - a: [\n', 'requirements.txt': 'x\n' });
    expect(broken.findings.map((f) => [f.key, f.fix])).toEqual([['unparsable', null]]);
  });

  it('counts a workspace root without dependencies as covered when all its members are', async () => {
    const files = {
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['apps/*'] }),
      'package-lock.json': '{}',
      'apps/a/package.json': pkg(),
      'apps/b/package.json': pkg(),
    };
    const entry = (dirs: string): string => `version: 2\nupdates:\n  - package-ecosystem: npm\n    directories: [${dirs}]\n    schedule:\n      interval: weekly\n`;
    expect((await check({ ...files, '.github/dependabot.yml': entry('/apps/a, /apps/b') })).findings).toEqual([]);
    expect((await check({ ...files, '.github/dependabot.yml': entry('"/apps/*"') })).findings).toEqual([]);
    const some = await check({ ...files, '.github/dependabot.yml': entry('/apps/a') });
    expect(some.findings.map((f) => [f.key, f.fix?.safety])).toEqual([['missing:npm:', 'review']]);
    expect(some.findings[0]?.message).toContain('held for review: the config watches workspace member `/apps/a` only');
  });

  it('accepts pip for a uv project, npm for a bun package and /.github/workflows for workflows', async () => {
    const config = 'version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /svc\n    schedule: {interval: weekly}\n  - package-ecosystem: npm\n    directory: /web/\n    schedule: {interval: weekly}\n  - package-ecosystem: github-actions\n    directory: /.github/workflows\n    schedule: {interval: weekly}\n';
    const { findings } = await check({ '.github/dependabot.yml': config, 'svc/pyproject.toml': '[project]\nname="s"\ndependencies=["x"]\n', 'svc/uv.lock': '', 'web/package.json': pkg(), 'web/bun.lock': '', '.github/workflows/ci.yml': WORKFLOW });
    expect(findings).toEqual([]);
    const wrong = await check({ '.github/dependabot.yml': config.replace('pip', 'docker'), 'svc/pyproject.toml': '[project]\nname="s"\ndependencies=["x"]\n', 'svc/uv.lock': '' });
    expect(wrong.findings.map((f) => f.key)).toEqual(['missing:uv:svc']);
  });

  it('quotes what plain scalars cannot hold and keeps commit prefixes that name another tool out', () => {
    const { quote, swapEcosystem, isEcosystemLabel } = internals;
    expect([quote('/', 'PLAIN'), quote('*', 'PLAIN'), quote('yes', 'PLAIN'), quote('1.0', 'PLAIN'), quote("it's", 'QUOTE_SINGLE'), quote('a"b', 'QUOTE_DOUBLE')]).toEqual(['/', '"*"', '"yes"', '"1.0"', "'it''s'", '"a\\"b"']);
    expect(swapEcosystem('deps(npm): NPM', 'npm', 'pip', {})).toBe('deps(pip): pip');
    expect(swapEcosystem('npm-all', 'npm', 'docker', { npm: ['javascript'] })).toBe('docker-all');
    expect(swapEcosystem('npmx', 'npm', 'docker', {})).toBe('npmx');
    expect(['dependencies', 'lang:python', 'JavaScript', 'github_actions', 'area/backend'].map((l) => isEcosystemLabel(l, { pip: ['python'], npm: ['javascript'], 'github-actions': ['github_actions'] }))).toEqual([false, true, true, true, false]);
  });
});

describe('what Dependabot can update, and what the maintainers chose', () => {
  it('counts an image only when its tag carries a version or it is pinned by digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const yes = ['python:3.12-slim', 'node:22-bookworm-slim', 'golang:1-buster', 'traefik:v3.6', 'caddy:2', 'minio:2024.5.28', 'localhost:5000/team/app:1.4.2', `ubuntu@${digest}`, `redis:alpine@${digest}`, 'ghcr.io/acme/tool:release-1.2'];
    const no = ['redis', 'redis:latest', 'node:lts-alpine', 'debian:trixie-slim', 'uptime:nightly2', 'acme/base:base2-slim', 'localhost:5000/team/app', 'postgres:${PG:-16}', '${IMAGE}', 'python:${PY}-slim', ''];
    expect(yes.filter((r) => !isUpdatableImage(r))).toEqual([]);
    expect(no.filter((r) => isUpdatableImage(r))).toEqual([]);
    expect(['${PROXY:-traefik:v3.1}', 'redis:7.2'].map(isUpdatableComposeImage)).toEqual([true, true]);
    expect(['${PROXY}', '${PROXY:-traefik}', '${REGISTRY:-docker.io}/library/redis:7.2', 'redis:${TAG:-7.2}'].map(isUpdatableComposeImage)).toEqual([false, false, false, false]);
  });

  it('reads compose services on the syntax tree, through merges, when anchors expand past the alias cap', () => {
    const anchors = Array.from({ length: 40 }, (_, i) => `  s${i}:\n    <<: *defaults\n    image: "svc/s${i}-local"`).join('\n');
    const bomb = `x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nx-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nx-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nx-d: &d [*c, *c]\nx-defaults: &defaults\n  restart: always\n  labels: *d\nservices:\n${anchors}\n  db:\n    <<: *defaults\n    image: "postgres:16.3"\n`;
    expect(summary(ws({ 'docker-compose.yml': bomb }))).toEqual(['docker-compose / [docker-compose.yml]']);
    const built = 'x-build: &build\n  build: .\nservices:\n  app:\n    <<: *build\n    image: acme/app:1.0\n';
    expect(summary(ws({ 'compose.yaml': built }))).toEqual([]);
  });

  it('is silent with a Renovate config, a parked Dependabot config or every entry switched off', async () => {
    const base = { 'requirements.txt': 'flask==3.0.3\n', Dockerfile: 'FROM python:3.12-slim\n' };
    for (const extra of [{ 'renovate.json': '{}' }, { '.renovaterc': '{}' }, { '.gitlab/renovate.json5': '{}' }, { 'package.json': JSON.stringify({ name: 'x', renovate: { extends: ['config:recommended'] } }) }, { '.github/dependabot.yaml.off': 'version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n' }, { '.github/dependabot.yml': 'version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n    open-pull-requests-limit: 0\n' }]) {
      expect((await check({ ...base, ...extra })).findings, JSON.stringify(extra)).toEqual([]);
    }
    // Look-alikes: a workflow about Dependabot and a Renovate preset in a subfolder change nothing.
    const look = await check({ ...base, '.github/workflows/dependabot-automerge.yml': 'on: pull_request\njobs: {}\n', 'presets/renovate.json': '{}' });
    expect(look.findings.map((f) => [f.key, f.fix?.safety])).toEqual([['no-config', 'review']]);
    // A config at the root is misplaced, not parked: Dependabot is still unconfigured.
    const misplaced = await check({ ...base, 'dependabot.yml': 'version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n' });
    expect(misplaced.findings.map((f) => f.key)).toEqual(['no-config']);
  });

  it('makes a missing config safe only on a statement that Dependabot updates something', async () => {
    const base = { 'requirements.txt': 'flask==3.0.3\n' };
    const safety = async (files: Record<string, string>): Promise<string | undefined> => (await check({ ...base, ...files })).findings[0]?.fix?.safety;
    expect(await safety({ 'docs/deps.md': 'Dependabot opens weekly PRs that update our pins.\n' })).toBe('safe');
    expect(await safety({ Dockerfile: 'FROM python:3.12-slim  # Dependabot bumps this tag\n' })).toBe('safe');
    expect(await safety({ Dockerfile: 'FROM python:3.12-slim\nLABEL note="Dependabot bumps this tag"\n' })).toBe('review');
    expect(await safety({ 'docs/deps.md': 'Dependabot does not update these; we bump them by hand.\n' })).toBe('review');
    expect(await safety({ 'docs/deps.md': 'Dependabot security updates are on.\n' })).toBe('review');
    expect(await safety({ 'CHANGELOG.md': '- Dependabot now updates the Docker images\n' })).toBe('review');
    expect(await safety({ 'docs/deps.md': '- Bump flask from 3.0.2 to 3.0.3 by @dependabot\n' })).toBe('review');
    expect(await safety({ 'deploy/README.md': 'Dependabot bumps the pins in requirements.txt.\n' })).toBe('safe');
    // An article of a content site is not about this repository.
    expect(await safety({ 'content/posts/bots.md': 'Dependabot updates your dependencies every week.\n' })).toBe('review');
  });

  it('sets apart examples, tests and templates, leaves generated code uncounted, unless the repository is all samples', async () => {
    const lock = '{}';
    const config = 'version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule:\n      interval: weekly\n';
    const files = {
      '.github/dependabot.yml': config,
      'package.json': pkg(),
      'package-lock.json': lock,
      'e2e/package.json': pkg(),
      'e2e/package-lock.json': lock,
      'contest/package.json': pkg(),
      'contest/package-lock.json': lock,
      'scratch/package.json': pkg({ a: '1' }, { private: true }),
      'lib/package.json': pkg(),
      'lib/index.js': '',
      'gen/client/package.json': pkg(),
      'gen/client/package-lock.json': lock,
      '.gitattributes': 'gen/** linguist-generated\ngen/keep/** -linguist-generated\n',
      'gen/keep/package.json': pkg(),
      'gen/keep/package-lock.json': lock,
    };
    const { findings } = await check(files);
    expect(findings.map((f) => `${f.key} ${f.fix?.safety}`).sort()).toEqual([
      'missing:npm:contest safe',
      'missing:npm:e2e review',
      // linguist-generated: its generator rewrites it, so it is not counted at all.
      'missing:npm:gen/keep safe',
      'missing:npm:lib safe',
      'missing:npm:scratch review',
    ]);
    // The root package is the repository's own, even private and without a lockfile.
    const root = await check({ 'package.json': pkg({ vite: '^5.0.0' }, { private: true }), 'requirements.txt': 'x==1\n' });
    expect(root.findings.map((f) => f.key)).toEqual(['no-config']);
    // Only samples besides the workflows: they are what the repository ships.
    const all = await check({ 'examples/a/requirements.txt': 'x==1\n', 'examples/b/Dockerfile': 'FROM node:20-alpine\n' });
    expect(all.findings.map((f) => f.key)).toEqual(['no-config']);
  });
});
