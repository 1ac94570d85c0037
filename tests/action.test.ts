/**
 * The GitHub Action (action.yml) as a job runs it: the `run:` steps of the composite action,
 * taken from action.yml itself, run by bash the way the runner runs them (`bash --noprofile
 * --norc -eo pipefail <script file>`), with the environment the runner sets and the inputs
 * mapped as action.yml maps them. The Action's folder is a fresh copy of this repository's
 * files as a checkout has them (no node_modules, no dist/), and the workspace a fresh clone of a
 * drift fixture whose origin is the stand-in GitHub (tests/helpers/stand-in-github.mjs) on
 * 127.0.0.1: no network.
 *
 * Also here: action-dist/ (the single-file build the Action runs) must be the bundle of the
 * current sources.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT, gitIn, removeDir, tempDir } from './helpers/repo.js';
import { schemaErrors } from './helpers/schemas.js';
// @ts-expect-error a plain ES module without type declarations
import { startStandIn } from './helpers/stand-in-github.mjs';
// @ts-expect-error a plain ES module without type declarations
import { buildBundle, BUNDLE, MANIFEST } from '../scripts/bundle.mjs';

const TOKEN = `ghs_${'AcT10n'.repeat(4)}Secret`;
const DEMO = path.join(ROOT, 'fixtures', 'demo');
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  'working-directory'?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface ActionYml {
  inputs: Record<string, { default?: string; required?: boolean }>;
  runs: { using: string; steps: Step[] };
}

const actionText = readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
const action = parse(actionText) as ActionYml;

interface StandIn {
  url: string;
  apiUrl: string;
  state: { requests: Array<{ method: string; path: string }>; gitRequests: Array<{ path: string }> };
  pulls: (slug: string) => Array<{ number: number; state: string; title: string; body: string; head: string; base: string; labels: string[]; draft: boolean }>;
  close: () => Promise<void>;
}

/** The `${{ }}` expressions action.yml may use, evaluated as the runner would; anything else fails the test. */
interface Context {
  inputs: Record<string, string>;
  github: { token: string; workspace: string; action_path: string };
}

function evaluate(value: string, ctx: Context): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    let m: RegExpExecArray | null;
    if ((m = /^inputs\.([\w-]+)$/.exec(expr))) {
      const name = m[1] as string;
      if (!(name in action.inputs)) throw new Error(`action.yml uses undeclared input ${name}`);
      return ctx.inputs[name] ?? evaluate(action.inputs[name]?.default ?? '', ctx);
    }
    if ((m = /^github\.(token|workspace|action_path)$/.exec(expr))) return ctx.github[m[1] as keyof Context['github']];
    throw new Error(`the test does not know the expression \${{ ${expr} }} (action.yml)`);
  });
}

/** The files a checkout of this repository at the current state has (tracked and new, not ignored). */
function checkoutCopy(): string {
  const dir = tempDir('apf-action-');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    const from = path.join(ROOT, f);
    if (!existsSync(from)) continue; // deleted in the work tree, not yet committed
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    copyFileSync(from, path.join(dir, f));
  }
  return dir;
}

interface Job {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: { summary: string; output: string };
}

const cleanup: string[] = [];
let server: StandIn;
let serverRoot: string;
let actionPath: string;
let repoCount = 0;

beforeAll(async () => {
  serverRoot = tempDir('apf-action-server-');
  cleanup.push(serverRoot);
  server = (await startStandIn({ root: serverRoot, token: TOKEN })) as StandIn;
  actionPath = checkoutCopy();
  cleanup.push(actionPath);
});

afterAll(async () => {
  await server.close();
  cleanup.forEach(removeDir);
});

/** A repository on the stand-in holding `source`, and the job's workspace: a checkout of it (as actions/checkout leaves it, persist-credentials: false). */
function workspaceFor(source: string): { workspace: string; slug: string; bare: string } {
  const name = `demo${++repoCount}`;
  const bare = path.join(serverRoot, 'o', `${name}.git`);
  mkdirSync(path.dirname(bare), { recursive: true });
  gitIn(serverRoot, ['init', '-q', '--bare', '-b', 'main', bare]);
  const workspace = tempDir('apf-workspace-');
  cleanup.push(workspace);
  spawnSync('cp', ['-R', `${source}/.`, workspace]);
  gitIn(workspace, ['init', '-q', '-b', 'main']);
  gitIn(workspace, ['config', 'core.autocrlf', 'false']);
  gitIn(workspace, ['add', '-A']);
  gitIn(workspace, ['commit', '-qm', 'initial']);
  gitIn(workspace, ['push', '-q', bare, 'main']);
  gitIn(workspace, ['remote', 'add', 'origin', `${server.url}/o/${name}.git`]);
  gitIn(workspace, ['fetch', '-q', bare, '+refs/heads/main:refs/remotes/origin/main']);
  return { workspace, slug: `o/${name}`, bare };
}

/**
 * Run the Action's steps in a fresh folder as the runner would. `uses:` steps are the runner's
 * (actions/setup-node): the Node running this test stands in for it, first on PATH.
 */
async function runAction(workspace: string, slug: string, inputs: Record<string, string>, extraPath: string[] = []): Promise<Job> {
  const runner = tempDir('apf-runner-');
  cleanup.push(runner);
  const home = path.join(runner, 'home');
  const temp = path.join(runner, 'temp');
  mkdirSync(home);
  mkdirSync(temp);
  const files = { GITHUB_OUTPUT: 'output', GITHUB_STEP_SUMMARY: 'summary', GITHUB_ENV: 'env', GITHUB_PATH: 'path', GITHUB_STATE: 'state' };
  const ctx: Context = { inputs, github: { token: TOKEN, workspace, action_path: actionPath } };
  const base: NodeJS.ProcessEnv = {
    PATH: [...extraPath, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    HOME: home,
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION_PATH: actionPath,
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: slug,
    GITHUB_REPOSITORY_OWNER: slug.split('/')[0],
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_SERVER_URL: server.url,
    GITHUB_API_URL: server.apiUrl,
    GITHUB_RUN_ID: '1',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: temp,
    // No git configuration of the machine: a runner has none of its own.
    GIT_CONFIG_NOSYSTEM: '1',
  };
  for (const [k, f] of Object.entries(files)) {
    base[k] = path.join(runner, f);
    writeFileSync(base[k] as string, '');
  }
  let stdout = '';
  let stderr = '';
  let status: number | null = 0;
  for (const [i, step] of action.runs.steps.entries()) {
    if (step.uses) {
      // The runner's own actions: setup-node (the Node running this test stands in for it) and,
      // in check mode, the SARIF upload (checked by the check-mode test on its input file).
      expect(step.uses).toMatch(/^(actions\/setup-node|github\/codeql-action\/upload-sarif)@/);
      continue;
    }
    expect(step.shell).toBe('bash');
    const script = path.join(temp, `step-${i}.sh`);
    writeFileSync(script, step.run ?? '');
    const env: NodeJS.ProcessEnv = { ...base };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = evaluate(v, ctx);
    const cwd = step['working-directory'] ? evaluate(step['working-directory'], ctx) : workspace;
    // Asynchronous: the stand-in answers from this process, so its event loop must run.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
      child.on('close', (code) => resolve({ status: code, stdout: out, stderr: err }));
    });
    stdout += r.stdout;
    stderr += r.stderr;
    status = r.status;
    if (status !== 0) break;
  }
  return { status, stdout, stderr, outputs: { summary: readFileSync(base.GITHUB_STEP_SUMMARY as string, 'utf8'), output: readFileSync(base.GITHUB_OUTPUT as string, 'utf8') } };
}

describe('action.yml, check mode', () => {
  it('annotates the findings (capped, with a notice for the rest), writes the job summary and the SARIF, and fails the step', async () => {
    const { workspace, slug } = workspaceFor(DEMO);
    const job = await runAction(workspace, slug, { mode: 'check' });
    expect(job.status).toBe(1);
    const annotations = job.stdout.split('\n').filter((l) => /^::(error|warning|notice) /.test(l));
    expect(annotations.some((l) => l.startsWith('::warning file='))).toBe(true);
    for (const kind of ['error', 'warning', 'notice']) expect(annotations.filter((l) => l.startsWith(`::${kind} file=`)).length).toBeLessThanOrEqual(10);
    expect(job.outputs.summary).toMatch(/^## autopack-fix\n\n\| rule \| findings \|/);
    expect(job.outputs.summary).toContain('`compose-unknown-service`');
    const sarifPath = /^sarif=(.+)$/m.exec(job.outputs.output)?.[1] as string;
    expect(job.outputs.output).toMatch(/^operation=checked$/m);
    const sarif = JSON.parse(readFileSync(sarifPath, 'utf8')) as { version: string; runs: Array<{ results: unknown[] }> };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]?.results.length).toBeGreaterThan(0);
    // Nothing pushed, no pull request, the checkout untouched.
    expect(server.pulls(slug)).toEqual([]);
    expect(gitIn(workspace, ['status', '--porcelain'])).toBe('');
    // The demo has errors too, so every threshold fails; --exit-zero-like leniency is the
    // caller's choice (continue-on-error). The input reaches the CLI: an unknown value is refused.
    const wrong = await runAction(workspaceFor(DEMO).workspace, slug, { mode: 'check', 'fail-on': 'never' });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/--fail-on/);
  });

  it('caps annotations per kind with one notice for the rest', async () => {
    const { githubReport } = await import('../src/report/github.js');
    const finding = (i: number) => ({ ruleId: 'r', seedIds: [], severity: 'warning' as const, file: `f${String(i).padStart(2, '0')}.md`, line: 1, column: 1, message: 'm', key: `k${i}`, fix: null });
    const out = githubReport(Array.from({ length: 13 }, (_, i) => finding(i)), { maxPerKind: 10 }).trim().split('\n');
    expect(out.filter((l) => l.startsWith('::warning ')).length).toBe(10);
    expect(out.at(-1)).toMatch(/^::notice title=autopack-fix::3 more findings not annotated here/);
  });
});

describe('action.yml', () => {
  it('is a valid composite action whose scripts take inputs only through the environment', () => {
    expect(schemaErrors('github-action.json', actionText)).toEqual([]);
    expect(action.runs.using).toBe('composite');
    expect(action.runs.steps[0]?.uses).toMatch(/^actions\/setup-node@/);
    for (const input of ['rules', 'labels', 'draft', 'unsafe-fixes', 'token', 'version']) expect(action.inputs[input]).toBeDefined();
    // By default the Action runs the copy bundled with it; a version switches to the npm package.
    expect(action.inputs.version?.default).toBe('');
    const runSteps = action.runs.steps.filter((s) => s.run);
    expect(runSteps.length).toBeGreaterThan(0);
    // No input is expanded inside a script (no injection); they come in as environment.
    for (const s of runSteps) expect(s.run).not.toContain('${{');
  });

  it('maps every input to its command-line option, for the bundled copy and for the npm package', () => {
    const step = action.runs.steps.find((s) => s.run) as Step;
    const argv = (inputs: Record<string, string>): string[] => {
      const ctx: Context = { inputs, github: { token: 't', workspace: '/w', action_path: '/a' } };
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, GITHUB_ACTION_PATH: '/a' };
      for (const [k, v] of Object.entries(step.env ?? {})) env[k] = evaluate(v, ctx);
      const stubs = `npx() { printf 'npx\\n'; printf '%s\\n' "$@"; }\nnode() { printf 'node\\n'; printf '%s\\n' "$@"; }\n`;
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', `${stubs}${step.run}`], { env, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      return r.stdout.split('\n').filter(Boolean);
    };
    const defaults = ['pr', '.', '--branch-prefix', 'autopack-fix/', '--max-open-prs', '5'];
    expect(argv({})).toEqual(['node', '/a/action-dist/autopack-fix.mjs', ...defaults]);
    expect(argv({ version: '1.2.3' })).toEqual(['npx', '--yes', 'autopack-fix@1.2.3', ...defaults]);
    expect(argv({ rules: 'compose-unknown-service, docs-port-drift', labels: 'a b', reviewers: 'me org/team', draft: 'true', 'unsafe-fixes': 'true', 'dry-run': 'true', author: 'Bot <b@example.invalid>', branch: 'autopack-fix/x' })).toEqual([
      'node', '/a/action-dist/autopack-fix.mjs', ...defaults,
      '--select', 'compose-unknown-service,docs-port-drift', '--label', 'a', 'b', '--reviewer', 'me', 'org/team',
      '--unsafe-fixes', '--draft', '--dry-run', '--branch', 'autopack-fix/x', '--author', 'Bot <b@example.invalid>', '--committer', 'Bot <b@example.invalid>',
    ]);
  });
});

describe('the Action in a job with only actions/checkout and the Action', () => {
  it('opens a pull request on the stand-in GitHub from its own checkout, with no install', async () => {
    expect(existsSync(path.join(actionPath, 'node_modules'))).toBe(false);
    expect(existsSync(path.join(actionPath, 'dist'))).toBe(false);
    const { workspace, slug, bare } = workspaceFor(DEMO);
    const job = await runAction(workspace, slug, { labels: 'autopack-fix' });
    expect(job.stderr).toBe('');
    expect(job.status).toBe(0);
    expect(job.stdout).toMatch(/Opened PR #1\b/);
    // The step's outputs, which action.yml's `outputs:` pass on to the workflow.
    expect(job.outputs.output).toMatch(/^operation=opened\nbranch=autopack-fix\/fixes\npr-number=1\npr-url=\S+\/pull\/1\n$/m);
    const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { outputs: Record<string, { value: string }> };
    expect(Object.keys(action.outputs)).toEqual(['operation', 'branch', 'pr-number', 'pr-url']);
    expect(job.outputs.output).not.toMatch(/sarif=/);
    for (const [k, o] of Object.entries(action.outputs)) expect(o.value).toBe(`\${{ steps.pr.outputs.${k} }}`);
    const pulls = server.pulls(slug);
    expect(pulls.length).toBe(1);
    const pr = pulls[0]!;
    expect(pr).toMatchObject({ state: 'open', head: 'autopack-fix/fixes', base: 'main', labels: ['autopack-fix'], draft: false });
    // The rules that need the Python grammar ran too (the .wasm files beside the bundle).
    expect(pr.body).toContain('compose-stale-app-target');
    expect(pr.body).toContain('redaction-key-normalization');
    // Links lead to the repository, at this version's tag.
    expect(pr.body).toContain(`https://github.com/autopack-fix/autopack-fix/blob/v${VERSION}/codemods/compose-unknown-service/README.md`);
    expect(pr.body).toContain('[autopack-fix](https://github.com/autopack-fix/autopack-fix#readme)');
    expect(pr.body).not.toMatch(/npmjs|unpkg|npx/);
    const pushed = gitIn(bare, ['log', '--format=%s', 'main..autopack-fix/fixes']).trim().split('\n');
    expect(pushed).toContain('fix(compose-unknown-service): rename service `postgres` to `db`');
    // The token was used (API and git) and never printed.
    expect(server.state.requests.some((r) => r.method === 'POST' && r.path === `/repos/${slug}/pulls`)).toBe(true);
    expect(job.stdout + job.stderr).not.toContain(TOKEN);
    // The user's checkout is untouched.
    expect(gitIn(workspace, ['status', '--porcelain'])).toBe('');
  });

  it('with a version, runs that npm package through npx instead', async () => {
    const bin = tempDir('apf-fake-npx-');
    cleanup.push(bin);
    const log = path.join(bin, 'argv');
    writeFileSync(path.join(bin, 'npx'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${log}'\n`);
    chmodSync(path.join(bin, 'npx'), 0o755);
    const { workspace, slug } = workspaceFor(DEMO);
    const job = await runAction(workspace, slug, { version: VERSION, 'dry-run': 'true' }, [bin]);
    expect(job.stderr).toBe('');
    expect(job.status).toBe(0);
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual(['--yes', `autopack-fix@${VERSION}`, 'pr', '.', '--branch-prefix', 'autopack-fix/', '--max-open-prs', '5', '--dry-run']);
    expect(server.pulls(slug)).toEqual([]);
  });
});

describe('action-dist/', () => {
  it('is the bundle of the current sources and dependencies (run `npm run bundle` and commit it when this fails)', async () => {
    const committed = JSON.parse(readFileSync(path.join(ROOT, MANIFEST), 'utf8')) as { inputs: Record<string, string> };
    const { files, manifest } = (await buildBundle()) as { files: Map<string, Buffer>; manifest: { inputs: Record<string, string> } };
    // First the inputs that changed, for a readable failure; then every byte of every output.
    const changed = [...new Set([...Object.keys(committed.inputs), ...Object.keys(manifest.inputs)])].filter((p) => committed.inputs[p] !== manifest.inputs[p]);
    expect(changed, 'inputs changed since the last `npm run bundle`').toEqual([]);
    const stale = [...files].filter(([p, bytes]) => !existsSync(path.join(ROOT, p)) || !readFileSync(path.join(ROOT, p)).equals(bytes)).map(([p]) => p);
    expect(stale, 'stale files in action-dist/: run `npm run bundle`').toEqual([]);
    expect(Object.keys(manifest.inputs)).toContain('src/cli/main.ts');
    // Nothing of this machine in the bundle: the same sources give the same bytes anywhere.
    expect((files.get(BUNDLE) as Buffer).includes(ROOT)).toBe(false);
  });
});
