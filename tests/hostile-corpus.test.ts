/**
 * The hostile corpus (bench/hostile.mjs) at its small CI sizes, through the CLI in process:
 * every shape must end without a crash (no exit 2, no `rule … failed`, no stack overflow) and
 * with the outcome its shape expects — a note naming the hostile file when it is refused, no
 * note (and, for a docs page, its finding) when it is read. How long a run takes is measured by
 * `npm run fuzz` (bench/fuzz.mjs) at the full sizes, never asserted here.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
// @ts-expect-error: a plain ES module of the bench (no types)
import { SHAPES, hostileFile } from '../bench/hostile.mjs';
import { gitIn, removeDir, tempDir } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';

interface Shape {
  name: string;
  what: string;
  ci: number;
  full: number;
  expect: 'note' | 'read' | 'either';
  finding?: (size: number) => { rule: string; file: string } | undefined;
  files: (n: number) => Record<string, string>;
}

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

function repo(files: Record<string, string>): string {
  const dir = tempDir('apf-hostile-');
  cleanup.push(dir);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), text);
  }
  gitIn(dir, ['init', '-q', '-b', 'main']);
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '-m', 'hostile']);
  return dir;
}

interface JsonReport {
  findings: Array<{ ruleId: string; file: string }>;
  diagnostics: Array<{ kind: string; file: string; message: string }>;
}

describe('hostile corpus (CI sample)', () => {
  for (const shape of SHAPES as Shape[]) {
    it(`${shape.name}: ${shape.what} (${shape.ci})`, async () => {
      const files = shape.files(shape.ci);
      const target = hostileFile(files) as string;
      const r = await runCli([repo(files), '--format', 'json']);
      expect(r.code, r.stderr).not.toBe(2);
      expect(r.stderr).not.toMatch(/call stack|failed/);
      const report = JSON.parse(r.stdout) as JsonReport;
      const crashes = report.diagnostics.filter((d) => /call stack|failed:/.test(d.message));
      expect(crashes).toEqual([]);
      const named = report.diagnostics.filter((d) => d.file === target);
      if (shape.expect === 'note') expect(named.map((d) => d.message).join('\n')).toMatch(/too complex|nested deeper than|nested too deeply/);
      if (shape.expect === 'read') {
        expect(named).toEqual([]);
        // A docs page that is read shows its finding.
        if (target.endsWith('.md')) expect(report.findings.filter((f) => f.file === target).map((f) => f.ruleId)).toContain('docs-command-drift');
      }
      const finding = shape.finding?.(shape.ci);
      if (finding) expect(report.findings.map((f) => `${f.ruleId} ${f.file}`)).toContain(`${finding.rule} ${finding.file}`);
    });
  }
});
