/**
 * Secrets: values planted in `.env`, compose `environment:`, a Dockerfile `ENV` and a docs page
 * must not appear in anything the tool prints (every output format) or writes.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, cpSync, appendFileSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { ROOT, gitIn, readTree, removeDir, tempDir, treeDifferences } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';
import { Workspace } from '../src/workspace/workspace.js';
import { collectSecrets, parseDotenv } from '../src/report/secrets.js';
import { UNIDIFF_ZERO_PREAMBLE } from '../src/report/diff.js';

const DEMO = path.join(ROOT, 'fixtures', 'demo');
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

const SECRETS = {
  dotenv: 'S3cr3t-dotenv-7f3a9c',
  dotenvQuoted: 'S3cr3t-dotenv-quoted-b81e',
  compose: 'S3cr3t-compose-env-42d0',
  composeNearFix: 'S3cr3t-compose-near-fix-9a1c',
  dockerfile: 'S3cr3t-dockerfile-env-5e77',
  docs: 'S3cr3t-docs-page-c0de',
  // A docs command quoted whole by a finding: a value the .env holds, and one it does not.
  inlineKnown: 'sk-live-S3cr3t-inline-77aa',
  inlineUnknown: 'whsec-S3cr3t-inline-unknown-3b3b',
};

/** The run's code and everything it printed, stdout then stderr. */
async function cliOut(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const r = await runCli(args, { env });
  return { code: r.code, out: `${r.stdout}\n${r.stderr}` };
}

function plantedRepo(): string {
  const dir = tempDir();
  cleanup.push(dir);
  cpSync(DEMO, dir, { recursive: true });
  writeFileSync(path.join(dir, '.env'), `DB_PASSWORD=${SECRETS.dotenv}\nexport API_TOKEN="${SECRETS.dotenvQuoted}"\nOPENAI_API_KEY=${SECRETS.inlineKnown}\n`);
  // In the base compose file (away from any fix) and in the override, right under a line a fix edits.
  const base = readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8');
  writeFileSync(path.join(dir, 'docker-compose.yml'), base.replace(/^( *)environment:\n/m, (m, indent: string) => `${m}${indent}  SECRET_KEY: ${SECRETS.compose}\n`));
  const dev = readFileSync(path.join(dir, 'docker-compose.dev.yml'), 'utf8');
  writeFileSync(path.join(dir, 'docker-compose.dev.yml'), dev.replace('dev_password', SECRETS.composeNearFix));
  const df = readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
  writeFileSync(path.join(dir, 'Dockerfile'), df.replace(/^(FROM .*)$/m, `$1\nENV API_KEY=${SECRETS.dockerfile}`));
  appendFileSync(path.join(dir, 'docs', 'DEPLOYMENT.md'), `\nSet the token first: \`export DEPLOY_TOKEN=${SECRETS.docs}\`.\n`);
  appendFileSync(path.join(dir, 'docs', 'DEPLOYMENT.md'), `\n\`\`\`bash\nOPENAI_API_KEY=${SECRETS.inlineKnown} docker compose run postgres env\nSTRIPE_SECRET="${SECRETS.inlineUnknown}" docker compose exec postgres psql\n\`\`\`\n`);
  gitIn(dir, ['init', '-q', '-b', 'main']);
  gitIn(dir, ['config', 'core.autocrlf', 'false']);
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '-m', 'fixture']);
  return dir;
}

const leaks = (text: string, which = Object.values(SECRETS)): string[] => which.filter((s) => text.includes(s));

describe('planted secrets never reach an output', () => {
  const repo = plantedRepo();

  it('the planted values are really in the repository', () => {
    const all = [...readTree(repo).values()].map((b) => b.toString('utf8')).join('\n');
    expect(leaks(all).sort()).toEqual(Object.values(SECRETS).sort());
  });

  for (const format of ['text', 'json', 'sarif', 'github']) {
    it(`--format ${format} (with and without --unsafe-fixes)`, async () => {
      for (const extra of [[], ['--unsafe-fixes']]) {
        const r = await cliOut([repo, '--format', format, ...extra], { DEPLOY_TOKEN: SECRETS.docs });
        expect(r.code).toBe(1);
        expect(leaks(r.out)).toEqual([]);
      }
    });
  }

  it('a diff prints no value that is not next to an edit', async () => {
    for (const args of [['--format', 'diff'], ['--dry-run'], ['--format', 'github', '--dry-run']]) {
      const r = await cliOut([repo, ...args, '--unsafe-fixes']);
      expect(leaks(r.out, [SECRETS.dotenv, SECRETS.dotenvQuoted, SECRETS.compose, SECRETS.dockerfile, SECRETS.docs])).toEqual([]);
    }
  });

  // A diff's context never shows an unchanged line that holds an environment value
  // (src/report/diff.ts); the planted override value sits right under a line a fix edits.
  it('a diff does not print a compose environment value that sits next to an edit', async () => {
    for (const args of [['--format', 'diff'], ['--dry-run']]) {
      const r = await cliOut([repo, ...args]);
      expect(r.code).toBe(1);
      expect(leaks(r.out, [SECRETS.composeNearFix])).toEqual([]);
    }
  });

  it('--write prints no value and copies none into another file', async () => {
    const before = readTree(repo);
    const r = await cliOut([repo, '--write', '--unsafe-fixes']);
    expect(r.code).not.toBe(2);
    expect(leaks(r.out)).toEqual([]);
    const after = readTree(repo);
    let changed = 0;
    for (const [p, bytes] of after) {
      const old = before.get(p);
      if (old?.equals(bytes)) continue;
      changed++;
      const text = bytes.toString('utf8');
      const was = old?.toString('utf8') ?? '';
      // A value may stay where the user put it; it must not appear anywhere new.
      for (const s of Object.values(SECRETS)) expect(text.split(s).length, `${p} holds ${s} more often than before`).toBeLessThanOrEqual(was.split(s).length);
    }
    expect(changed).toBeGreaterThan(0);
  });
});

describe('collectSecrets', () => {
  it('collects compose, .env and Dockerfile values with the lines that hold them', () => {
    const parent = tempDir();
    cleanup.push(parent);
    const ws = Workspace.fromFiles(path.join(parent, 'in-memory'), {
      'compose.yaml': [
        'x-env: &common',
        '  SHARED_TOKEN: shared-anchor-value',
        'services:',
        '  api:',
        '    image: x',
        '    env_file: [config/api.env, {path: ./config/opt.env, required: false}]',
        '    environment:',
        '      <<: *common',
        '      PLAIN: plain-value',
        '      NUM: 0123',
        '      QUOTED: "quoted value"',
        '      EMPTY:',
        '      EMPTY2: ""',
        '      INTERP: ${FOO}',
        '      INTERP2: $FOO',
        '      WITHDEF: ${FOO:-fallback-default}',
        '      BOOL: true',
        '      BOOLS: "false"',
        '      NUL: null',
        '      MULTI: |',
        '        line-one',
        '        line-two',
        '  worker:',
        '    image: y',
        '    environment: *common',
        '  list:',
        '    image: z',
        '    environment:',
        '      - LIST_A=list-value',
        '      - LIST_EMPTY=',
        '      - NOVALUE',
        '      - "LIST_Q=quoted list value"',
        '',
      ].join('\n'),
      'config/api.env': '# comment\nexport API_KEY="api key value" # trailing\nRAW=raw-value # comment\nHASH=abc#def\nSINGLE=\'single # not comment\'\nMULTILINE="first\nsecond"\nEMPTY=\n\nnot a line\n',
      'config/opt.env': 'OPT=opt-value\n',
      '.env.example': 'EXAMPLE=example-value\n',
      'svc/db.env': 'DBPW=db-env-value\r\n',
      'svc/db.env.sample': 'S=sample-value\n',
      'notes.txt': 'NOT_ENV=not-an-env-file\n',
      Dockerfile: 'ARG BASE=python:3.12\nFROM ${BASE}\nENV A=one B="two words" C=three\\ four\nENV LEGACY some legacy value\nENV MULTI=first \\\n    SECOND=s3cret-cont\nARG TOKEN=abc123secret\nARG NOVAL\nENV E=${BASE} F=$HOME G=true\nRUN echo hi\n',
    });
    const s = collectSecrets(ws);
    expect(s.values).toEqual([
      'plain-value',
      '0123',
      'quoted value',
      '${FOO:-fallback-default}',
      'line-one\nline-two\n',
      'shared-anchor-value',
      'list-value',
      'quoted list value',
      'api key value',
      'raw-value',
      'abc#def',
      'single # not comment',
      'first\nsecond',
      'opt-value',
      'db-env-value',
      'python:3.12',
      'one',
      'two words',
      'three four',
      'three\\ four',
      'some legacy value',
      'first',
      's3cret-cont',
      'abc123secret',
    ]);
    expect(Object.fromEntries([...s.lines].map(([p, l]) => [p, [...l].sort((a, b) => a - b)]))).toEqual({
      'compose.yaml': [2, 9, 10, 11, 16, 20, 21, 22, 29, 32],
      'config/api.env': [2, 3, 4, 5, 6, 7, 8],
      'config/opt.env': [1],
      'svc/db.env': [1],
      Dockerfile: [1, 3, 4, 5, 6, 7],
    });
  });

  it('reads git-ignored env files where compose looks for them, never through a link out of the root', async () => {
    const dir = tempDir();
    cleanup.push(dir);
    const outside = tempDir();
    cleanup.push(outside);
    writeFileSync(path.join(outside, 'x.env'), 'OUTSIDE=outside-value\n');
    mkdirSync(path.join(dir, 'deploy', 'conf'), { recursive: true });
    writeFileSync(path.join(dir, '.gitignore'), '*.env\n.env*\n!.env.example\n');
    writeFileSync(path.join(dir, 'deploy', 'compose.yaml'), 'services:\n  app:\n    image: x\n    env_file: conf/app.env\n');
    writeFileSync(path.join(dir, 'deploy', 'conf', 'app.env'), 'APP=app-env-value\n');
    writeFileSync(path.join(dir, 'deploy', '.env'), 'PROJECT=project-env-value\n');
    writeFileSync(path.join(dir, '.env.local'), 'LOCAL=local-env-value\n');
    writeFileSync(path.join(dir, '.env.example'), 'EXAMPLE=example-value\n');
    symlinkSync(path.join(outside, 'x.env'), path.join(dir, 'deploy', 'linked.env'));
    const ws = await Workspace.open(dir);
    expect(ws.paths).toEqual(['.env.example', '.gitignore', 'deploy/compose.yaml']);
    const s = collectSecrets(ws);
    expect(s.values).toEqual(['local-env-value', 'project-env-value', 'app-env-value']);
    expect(Object.fromEntries([...s.lines].map(([p, l]) => [p, [...l]]))).toEqual({ '.env.local': [1], 'deploy/.env': [1], 'deploy/conf/app.env': [1] });
  });

  it('parses .env lines: export, quotes, comments, multi-line quoted values', () => {
    expect(parseDotenv('A=1\n  export B = "x # y" # c\nC=\'q\'\nD=v # c\nE="m\nn"\n#F=no\nG\n')).toEqual([
      { key: 'A', value: '1', from: 1, to: 1 },
      { key: 'B', value: 'x # y', from: 2, to: 2 },
      { key: 'C', value: 'q', from: 3, to: 3 },
      { key: 'D', value: 'v', from: 4, to: 4 },
      { key: 'E', value: 'm\nn', from: 5, to: 6 },
    ]);
  });

  it('an unterminated quote takes the rest of the file: no line of it passes for an entry', () => {
    expect(parseDotenv('A=1\nKEY="-----BEGIN\nQUJD=\nXYZ=abc\n')).toEqual([
      { key: 'A', value: '1', from: 1, to: 1 },
      { key: 'KEY', value: '-----BEGIN\nQUJD=\nXYZ=abc\n', from: 2, to: 5 },
    ]);
  });
});

/**
 * One repository per situation, each with a planted value next to a line a fix edits. The
 * `--format diff` output must be exactly the golden, print no planted value, and apply (with
 * plain `git apply`, or where the diff says so on stderr with `git apply --unidiff-zero`) to
 * exactly the tree `--write` gives.
 */
describe('diffs around planted values', () => {
  const NOTE = (file: string): string => `autopack-fix: ${file}: the diff leaves out a line that holds an environment value; apply it with \`git apply --unidiff-zero\` (or use --write)\n`;
  const BASE_COMPOSE = 'services:\n  backend:\n    image: python:3.12-slim\n  worker:\n    image: python:3.12-slim\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: S3cr3t-db-password-e5\n';
  const FRONTEND = {
    'package.json': '{\n  "name": "ui",\n  "private": true,\n  "scripts": { "build": "vite build" },\n  "devDependencies": { "vite": "^5.0.10" }\n}\n',
    'vite.config.ts': 'import { defineConfig } from "vite";\n\nexport default defineConfig({\n  build: {\n    outDir: "dist/frontend",\n  },\n});\n',
    'index.html': '<!doctype html><div id="root"></div>\n',
    'src/main.ts': 'export {};\n',
    'autopack-fix.config.yml': 'rules:\n  dockerfile-copy-outdir:\n    options: { prefer: dockerfile }\n',
  };
  const BUILD_STAGE = 'FROM node:20-alpine AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n\n';

  interface Scenario {
    name: string;
    rule: string;
    files: Record<string, string>;
    /** Written, but git-ignored: not part of the run. */
    ignored?: Record<string, string>;
    planted: string[];
    /** The file whose diff needs `git apply --unidiff-zero`, if any. */
    unidiffZero?: string;
    diff: string;
  }

  const scenarios: Scenario[] = [
    {
      name: 'a value on the line right before an edit',
      rule: 'compose-unknown-service',
      files: {
        'docker-compose.yml': BASE_COMPOSE,
        'docker-compose.dev.yml': 'services:\n  backend:\n    environment:\n      API_TOKEN: S3cr3t-right-before-a1\n    depends_on: [postgres]\n  postgres:\n    ports: ["5433:5432"]\n',
      },
      planted: ['S3cr3t-right-before-a1', 'S3cr3t-db-password-e5'],
      diff: [
        'diff --git a/docker-compose.dev.yml b/docker-compose.dev.yml',
        '--- a/docker-compose.dev.yml',
        '+++ b/docker-compose.dev.yml',
        '@@ -5,3 +5,3 @@',
        '-    depends_on: [postgres]',
        '-  postgres:',
        '+    depends_on: [db]',
        '+  db:',
        '     ports: ["5433:5432"]',
        '',
      ].join('\n'),
    },
    {
      name: 'a value on the line right after an edit (no trailing context: --unidiff-zero)',
      rule: 'dockerfile-copy-outdir',
      files: {
        ...FRONTEND,
        Dockerfile: `${BUILD_STAGE}FROM nginx:1.25-alpine\nCOPY --from=build ["/app/dist", "/usr/share/nginx/html"]\nENV NGINX_TOKEN=S3cr3t-right-after-d4\nEXPOSE 80\n`,
      },
      planted: ['S3cr3t-right-after-d4'],
      unidiffZero: 'Dockerfile',
      diff: [
        'diff --git a/Dockerfile b/Dockerfile',
        '--- a/Dockerfile',
        '+++ b/Dockerfile',
        '@@ -4,4 +4,4 @@',
        ' RUN npm ci && npm run build',
        ' ',
        ' FROM nginx:1.25-alpine',
        '-COPY --from=build ["/app/dist", "/usr/share/nginx/html"]',
        '+COPY --from=build ["/app/dist/frontend", "/usr/share/nginx/html"]',
        '',
      ].join('\n'),
    },
    {
      name: 'a value between two edits (the hunk is split)',
      rule: 'compose-unknown-service',
      files: {
        'docker-compose.yml': BASE_COMPOSE,
        'docker-compose.dev.yml':
          'services:\n  worker:\n    environment:\n      - WORKER_TOKEN=S3cr3t-worker-b2\n    depends_on: [postgres]\n  backend:\n    environment:\n      - API_TOKEN=S3cr3t-between-c3\n    depends_on: [postgres]\n  postgres:\n    ports: ["5433:5432"]\n',
      },
      planted: ['S3cr3t-worker-b2', 'S3cr3t-between-c3'],
      diff: [
        'diff --git a/docker-compose.dev.yml b/docker-compose.dev.yml',
        '--- a/docker-compose.dev.yml',
        '+++ b/docker-compose.dev.yml',
        '@@ -5,3 +5,3 @@',
        '-    depends_on: [postgres]',
        '+    depends_on: [db]',
        '   backend:',
        '     environment:',
        '@@ -9,3 +9,3 @@',
        '-    depends_on: [postgres]',
        '-  postgres:',
        '+    depends_on: [db]',
        '+  db:',
        '     ports: ["5433:5432"]',
        '',
      ].join('\n'),
    },
    {
      name: 'a value repeated on a non-env line (a healthcheck command) near an edit',
      rule: 'compose-unknown-service',
      files: {
        'docker-compose.yml': BASE_COMPOSE,
        'docker-compose.dev.yml': 'services:\n  postgres:\n    healthcheck:\n      test: ["CMD-SHELL", "PGPASSWORD=S3cr3t-db-password-e5 pg_isready -U app"]\n    ports: ["5433:5432"]\n',
      },
      planted: ['S3cr3t-db-password-e5'],
      diff: [
        'diff --git a/docker-compose.dev.yml b/docker-compose.dev.yml',
        '--- a/docker-compose.dev.yml',
        '+++ b/docker-compose.dev.yml',
        '@@ -1,3 +1,3 @@',
        ' services:',
        '-  postgres:',
        '+  db:',
        '     healthcheck:',
        '',
      ].join('\n'),
    },
    {
      name: 'a Dockerfile ENV continuation line next to an edit (a value too short to search for)',
      rule: 'dockerfile-copy-outdir',
      files: {
        ...FRONTEND,
        Dockerfile: `${BUILD_STAGE}FROM nginx:1.25-alpine\nENV NGINX_A=1 \\\n    NGINX_TOKEN=Kx7Qz\nCOPY --from=build ["/app/dist", "/usr/share/nginx/html"]\nEXPOSE 80\n`,
      },
      planted: ['Kx7Qz', 'NGINX_TOKEN', 'NGINX_A'],
      diff: [
        'diff --git a/Dockerfile b/Dockerfile',
        '--- a/Dockerfile',
        '+++ b/Dockerfile',
        '@@ -9,2 +9,2 @@',
        '-COPY --from=build ["/app/dist", "/usr/share/nginx/html"]',
        '+COPY --from=build ["/app/dist/frontend", "/usr/share/nginx/html"]',
        ' EXPOSE 80',
        '',
      ].join('\n'),
    },
    {
      name: 'a value of a git-ignored .env file, repeated in a compose file',
      rule: 'compose-unknown-service',
      files: {
        '.gitignore': '.env\n',
        'docker-compose.yml': BASE_COMPOSE,
        'docker-compose.dev.yml': 'services:\n  backend:\n    labels: ["db-password=S3cr3t-dotenv-dup-f6"]\n    depends_on: [postgres]\n  postgres:\n    ports: ["5433:5432"]\n',
      },
      ignored: { '.env': 'export PGPASS="S3cr3t-dotenv-dup-f6" # local only\n' },
      planted: ['S3cr3t-dotenv-dup-f6'],
      diff: [
        'diff --git a/docker-compose.dev.yml b/docker-compose.dev.yml',
        '--- a/docker-compose.dev.yml',
        '+++ b/docker-compose.dev.yml',
        '@@ -4,3 +4,3 @@',
        '-    depends_on: [postgres]',
        '-  postgres:',
        '+    depends_on: [db]',
        '+  db:',
        '     ports: ["5433:5432"]',
        '',
      ].join('\n'),
    },
  ];

  const makeRepo = (s: Scenario): string => {
    const dir = tempDir();
    cleanup.push(dir);
    for (const [p, t] of Object.entries({ ...s.files, ...s.ignored })) {
      mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      writeFileSync(path.join(dir, p), t);
    }
    gitIn(dir, ['init', '-q', '-b', 'main']);
    gitIn(dir, ['config', 'core.autocrlf', 'false']);
    gitIn(dir, ['add', '-A']);
    gitIn(dir, ['commit', '-q', '-m', 'fixture']);
    return dir;
  };
  const copyOf = (dir: string): string => {
    const copy = tempDir();
    cleanup.push(copy);
    cpSync(dir, copy, { recursive: true });
    return copy;
  };
  const applies = (dir: string, patch: string, flags: string[]): boolean => spawnSync('git', ['apply', ...flags, '-'], { cwd: dir, input: patch }).status === 0;

  for (const s of scenarios) {
    it(s.name, async () => {
      const repo = makeRepo(s);
      for (const p of Object.keys(s.ignored ?? {})) expect(gitIn(repo, ['check-ignore', p]).trim()).toBe(p);
      const all = [...readTree(repo).values()].map((b) => b.toString('utf8')).join('\n');
      for (const v of s.planted) expect(all, `${v} is planted`).toContain(v);
      const note = s.unidiffZero ? NOTE(s.unidiffZero) : '';

      const d = await runCli([repo, '--format', 'diff', '--rule', s.rule]);
      expect(d.code).toBe(1);
      // A patch with such hunks says so in its first lines (git apply skips text before `diff --git`).
      const expectedDiff = s.unidiffZero ? UNIDIFF_ZERO_PREAMBLE([s.unidiffZero]) + s.diff : s.diff;
      expect(d.stdout).toBe(expectedDiff);
      expect(d.stderr).toBe(note);
      expect(leaks(d.stdout + d.stderr, s.planted)).toEqual([]);

      const dry = await runCli([repo, '--dry-run', '--rule', s.rule]);
      expect(dry.code).toBe(1);
      // The diff, then the summary again (tests/cli-basics.test.ts).
      expect(dry.stdout.includes(`\n${expectedDiff}\n1 finding`), dry.stdout).toBe(true);
      expect(dry.stderr).toBe(note);
      expect(leaks(dry.stdout + dry.stderr, s.planted)).toEqual([]);

      const written = copyOf(repo);
      expect((await runCli([written, '--write', '--rule', s.rule])).code).not.toBe(2);
      const patched = copyOf(repo);
      if (s.unidiffZero) {
        expect(applies(patched, d.stdout, []), 'plain git apply refuses a hunk without trailing context').toBe(false);
        expect(applies(patched, d.stdout, ['--unidiff-zero'])).toBe(true);
      } else {
        expect(applies(patched, d.stdout, [])).toBe(true);
      }
      expect(treeDifferences(readTree(patched), readTree(written))).toEqual([]);
      expect(treeDifferences(readTree(written), readTree(repo)).length).toBeGreaterThan(0);
    });
  }
});

describe('messages without secrets (issue 18, item 1)', () => {
  it('redacts known values and any value assigned to a secret-named variable, and nothing else', async () => {
    const { redactText } = await import('../src/report/secrets.js');
    const secrets = { named: ['sk-live-known-1234'] };
    expect(redactText('`OPENAI_API_KEY=sk-live-known-1234 docker compose run api env` names service `api`', secrets)).toBe('`OPENAI_API_KEY=<redacted> docker compose run api env` names service `api`');
    expect(redactText('STRIPE_SECRET="whsec-never-seen" docker compose exec api psql', secrets)).toBe('STRIPE_SECRET=<redacted> docker compose exec api psql');
    expect(redactText('the value sk-live-known-1234 again', secrets)).toBe('the value <redacted> again');
    // Ordinary assignments and interpolations stay: they are what the reader needs to see.
    expect(redactText('PYTHONPATH=src uvicorn app:app; API_TOKEN=${API_TOKEN} make', secrets)).toBe('PYTHONPATH=src uvicorn app:app; API_TOKEN=${API_TOKEN} make');
  });

  it('every front end gets findings whose messages are redacted (the pipeline does it once)', async () => {
    const { withoutSecrets } = await import('../src/pipeline/pipeline.js');
    const ws = Workspace.fromFiles('/r', { '.env': 'OPENAI_API_KEY=sk-live-from-dotenv-99\n', 'README.md': 'x\n' });
    const finding = { ruleId: 'r', seedIds: [], severity: 'warning' as const, file: 'README.md', line: 1, column: 1, key: 'k', fix: null, fixStatus: null, message: 'runs `OPENAI_API_KEY=sk-live-from-dotenv-99 app`; value sk-live-from-dotenv-99' };
    const result = withoutSecrets({ findings: [finding], remaining: [finding], changes: [], diagnostics: [], passes: 1, applied: [], final: ws }, ws);
    expect(result.findings[0]?.message).toBe('runs `OPENAI_API_KEY=<redacted> app`; value <redacted>');
    expect(result.remaining[0]?.message).not.toContain('sk-live');
    // An ordinary .env value is what a message is about, not a secret.
    const ports = Workspace.fromFiles('/r', { '.env': 'PORT=8000\nAPP_ENV=development\n', 'README.md': 'x\n' });
    const portFinding = { ...finding, message: 'the doc runs the API on port 8100; compose publishes 8000 (development)' };
    expect(withoutSecrets({ findings: [portFinding], remaining: [], changes: [], diagnostics: [], passes: 1, applied: [], final: ports }, ports).findings[0]?.message).toBe(portFinding.message);
  });
});
