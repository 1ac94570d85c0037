/**
 * drift-guard-coverage on single-file look-alikes: the same checker is reported or not by what
 * runs it, so each valid case fails if the rule stops recognising that runner (the invalid cases
 * show the checker itself is recognised).
 */
import { describe, it, expect } from 'vitest';
import { ruleTester } from './helpers/rule-tester.js';
import { rule } from '../codemods/drift-guard-coverage/index.js';
import { Workspace } from '../src/workspace/workspace.js';

const CHECKER = `import re
import sys
from pathlib import Path

FORBIDDEN_PATTERNS = [
    r"backend\\.main:app",
]


def main() -> int:
    bad = [p for p in Path("docs").rglob("*.md") if any(re.search(f, p.read_text()) for f in FORBIDDEN_PATTERNS)]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
`;

const lintWorkflow = (extra = ''): string => `on: [push, pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: ruff check .
${extra}`;

const withCi = (files: Record<string, string>): Record<string, string> => ({ 'scripts/check_docs_drift.py': CHECKER, ...files });

ruleTester('drift-guard-coverage', {
  valid: [
    { name: 'run as a module by a workflow', files: withCi({ '.github/workflows/ci.yml': lintWorkflow('      - run: python -m scripts.check_docs_drift\n') }) },
    { name: 'run by a shell script (which may run anywhere)', files: withCi({ '.github/workflows/ci.yml': lintWorkflow(), 'scripts/ci.sh': 'set -e\npython scripts/check_docs_drift.py\n' }) },
    { name: 'run by a tox environment', files: withCi({ '.github/workflows/ci.yml': lintWorkflow(), 'tox.ini': '[testenv:docs]\ncommands = python scripts/check_docs_drift.py\n' }) },
    { name: 'run by GitLab CI', files: withCi({ '.gitlab-ci.yml': 'docs:\n  script:\n    - python scripts/check_docs_drift.py\n' }) },
    { name: 'a repository with no CI at all', files: withCi({ 'README.md': 'Run `python scripts/check_docs_drift.py`.\n' }) },
    { name: 'a package script run through a lifecycle hook', files: withCi({ '.github/workflows/ci.yml': lintWorkflow(), 'package.json': '{"scripts":{"pretest":"python scripts/check_docs_drift.py","test":"vitest"}}\n' }) },
    {
      name: 'a list whose name forbids nothing',
      files: { '.github/workflows/ci.yml': lintWorkflow(), 'scripts/check_sizes.py': CHECKER.replace(/FORBIDDEN_PATTERNS/g, 'BLOCK_PATTERNS') },
    },
    {
      name: 'a forbidden list that is never read',
      files: { '.github/workflows/ci.yml': lintWorkflow(), 'scripts/check_docs_drift.py': CHECKER.replace('for f in FORBIDDEN_PATTERNS', 'for f in ["x"]') },
    },
    {
      name: 'a script that never fails',
      files: { '.github/workflows/ci.yml': lintWorkflow(), 'scripts/check_docs_drift.py': CHECKER.replace('return 1 if bad else 0', 'return 0').replace('sys.exit(main())', 'main()') },
    },
  ],
  invalid: [
    {
      name: 'named in a workflow only in a comment',
      files: withCi({ '.github/workflows/ci.yml': lintWorkflow('      # TODO: python scripts/check_docs_drift.py\n') }),
      errors: [{ messageId: 'neverRun', data: { checker: 'scripts/check_docs_drift.py', docs: '' }, safety: 'review' }],
      output: { '.github/workflows/ci.yml': lintWorkflow('      - run: python3 scripts/check_docs_drift.py\n      # TODO: python scripts/check_docs_drift.py\n') },
    },
    {
      name: 'named only in this tool\'s own baseline, which quotes findings',
      files: withCi({ '.github/workflows/ci.yml': lintWorkflow(), 'autopack-fix-baseline.json': '{"version":1,"findings":[{"ruleId":"drift-guard-coverage","file":"scripts/check_docs_drift.py","fingerprint":"x","message":"`scripts/check_docs_drift.py` is a drift checker"}]}\n' }),
      errors: [{ messageId: 'neverRun', safety: 'review' }],
      output: { '.github/workflows/ci.yml': lintWorkflow('      - run: python3 scripts/check_docs_drift.py\n') },
    },
    {
      name: 'a package script that CI does not run',
      files: withCi({ '.github/workflows/ci.yml': lintWorkflow('      - run: npm test\n'), 'package.json': '{"scripts":{"docs:drift":"python scripts/check_docs_drift.py","test":"vitest"}}\n' }),
      errors: [{ messageId: 'localOnly', data: { targets: 'the `docs:drift` script (package.json)' }, safety: 'review' }],
      output: { '.github/workflows/ci.yml': lintWorkflow('      - run: python3 scripts/check_docs_drift.py\n      - run: npm test\n') },
    },
    {
      name: 'no job runs doc checks or linters',
      files: withCi({ '.github/workflows/ci.yml': 'on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pytest\n' }),
      errors: [{ messageId: 'neverRun', skipReason: 'no-candidate', safety: null }],
      output: null,
      reason: 'there is no job of doc checks or linters to put the step in; which job should run it is the maintainers\' call',
    },
  ],
});

/** A repository where docs-command-drift rewrites `shop.api.server:app` to `shop.main:app`. */
const STALE_DOC = {
  'Dockerfile': 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY src/ ./src/\nENV PYTHONPATH=/srv/src\nCMD ["uvicorn", "shop.main:app"]\n',
  'src/shop/__init__.py': '',
  'src/shop/main.py': 'from fastapi import FastAPI\n\napp = FastAPI()\n',
  'docs/run.md': '# Run\n\n```bash\nPYTHONPATH=src uvicorn shop.api.server:app --reload\n```\n',
};

const targetChecker = (list: string, test = 'if target in text'): string => `import sys
from pathlib import Path

${list}

bad = False
for doc in Path("docs").rglob("*.md"):
    text = doc.read_text()
    for target in LEGACY_TARGETS:
        ${test}:
            bad = True
if bad:
    sys.exit(1)
`;

ruleTester('drift-guard-coverage', {
  valid: [
    { name: 'a regex entry already covers the stale target', files: { ...STALE_DOC, 'scripts/guard.py': targetChecker('LEGACY_TARGETS = [r"\\.api\\.server:app"]', 'if __import__("re").search(target, text)') } },
    { name: 'a literal entry already covers it', files: { ...STALE_DOC, 'scripts/guard.py': targetChecker("LEGACY_TARGETS = ('backend.main:app', 'api.server:app')") } },
    { name: 'entries with escape sequences are not judged', files: { ...STALE_DOC, 'scripts/guard.py': targetChecker('LEGACY_TARGETS = ["uvicorn\\\\s+backend\\\\.main:app"]', 'if __import__("re").search(target, text)') } },
    { name: 'a list of other things (paths) gets no app target', files: { ...STALE_DOC, 'scripts/guard.py': targetChecker('LEGACY_TARGETS = ["docker-compose.legacy.yml"]') } },
  ],
  invalid: [
    {
      name: 'an inline tuple of single-quoted literals, no trailing comma',
      files: { ...STALE_DOC, 'scripts/guard.py': targetChecker("LEGACY_TARGETS = ('backend.main:app', 'app.server:app')") },
      errors: [{ messageId: 'missingPattern', data: { target: 'shop.api.server:app', replacement: 'shop.main:app', docs: '`docs/run.md`' }, safety: 'review' }],
      output: { 'scripts/guard.py': targetChecker("LEGACY_TARGETS = ('backend.main:app', 'app.server:app', 'shop.api.server:app')") },
    },
    {
      name: 'one per line without a trailing comma, a comment after the last entry',
      files: { ...STALE_DOC, 'scripts/guard.py': targetChecker('LEGACY_TARGETS = [\n    "backend.main:app"  # merged in 2.0\n]') },
      errors: [{ messageId: 'missingPattern', safety: 'review' }],
      output: { 'scripts/guard.py': targetChecker('LEGACY_TARGETS = [\n    "backend.main:app",  # merged in 2.0\n    "shop.api.server:app"\n]') },
    },
    {
      name: 'a plain string in a regex list doubles its backslashes',
      files: { ...STALE_DOC, 'scripts/guard.py': targetChecker('LEGACY_TARGETS = [r"uvicorn\\s+backend\\.main:app", "app.server:app"]', 'if __import__("re").search(target, text)') },
      errors: [{ messageId: 'missingPattern', safety: 'review' }],
      output: { 'scripts/guard.py': targetChecker('LEGACY_TARGETS = [r"uvicorn\\s+backend\\.main:app", "app.server:app", "shop\\\\.api\\\\.server:app"]', 'if __import__("re").search(target, text)') },
    },
    {
      name: 'patterns with hints: a copy of the entry whose hint names the same replacement',
      files: { ...STALE_DOC, 'scripts/guard.py': targetChecker('LEGACY_TARGETS = [\n    ("backend.main:app", "use shop.main:app"),\n    ("from backend.", "import from shop"),\n]', 'if target[0] in text') },
      errors: [{ messageId: 'missingPattern', safety: 'review' }],
      output: { 'scripts/guard.py': targetChecker('LEGACY_TARGETS = [\n    ("backend.main:app", "use shop.main:app"),\n    ("from backend.", "import from shop"),\n    ("shop.api.server:app", "use shop.main:app"),\n]', 'if target[0] in text') },
    },
    {
      name: 'patterns with hints that name only their own target',
      files: { ...STALE_DOC, 'scripts/guard.py': targetChecker('LEGACY_TARGETS = {\n    "backend.main:app": "backend.main:app was removed in 2.0",\n}', 'if target in text') },
      errors: [{ messageId: 'missingPattern', skipReason: 'author-intent', safety: null }],
      output: null,
      reason: 'each entry carries a message about its own target; what to say about the new one is for the authors',
    },
  ],
});

describe("whether a run's drift-guard-coverage may read the docs' commands (readsIf)", () => {
  const reads = (files: Record<string, string>): boolean => (rule.readsIf?.({ workspace: Workspace.fromFiles('/r', files), options: {} }) ?? true);

  it('yes for a Python drift checker, wherever a guard may live', () => {
    expect(reads({ 'scripts/check_docs_drift.py': CHECKER, 'README.md': '# x\n' })).toBe(true);
    expect(reads({ 'tools/lint/check_docs.py': CHECKER })).toBe(true);
  });

  it('no without one: a shell checker, a module that binds no forbidden-named list, the checker under another extension', () => {
    expect(reads({ 'README.md': '# x\n', 'app/main.py': 'app = None\n' })).toBe(false);
    expect(reads({ 'scripts/check_docs_drift.sh': 'FORBIDDEN_PATTERNS=(\n  "backend.main:app"\n)\ngrep -rE "${FORBIDDEN_PATTERNS[@]}" docs && exit 1\n' })).toBe(false);
    expect(reads({ 'scripts/check_docs_drift.py': 'ALLOWED = ["a"]\n' })).toBe(false);
    expect(reads({ 'scripts/check_docs_drift.txt': CHECKER })).toBe(false);
  });
});
