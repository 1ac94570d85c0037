import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ROOT, repoFrom, removeDir } from './helpers/repo.js';
import { Workspace } from '../src/workspace/workspace.js';
import { run, applyFix } from '../src/engine/run.js';
import { RULES } from '../src/rules/registry.js';
import { sarifLog, sarifReport, firstParagraph } from '../src/report/sarif.js';
import { fingerprint } from '../src/engine/baseline.js';
import type { Finding } from '../src/model/types.js';
import type { Rule } from '../src/model/rule.js';

// The shared copy (SchemaStore) declares draft-07, so Ajv's default draft applies; formats
// (uri, date-time) are checked with ajv-formats.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const schema = JSON.parse(readFileSync(path.resolve(ROOT, 'tests', 'schemas', 'sarif-2.1.0.json'), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);
const schemaErrors = (doc: unknown): string[] => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

const ruleA: Rule = { meta: { id: 'rule-a', seedIds: ['1.1'], summary: 'A is wrong', defaultSeverity: 'error', fixable: 'safe' }, check: async () => [] };
const ruleB: Rule = { meta: { id: 'rule-b', seedIds: [], summary: 'B is odd', defaultSeverity: 'warning', fixable: 'none' }, check: async () => [] };

describe('sarif', () => {
  const ws = Workspace.fromFiles('/r', { 'dir one/compose.yml': 'services:\n  web:\n    depends_on: [postgres]\n', 'README.md': '# x\n' });
  const finding: Finding & { fixStatus: 'not-applied' } = {
    ruleId: 'rule-a',
    seedIds: ['1.1'],
    severity: 'error',
    file: 'dir one/compose.yml',
    line: 3,
    column: 20,
    message: 'unknown service `postgres`',
    key: 'svc:postgres',
    fix: { safety: 'safe', description: 'rename to db', edits: [{ file: 'dir one/compose.yml', start: 34, end: 42, text: 'db' }], creates: [{ file: 'new.txt', content: 'hi\n' }] },
    fixStatus: 'not-applied',
  };
  const info: Finding = { ruleId: 'rule-b', seedIds: [], severity: 'info', file: 'README.md', line: 1, column: 1, message: 'odd', key: 'k', fix: null };
  const readme = (id: string): string | undefined => (id === 'rule-a' ? '# rule-a\n\n## What it detects\n\nA thing\nthat is wrong.\n\nMore.\n' : undefined);

  it('prints the exact log: rules declared, regions, fingerprints and fixes', () => {
    const log = sarifLog([info, finding], { rules: [ruleA, ruleB], workspace: ws, readme, docsUrl: (id) => `https://example.test/${id}`, toolVersion: '9.9.9' });
    expect(log).toEqual({
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'autopack-fix',
              version: '9.9.9',
              informationUri: 'https://github.com/autopack-fix/autopack-fix',
              rules: [
                {
                  id: 'rule-a',
                  name: 'RuleA',
                  shortDescription: { text: 'A is wrong' },
                  fullDescription: { text: 'A thing that is wrong.' },
                  helpUri: 'https://example.test/rule-a',
                  help: { text: 'A is wrong', markdown: readme('rule-a') },
                  defaultConfiguration: { level: 'error' },
                  properties: { seedIds: ['1.1'], fixable: 'safe' },
                },
                {
                  id: 'rule-b',
                  name: 'RuleB',
                  shortDescription: { text: 'B is odd' },
                  fullDescription: { text: 'B is odd' },
                  helpUri: 'https://example.test/rule-b',
                  defaultConfiguration: { level: 'warning' },
                  properties: { seedIds: [], fixable: 'none' },
                },
              ],
            },
          },
          columnKind: 'utf16CodeUnits',
          results: [
            {
              ruleId: 'rule-b',
              ruleIndex: 1,
              level: 'note',
              message: { text: 'odd' },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'README.md', uriBaseId: '%SRCROOT%' }, region: { startLine: 1, startColumn: 1 } } }],
              partialFingerprints: { 'autopackFix/v1': fingerprint(info, ws) },
              properties: { seedIds: [] },
            },
            {
              ruleId: 'rule-a',
              ruleIndex: 0,
              level: 'error',
              message: { text: 'unknown service `postgres`' },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'dir%20one/compose.yml', uriBaseId: '%SRCROOT%' }, region: { startLine: 3, startColumn: 20 } } }],
              partialFingerprints: { 'autopackFix/v1': fingerprint(finding, ws) },
              fixes: [
                {
                  description: { text: 'rename to db' },
                  artifactChanges: [
                    { artifactLocation: { uri: 'dir%20one/compose.yml', uriBaseId: '%SRCROOT%' }, replacements: [{ deletedRegion: { charOffset: 34, charLength: 8 }, insertedContent: { text: 'db' } }] },
                    { artifactLocation: { uri: 'new.txt', uriBaseId: '%SRCROOT%' }, replacements: [{ deletedRegion: { charOffset: 0, charLength: 0 }, insertedContent: { text: 'hi\n' } }] },
                  ],
                  properties: { safety: 'safe' },
                },
              ],
              properties: { seedIds: ['1.1'], fixSafety: 'safe', fixStatus: 'not-applied' },
            },
          ],
        },
      ],
    });
    expect(ws.read('dir one/compose.yml')?.text.slice(34, 42)).toBe('postgres');
    expect(schemaErrors(log)).toEqual([]);
  });

  it('drops the fix of a finding whose fix failed its proof, and honours severity overrides and a root', () => {
    const log = sarifLog([{ ...finding, fixStatus: 'rejected' }], { rules: [ruleA], workspace: ws, readme, severityOverrides: { 'rule-a': 'warning' }, rootUri: 'file:///r', toolVersion: '1.0.0' }) as {
      runs: Array<{ originalUriBaseIds: unknown; tool: { driver: { rules: Array<{ defaultConfiguration: unknown; helpUri: string }> } }; results: Array<Record<string, unknown>> }>;
    };
    const r = log.runs[0]!;
    expect(r.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: 'file:///r/' } });
    expect(r.tool.driver.rules[0]!.defaultConfiguration).toEqual({ level: 'warning' });
    // The rule's README in the repository (package.json `repository`), at this version's tag.
    expect(r.tool.driver.rules[0]!.helpUri).toMatch(/^https:\/\/github\.com\/autopack-fix\/autopack-fix\/blob\/v\d+\.\d+\.\d+\/codemods\/rule-a\/README\.md$/);
    expect(r.results[0]!.fixes).toBeUndefined();
    expect(schemaErrors(log)).toEqual([]);
  });

  it('a fingerprint survives an unrelated line shift and re-indentation, not an edit of the line', () => {
    const moved = Workspace.fromFiles('/r', { 'dir one/compose.yml': '# new comment\n\nservices:\n  web:\n      depends_on:   [postgres]\n' });
    const edited = Workspace.fromFiles('/r', { 'dir one/compose.yml': 'services:\n  web:\n    depends_on: [postgres, redis]\n' });
    const fp = fingerprint(finding, ws);
    expect(fp).toMatch(/^[0-9a-f]{32}$/);
    expect(fingerprint({ ...finding, line: 5 }, moved)).toBe(fp);
    expect(fingerprint(finding, edited)).not.toBe(fp);
    expect(fingerprint({ ...finding, key: 'other' }, ws)).not.toBe(fp);
  });

  it('reads the first paragraph of a README section', () => {
    expect(firstParagraph('## What it detects\n\nOne\ntwo.\n\nThree.\n', 'What it detects')).toBe('One two.');
    expect(firstParagraph('## Other\n\nx\n', 'What it detects')).toBeUndefined();
  });

  it('the real rules on fixtures/demo: a valid log that declares every rule and whose fixes reproduce the engine\'s', async () => {
    const repo = repoFrom(path.join(ROOT, 'fixtures', 'demo'));
    cleanup.push(repo);
    const ws = await Workspace.open(repo);
    const result = await run(ws, { rules: RULES, apply: new Set(), accepted: new Set(['safe', 'review']) });
    expect(result.findings.length).toBeGreaterThan(0);
    const text = sarifReport(result.findings, { rules: RULES, workspace: ws });
    const log = JSON.parse(text) as { runs: Array<{ tool: { driver: { rules: Array<{ id: string; helpUri: string; fullDescription: { text: string } }> } }; results: Array<{ ruleId: string; ruleIndex: number; partialFingerprints: Record<string, string>; fixes?: Array<{ artifactChanges: Array<{ artifactLocation: { uri: string }; replacements: Array<{ deletedRegion: { charOffset: number; charLength: number }; insertedContent: { text: string } }> }> }> }> }> };
    expect(schemaErrors(log)).toEqual([]);
    const run0 = log.runs[0]!;
    expect(run0.tool.driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.meta.id));
    for (const r of run0.tool.driver.rules) expect(r.fullDescription.text.length).toBeGreaterThan(20);
    expect(run0.results.length).toBe(result.findings.length);
    for (const res of run0.results) expect(run0.tool.driver.rules[res.ruleIndex]!.id).toBe(res.ruleId);
    // Stable: a second rendering of the same findings is byte-identical.
    expect(sarifReport(result.findings, { rules: RULES, workspace: ws })).toBe(text);
    // Each SARIF fix, applied to the original text, gives what the engine's own fix gives.
    const withFix = result.findings.filter((f) => f.fix);
    expect(withFix.length).toBeGreaterThan(0);
    const sortedFindings = [...result.findings].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column || (a.ruleId < b.ruleId ? -1 : 1));
    let compared = 0;
    run0.results.forEach((res, i) => {
      const f = sortedFindings[i]!;
      expect(res.ruleId).toBe(f.ruleId);
      if (!f.fix) return expect(res.fixes).toBeUndefined();
      // A move has no form among SARIF's replacements: such a fix is left out, never half given.
      if (f.fix.moves?.length) return expect(res.fixes).toBeUndefined();
      const engine = applyFix(ws, f.fix);
      if (!engine.ok) return;
      const changes = res.fixes![0]!.artifactChanges;
      const got = new Map<string, string>();
      for (const c of changes) {
        const file = decodeURIComponent(c.artifactLocation.uri);
        let text = ws.read(file)?.text ?? '';
        for (const r of [...c.replacements].sort((a, b) => b.deletedRegion.charOffset - a.deletedRegion.charOffset)) {
          text = text.slice(0, r.deletedRegion.charOffset) + r.insertedContent.text + text.slice(r.deletedRegion.charOffset + r.deletedRegion.charLength);
        }
        got.set(file, text);
      }
      for (const [file, text] of engine.changed) expect(got.get(file)).toBe(text);
      compared++;
    });
    expect(compared).toBeGreaterThan(1);
  });
});
