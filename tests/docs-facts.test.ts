/** Shared facts of the docs rules: globs, paths, command models, quoting contexts, relocation, deployments. */
import { describe, it, expect } from 'vitest';
import { Workspace } from '../src/workspace/workspace.js';
import { Facts } from '../src/facts/facts.js';
import { inferServiceForName } from '../src/facts/compose-rename.js';
import type { PathHistory } from '../src/workspace/history.js';
import { commandHead } from '../src/facts/docs/command-head.js';
import { type DocCommand, docCommands, wordTextSpan } from '../src/facts/docs/commands.js';
import { composeRun } from '../src/facts/docs/compose-command.js';
import { appDeployments, serverAtHead, serverPort } from '../src/facts/docs/deployments.js';
import { docFiles, globToRegExp } from '../src/facts/docs/doc-files.js';
import { driftCheckers } from '../src/facts/docs/drift-checkers.js';
import { problemsToFindings } from '../src/facts/docs/findings.js';
import { pythonRun, readOperands } from '../src/facts/docs/operands.js';
import { docsOptions } from '../src/facts/docs/options.js';
import { isGitIgnored, pathRef, relativeRef } from '../src/facts/docs/paths.js';
import { canonicalModule, importsItselfElsewhere, installableRoots } from '../src/facts/docs/python.js';
import { onOldSideOfMigration } from '../src/facts/docs/quoting.js';
import { relocate, relocationText } from '../src/facts/docs/relocation.js';

const opts = docsOptions({});

describe('globs', () => {
  it('matches ledger globs case-insensitively, across folders, with braces', () => {
    expect(globToRegExp('**/CHANGELOG*').test('docs/changelog.md')).toBe(true);
    expect(globToRegExp('**/CHANGELOG*').test('CHANGELOG.md')).toBe(true);
    expect(globToRegExp('**/archive/**').test('scripts/archive/x/y.md')).toBe(true);
    expect(globToRegExp('**/archive/**').test('archived/y.md')).toBe(false);
    expect(globToRegExp('docs/*.{md,mdx}').test('docs/a.mdx')).toBe(true);
    expect(globToRegExp('docs/*.{md,mdx}').test('docs/x/a.md')).toBe(false);
    expect(globToRegExp('*HISTORY*.md').test('docs/BUILD_HISTORY.md')).toBe(true);
  });

  it('lists docs and ledgers', () => {
    const ws = Workspace.fromFiles('/r', { 'README.md': '', 'docs/CHANGELOG.md': '', 'docs/INDEX.json': '{}', 'package.json': '{}', 'node_modules/x/README.md': '', 'docs/a.mdx': '' });
    const { docs, ledgers } = docFiles(ws, opts);
    expect(docs).toEqual([
      { path: 'README.md', kind: 'markdown' },
      { path: 'docs/INDEX.json', kind: 'json' },
      { path: 'docs/a.mdx', kind: 'markdown' },
    ]);
    expect(ledgers).toEqual(['docs/CHANGELOG.md']);
  });
});

describe('path references', () => {
  it('accepts relative file and directory paths only', () => {
    expect(pathRef('scripts/deploy.sh', true)).toEqual({ path: 'scripts/deploy.sh', dir: false, first: 'scripts' });
    expect(pathRef('./x.md', true)).toEqual({ path: 'x.md', dir: false, first: 'x.md' });
    expect(pathRef('integrations/', true)).toEqual({ path: 'integrations', dir: true, first: 'integrations' });
    expect(pathRef('.env.example', false)).toEqual({ path: '.env.example', dir: false, first: '.env.example' });
    for (const v of ['main.py', 'owner/repo', '/etc/hosts', '~/x.md', '<svc>/Dockerfile', 'src/*.py', 'https://x/y.md', 'a b/c.md', 'pkg.mod:app', '1.2/3.4/', '$HOME/x.md', '{{ x }}/a.md', '@scope/pkg']) {
      expect(pathRef(v, true), v).toBeUndefined();
    }
  });

  it('writes a relocated target relative to a folder, keeping ./ and trailing slash', () => {
    expect(relativeRef('docs', 'docs/guides/a.md', './a.md', false)).toBe('./guides/a.md');
    expect(relativeRef('docs', 'README.md', 'x/README.md', false)).toBe('../README.md');
    expect(relativeRef('', 'scripts/integrations', 'integrations/', true)).toBe('scripts/integrations/');
  });

  it('guesses from the name, narrowed by trailing segments, never into an archive: review at most', () => {
    const ws = Workspace.fromFiles('/r', {
      'scripts/integrations/supervisor.py': '',
      'tools/supervisor.py': '',
      'archive/old.py': '',
      'a/README.md': '',
      'b/README.md': '',
    });
    const never: PathHistory = { status: 'never' };
    const guess = relocate(ws, 'integrations/supervisor.py', false, opts, never);
    expect(guess).toMatchObject({ target: 'scripts/integrations/supervisor.py', safety: 'review', candidates: ['scripts/integrations/supervisor.py'], archived: false });
    expect(guess.because).toBe('the only file of that name; no rename record in git history; guessed from the file name');
    expect(relocate(ws, 'supervisor.py', false, opts, never).target).toBeUndefined();
    expect(relocate(ws, 'supervisor.py', false, opts, never).candidates).toEqual(['scripts/integrations/supervisor.py', 'tools/supervisor.py']);
    expect(relocate(ws, 'old.py', false, opts, never)).toMatchObject({ target: undefined, candidates: ['archive/old.py'], archived: true });
    expect(relocate(ws, 'integrations', true, opts, never)).toMatchObject({ target: 'scripts/integrations', safety: 'review' });
    expect(relocate(ws, 'docs/README.md', false, opts, never).target).toBeUndefined();
    const unknown = relocate(ws, 'integrations/supervisor.py', false, opts, { status: 'unknown', reason: 'a shallow clone' });
    expect(unknown).toMatchObject({ target: 'scripts/integrations/supervisor.py', safety: 'review' });
    expect(unknown.because).toContain('no usable git history: a shallow clone');
  });

  it('takes the target from a rename record, and none from a deletion', () => {
    const ws = Workspace.fromFiles('/r', { 'docs/reference/http-api.md': '', 'website/api.md': '', 'docs/guide.md': '' });
    const commit = (short: string, date: string): { sha: string; short: string; date: string } => ({ sha: short.padEnd(40, '0'), short, date });
    const renamed: PathHistory = {
      status: 'renamed',
      steps: [
        { from: 'docs/api.md', to: 'docs/ref/api.md', commit: commit('aaaaaaa', '2024-01-02') },
        { from: 'docs/ref/api.md', to: 'docs/reference/http-api.md', commit: commit('bbbbbbb', '2024-02-03') },
      ],
      successor: 'docs/reference/http-api.md',
    };
    // The rename wins over the namesake `website/api.md`.
    const moved = relocate(ws, 'docs/api.md', false, opts, renamed);
    expect(moved).toMatchObject({ target: 'docs/reference/http-api.md', safety: 'safe', gone: false });
    expect(relocationText(moved, false, true)).toBe('it is now `docs/reference/http-api.md` (renamed to `docs/ref/api.md` in aaaaaaa, 2024-01-02, then to `docs/reference/http-api.md` in bbbbbbb, 2024-02-03)');
    const deleted = relocate(ws, 'docs/api.md', false, opts, { status: 'deleted', commit: commit('ccccccc', '2024-03-04') });
    expect(deleted).toMatchObject({ target: undefined, gone: true });
    expect(relocationText(deleted, false, true)).toBe('it was deleted in ccccccc (2024-03-04); `website/api.md` has the same name, but git records no rename to it (not changed)');
    const thenDeleted = relocate(ws, 'docs/api.md', false, opts, { status: 'renamed', steps: [renamed.steps[0]!], successor: undefined, deleted: commit('ddddddd', '2024-04-05') });
    expect(relocationText(thenDeleted, false, true)).toBe('it was renamed to `docs/ref/api.md` in aaaaaaa (2024-01-02), and `docs/ref/api.md` was deleted in ddddddd (2024-04-05); `website/api.md` has the same name, but git records no rename to it (not changed)');
    // A rename into an archive retires the file.
    const archived = relocate(Workspace.fromFiles('/r', { 'archive/api.md': '' }), 'docs/api.md', false, opts, { status: 'renamed', steps: [{ from: 'docs/api.md', to: 'archive/api.md', commit: commit('eeeeeee', '2024-05-06') }], successor: 'archive/api.md' });
    expect(archived).toMatchObject({ target: undefined, archived: true });
    expect(relocationText(archived, false, true)).toBe('it was renamed to `archive/api.md` in eeeeeee (2024-05-06), an archive location (not changed)');
    // Letter case alone is certain, whatever history says.
    expect(relocate(ws, 'docs/Guide.md', false, opts, { status: 'deleted', commit: commit('fffffff', '2024-06-07') })).toMatchObject({ target: 'docs/guide.md', safety: 'safe' });
    // A chain that git loses track of is no rename record: back to the name.
    const lost = relocate(ws, 'docs/api.md', false, opts, { status: 'renamed', steps: [renamed.steps[0]!], successor: undefined, lost: 'it is in HEAD; only the work tree lacks it' });
    expect(lost).toMatchObject({ target: 'website/api.md', safety: 'review' });
  });

  it('honours nested .gitignore files', () => {
    const ws = Workspace.fromFiles('/r', { '.gitignore': '.env\ndist/\n', 'web/.gitignore': 'out/\n' });
    expect(isGitIgnored(ws, '.env')).toBe(true);
    expect(isGitIgnored(ws, 'dist/index.html')).toBe(true);
    expect(isGitIgnored(ws, 'web/out/a.js')).toBe(true);
    expect(isGitIgnored(ws, 'out/a.js')).toBe(false);
    expect(isGitIgnored(ws, '.env.example')).toBe(false);
  });
});

describe('command models', () => {
  it('finds the command word behind assignments and wrappers', () => {
    expect(commandHead(['PYTHONPATH=src', 'sudo', '-u', 'app', 'poetry', 'run', 'uvicorn', 'a:b'])).toMatchObject({ index: 6 });
    expect(commandHead(['PYTHONPATH=src', 'sudo', '-u', 'app', 'poetry', 'run', 'uvicorn'])?.env.get('PYTHONPATH')).toBe('src');
    expect(commandHead(['uv', 'run', '--directory', 'x', 'python'])).toBeUndefined();
    expect(commandHead(['A=1'])).toBeUndefined();
  });

  it('knows which compose words are services', () => {
    const words = (s: string): string[] => s.split(' ');
    const services = (s: string): string[] => {
      const argv = words(s);
      const r = composeRun(argv);
      return r?.judgeable ? r.services.map((i) => argv[i] as string) : ['<not judged>'];
    };
    expect(services('docker compose up -d db backend')).toEqual(['db', 'backend']);
    expect(services('docker-compose logs -f --tail 50 api')).toEqual(['api']);
    expect(services('docker compose exec -T db psql -U x')).toEqual(['db']);
    expect(services('docker compose run --rm -e A=1 backend pytest -q')).toEqual(['backend']);
    expect(services('docker compose -f a.yml -p proj up --scale web=3 -dV')).toEqual([]);
    expect(services('docker compose logs -ft web')).toEqual(['web']);
    expect(services('docker compose up --new-flag x')).toEqual(['<not judged>']);
    expect(services('docker compose cp web:/a .')).toEqual(['<not judged>']);
    const r = composeRun(words('docker compose -f a.yml --file=b.yml --env-file .env.x up'));
    expect([r?.files, r?.envFiles, r?.subcommand]).toEqual([[3, 4], [6], 'up']);
  });

  it('reads python scripts and modules', () => {
    expect(pythonRun(['python3', '-u', '-W', 'ignore', 'tools/x.py', '--a'])).toEqual({ kind: 'script', index: 4, value: 'tools/x.py' });
    expect(pythonRun(['TOKEN=1', 'python', '-m', 'pkg.cli'])).toEqual({ kind: 'module', index: 3, value: 'pkg.cli' });
    expect(pythonRun(['python', '-c', 'print(1)'])).toBeUndefined();
    expect(pythonRun(['pip', 'install', 'x.py'])).toBeUndefined();
  });

  it('lists the files a command reads, not the ones it writes', () => {
    const ops = (s: string): string[] => {
      const argv = s.split(' ');
      return readOperands(argv).map((i) => argv[i] as string);
    };
    expect(ops('cp -r .env.example .env')).toEqual(['.env.example']);
    expect(ops('pip install -r requirements.txt -c constraints.txt')).toEqual(['requirements.txt', 'constraints.txt']);
    expect(ops('docker compose -f a.yml --env-file .env.prod up')).toEqual(['a.yml', '.env.prod']);
    expect(ops('bash scripts/x.sh --flag')).toEqual(['scripts/x.sh']);
    expect(ops('./scripts/x.sh')).toEqual(['./scripts/x.sh']);
    expect(ops('bash -c "echo hi"')).toEqual([]);
    expect(ops('python x.py')).toEqual([]);
  });

  it('finds servers only as the command itself, with their port word', () => {
    const argv = ['PYTHONPATH=src', 'python', '-m', 'uvicorn', 'a.b:app', '--port', '8100'];
    const inv = serverAtHead(argv);
    expect([inv?.targetIndex, inv?.env.get('PYTHONPATH'), serverPort(argv, inv!)]).toEqual([4, 'src', { value: '8100', index: 6 }]);
    const g = ['gunicorn', '-b', '0.0.0.0:8000', 'w:app'];
    expect(serverPort(g, serverAtHead(g)!)).toEqual({ value: '8000', index: 2 });
    expect(serverAtHead(['docker', 'compose', 'exec', 'api', 'uvicorn', 'x:app'])).toBeUndefined();
    expect(serverAtHead(['echo', 'uvicorn', 'x:app'])).toBeUndefined();
  });
});

async function commandsOf(files: Record<string, string>, doc: string): Promise<DocCommand[]> {
  const ws = Workspace.fromFiles('/r', files);
  const r = await docCommands(ws, { path: doc, kind: doc.endsWith('.json') ? 'json' : 'markdown' }, opts);
  if ('skipped' in r) throw new Error(r.skipped);
  return r.commands;
}

describe('doc commands', () => {
  it('follows cd, notes created files, skips prompts, output and heredoc bodies', async () => {
    const md = '```console\n$ cd app && cp a.env .env\nsome output\n$ cat > x.txt <<EOF\n$ not a command\nEOF\n$ source .env\n```\n';
    const cmds = await commandsOf({ 'README.md': md, 'app/a.env': '' }, 'README.md');
    expect(cmds.map((c) => [c.words.map((w) => w.value).join(' '), c.cwd, [...c.created].sort()])).toEqual([
      ['cd app', '', []],
      ['cp a.env .env', 'app', []],
      ['cat > x.txt <<EOF', 'app', ['app/.env', 'app/.env/a.env']],
      ['source .env', 'app', ['app/.env', 'app/.env/a.env', 'app/x.txt']],
    ]);
  });

  it('gives up the directory after a cd it cannot follow', async () => {
    const cmds = await commandsOf({ 'README.md': '```bash\ngit clone https://x/y.git && cd y\npython z.py\n```\n' }, 'README.md');
    expect(cmds.map((c) => c.cwd)).toEqual(['', '', undefined]);
  });

  it('reads Dockerfile blocks (exec and shell form), command spans, JSON strings', async () => {
    const md = 'Run `docker compose up -d db`, see `scripts/x.sh`.\n\n```Dockerfile\nCMD ["uvicorn", "a.b:app", \\\n  "--port", "80"]\nENTRYPOINT uvicorn c:d\n```\n';
    const cmds = await commandsOf({ 'README.md': md }, 'README.md');
    expect(cmds.map((c) => [c.source, c.form, c.words.map((w) => w.value).join(' ')])).toEqual([
      ['span', 'shell', 'docker compose up -d db'],
      ['dockerfile', 'exec', 'uvicorn a.b:app --port 80'],
      ['dockerfile', 'shell', 'uvicorn c:d'],
    ]);
    const exec = cmds[1] as DocCommand;
    const span = wordTextSpan(exec, 1);
    expect(span && md.slice(span[0], span[1])).toBe('a.b:app');
    const json = await commandsOf({ 'docs/I.json': '{"run": ["pip install -r r.txt", "just words here"]}' }, 'docs/I.json');
    expect(json.map((c) => c.words.map((w) => w.value).join(' '))).toEqual(['pip install -r r.txt']);
  });

  it('locates a sub-token inside a quoted word, and refuses an ambiguous one', async () => {
    const md = '```bash\nuvicorn "pkg.a:app" --port 8000\n```\n';
    const [cmd] = await commandsOf({ 'README.md': md }, 'README.md');
    const s = wordTextSpan(cmd!, 1, 'pkg.a:app');
    expect(s && md.slice(s[0], s[1])).toBe('pkg.a:app');
    expect(wordTextSpan(cmd!, 3, '0')).toBeUndefined();
  });
});

describe('quoting contexts', () => {
  it('recognises the old side of a migration line', () => {
    const line = '- `uvicorn src.a.main:app` → `PYTHONPATH=src uvicorn a.main:app`';
    expect(onOldSideOfMigration(line, line.indexOf('src.a'))).toBe(true);
    expect(onOldSideOfMigration(line, line.indexOf('PYTHONPATH'))).toBe(false);
    const r = 'Replace `up -d postgres` with `up -d db`.';
    expect(onOldSideOfMigration(r, r.indexOf('postgres'))).toBe(true);
    expect(onOldSideOfMigration(r, r.indexOf('db`'))).toBe(false);
    const u = 'Use `db` instead of `postgres`.';
    expect(onOldSideOfMigration(u, u.indexOf('postgres'))).toBe(true);
    expect(onOldSideOfMigration('`a` → ', 1)).toBe(false);
  });

  it('recognises a drift checker by its forbidden list and a reference to it, and its excluded docs', () => {
    const files = {
      'scripts/check_docs_drift.py': 'FORBIDDEN_PATTERNS = [\n    (r"src\\.backend\\.main:app", "use x"),\n]\nEXCLUDED = {"docs/BUILD.md"}\n',
      'scripts/unreferenced.py': 'BANNED_COMMANDS = ["a"]\n',
      'docs/INDEX.json': '{"docs_drift": "python scripts/check_docs_drift.py"}',
      'docs/BUILD.md': '# Build\n',
    };
    const ws = Workspace.fromFiles('/r', files);
    expect(driftCheckers(ws).map((c) => [c.path, c.patterns, c.excluded])).toEqual([['scripts/check_docs_drift.py', ['src\\.backend\\.main:app', 'use x'], ['docs/BUILD.md']]]);
    expect(docFiles(ws, opts).ledgers).toEqual(['docs/BUILD.md']);
  });
});

describe('python facts', () => {
  const ws = Workspace.fromFiles('/r', {
    'pyproject.toml': '[project]\nname = "shop"\n',
    'src/shop/__init__.py': '',
    'src/shop/main.py': 'from shop import settings\napp = 1\n',
    'src/shop/settings.py': '',
    'flat/main.py': 'from flat.routers import x\n',
  });

  it('names a module by its package chain', () => {
    expect(canonicalModule(ws, 'src/shop/main.py')).toEqual({ module: 'shop.main', root: 'src' });
    expect(canonicalModule(ws, 'src/shop/__init__.py')).toEqual({ module: 'shop', root: 'src' });
    expect(canonicalModule(ws, 'flat/main.py')).toEqual({ module: 'flat.main', root: '' });
    expect(installableRoots(ws)).toEqual(['src']);
  });

  it('flags a namespace-prefixed import only when the module imports itself by its real name', () => {
    expect(importsItselfElsewhere(ws, 'src.shop.main', 'src/shop/main.py')).toEqual({ module: 'shop.main', root: 'src' });
    expect(importsItselfElsewhere(ws, 'src.shop.settings', 'src/shop/settings.py')).toBeUndefined();
    expect(importsItselfElsewhere(ws, 'flat.main', 'flat/main.py')).toBeUndefined();
  });

  it('derives the deployed app and its published ports from compose and the Dockerfile', async () => {
    const repo = Workspace.fromFiles('/r', {
      Dockerfile: 'FROM python:3.12\nWORKDIR /app\nCOPY src/ ./src/\nENV PYTHONPATH=/app/src\nEXPOSE 8000\nCMD ["uvicorn", "shop.main:app", "--port", "8000"]\n',
      'docker-compose.yml': 'services:\n  api:\n    build: .\n    ports:\n      - "127.0.0.1:8100:8000"\n',
      'src/shop/__init__.py': '',
      'src/shop/main.py': 'app = 1\n',
    });
    const deployments = await appDeployments(new Facts(repo));
    expect(deployments.map((d) => [d.file, d.attr, d.module, d.root, d.service, d.containerPort, d.hostPorts])).toEqual([['src/shop/main.py', 'app', 'shop.main', 'src', 'api', '8000', ['8100']]]);
  });
});

describe('compose names in docs', () => {
  it('maps a bare name to the one service of that image family, or to the rename of a broken override', () => {
    const ws = Workspace.fromFiles('/r', {
      'docker-compose.yml': 'services:\n  db:\n    image: postgres:16\n  cache:\n    image: redis:7\n  web:\n    build: .\n',
      'docker-compose.dev.yml': 'services:\n  redis:\n    ports: ["6379:6379"]\n',
    });
    const set = new Facts(ws).compose.sets[0]!;
    const within = new Set(['db', 'cache', 'web']);
    expect(inferServiceForName(set, 'postgres', within).best?.service).toBe('db');
    expect(inferServiceForName(set, 'redis', within).best?.service).toBe('cache');
    expect(inferServiceForName(set, 'api', within)).toEqual({ best: undefined, candidates: [] });
    expect(inferServiceForName(set, 'postgres', new Set(['web'])).best).toBeUndefined();
  });
});

describe('findings from problems', () => {
  it('shares one fix between occurrences of the same value and numbers their keys', () => {
    const fix = (start: number) => ({ edits: [{ start, end: start + 1, text: 'b' }], replacement: 'b', description: 'a→b', safety: 'safe' as const });
    const out = problemsToFindings([
      { doc: 'd.md', offset: 9, kind: 'k', subject: 'a', message: 'm2', fix: fix(9) },
      { doc: 'd.md', offset: 1, kind: 'k', subject: 'a', message: 'm1', fix: fix(1) },
      { doc: 'd.md', offset: 5, kind: 'k', subject: 'a', message: 'm3', fix: undefined },
    ]);
    expect(out.map((f) => [f.offset, f.key])).toEqual([
      [1, 'd.md:k:a=>b#0'],
      [5, 'd.md:k:a#0'],
      [9, 'd.md:k:a=>b#1'],
    ]);
    expect(out[0]?.fix).toBe(out[2]?.fix);
    expect(out[0]?.fix?.edits.map((e) => e.start)).toEqual([1, 9]);
    expect(out[1]?.fix).toBeNull();
  });
});

describe('a doc is one procedure', () => {
  const commandsOf = async (ws: Workspace, doc = 'README.md'): Promise<DocCommand[]> => {
    const r = await docCommands(ws, { path: doc, kind: 'markdown' }, opts);
    if ('skipped' in r) throw new Error(r.skipped);
    return r.commands;
  };
  const at = (cmds: DocCommand[], first: string): DocCommand => {
    const c = cmds.find((x) => x.words.map((w) => w.value).join(' ').startsWith(first));
    if (!c) throw new Error(`no command ${first}`);
    return c;
  };

  it('carries a cd into later blocks and spans, keeping the starting directory possible', async () => {
    const ws = Workspace.fromFiles('/r', {
      'README.md': '```bash\ncd backend\npython a.py\n```\n\nThen:\n\n```bash\npython b.py\n```\n\nOr `python c.py x`.\n',
      'backend/a.py': '',
    });
    const cmds = await commandsOf(ws);
    expect(at(cmds, 'python a.py')).toMatchObject({ cwd: 'backend', otherCwds: [] });
    expect(at(cmds, 'python b.py')).toMatchObject({ cwd: 'backend', otherCwds: [''] });
    expect(at(cmds, 'python c.py')).toMatchObject({ cwd: 'backend', otherCwds: [''] });
    expect(at(cmds, 'python b.py').cwdOrigin).toContain('cd backend');
  });

  it('reads a directory named in the prose right before a block; other words name nothing', async () => {
    const ws = Workspace.fromFiles('/r', {
      'README.md': 'From the `web` directory, run:\n\n```bash\npython x.py\n```\n\nIn the background, run:\n\n```bash\npython y.py\n```\n\nIn `api/`:\n\n```bash\npython z.py\n```\n\nInstall it into production folder:\n\n```bash\npython w.py\n```\n',
      'web/x.py': '',
      'api/z.py': '',
    });
    const cmds = await commandsOf(ws);
    // Prose is read loosely, so where the reader was before stays possible.
    expect(at(cmds, 'python x.py')).toMatchObject({ cwd: 'web', otherCwds: [''] });
    // "In the background" names no directory: the reader is still where the last step left them.
    expect(at(cmds, 'python y.py')).toMatchObject({ cwd: 'web', otherCwds: [''] });
    expect(at(cmds, 'python z.py').cwd).toBe('api');
    expect(new Set(at(cmds, 'python z.py').otherCwds)).toEqual(new Set(['', 'web']));
    // A directory word with a name that is no directory of the repository: nothing moves.
    expect(at(cmds, 'python w.py').cwd).toBe('api');
  });

  it('keeps files that an earlier block downloads or creates, in every later step', async () => {
    const ws = Workspace.fromFiles('/r', { 'README.md': '```bash\ncurl -fsSL https://x.test/i.sh -o i.sh\n```\n\n## Later\n\n```bash\n./i.sh update\n```\n' });
    const cmds = await commandsOf(ws);
    expect([...at(cmds, './i.sh').created]).toContain('i.sh');
  });

  it('after a clone of another repository, later steps are not judged; a clone of this one is this root', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, writeFileSync, mkdirSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/apf-procedure-`);
    try {
      const git = (...args: string[]): void => void execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
      git('init', '-q');
      git('remote', 'add', 'origin', 'https://github.com/acme/Shop.git');
      mkdirSync(`${dir}/tools`);
      writeFileSync(`${dir}/tools/run.py`, '');
      writeFileSync(
        `${dir}/README.md`,
        '```bash\ngit clone https://github.com/acme/shop.git\ncd shop\n```\n\n```bash\npython tools/run.py\n```\n\n```bash\ngit clone --depth 1 https://github.com/other/lib.git vendor-lib\ncd vendor-lib\n```\n\n```bash\npython setup.py\n```\n',
      );
      const ws = await Workspace.open(dir);
      const cmds = await commandsOf(ws);
      expect(at(cmds, 'python tools/run.py').cwd).toBe('');
      expect(at(cmds, 'python setup.py').cwd).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('placeholders in paths', () => {
  it('does not take elided or placeholder paths for references', () => {
    for (const v of ['packages/shared/.../persistence.ts', 'certs/XXXXX_bundle.pem', 'backups/YYYYMMDD.sql', 'your-app/config.yml', 'config/myproject.yaml', 'dumps/db-YYYY-MM-DD.sql'])
      expect(pathRef(v, true), v).toBeUndefined();
    for (const v of ['docs/mymodule-notes.md', 'scripts/my_script_test.py'.replace('my_', 'run_'), 'src/MMU/driver.c', 'app/summary.md'])
      expect(pathRef(v, true), v).toBeDefined();
  });
});

describe('linked docs', () => {
  it('judges a doc that is a symbolic link to another doc once, where it lives', async () => {
    const { mkdtempSync, writeFileSync, symlinkSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/apf-linked-doc-`);
    try {
      writeFileSync(`${dir}/AGENTS.md`, '# Agents\n');
      symlinkSync('AGENTS.md', `${dir}/CLAUDE.md`);
      const ws = await Workspace.open(dir);
      expect(docFiles(ws, opts).docs.map((d) => d.path)).toEqual(['AGENTS.md']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
