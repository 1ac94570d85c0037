/**
 * The acceptance test of the gap analysis's headline cases (issue 11): `fixtures/demo` is laid
 * out like the analysed repository (archives, logs, a build ledger, several consumers of the
 * redaction sets, a history file holding an instruction), and a dry run with --unsafe-fixes must
 * fix each seed the way the analysis recommends, at the fix class the README's seed table names.
 *
 * It runs twice: on the demo as a fresh one-commit repository, and on the same tree with the
 * history a real repository has (the integration scripts moved from `integrations/` to
 * `scripts/integrations/`, the security baseline from `docs/SECURITY_BASELINE.md` to
 * `security/README.md`), where the rename records turn guesses into safe fixes.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import { ROOT, repoFrom, repoWithHistory, removeDir } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';

const DEMO = path.join(ROOT, 'fixtures', 'demo');

interface JsonFinding {
  ruleId: string;
  seedIds: string[];
  file: string;
  message: string;
  fix: { safety: 'safe' | 'review' } | null;
}

interface Expectation {
  seed: string;
  rule: string;
  file: string;
  /** The fix class: `safe`, `review`, or `report` (a finding with no fix). */
  fix: 'safe' | 'review' | 'report';
  /** The file the fix edits, when it is not the finding's. */
  diffFile?: string;
  /** Lines the combined diff removes and adds in that file (without the leading -/+). */
  removes?: string[];
  adds?: string[];
}

/** The seed cases and the fix the analysis recommends for each, on the plain demo. */
const PLAIN: Expectation[] = [
  { seed: '1.1', rule: 'compose-unknown-service', file: 'docker-compose.dev.yml', fix: 'safe', removes: ['  postgres:'], adds: ['  db:'] },
  { seed: '1.1', rule: 'compose-missing-build-target', file: 'docker-compose.dev.yml', fix: 'safe', removes: ['      target: development'] },
  { seed: '1.1', rule: 'compose-stale-app-target', file: 'docker-compose.dev.yml', fix: 'safe', adds: ['      uvicorn autopack.main:app'] },
  { seed: '1.2', rule: 'dockerfile-copy-outdir', file: 'Dockerfile.frontend', diffFile: 'vite.config.ts', fix: 'safe', removes: ['    outDir: "dist/frontend",'], adds: ['    outDir: "dist",'] },
  { seed: '1.4', rule: 'docs-command-drift', file: 'docs/PROJECT_INDEX.json', fix: 'review', adds: ['    "supervisor": "python scripts/integrations/supervisor.py --help",'] },
  { seed: '1.4', rule: 'docs-dead-reference', file: 'docs/PROJECT_INDEX.json', fix: 'review' },
  { seed: '1.5', rule: 'docs-command-drift', file: 'docs/PARALLEL_RUNS.md', fix: 'safe', adds: ['docker-compose up -d db'] },
  { seed: '1.5', rule: 'docs-command-drift', file: 'docs/DEPLOYMENT.md', fix: 'safe', adds: ['PYTHONPATH=src uvicorn autopack.main:app --host 0.0.0.0 --port 8000 --workers 4'] },
  { seed: '1.5', rule: 'docs-command-drift', file: 'docs/PARALLEL_RUNS.md', fix: 'safe', removes: ['docker-compose logs -f api'], adds: ['docker-compose logs -f backend'] },
  { seed: '1.5', rule: 'docs-command-drift', file: 'docs/DEPLOYMENT.md', fix: 'safe', adds: ['CMD ["uvicorn", "autopack.main:app", "--host", "0.0.0.0", "--port", "8000"]'] },
  { seed: '1.6', rule: 'dependabot-coverage', file: '.github/dependabot.yml', fix: 'safe', adds: ['  - package-ecosystem: "github-actions"', '  - package-ecosystem: "pip"', '  - package-ecosystem: "npm"'] },
  // The docs retire the dashboard frontend: its entry is its own finding, for review.
  { seed: '1.6', rule: 'dependabot-coverage', file: '.github/dependabot.yml', fix: 'review', adds: ['    directory: "/src/autopack/dashboard/frontend"'] },
  // Grouped by the settings class that declares the names, required first; tooling names left out.
  { seed: '0.1a', rule: 'env-example-missing', file: 'docs/PROJECT_INDEX.json', diffFile: '.env.example', fix: 'safe', adds: ['# src/autopack/settings.py: Settings (pydantic settings)', 'DATABASE_URL=', '# AUTOPACK_ENV='] },
  { seed: '1.7', rule: 'redaction-key-normalization', file: 'src/autopack/sanitizer.py', fix: 'safe', adds: ['SENSITIVE_HEADERS = {"authorization", "cookie", "set_cookie", "x_api_key", "x_github_token"}'] },
  { seed: '1.9', rule: 'ci-npm-ci-without-lockfile', file: '.github/workflows/ci.yml', fix: 'report' },
  { seed: '1.11', rule: 'docs-port-drift', file: 'README.md', fix: 'safe', adds: ['The API docs are then at http://localhost:8000/docs.'] },
  { seed: '2.8', rule: 'docs-command-drift', file: 'scripts/integrations/README.md', fix: 'review', adds: ['python scripts/integrations/supervisor.py --once'] },
  { seed: '2.9', rule: 'docs-command-drift', file: 'docs/guides/RESEARCH_CI_FIX_CHECKLIST.md', fix: 'safe', adds: ['   PYTHONPATH=src python -m uvicorn autopack.main:app --host 127.0.0.1 --port 8000'] },
  { seed: '2.9', rule: 'docs-command-drift', file: 'docs/guides/RESEARCH_CI_IMPORT_FIX.md', fix: 'safe' },
  { seed: '1.8', rule: 'prod-auth-fail-open', file: 'src/autopack/main.py', fix: 'review', adds: ['        if os.getenv("AUTOPACK_ENV", "development") == "production":'] },
  { seed: '1.13', rule: 'python-module-entrypoint', file: 'pyproject.toml', fix: 'safe', adds: ['[project.scripts]', 'autopack = "autopack.cli.main:main"'] },
  { seed: '1.13', rule: 'python-module-entrypoint', file: 'src/autopack/__main__.py', fix: 'review', removes: ['class CanadaDocumentClassifier:'], adds: ['from autopack.cli.main import main', '    raise SystemExit(main())'] },
  { seed: '2.5', rule: 'api-version-drift', file: 'src/autopack/main.py', fix: 'safe', removes: ['    return {"service": "Autopack", "version": "0.1.0", "status": "ok"}'], adds: ['    return {"service": "Autopack", "version": __version__, "status": "ok"}'] },
  { seed: '2.10', rule: 'protected-path-missing', file: 'src/autopack/risk_scorer.py', fix: 'review', removes: ['        "config/safety_profiles.yaml",', '        "config/governance.yaml",'] },
  { seed: '1.12', rule: 'protected-path-missing', file: 'src/autopack/autonomous_executor.py', fix: 'review', adds: ['DEFAULT_ALLOWED_PATHS = ["src/frontend/", "tests/", "docs/"]'] },
  { seed: '2.12', rule: 'drift-guard-coverage', file: 'scripts/check_docs_drift.py', diffFile: '.github/workflows/ci.yml', fix: 'review', adds: ['      - name: Check docs drift', '        run: python scripts/check_docs_drift.py'] },
  { seed: '2.9', rule: 'drift-guard-coverage', file: 'scripts/check_docs_drift.py', fix: 'review', adds: ['    (r"autopack\\.api\\.server:app", "use autopack.main:app"),'] },
  { seed: '1.10', rule: 'compose-frontend-build-drift', file: 'docker-compose.yml', fix: 'review', removes: ['      dockerfile: Dockerfile'], adds: ['      dockerfile: Dockerfile.frontend'] },
  { seed: '1.3', rule: 'frontend-duplicate-app', file: 'src/autopack/dashboard/frontend/package.json', fix: 'report' },
  // An early admin UI inside the Python package that nothing names: archived with a note (review).
  { seed: '1.3', rule: 'frontend-duplicate-app', file: 'src/autopack/admin/ui/package.json', fix: 'review', diffFile: 'archive/experiments/autopack-admin-ui/ARCHIVED.md', adds: ['# Archived: autopack-admin-ui'] },
  // A git-ignored database at the root beside the configured ones: moved to the archive, never deleted.
  { seed: '2.4', rule: 'stray-database-files', file: 'autopack_dev.db', fix: 'review' },
  { seed: '4', rule: 'unpinned-action', file: '.github/workflows/labeler.yml', fix: 'safe', adds: ['      - uses: actions/labeler@8558fd74291d67161a8a78ce36a881fa63b766a9 # v5'] },
  { seed: '4', rule: 'unpinned-base-image', file: 'Dockerfile.frontend', fix: 'safe', adds: ['FROM node:20-alpine@sha256:c13b26e7e602ef2f1074aef304ce6e9b7dd284c419b35d89fcf3cc8e44a8def9 AS build'] },
  { seed: '3.1', rule: 'pre-commit-config', file: 'pyproject.toml', diffFile: '.pre-commit-config.yaml', fix: 'review', adds: ['  - repo: https://github.com/astral-sh/ruff-pre-commit'] },
  { seed: '4', rule: 'github-templates', file: '.github/pull_request_template.md', fix: 'review' },
  { seed: '3.3', rule: 'hardcoded-checkout-path', file: 'scripts/archive/root_scripts/RUN_EXECUTOR.bat', fix: 'safe', removes: ['cd /d C:\\dev\\Autopack'], adds: ['cd /d %~dp0..\\..\\..', 'set PYTHONPATH=%~dp0..\\..\\..\\src'] },
  { seed: '3.3', rule: 'hardcoded-checkout-path', file: 'scripts/telemetry_seed_quickstart.ps1', fix: 'safe', adds: ['Set-Location $PSScriptRoot\\..', '$env:PYTHONPATH = "$PSScriptRoot\\..\\src"'] },
  { seed: '3.4', rule: 'nginx-request-id', file: 'nginx.conf', fix: 'review', adds: ['map $http_x_request_id $x_request_id {', '    add_header X-Request-ID $x_request_id always;'] },
  { seed: '3.2', rule: 'codeowners-dead-pattern', file: '.github/CODEOWNERS', fix: 'review', removes: ['/docs/SECURITY_BASELINE.md  @autopack/security'] },
  // Config files nothing reads, while their siblings are read by name: moved to the archive with the index (review).
  { seed: '2.11', rule: 'config-unreferenced', file: 'config/feature_catalog.yaml', fix: 'review' },
  { seed: '2.11', rule: 'config-unreferenced', file: 'config/stack_profiles.yaml', fix: 'review' },
  { seed: '2.11', rule: 'config-unreferenced', file: 'config/tools.yaml', fix: 'review' },
  // No file of that name anywhere and no history: the analysis names no single fix either.
  { seed: '0.1', rule: 'docs-dead-reference', file: 'docs/DEPLOYMENT.md', fix: 'report' },
  { seed: '0.1', rule: 'referenced-path-missing', file: 'docker-compose.yml', fix: 'report' },
  // A compose override that CI reads but only its template is committed: point at the template.
  { seed: '0.1', rule: 'referenced-path-missing', file: '.github/workflows/ci.yml', fix: 'review', removes: ['        run: docker compose -f docker-compose.yml -f docker-compose.ci.yml config --quiet'], adds: ['        run: docker compose -f docker-compose.yml -f docker-compose.ci.example.yml config --quiet'] },
  // A default root of a layout the repository no longer has: the one real package root replaces it.
  { seed: '1.12', rule: 'legacy-path-literal', file: 'src/autopack/autonomous_executor.py', fix: 'review', removes: ['DEFAULT_MODULE_ROOT = "src/backend/"'], adds: ['DEFAULT_MODULE_ROOT = "src/autopack/"'] },
];

/** With the history: the rename records make the moved paths certain. */
const WITH_HISTORY: Expectation[] = [
  { seed: '3.2', rule: 'codeowners-dead-pattern', file: '.github/CODEOWNERS', fix: 'safe', removes: ['/docs/SECURITY_BASELINE.md  @autopack/security'], adds: ['/security/README.md  @autopack/security'] },
  { seed: '2.8', rule: 'docs-command-drift', file: 'scripts/integrations/README.md', fix: 'safe', adds: ['python scripts/integrations/supervisor.py --once'] },
  { seed: '1.4', rule: 'docs-command-drift', file: 'docs/PROJECT_INDEX.json', fix: 'safe', adds: ['    "supervisor": "python scripts/integrations/supervisor.py --help",'] },
];

/** The part of a combined unified diff that belongs to one file. */
function fileDiff(diff: string, file: string): string {
  const parts = diff.split(/^(?=diff --git )/m);
  return parts.find((p) => p.startsWith(`diff --git a/${file} `) || p.startsWith(`diff --git a/${file}\n`)) ?? '';
}

async function runDemo(repo: string): Promise<{ findings: JsonFinding[]; diff: string }> {
  const json = await runCli([repo, '--format', 'json', '--unsafe-fixes']);
  const diff = await runCli([repo, '--format', 'diff', '--unsafe-fixes']);
  return { findings: (JSON.parse(json.stdout) as { findings: JsonFinding[] }).findings, diff: diff.stdout };
}

function check(result: { findings: JsonFinding[]; diff: string }, e: Expectation): void {
  // The seed is the row of the analysis; which seed ids a finding carries is the rule's business
  // (a moved script in PROJECT_INDEX.json is both 1.4 and 2.8), so findings match by rule and file.
  const found = result.findings.filter((f) => f.ruleId === e.rule && f.file === e.file);
  const label = `${e.seed} ${e.rule} in ${e.file}`;
  expect(found.length, `${label}: no finding; the rule's findings: ${JSON.stringify(result.findings.filter((f) => f.ruleId === e.rule).map((f) => `${f.file}: ${f.message}`), null, 1)}`).toBeGreaterThan(0);
  const classes = found.map((f) => f.fix?.safety ?? 'report');
  expect(classes, `${label}: fix class`).toContain(e.fix);
  // CRLF files (the Windows scripts) end their diff lines in \r; the expectations are written without it.
  const lines = fileDiff(result.diff, e.diffFile ?? e.file).split('\n').map((l) => l.replace(/\r$/, ''));
  for (const r of e.removes ?? []) expect(lines, `${label}: the diff removes ${r}`).toContain(`-${r}`);
  for (const a of e.adds ?? []) expect(lines, `${label}: the diff adds ${a}`).toContain(`+${a}`);
}

describe('the gap analysis seeds on fixtures/demo', () => {
  let plain: string;
  let historic: string;
  let plainResult: { findings: JsonFinding[]; diff: string };
  let historicResult: { findings: JsonFinding[]; diff: string };

  beforeAll(async () => {
    plain = repoFrom(DEMO);
    historic = repoWithHistory(DEMO, [
      {
        message: 'integrations and the security baseline in their first places',
        copy: {
          'integrations/supervisor.py': 'scripts/integrations/supervisor.py',
          'integrations/telegram_notifier.py': 'scripts/integrations/telegram_notifier.py',
          'docs/SECURITY_BASELINE.md': 'security/README.md',
        },
      },
      { message: 'move integrations under scripts/, the security baseline under security/', rename: { integrations: 'scripts/integrations', 'docs/SECURITY_BASELINE.md': 'security/README.md' } },
    ]);
    plainResult = await runDemo(plain);
    historicResult = await runDemo(historic);
  }, 120_000);

  afterAll(() => {
    removeDir(plain);
    removeDir(historic);
  });

  for (const e of PLAIN) {
    it(`${e.seed}: ${e.rule} (${e.file}) — ${e.fix}`, () => check(plainResult, e));
  }
  for (const e of WITH_HISTORY) {
    it(`${e.seed} with history: ${e.rule} (${e.file}) — ${e.fix}`, () => check(historicResult, e));
  }

  it('2.1/2.2: todo-inventory is opt-in, and --rule todo-inventory ranks the executor as the hotspot', async () => {
    expect(plainResult.findings.filter((f) => f.ruleId === 'todo-inventory')).toEqual([]);
    const r = await runCli([plain, '--rule', 'todo-inventory', '--format', 'json']);
    const findings = (JSON.parse(r.stdout) as { findings: Array<JsonFinding & { messageId?: string }> }).findings;
    expect(findings.filter((f) => f.messageId === 'marker').length).toBeGreaterThan(10);
    const hotspot = findings.find((f) => f.messageId === 'fileHotspot');
    expect(hotspot?.file).toBe('src/autopack/autonomous_executor.py');
    expect(hotspot?.fix).toBeNull();
  });

  it('every seed of the README table that the demo carries is found', () => {
    const seeds = new Set(plainResult.findings.flatMap((f) => f.seedIds));
    for (const seed of ['1.1', '1.2', '1.3', '1.10', '2.12', '1.4', '1.5', '1.6', '1.7', '1.9', '1.8', '1.11', '1.12', '1.13', '2.5', '2.4', '2.11', '2.6', '2.8', '2.9', '2.10', '3.1', '3.2', '3.3', '3.4', '4']) expect([...seeds], seed).toContain(seed);
  });
});
