/**
 * The adoption features through the CLI on a copy of the demo: a config file, inline
 * suppressions, the baseline, --changed-since, and the SARIF / GitHub formats.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT, repoFrom, gitIn, removeDir } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

function demo(): string {
  const dir = repoFrom(path.join(ROOT, 'fixtures', 'demo'));
  cleanup.push(dir);
  return dir;
}

function commitAll(dir: string, message: string): void {
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-qm', message]);
}

const rulesOf = (stdout: string): string[] => (JSON.parse(stdout) as { findings: Array<{ ruleId: string }> }).findings.map((f) => f.ruleId);

describe('configuration', () => {
  it('turns a rule off and validates the file, naming the bad key and its position', async () => {
    const dir = demo();
    // The demo keeps its pin maps in autopack-fix.config.json; a root holds one configuration.
    rmSync(path.join(dir, 'autopack-fix.config.json'));
    writeFileSync(path.join(dir, 'autopack-fix.config.yml'), 'rules:\n  dependabot-coverage:\n    enabled: false\n');
    const before = rulesOf((await runCli([dir, '--format', 'json', '--no-baseline'])).stdout);
    expect(before).not.toContain('dependabot-coverage');
    expect(before).toContain('compose-unknown-service');

    writeFileSync(path.join(dir, 'autopack-fix.config.yml'), 'rules:\n  dependabot-coverage:\n    enabeld: false\n');
    const bad = await runCli([dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/autopack-fix\.config\.yml:3:5: \/rules\/dependabot-coverage.*enabeld/);
  });
});

describe('inline suppressions', () => {
  it('hides the finding on the next line', async () => {
    const dir = demo();
    const file = path.join(dir, 'docker-compose.dev.yml');
    const text = readFileSync(file, 'utf8').replace('  postgres:\n', '  # autopack-fix-ignore compose-unknown-service -- our DBA maps this by hand\n  postgres:\n');
    writeFileSync(file, text);
    const ids = rulesOf((await runCli([dir, '--format', 'json'])).stdout);
    expect(ids.filter((id) => id === 'compose-unknown-service')).toEqual([]);
    expect(ids.filter((id) => id === 'compose-undeclared-volume')).toHaveLength(2);
  });
});

describe('baseline', () => {
  it('records today, then reports only new findings; --no-baseline shows all', async () => {
    const dir = demo();
    const update = await runCli([dir, '--update-baseline']);
    expect(update.code).toBe(0);
    expect(existsSync(path.join(dir, 'autopack-fix-baseline.json'))).toBe(true);
    const all = JSON.parse((await runCli([dir, '--format', 'json', '--no-baseline'])).stdout) as { findings: unknown[] };
    const quiet = await runCli([dir]);
    expect(quiet.stdout).toBe(`No findings.\n${all.findings.length} findings recorded in autopack-fix-baseline.json not shown (--no-baseline shows them).\n`);
    expect(quiet.code).toBe(0);
    // Lines inserted above a recorded finding do not make it new.
    const file = path.join(dir, 'docker-compose.dev.yml');
    writeFileSync(file, `# a comment\n# another\n${readFileSync(file, 'utf8')}`);
    expect((await runCli([dir])).code).toBe(0);
  });
});

describe('--changed-since', () => {
  it('reports only findings in files changed since the ref', async () => {
    const dir = demo();
    const file = path.join(dir, 'docs', 'PARALLEL_RUNS.md');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n`);
    commitAll(dir, 'touch one doc');
    const files = (JSON.parse((await runCli([dir, '--format', 'json', '--changed-since', 'HEAD~1'])).stdout) as { findings: Array<{ file: string }> }).findings.map((f) => f.file);
    expect([...new Set(files)]).toEqual(['docs/PARALLEL_RUNS.md']);
    expect((await runCli([dir, '--changed-since', 'no-such-ref'])).code).toBe(2);
  });
});

describe('output formats', () => {
  it('prints SARIF 2.1.0 with one result per finding and every rule declared', async () => {
    const dir = demo();
    const json = JSON.parse((await runCli([dir, '--format', 'json'])).stdout) as { findings: unknown[] };
    const sarif = JSON.parse((await runCli([dir, '--format', 'sarif'])).stdout) as { version: string; runs: Array<{ results: unknown[]; tool: { driver: { rules: Array<{ id: string }> } } }> };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]?.results).toHaveLength(json.findings.length);
    expect(sarif.runs[0]?.tool.driver.rules.map((r) => r.id)).toContain('redaction-key-normalization');
  });

  it('prints one GitHub annotation per finding', async () => {
    const dir = demo();
    const json = JSON.parse((await runCli([dir, '--format', 'json'])).stdout) as { findings: Array<{ file: string; line: number; ruleId: string }> };
    const lines = (await runCli([dir, '--format', 'github'])).stdout.trim().split('\n');
    expect(lines).toHaveLength(json.findings.length);
    const first = json.findings.slice().sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)[0]!;
    expect(lines.some((l) => l.startsWith(`::`) && l.includes(`file=${first.file},line=${first.line},`) && l.includes(`title=${first.ruleId}`))).toBe(true);
  });
});
