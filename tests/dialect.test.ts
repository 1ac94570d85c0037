/**
 * Which dialect judges a file, and which files a run names as unparsable: the dialect its
 * owning tool accepts (JSONC for TypeScript and editors, `---` streams, template source), and
 * only files whose structure a rule relied on (Workspace.read), never those it only probed.
 */
import { describe, it, expect } from 'vitest';
import { Workspace } from '../src/workspace/workspace.js';
import { SourceFile } from '../src/workspace/source-file.js';
import { dialectOf, typescriptBases } from '../src/formats/dialect.js';
import { hasTemplateMarkup, helmChartOf } from '../src/formats/template.js';
import { parseProblem, toolProblem } from '../src/formats/validate.js';
import { detect, run } from '../src/engine/run.js';
import type { Diagnostic, RawFinding, Safety } from '../src/model/types.js';
import type { Rule } from '../src/model/rule.js';

const jsonOf = (p: string, repo?: Workspace) => {
  const d = dialectOf(p, repo);
  return d && { owner: d.owner, comments: d.comments, trailingCommas: d.trailingCommas };
};

describe('JSON: the dialect of the owning tool', () => {
  it.each([
    ['tsconfig.json', 'TypeScript', true, true],
    ['web/tsconfig.build.json', 'TypeScript', true, true],
    ['jsconfig.json', 'TypeScript', true, true],
    ['.vscode/settings.json', 'VS Code', true, true],
    ['.vscode/launch.json', 'VS Code', true, true],
    ['development/vscode-example/tasks.json', 'VS Code', true, true],
    ['development/vscode-example/extensions.json', 'VS Code', true, true],
    ['.devcontainer/devcontainer.json', 'Dev Containers', true, true],
    ['.devcontainer.json', 'Dev Containers', true, true],
    ['.zed/settings.json', 'Zed', true, true],
    ['.codesandbox/tasks.json', 'CodeSandbox', true, false],
    ['turbo.json', 'Turborepo', true, true],
    ['apps/web/turbo.json', 'Turborepo', true, true],
    ['.eslintrc.json', 'ESLint', true, false],
    ['config/settings.local.jsonc', 'JSONC', true, true],
  ])('%s → %s (comments %s, trailing commas %s)', (p, owner, comments, trailingCommas) => {
    expect(jsonOf(p)).toEqual({ owner, comments, trailingCommas });
  });

  it.each(['package.json', 'docs/INDEX.json', 'data/tasks-list.json', 'renovate.json', 'tsconfig-paths.js.json.bak', 'mytsconfig.txt'])('%s is strict JSON (or not JSON)', (p) => {
    const d = jsonOf(p);
    if (d) expect(d).toEqual({ owner: 'JSON', comments: false, trailingCommas: false });
    else expect(p).toMatch(/\.(bak|txt)$/);
  });

  it('a JSON file a tsconfig extends is TypeScript JSONC: relative, without `.json`, through a workspace package, along chains', () => {
    const ws = Workspace.fromFiles('/r', {
      'tsconfig.json': '{ "extends": "./tsconfig.base" }',
      'tsconfig.base.json': '{}',
      'web/tsconfig.json': '{\n  // shared\n  "extends": ["@acme/tsconfig/nextjs.json", "../config/strict.json"],\n}',
      'config/strict.json': '{}',
      'packages/ts-config/package.json': '{ "name": "@acme/tsconfig" }',
      'packages/ts-config/nextjs.json': '{ "extends": "./base", "compilerOptions": { "jsx": "preserve", }, }',
      'packages/ts-config/base.json': '{ "compilerOptions": {} }',
      'packages/ts-config/unused.json': '{}',
      'api/tsconfig.json': '{ "extends": "@tsconfig/node20/tsconfig.json" }',
      'data/shape.json': '{}',
    });
    expect([...typescriptBases(ws)].sort()).toEqual(['config/strict.json', 'packages/ts-config/base.json', 'packages/ts-config/nextjs.json']);
    expect(jsonOf('packages/ts-config/nextjs.json', ws)).toEqual({ owner: 'TypeScript', comments: true, trailingCommas: true });
    expect(jsonOf('packages/ts-config/unused.json', ws)).toEqual({ owner: 'JSON', comments: false, trailingCommas: false });
    expect(jsonOf('data/shape.json', ws)?.owner).toBe('JSON');
  });
});

describe('YAML: streams, single-document configs, Helm templates', () => {
  it('a `---` stream is valid YAML, except for tools that read one document', () => {
    expect(dialectOf('deploy/k8s.yaml')).toMatchObject({ format: 'yaml', multiDocument: true });
    for (const p of ['docker-compose.yml', 'svc/compose.override.yaml', '.github/dependabot.yml', '.github/workflows/ci.yml', 'action.yml', 'pnpm-workspace.yaml']) {
      expect(dialectOf(p), p).toMatchObject({ format: 'yaml', multiDocument: false });
    }
  });

  it("a chart's templates are Helm's (a Chart.yaml next to templates/), other templates/ folders are not", () => {
    const ws = Workspace.fromFiles('/r', {
      'charts/web/Chart.yaml': 'name: web\n',
      'charts/web/templates/deployment.yaml': '{{- if .Values.enabled }}\nkind: Deployment\n{{- end }}\n',
      'charts/web/templates/tests/test-connection.yaml': 'x: 1\n',
      'charts/web/charts/db/Chart.yaml': 'name: db\n',
      'charts/web/charts/db/templates/svc.yaml': 'x: 1\n',
      'ansible/templates/app.yml': 'x: 1\n',
    });
    expect(helmChartOf(ws, 'charts/web/templates/deployment.yaml')).toBe('charts/web');
    expect(helmChartOf(ws, 'charts/web/templates/tests/test-connection.yaml')).toBe('charts/web');
    expect(helmChartOf(ws, 'charts/web/charts/db/templates/svc.yaml')).toBe('charts/web/charts/db');
    expect(helmChartOf(ws, 'charts/web/Chart.yaml')).toBeUndefined();
    expect(helmChartOf(ws, 'ansible/templates/app.yml')).toBeUndefined();
    expect(dialectOf('charts/web/templates/deployment.yaml', ws)).toMatchObject({ template: 'helm', owner: 'Helm' });
  });
});

describe('template markup', () => {
  it.each([
    ['{{- if .Values.enabled }}\nkind: Service\n', true],
    ['{% for v in versions %}\n"./{{ v }}": {}\n{% endfor %}\n', true],
    ['x = typing.Literal[{% for s in servers %}"{{ s }}"{% endfor %}]\n', true],
    ['from polar.{{ version }}.client import Polar\n', true],
    ['replicas: {{ .Values.replicas }}\n', true],
    ['{# generated #}\nname: x\n', true],
    ['image: "{{ .Values.image }}"\n', false],
    ["format: '{{.Name}}'\n", false],
    ['run: echo ${{ secrets.TOKEN }}\n', false],
    ['print(f"{{literal}}")\n', false],
    ['{\n  "a": [1, 2,]\n}\n', false],
  ])('%j → %s', (text, expected) => {
    expect(hasTemplateMarkup(text)).toBe(expected);
  });
});

describe('toolProblem: what a run names as unparsable', () => {
  const repo = Workspace.fromFiles('/r', {
    'charts/web/Chart.yaml': 'name: web\n',
    'tsconfig.json': '{\n  // strict mode\n  "compilerOptions": { "strict": true, },\n}\n',
    'packages/config/package.json': '{ "name": "@acme/config" }',
    'web/tsconfig.json': '{ "extends": "@acme/config/nextjs.json" }',
    'packages/config/nextjs.json': '{}',
  });
  const problem = (p: string, text: string) => toolProblem(repo, new SourceFile(p, text, false));

  it('accepts each tool\'s own dialect', async () => {
    expect(await problem('tsconfig.json', '{\n  // strict mode\n  "compilerOptions": { "strict": true, },\n}\n')).toBeUndefined();
    expect(await problem('packages/config/nextjs.json', '{\n  "compilerOptions": {\n    "types": ["node",],\n  },\n}\n')).toBeUndefined();
    expect(await problem('development/vscode-example/settings.json', '{\n  // node modules\n  "files.exclude": { "**/node_modules": true },\n}\n')).toBeUndefined();
    expect(await problem('turbo.json', '{\n  "tasks": {\n    // cache builds\n    "build": {}\n  }\n}\n')).toBeUndefined();
    expect(await problem('deploy/k8s.yaml', 'kind: Service\nmetadata: { name: a }\n---\nkind: Deployment\nmetadata: { name: a }\n')).toBeUndefined();
    expect(await problem('charts/web/templates/deployment.yaml', '{{- if .Values.enabled }}\nkind: Deployment\n{{- end }}\n')).toBeUndefined();
    expect(await problem('sdk/template/package.json', '{\n  "name": "@acme/sdk",\n  "exports": {\n{% for v in versions %}\n    "./{{ v }}": "./dist/{{ v }}.js",\n{% endfor %}\n  }\n}\n')).toBeUndefined();
    expect(await problem('sdk/template/acme/__init__.py', 'from acme.{{ version }}.client import Client\n')).toBeUndefined();
  });

  it('says nothing about an empty or whitespace-only file', async () => {
    expect(await problem('tests/data/empty.json', '')).toBeUndefined();
    expect(await problem('docs/blank.json', '  \n\n')).toBeUndefined();
    expect(await problem('pyproject.toml', '\n')).toBeUndefined();
  });

  it('still names what the tool would reject, at its position', async () => {
    const at = async (p: string, text: string) => {
      const r = await problem(p, text);
      return r && `${new SourceFile(p, text, false).position(r.offset).line}: ${r.message}`;
    };
    // Strict JSON: a comment in package.json, a trailing comma in a data file.
    expect(await at('package.json', '{\n  // deps\n  "name": "x"\n}\n')).toBe('2: InvalidCommentToken');
    expect(await at('docs/INDEX.json', '{\n  "pages": ["a.md",]\n}\n')).toBe('2: ValueExpected');
    // CodeSandbox takes comments, not trailing commas; TypeScript takes both, not a missing colon.
    expect(await at('.codesandbox/tasks.json', '{\n  // setup\n  "setupTasks": [\n    "yarn",\n  ]\n}\n')).toBe('5: ValueExpected');
    expect(await at('tsconfig.json', '{\n  "compilerOptions" { }\n}\n')).toBe('2: ColonExpected');
    // One broken document of a stream; a stream where the tool reads one document.
    expect(await at('deploy/k8s.yaml', 'kind: A\n---\nkind: [B\n---\nkind: C\n')).toMatch(/^[34]: /);
    expect(await at('docker-compose.yml', 'services: {}\n---\nservices: {}\n')).toMatch(/^2: Source contains multiple documents/);
    // Placeholders in quoted values do not make a broken file a template.
    expect(await at('.github/workflows/ci.yml', 'jobs:\n  a:\n    steps: [\n      - run: echo ${{ secrets.X }}\n')).toMatch(/^\d+: /);
    expect(await at('svc/compose.yaml', "services:\n  web:\n    logging: { format: '{{.Name}}' \n    image: [x\n")).toMatch(/^\d+: /);
  });

  it('template source cannot be proven: parseProblem with its dialect always objects', async () => {
    const file = new SourceFile('charts/web/templates/svc.yaml', 'kind: Service\n', false);
    expect(await parseProblem(file, dialectOf(file.path, repo))).toEqual({ message: 'Helm template source: what it renders cannot be parsed here', offset: 0 });
    // Without the repository, the path alone says plain YAML, which this text is.
    expect(await parseProblem(file)).toBeUndefined();
  });
});

describe('relied-on files versus probed files', () => {
  const files = {
    'docs/INDEX.json': '{ "pages": ["a.md",] }',
    'unittests/scans/tool/many.json': '{"id": 1}\n{"id": 2}\n',
    'tsconfig.json': '{ "compilerOptions": {}, }',
  };
  const reader = (id: string, how: 'read' | 'probe', paths: string[]): Rule => ({
    meta: { id, seedIds: [], summary: id, defaultSeverity: 'warning', fixable: 'none' },
    async check({ workspace }) {
      for (const p of paths) workspace[how](p);
      return [];
    },
  });
  const parseErrors = async (rules: Rule[]) => {
    const diagnostics: Diagnostic[] = [];
    await detect(Workspace.fromFiles('/r', files), rules, {}, diagnostics);
    return diagnostics.filter((d) => d.kind === 'parse-error').map((d) => `${d.file}:${d.line}:${d.column}`);
  };

  it('names a broken file a rule read, and not one it only probed', async () => {
    expect(await parseErrors([reader('scan', 'probe', Object.keys(files))])).toEqual([]);
    expect(await parseErrors([reader('uses', 'read', ['docs/INDEX.json', 'tsconfig.json'])])).toEqual(['docs/INDEX.json:1:20']);
    // Probed by one rule, relied on by another: named once.
    expect(await parseErrors([reader('scan', 'probe', Object.keys(files)), reader('uses', 'read', ['unittests/scans/tool/many.json'])])).toEqual(['unittests/scans/tool/many.json:2:1']);
  });

  it('legacy-path-literal relies only on the modules that quote a path under a layout root', async () => {
    const { rule } = await import('../codemods/legacy-path-literal/index.js');
    const broken = 'def f(:\n    pass\n';
    const diagnostics: Diagnostic[] = [];
    const ws = Workspace.fromFiles('/r', { 'app/plain.py': broken, 'app/quotes.py': `${broken}ROOT = "backend/api"\n` });
    await detect(ws, [rule], {}, diagnostics);
    // The module it looked into is named unparsable; the one it only scanned is no concern of its.
    expect(ws.reliedPaths()).toEqual(['app/quotes.py']);
    expect(diagnostics.filter((d) => d.kind === 'parse-error').map((d) => d.file)).toEqual(['app/quotes.py']);
  });

  it('a view starts with nothing relied on; the files it shares are still read once', () => {
    const ws = Workspace.fromFiles('/r', files);
    ws.probe('tsconfig.json');
    expect(ws.reliedPaths()).toEqual([]);
    const file = ws.read('docs/INDEX.json');
    expect(ws.reliedPaths()).toEqual(['docs/INDEX.json']);
    const view = ws.withChanges(new Map([['tsconfig.json', '{}']]));
    expect(view.reliedPaths()).toEqual([]);
    expect(view.read('docs/INDEX.json')).toBe(file);
  });
});

describe('proofs use the dialect of the edited file', () => {
  const SAFE = new Set<Safety>(['safe']);
  const replace = (file: string, from: string, to: string): Rule => ({
    meta: { id: `replace-${file}`, seedIds: [], summary: '', defaultSeverity: 'warning', fixable: 'safe' },
    async check({ workspace }) {
      const text = workspace.read(file)?.text ?? '';
      const i = text.indexOf(from);
      if (i === -1) return [];
      const f: RawFinding = { file, offset: i, message: `${from} → ${to}`, key: from, fix: { safety: 'safe', description: 'replace', edits: [{ file, start: i, end: i + from.length, text: to }] } };
      return [f];
    },
  });

  it('keeps an edit of a tsconfig base with comments and trailing commas, and drops one that breaks it', async () => {
    const ws = Workspace.fromFiles('/r', {
      'web/tsconfig.json': '{ "extends": "../config/base.json" }',
      'config/base.json': '{\n  // shared\n  "include": ["src/old",],\n}\n',
    });
    const kept = await run(ws, { rules: [replace('config/base.json', 'src/old', 'src/new')], apply: SAFE });
    expect(kept.diagnostics.filter((d) => d.kind === 'fix-rejected')).toEqual([]);
    expect(kept.changes.map((c) => c.after)).toEqual(['{\n  // shared\n  "include": ["src/new",],\n}\n']);
    const broken = await run(ws, { rules: [replace('config/base.json', '"src/old"', '"src/old"]')], apply: SAFE });
    expect(broken.changes).toEqual([]);
    expect(broken.diagnostics.find((d) => d.kind === 'fix-rejected')?.message).toMatch(/^fix dropped: config\/base\.json would not parse at 3:/);
  });

  it('the same edit of strict JSON with a trailing comma is dropped', async () => {
    const ws = Workspace.fromFiles('/r', { 'docs/INDEX.json': '{\n  "include": ["src/old"]\n}\n' });
    const result = await run(ws, { rules: [replace('docs/INDEX.json', '"src/old"', '"src/new",')], apply: SAFE });
    expect(result.changes).toEqual([]);
    expect(result.diagnostics.find((d) => d.kind === 'fix-rejected')?.message).toMatch(/docs\/INDEX\.json would not parse at 2:\d+: ValueExpected/);
  });

  it('an edit of Helm template source is never proven', async () => {
    const ws = Workspace.fromFiles('/r', { 'chart/Chart.yaml': 'name: c\n', 'chart/templates/cm.yaml': 'kind: ConfigMap\ndata: { a: old }\n' });
    const result = await run(ws, { rules: [replace('chart/templates/cm.yaml', 'old', 'new')], apply: SAFE });
    expect(result.changes).toEqual([]);
    expect(result.diagnostics.find((d) => d.kind === 'fix-rejected')?.message).toMatch(/Helm template source/);
  });
});
