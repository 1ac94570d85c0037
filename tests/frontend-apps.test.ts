/**
 * The facts the frontend rules share (src/facts/frontend-build.ts): which packages are
 * frontend apps, which package a Dockerfile stage builds, which stages an image is made of,
 * and which packages CI builds; and compose's `../` context (src/facts/compose.ts).
 */
import { describe, it, expect } from 'vitest';
import { Workspace } from '../src/workspace/workspace.js';
import { Facts } from '../src/facts/facts.js';
import { frontendApps, imageStages, isNotProductDir, packagesBuiltBy, stagePackageBuilds, workflowPackageBuilds } from '../src/facts/frontend-build.js';
import { repoPath } from '../src/facts/compose.js';

const ws = (files: Record<string, string>): Workspace => Workspace.fromFiles('/repo', files);
const pkg = (name: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ name, scripts: { build: 'vite build' }, ...extra });

describe('frontendApps', () => {
  it('counts a package with a framework config, or a bundler config and an HTML entry', () => {
    const apps = frontendApps(
      ws({
        'package.json': pkg('root'),
        'vite.config.ts': 'export default {}',
        'index.html': '<div id="root"></div>',
        'site/package.json': pkg('site'),
        'site/next.config.mjs': 'export default {}',
        'lib/package.json': pkg('lib'),
        'lib/vite.config.ts': 'export default { build: { lib: {} } }',
        'legacy/package.json': pkg('legacy'),
        'legacy/webpack.config.js': 'module.exports = {}',
        'legacy/public/index.html': '<div></div>',
        'styles/package.json': pkg('styles'),
        'styles/tailwind.config.js': 'module.exports = {}',
      }),
    );
    expect(apps.map((a) => `${a.dir || '.'}:${a.bundler}`).sort()).toEqual(['.:vite', 'legacy:webpack', 'site:next']);
  });

  it('knows workspace members and roots', () => {
    const w = ws({
      'package.json': JSON.stringify({ name: 'mono', workspaces: ['apps/*'] }),
      'apps/web/package.json': pkg('web'),
      'apps/web/next.config.js': 'module.exports = {}',
    });
    const [web] = frontendApps(w);
    expect(web?.workspaceRoot).toBe('');
    expect(packagesBuiltBy(w, '')).toEqual(['', 'apps/web']);
  });

  it('leaves examples, templates, docs sites and test apps out of the product', () => {
    for (const d of ['examples/with-vite', 'docs', 'apps/docs', 'e2e/app', 'packages/ui/playground', 'web-demo', 'templates/react']) expect(isNotProductDir(d), d).toBe(true);
    for (const d of ['', 'web', 'frontend', 'src/app/dashboard/frontend', 'apps/dashboard']) expect(isNotProductDir(d), d).toBe(false);
  });
});

describe('stagePackageBuilds and imageStages', () => {
  const files = {
    'Dockerfile': [
      'FROM python:3.12 AS api',
      'COPY src/ ./src/',
      'FROM node:20 AS ui',
      'WORKDIR /app',
      'COPY src/pkg/ui/package.json ./',
      'RUN npm ci',
      'COPY src/pkg/ui/ ./',
      'RUN npm run build',
      'FROM node:20 AS web',
      'WORKDIR /w',
      'COPY . .',
      'RUN cd web && pnpm build:prod',
      'FROM nginx:1.27',
      'COPY --from=ui /app/dist /usr/share/nginx/html',
      '',
    ].join('\n'),
    'src/pkg/__init__.py': '',
    'src/pkg/ui/package.json': pkg('ui'),
    'web/package.json': pkg('web'),
  };

  it('maps each build back to the package the stage copied in', () => {
    const facts = Facts.of(ws(files));
    expect(stagePackageBuilds(facts, 'Dockerfile', '').map((b) => `${b.stage.name}:${b.packageDir}`)).toEqual(['ui:src/pkg/ui', 'web:web']);
  });

  it('makes an image of its stage, its bases and what it copies --from', () => {
    const facts = Facts.of(ws(files));
    const model = facts.dockerfile('Dockerfile');
    if (!model) throw new Error('no model');
    expect(imageStages(model, model.stages[3] as never).map((s) => s.name ?? s.index)).toEqual(['ui', 3]);
  });
});

describe('workflowPackageBuilds', () => {
  it('reads the working directory, cd, --prefix and workspace folders of build steps', () => {
    const w = ws({
      '.github/workflows/ci.yml': [
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-latest',
        '    defaults:',
        '      run:',
        '        working-directory: web',
        '    steps:',
        '      - run: npm run build',
        '      - run: cd ../admin && yarn build',
        '      - run: npm run build --prefix ../site',
        '      - run: npm run lint',
        '      - run: npm run build',
        '        working-directory: ${{ matrix.dir }}',
        '',
      ].join('\n'),
      'web/package.json': pkg('web'),
      'admin/package.json': pkg('admin'),
      'site/package.json': pkg('site'),
    });
    expect(workflowPackageBuilds(w).map((b) => `${b.job}:${b.packageDir}`)).toEqual(['a:web', 'a:admin', 'a:site']);
  });
});

describe('workflowPackageBuilds through the root build script', () => {
  it('follows a root `build` that builds another package', () => {
    const w = ws({
      '.github/workflows/ci.yml': 'jobs:\n  a:\n    steps:\n      - run: npm run build\n',
      'package.json': JSON.stringify({ name: 'root', scripts: { build: 'npm run build:ui', 'build:ui': 'npm --prefix ui run build && cd site && vite build' } }),
      'ui/package.json': pkg('ui'),
      'site/package.json': pkg('site'),
    });
    expect(workflowPackageBuilds(w).map((b) => b.packageDir || '.')).toEqual(['.', 'ui', 'site']);
  });
});

describe('repoPath', () => {
  it('reads `../` from a subfolder as the root', () => {
    expect(repoPath('cypress', '../')).toBe('');
    expect(repoPath('cypress', '..')).toBe('');
    expect(repoPath('deploy', '../web/')).toBe('web');
    expect(repoPath('', './')).toBe('');
  });
});
