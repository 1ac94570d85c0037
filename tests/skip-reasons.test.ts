/**
 * Structured skip reasons in the reports: a finding whose rule withholds its fix carries a
 * SKIP_REASONS id (json, sarif), and the text summary counts the findings per reason. The
 * messages print as they always did.
 */
import { describe, it, expect } from 'vitest';
import { createColors } from 'picocolors';
import { Workspace } from '../src/workspace/workspace.js';
import { run } from '../src/engine/run.js';
import { findRule, RULES } from '../src/rules/registry.js';
import { jsonReport } from '../src/report/json.js';
import { sarifLog } from '../src/report/sarif.js';
import { textReport } from '../src/report/text.js';
import { SKIP_REASONS } from '../src/model/types.js';

const plain = createColors(false);
const base = 'services:\n  api:\n    image: ghcr.io/acme/api:latest\n  app-db:\n    image: postgres:15\n    environment:\n      POSTGRES_DB: app\n  analytics-db:\n    image: postgres:15\n    environment:\n      POSTGRES_DB: analytics\n';
const files = {
  // Two databases the override could mean: ambiguous-target.
  'docker-compose.yml': base,
  'docker-compose.dev.yml': 'services:\n  postgres:\n    ports:\n      - "5432:5432"\n',
  // A bare `build: {target: x}` is the service's only build: removing it changes what is built.
  'app/compose.yaml': 'services:\n  web:\n    build:\n      target: nope\n',
  'app/Dockerfile': 'FROM python:3.12 AS base\nRUN true\n',
};

async function result() {
  const rules = ['compose-unknown-service', 'compose-missing-build-target'].map((id) => findRule(id)!);
  return run(Workspace.fromFiles('/repo', files), { rules, apply: new Set(), accepted: new Set(['safe']) });
}

describe('skip reasons', () => {
  it('the findings carry them, and the text prints the same messages plus a count per reason', async () => {
    const r = await result();
    expect(r.findings.map((f) => [f.ruleId, f.messageId, f.skipReason])).toEqual([
      ['compose-unknown-service', 'ambiguous', 'ambiguous-target'],
      ['compose-missing-build-target', 'onlyBuild', 'changes-behaviour'],
    ]);
    const text = textReport(r, plain, 'report', undefined, { verbose: true });
    expect(text).toContain("build target `nope` of service `web` is not a stage of app/Dockerfile (stages: base); not removed automatically: this is the service's only build, so removing it would change what is built  [report only]");
    expect(text).toContain('service `postgres` is defined in no other compose file of the root and has no image or build of its own; it could mean `analytics-db`, `app-db` (no single match, not renamed)  [report only]');
    expect(text.trimEnd().split('\n').slice(-2)).toEqual(['2 findings, 0 fixable, 2 report-only', 'Fixes withheld: 1 ambiguous-target, 1 changes-behaviour']);
  });

  it('json: per finding (with the message id and data) and counted in the summary', async () => {
    const doc = JSON.parse(jsonReport(await result())) as { findings: Array<Record<string, unknown>>; summary: { skipReasons: Record<string, number> } };
    expect(doc.findings.map((f) => [f.skipReason, f.messageId])).toEqual([
      ['ambiguous-target', 'ambiguous'],
      ['changes-behaviour', 'onlyBuild'],
    ]);
    expect(doc.findings[0]?.data).toEqual({ service: 'postgres', where: 'the root', candidates: '`analytics-db`, `app-db`' });
    expect(doc.summary.skipReasons).toEqual({ 'ambiguous-target': 1, 'changes-behaviour': 1 });
    for (const id of Object.keys(doc.summary.skipReasons)) expect(SKIP_REASONS).toHaveProperty(id);
  });

  it('sarif: in the result properties', async () => {
    const r = await result();
    const log = sarifLog(r.findings, { rules: RULES, workspace: Workspace.fromFiles('/repo', files), toolVersion: '0.0.0' }) as { runs: Array<{ results: Array<{ properties: Record<string, unknown> }> }> };
    expect(log.runs[0]?.results.map((x) => x.properties.skipReason)).toEqual(['changes-behaviour', 'ambiguous-target']);
  });

  it('no reason, no line: a run whose findings all have fixes says nothing more', async () => {
    const r = await run(Workspace.fromFiles('/repo', { 'compose.yaml': 'services:\n  db:\n    image: postgres\n    volumes:\n      - data:/d\n' }), { rules: [findRule('compose-undeclared-volume')!], apply: new Set(), accepted: new Set(['safe']) });
    expect(textReport(r, plain, 'report')).not.toContain('Fixes withheld');
    expect((JSON.parse(jsonReport(r)) as { summary: { skipReasons: object } }).summary.skipReasons).toEqual({});
  });
});
