/**
 * pre-commit-config and github-templates: look-alikes that must not fire (in memory, with the
 * rule tester), and what the fixes create, checked against the owning tool's schema: the
 * `expected/` files of the golden cases are exactly what the rules generate (tests/golden.test.ts
 * compares them), so validating them validates the generator.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ruleTester } from './helpers/rule-tester.js';
import { Ajv } from 'ajv';
import { ROOT } from './helpers/repo.js';

const RUFF = { 'pyproject.toml': '[tool.ruff]\nline-length = 100\n' };

ruleTester('pre-commit-config', {
  valid: [
    { name: 'a .pre-commit-config.yaml exists', files: { ...RUFF, '.pre-commit-config.yaml': 'repos: []\n' } },
    { name: 'husky runs the hooks', files: { ...RUFF, '.husky/pre-commit': 'npx lint-staged\n' } },
    { name: 'lefthook runs the hooks', files: { ...RUFF, 'lefthook.yml': 'pre-commit:\n  commands:\n    ruff:\n      run: ruff check {staged_files}\n' } },
    { name: 'simple-git-hooks in package.json', files: { ...RUFF, 'package.json': '{ "simple-git-hooks": { "pre-commit": "npx lint-staged" } }\n' } },
    { name: 'husky as a dev dependency (v9 keeps its hooks in .husky, created by prepare)', files: { 'eslint.config.js': 'export default [];\n', 'package.json': '{ "devDependencies": { "eslint": "9.0.0", "husky": "9.0.0" } }\n' } },
    { name: 'a .githooks folder wired with core.hooksPath', files: { ...RUFF, '.githooks/pre-commit': '#!/bin/sh\nruff check .\n', Makefile: 'hooks:\n\tgit config core.hooksPath .githooks\n' } },
    { name: 'no linter configured or run', files: { 'pyproject.toml': '[project]\nname = "x"\nversion = "1"\n', '.github/workflows/ci.yml': 'on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n' } },
    { name: 'a linter configured only in a subproject (not where pre-commit runs)', files: { 'examples/app/pyproject.toml': '[tool.ruff]\nline-length = 100\n' } },
    { name: '[mypy-x.*] sections without [mypy] configure nothing on their own', files: { 'setup.cfg': '[mypy-tests.*]\nignore_errors = True\n' } },
    { name: 'CI lints a subproject (working-directory, cd)', files: { '.github/workflows/ci.yml': 'on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - working-directory: ./dev/cli\n        run: uv run --with ruff ruff check .\n      - run: cd web && npx eslint .\n' } },
    { name: 'a dependency named in CI, not run', files: { '.github/workflows/ci.yml': 'on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pip install ruff==0.4.4 black\n' } },
  ],
  invalid: [
    {
      name: 'ruff-action in CI with its version input',
      files: { '.github/workflows/lint.yml': 'on: push\njobs:\n  ruff:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: astral-sh/ruff-action@v3\n        with:\n          version: 0.6.9\n          args: format --check\n' },
      errors: [{ messageId: 'noConfig', data: { linters: 'ruff', are: 'is', them: 'it', evidence: '`astral-sh/ruff-action` (job `ruff` of .github/workflows/lint.yml)', leftOut: '' }, safety: 'review' }],
      output: {
        '.pre-commit-config.yaml':
          '# The linters this repository configures and its CI runs, as git hooks: `pre-commit install`.\n# Python hooks are pinned to the versions the repository uses; `pre-commit autoupdate` moves them.\nrepos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.6.9  # astral-sh/ruff-action in .github/workflows/lint.yml\n    hooks:\n      - id: ruff-format\n',
      },
    },
    {
      name: 'eslint with the Vue plugin also lints .vue files',
      files: { '.eslintrc.cjs': 'module.exports = { extends: ["plugin:vue/vue3-recommended"] };\n', 'package.json': '{ "devDependencies": { "eslint": "8.57.0", "eslint-plugin-vue": "9.0.0" } }\n' },
      errors: [{ messageId: 'noConfig', safety: 'review' }],
      output: {
        '.pre-commit-config.yaml':
          '# The linters this repository configures and its CI runs, as git hooks: `pre-commit install`.\n# Python hooks are pinned to the versions the repository uses; `pre-commit autoupdate` moves them.\nrepos:\n  # Run with the version and plugins the lockfile installs, as CI does.\n  - repo: local\n    hooks:\n      - id: eslint\n        name: eslint\n        entry: npx eslint\n        language: system\n        types_or: [javascript, jsx, ts, tsx, vue]\n',
      },
    },
    {
      name: 'eslint configured without the root package.json installing it',
      files: { '.eslintrc.json': '{ "root": true }\n' },
      errors: [{ messageId: 'noConfig', safety: null }],
      output: null,
      reason: 'a local hook would run an eslint nobody installed',
    },
  ],
});

ruleTester('github-templates', {
  valid: [
    { name: 'not on GitHub', files: { 'package.json': '{ "repository": "https://gitlab.com/o/r.git" }\n' } },
    { name: 'templates in .github, lower case', files: { '.github/issue_template.md': 'Steps:\n', '.github/pull_request_template.md': '- [ ] tests\n' } },
    { name: 'templates in the root, upper case', files: { 'ISSUE_TEMPLATE.md': 'Steps:\n', 'PULL_REQUEST_TEMPLATE.md': '- [ ] tests\n', '.github/workflows/ci.yml': 'on: push\njobs: {}\n' } },
    { name: 'template folders in docs/, mixed case', files: { 'docs/Issue_Template/bug.md': 'Steps:\n', 'docs/pull_request_template/feature.md': '- [ ] tests\n', '.github/CODEOWNERS': '* @o\n' } },
    { name: 'an issue-form folder with only a config.yml', files: { '.github/ISSUE_TEMPLATE/config.yml': 'blank_issues_enabled: false\n', '.github/PULL_REQUEST_TEMPLATE.md': '- [ ] tests\n' } },
  ],
  invalid: [
    {
      name: 'a template under a name GitHub does not read',
      files: { '.github/issue-template.md': 'Steps:\n', '.github/pull_request_template.md': '- [ ] tests\n' },
      errors: [{ messageId: 'misnamed', file: '.github/issue-template.md', safety: null }],
      output: null,
      reason: 'the maintainers wrote a template: renaming it is theirs to decide, a second one would duplicate it',
    },
    {
      name: 'a package on GitHub by its repository field, a pull-request template only',
      files: { 'package.json': '{ "repository": "github:o/r", "scripts": { "test": "echo \\"Error: no test specified\\" && exit 1" } }\n', 'docs/PULL_REQUEST_TEMPLATE.md': '- [ ] tests\n' },
      errors: [{ messageId: 'noIssueTemplate', data: { why: 'package.json `repository` is on GitHub' }, safety: 'review' }],
      output: {
        '.github/ISSUE_TEMPLATE/bug_report.yml': readFileSync(path.join(ROOT, 'fixtures/github-templates/seed-no-templates/expected/.github/ISSUE_TEMPLATE/bug_report.yml'), 'utf8'),
      },
    },
  ],
});

/**
 * tests/schemas/pre-commit-config.json refers to SchemaStore's pre-commit-hooks.json for
 * `language`, `types` and `stages`, which is not shipped here: those three are stood in for by
 * their shapes (a string; arrays of strings), and the file types the rule writes are checked
 * against identify's tag names below. Everything else is validated by the real schema.
 */
function preCommitErrors(text: string): string[] {
  const schema = JSON.parse(readFileSync(path.join(ROOT, 'tests/schemas/pre-commit-config.json'), 'utf8')) as Record<string, unknown>;
  delete schema.$schema;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const strings = { type: 'array', items: { type: 'string' } };
  ajv.addSchema({ $id: 'https://json.schemastore.org/pre-commit-hooks.json', definitions: { language: { type: 'string' }, file_types: strings, stages: strings, stage: { type: 'string' }, file_type: { type: 'string' } } });
  const validate = ajv.compile(schema);
  return validate(parse(text)) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** identify's tags that the generated local hooks use (pre-commit refuses an unknown tag). */
const IDENTIFY_TAGS = new Set(['javascript', 'jsx', 'ts', 'tsx', 'vue', 'svelte', 'text', 'python', 'pyi']);

function expectedFiles(rule: string, name: string): string[] {
  const dir = path.join(ROOT, 'fixtures', rule);
  return readdirSync(dir)
    .map((c) => path.join(dir, c, 'expected', name))
    .filter((p) => existsSync(p));
}

describe('created files against their tools', () => {
  it('every created .pre-commit-config.yaml validates against pre-commit-config.json', () => {
    const files = expectedFiles('pre-commit-config', '.pre-commit-config.yaml');
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(preCommitErrors(text), f).toEqual([]);
      // pre-commit itself refuses a remote repo without rev and a local hook without entry/language.
      for (const repo of (parse(text) as { repos: Array<Record<string, unknown>> }).repos) {
        if (repo.repo === 'local') {
          for (const h of repo.hooks as Array<Record<string, unknown>>) {
            expect(Object.keys(h)).toEqual(expect.arrayContaining(['id', 'name', 'entry', 'language']));
            for (const t of (h.types_or ?? []) as string[]) expect(IDENTIFY_TAGS, f).toContain(t);
          }
        }
        else expect(typeof repo.rev, f).toBe('string');
      }
    }
  });

  it('every created issue form has the fields GitHub requires', () => {
    // GitHub's issue-form syntax: name, description, body; each body element a type, an id
    // unique in the form, and attributes.label for inputs and textareas.
    const files = expectedFiles('github-templates', '.github/ISSUE_TEMPLATE/bug_report.yml');
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const f of files) {
      const form = parse(readFileSync(f, 'utf8')) as { name: string; description: string; body: Array<{ type: string; id?: string; attributes: { label?: string } }> };
      expect(typeof form.name).toBe('string');
      expect(typeof form.description).toBe('string');
      expect(form.body.length).toBeGreaterThan(0);
      const ids = form.body.map((b) => b.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const b of form.body) {
        expect(['markdown', 'textarea', 'input', 'dropdown', 'checkboxes']).toContain(b.type);
        if (b.type !== 'markdown') expect(typeof b.attributes.label).toBe('string');
      }
    }
  });
});
