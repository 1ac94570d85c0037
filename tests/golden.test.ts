/**
 * The golden harness (DESIGN §6). For every fixtures/<rule-id>/<case>/:
 *   1. detect on input/ — findings must equal findings.json (reported as missing / noisy);
 *   2. --write on a git copy — the tree must equal input/ overlaid with expected/;
 *   3. the dry-run diff, applied with `git apply` to another copy, gives the same tree;
 *   4. a second run changes nothing and leaves only the report-only findings;
 *   5. every changed file parses; compose and dependabot files validate against their schemas.
 * Parse diagnostics of the first run must equal the case's diagnostics.json (none when absent).
 * A finding of a rule with message ids is recorded by id and data (a rewording of the template
 * rewrites no golden), with its skip reason when it withholds a fix.
 * A fix that moves files says so in expected.moves.json (`[{ "from", "to" }]`, written by hand):
 * the expected tree is input/ with each `from` moved to its `to`, then overlaid with expected/;
 * the run's moves must be exactly those, and the diff carries them as git renames.
 * input/, expected/ and CASE.md are written by hand; findings.json is written by the tool
 * with UPDATE_GOLDEN=1 and reviewed like any other change. A case may carry git history
 * (history.json: commits replayed before input/ is committed, see repoWithHistory), or run
 * outside any repository (`"repository": false` in options.json).
 */
import { describe, it, expect, afterAll } from 'vitest';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT, repoFrom, repoWithHistory, plainCopy, readTree, treeDifferences, gitIn, removeDir, tempDir, type HistoryCommitSpec } from './helpers/repo.js';
import { Workspace } from '../src/workspace/workspace.js';
import { run, type RunResult } from '../src/engine/run.js';
import { writeChanges } from '../src/engine/write.js';
import { unifiedDiff } from '../src/report/diff.js';
import { findRule, RULES } from '../src/rules/registry.js';
import { createSuppressions } from '../src/engine/suppressions.js';
import { parseProblem } from '../src/formats/validate.js';
import { isComposePath } from '../src/formats/compose.js';
import { composeSchemaErrors, dependabotSchemaErrors, isDependabotConfig } from './helpers/schemas.js';
import type { Safety } from '../src/model/types.js';

const FIXTURES = path.join(ROOT, 'fixtures');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

interface ExpectedFinding {
  ruleId: string;
  /** The gap-analysis items this finding is an instance of (per finding, not per rule). */
  seedIds: string[];
  severity: string;
  file: string;
  line: number;
  column: number;
  /** A rule that reports by message id: the id and the data, not the text (a rewording changes no golden). */
  messageId?: string;
  data?: Record<string, string | number>;
  /** The text, for a rule that reports no message id (none of the built-in rules; tests/rule-meta.test.ts). */
  message?: string;
  /** Why no fix is offered (SKIP_REASONS), when the rule says. */
  skipReason?: string;
  fix: { safety: Safety; files: string[]; moves?: string[] } | null;
}

function normalize(result: RunResult): ExpectedFinding[] {
  return result.findings
    .map((f) => ({
      ruleId: f.ruleId,
      seedIds: f.seedIds,
      severity: f.severity,
      file: f.file,
      line: f.line,
      column: f.column,
      ...(f.messageId !== undefined ? { messageId: f.messageId, data: f.data ?? {} } : { message: f.message }),
      ...(f.skipReason !== undefined ? { skipReason: f.skipReason } : {}),
      fix: f.fix
        ? {
            safety: f.fix.safety,
            files: [...new Set(f.fix.edits.map((e) => e.file).concat((f.fix.creates ?? []).map((c) => c.file)))].sort(),
            ...(f.fix.moves?.length ? { moves: f.fix.moves.map((m) => `${m.from} -> ${m.to}`).sort() } : {}),
          }
        : null,
    }))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId));
}

function describeMismatch(actual: ExpectedFinding[], expected: ExpectedFinding[]): string {
  const key = (f: ExpectedFinding): string => JSON.stringify(f);
  const a = new Set(actual.map(key));
  const e = new Set(expected.map(key));
  const missing = expected.filter((f) => !a.has(key(f)));
  const noisy = actual.filter((f) => !e.has(key(f)));
  return [...missing.map((f) => `missing: ${key(f)}`), ...noisy.map((f) => `noisy:   ${key(f)}`)].join('\n');
}

function expectedMoves(caseDir: string): Array<{ from: string; to: string }> {
  const file = path.join(caseDir, 'expected.moves.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Array<{ from: string; to: string }>) : [];
}

function expectedTree(caseDir: string): Map<string, Buffer> {
  const tree = readTree(path.join(caseDir, 'input'));
  for (const m of expectedMoves(caseDir)) {
    const bytes = tree.get(m.from);
    if (!bytes) throw new Error(`expected.moves.json: ${m.from} is not in input/`);
    tree.delete(m.from);
    tree.set(m.to, bytes);
  }
  const expectedDir = path.join(caseDir, 'expected');
  if (existsSync(expectedDir)) for (const [p, bytes] of readTree(expectedDir)) tree.set(p, bytes);
  return tree;
}

const ruleDirs = readdirSync(FIXTURES).filter((d) => d !== 'demo' && statSync(path.join(FIXTURES, d)).isDirectory());

for (const ruleId of ruleDirs) {
  describe(ruleId, () => {
    const rule = findRule(ruleId);
    it('is a registered rule with a README', () => {
      expect(rule, `fixtures/${ruleId} has no rule`).toBeDefined();
      expect(existsSync(path.join(ROOT, 'codemods', ruleId, 'README.md'))).toBe(true);
    });
    if (!rule) return;
    const cases = readdirSync(path.join(FIXTURES, ruleId)).filter((c) => existsSync(path.join(FIXTURES, ruleId, c, 'input')));
    for (const caseName of cases) {
      it(caseName, async () => {
        const caseDir = path.join(FIXTURES, ruleId, caseName);
        const caseOptions = existsSync(path.join(caseDir, 'options.json'))
          ? (JSON.parse(readFileSync(path.join(caseDir, 'options.json'), 'utf8')) as { unsafeFixes?: boolean; ruleOptions?: Record<string, unknown>; withRules?: string[]; repository?: boolean })
          : {};
        const historyFile = path.join(caseDir, 'history.json');
        const history = existsSync(historyFile) ? (JSON.parse(readFileSync(historyFile, 'utf8')) as { commits: HistoryCommitSpec[] }).commits : undefined;
        const apply = new Set<Safety>(caseOptions.unsafeFixes ? ['safe', 'review'] : ['safe']);
        // As the CLI runs it: inline suppressions apply; `withRules` adds rules a case needs
        // alongside the one under test (unused-suppression judges the others' suppressions).
        const selected = [...(caseOptions.withRules ?? []).map((id) => findRule(id)!), rule];
        const suppressions = createSuppressions({ selected, knownRuleIds: RULES.map((r) => r.meta.id) });
        const runOptions = { rules: suppressions.rules, apply, keep: suppressions.keep, ruleOptions: { [ruleId]: caseOptions.ruleOptions ?? {} } };
        const input = path.join(caseDir, 'input');
        const repo = caseOptions.repository === false ? plainCopy(input) : history ? repoWithHistory(input, history) : repoFrom(input);
        cleanup.push(repo);
        // Step 3's repository: a copy of this one (history included) taken before anything is
        // written, the same as a second repoFrom of input/ without four more git runs.
        const patched = tempDir();
        cleanup.push(patched);
        cpSync(repo, patched, { recursive: true, verbatimSymlinks: true });

        // 1. findings
        const ws = await Workspace.open(repo);
        const first = await run(ws, runOptions);
        const actual = normalize(first);
        const findingsFile = path.join(caseDir, 'findings.json');
        if (UPDATE) writeFileSync(findingsFile, `${JSON.stringify(actual, null, 2)}\n`);
        expect(existsSync(findingsFile), `${findingsFile} is missing (run with UPDATE_GOLDEN=1 and review it)`).toBe(true);
        const expected = JSON.parse(readFileSync(findingsFile, 'utf8')) as ExpectedFinding[];
        expect(describeMismatch(actual, expected), 'findings differ from findings.json').toBe('');
        expect(first.diagnostics.filter((d) => d.kind === 'fix-rejected'), 'a fix failed its proof').toEqual([]);
        // A rule that declares message templates reports by id, every time.
        expect(first.findings.filter((f) => findRule(f.ruleId)?.meta.messages && f.messageId === undefined).map((f) => f.message), 'findings without a messageId').toEqual([]);
        expect(first.diagnostics.filter((d) => d.ruleId !== undefined && d.message.startsWith(`rule ${d.ruleId} failed:`)).map((d) => d.message), 'a rule failed').toEqual([]);
        expect(first.diagnostics.filter((d) => d.message.includes('introduced a new finding')), 'the fixes introduced findings').toEqual([]);
        // Parse diagnostics name only files that are invalid for their own tool and that a rule
        // relies on: diagnostics.json lists them as file:line:column (written by hand), else none.
        const parseErrors = first.diagnostics.filter((d) => d.kind === 'parse-error').map((d) => `${d.file}:${d.line}:${d.column}`).sort();
        const diagnosticsFile = path.join(caseDir, 'diagnostics.json');
        const expectedParseErrors = existsSync(diagnosticsFile) ? (JSON.parse(readFileSync(diagnosticsFile, 'utf8')) as string[]) : [];
        expect(parseErrors, 'parse diagnostics differ from diagnostics.json').toEqual(expectedParseErrors);

        // 2. --write
        const want = expectedTree(caseDir);
        const moves = first.changes.filter((c) => c.movedFrom !== undefined).map((c) => ({ from: c.movedFrom, to: c.path }));
        expect(moves, 'moves differ from expected.moves.json').toEqual([...expectedMoves(caseDir)].sort((a, b) => a.to.localeCompare(b.to)));
        const outcome = writeChanges(ws, first.changes);
        expect(outcome.errors).toEqual([]);
        expect(treeDifferences(readTree(repo), want), 'tree after --write').toEqual([]);

        // 3. the dry-run diff applies with git apply and gives the same tree
        const diff = unifiedDiff(first.changes);
        if (diff) {
          const patchDir = tempDir();
          cleanup.push(patchDir);
          const patchFile = path.join(patchDir, 'fix.patch');
          writeFileSync(patchFile, diff);
          gitIn(patched, ['apply', '--whitespace=nowarn', patchFile]);
        }
        expect(treeDifferences(readTree(patched), want), 'tree after git apply of the diff').toEqual([]);

        // 4. a second run is a no-op and leaves only report-only findings
        const second = await run(await Workspace.open(repo), runOptions);
        expect(second.changes.map((c) => c.path), 'second run changed files').toEqual([]);
        const reportOnly = (r: RunResult): string[] => r.findings.filter((f) => !f.fix || !apply.has(f.fix.safety)).map((f) => `${f.file}: ${f.message}`).sort();
        expect(second.findings.map((f) => `${f.file}: ${f.message}`).sort()).toEqual(reportOnly(first));

        // 5. every changed file parses; compose files are still valid compose
        const after = await Workspace.open(repo);
        for (const change of first.changes) {
          // A moved file is the same bytes (a binary one is not read at all).
          if (change.movedFrom !== undefined && change.before === undefined) continue;
          const file = after.read(change.path);
          expect(file, change.path).toBeDefined();
          expect(await parseProblem(file!), `${change.path} parses`).toBeUndefined();
          if (isComposePath(change.path)) expect(composeSchemaErrors(file!.text), `${change.path} against compose-spec.json`).toEqual([]);
          if (isDependabotConfig(change.path)) expect(dependabotSchemaErrors(file!.text), `${change.path} against dependabot-2.0.json`).toEqual([]);
        }
      });
    }
  });
}
