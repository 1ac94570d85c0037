import path from 'node:path/posix';
import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { DOCS_OPTIONS } from '../docs-options.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { Facts } from '../../src/facts/facts.js';
import { findPair } from '../../src/formats/yaml.js';
import { inferServiceForName } from '../../src/facts/compose-rename.js';
import type { ComposeSet } from '../../src/facts/compose.js';
import type { DiscoveredApp } from '../../src/facts/python-app.js';
import { moduleNamesFor, parseAppTarget, resolveAppTarget } from '../../src/facts/python-app.js';
import { commandHead, operandValue } from '../../src/facts/docs/command-head.js';
import { commandEnv, createdInSeries, type DocCommand, isCreated, wordTextSpan } from '../../src/facts/docs/commands.js';
import { composeRun } from '../../src/facts/docs/compose-command.js';
import { type AppDeployment, appDeployments, serverAtHead } from '../../src/facts/docs/deployments.js';
import { docFiles, historyDocs, matchesAny } from '../../src/facts/docs/doc-files.js';
import { type DocProblem, judgedFromEveryCwd, outsideRecords, problemsToFindings, readDoc } from '../../src/facts/docs/findings.js';
import { pythonRun } from '../../src/facts/docs/operands.js';
import { docsOptions, type DocsOptions } from '../../src/facts/docs/options.js';
import { existsInRepo, isGitIgnored, joinRepo, pathRef, relativeRef } from '../../src/facts/docs/paths.js';
import { canonicalModule, docExecContext, importsItselfElsewhere, installableRoots, ownsTopLevel, unreadablePythonPath } from '../../src/facts/docs/python.js';
import { isQuoted, type QuoteContext } from '../../src/facts/docs/quoting.js';
import { type Histories, pathHistories, relocate, relocationText, seemsMoved } from '../../src/facts/docs/relocation.js';

/** Constructors whose module-level result is an application object. An option, not logic. */
export const DEFAULT_APP_FACTORIES = ['FastAPI', 'Starlette', 'Quart', 'Litestar', 'Sanic', 'Flask', 'Falcon', 'get_asgi_application', 'get_wsgi_application'];

const OVERRIDE_NAME = /^(docker-)?compose\.override\.ya?ml$/i;
const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

interface Env {
  ws: Workspace;
  facts: Facts;
  opts: DocsOptions;
  factories: string[];
  q: QuoteContext;
  editable: boolean;
  /** Files the other docs of its folder have the reader create. */
  series: ReadonlySet<string>;
}

function quoted(env: Env, cmd: DocCommand, offset: number): boolean {
  return isQuoted(env.q, offset, cmd.block);
}

function at(cmd: DocCommand, i: number): number {
  return wordTextSpan(cmd, i)?.[0] ?? cmd.offset;
}

// ---------------------------------------------------------------------------------------------
// docker compose … <service>

function nearestComposeDir(facts: Facts, docDir: string): string {
  for (let d = docDir; ; d = path.dirname(d) === '.' ? '' : path.dirname(d)) {
    if (facts.compose.sets.some((s) => s.dir === d)) return d;
    if (d === '') return '';
  }
}

/** A name compose knows as a real service somewhere in the repository (COMPOSE_FILE may select it). */
function realSomewhere(facts: Facts, name: string): boolean {
  return facts.compose.sets.some((s) => {
    const svc = s.services.get(name);
    return svc !== undefined && svc.fragments.some((f) => f.file.isBase || f.image !== undefined || f.build !== undefined || f.extends);
  });
}

/**
 * Names that say which part a service plays rather than what it is called: the web application
 * (`logs -f api` when the service running the ASGI app is `backend`). Another stack's role
 * words (a worker, a cache) are not mapped: an image family or a command says more there.
 */
const APP_ROLE_NAMES = new Set(['api', 'app', 'application', 'backend', 'server', 'web', 'webapp', 'web-app', 'web_app']);

/** The services of `known` that run one of the repository's web apps. */
async function appServices(env: Env, set: ComposeSet, known: ReadonlySet<string>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const d of await ownDeployments(env)) {
    if (d.service === undefined || !known.has(d.service) || !set.services.has(d.service)) continue;
    if (!out.has(d.service)) out.set(d.service, `${d.module}:${d.attr}`);
  }
  return out;
}

async function composeProblems(env: Env, cmd: DocCommand): Promise<DocProblem[]> {
  const argv = cmd.words.map((w) => w.value);
  const run = composeRun(argv);
  if (!run || !run.judgeable || run.services.length === 0 || cmd.cwd === undefined || cmd.form !== 'shell') return [];
  const head = commandHead(argv);
  if (!head || head.env.has('COMPOSE_FILE')) return [];
  // A doc inside a folder with its own compose files is run from there unless it says `cd`.
  const base = cmd.cwd === '' ? nearestComposeDir(env.facts, path.dirname(cmd.doc) === '.' ? '' : path.dirname(cmd.doc)) : cmd.cwd;
  let dir = base;
  if (run.projectDirectory !== undefined) {
    const pd = joinRepo(base, operandValue(argv[run.projectDirectory] ?? ''));
    if (pd === undefined || !existsInRepo(env.ws, pd)) return [];
    dir = pd;
  }
  const explicit = run.files.length > 0;
  let set: ComposeSet | undefined;
  let selected: Set<string>;
  if (explicit) {
    const files = run.files.map((i) => joinRepo(base, operandValue(argv[i] ?? '')));
    // A missing file is the dead-reference rule's finding; the set it would form is unknown.
    if (files.some((f) => f === undefined || !env.ws.has(f))) return [];
    set = env.facts.compose.sets.find((s) => s.files.some((f) => f.path === files[0]));
    if (!set || !files.every((p) => set?.files.some((f) => f.path === p))) return [];
    selected = new Set(files as string[]);
    // Files pulled in with `include:` are not followed here: not judged.
    if (set.files.some((f) => selected.has(f.path) && findPair(f.parsed.doc.contents, 'include'))) return [];
  } else {
    set = env.facts.compose.sets.find((s) => s.dir === dir);
    if (!set) return [];
    selected = new Set(set.files.filter((f) => (f.isBase && f.dir === dir) || OVERRIDE_NAME.test(path.basename(f.path))).map((f) => f.path));
    if (set.files.some((f) => findPair(f.parsed.doc.contents, 'include'))) return [];
  }
  const known = new Set<string>();
  for (const svc of set.services.values()) {
    const inSelected = svc.fragments.some((f) => selected.has(f.file.path));
    const real = svc.fragments.some((f) => f.file.isBase || f.image !== undefined || f.build !== undefined || f.extends);
    if (inSelected && real) known.add(svc.name);
  }
  const out: DocProblem[] = [];
  const filesText = explicit ? [...selected].map((f) => `\`${f}\``).join(', ') : `the default compose files of ${set.dir ? `\`${set.dir}/\`` : 'the repository root'}`;
  for (const j of run.services) {
    const name = argv[j] as string;
    if (!SERVICE_NAME.test(name) || known.has(name)) continue;
    // Without -f, COMPOSE_FILE (often set in .env) may select another file that defines it.
    const svc = set.services.get(name);
    const broken = svc !== undefined && !svc.fragments.some((f) => f.file.isBase || f.image !== undefined || f.build !== undefined || f.extends);
    if (!explicit && !broken && realSomewhere(env.facts, name)) continue;
    const offset = at(cmd, j);
    if (quoted(env, cmd, offset)) continue;
    const inference = inferServiceForName(set, name, known);
    let role: { service: string; why: string; safe: boolean } | undefined;
    if (!inference.best && inference.candidates.length === 0 && APP_ROLE_NAMES.has(name.toLowerCase())) {
      const apps = await appServices(env, set, known);
      if (apps.size === 1) {
        const [svc, app] = [...apps][0] as [string, string];
        role = { service: svc, why: `\`${name}\` names the web application's role, and \`${svc}\` is the only service that runs it (\`${app}\`)`, safe: true };
      } else if (apps.size > 1) {
        out.push({ doc: cmd.doc, offset, kind: 'compose-service', subject: name, message: `\`${argv.slice(0, run.services[0]).join(' ')}\` names service \`${name}\`, which is not defined in ${filesText}; \`${name}\` names the web application's role, but several services run one (${[...apps].map(([k, a]) => `\`${k}\` runs \`${a}\``).join(', ')}); not changed`, fix: undefined });
        continue;
      }
    }
    const mentions = broken ? ` (only ${[...new Set(svc?.fragments.map((f) => `\`${f.file.path}\``))].join(', ')} mentions it, with no image or build)` : '';
    const base = `\`${argv.slice(0, run.services[0]).join(' ')}\` names service \`${name}\`, which is not defined in ${filesText}${mentions}`;
    const best = inference.best ?? (role ? { service: role.service, signals: [role.why], imageMatch: role.safe } : undefined);
    const span = best && env.editable ? wordTextSpan(cmd, j, name) : undefined;
    if (!best || !span) {
      const options = inference.candidates.map((c) => `\`${c.service}\``).join(', ');
      out.push({
        doc: cmd.doc,
        offset,
        kind: 'compose-service',
        subject: name,
        message: `${base}; ${options ? `it could mean ${options} (no single match, not changed)` : best ? `it must mean \`${best.service}\`, but the text cannot be edited in place (not changed)` : `known services: ${knownList(known)} (not changed)`}`,
        fix: undefined,
      });
      continue;
    }
    out.push({
      doc: cmd.doc,
      offset,
      kind: 'compose-service',
      subject: name,
      message: `${base}; it must mean \`${best.service}\` (${best.signals.join('; ')})`,
      fix: {
        edits: [{ start: span[0], end: span[1], text: best.service }],
        replacement: best.service,
        description: `use compose service \`${best.service}\` instead of \`${name}\``,
        safety: best.imageMatch || best.signals.length >= 2 ? 'safe' : 'review',
      },
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// uvicorn / gunicorn / hypercorn <module:attr>

/** The repository's own deployments and apps: none from excluded folders (fixtures, vendored code). */
async function ownDeployments(env: Env): Promise<AppDeployment[]> {
  return (await appDeployments(env.facts)).filter((d) => !matchesAny(d.file, env.opts.excludeGlobs));
}

async function ownApps(env: Env): Promise<DiscoveredApp[]> {
  return (await env.facts.apps(env.factories)).filter((a) => !matchesAny(a.file, env.opts.excludeGlobs));
}

/** At most five items, then how many more. */
function list(items: string[]): string {
  const unique = [...new Set(items)];
  return unique.length > 5 ? `${unique.slice(0, 5).join(', ')} and ${unique.length - 5} more` : unique.join(', ');
}

interface Chosen {
  file: string;
  attr: string;
  module: string;
  root: string | undefined;
  evidence: string;
}

async function resolvesTo(ws: Workspace, ctx: import('../../src/facts/python-app.js').ExecContext, module: string, attr: string): Promise<string | undefined> {
  const r = await resolveAppTarget(ws, ctx, { module, attr });
  return r.status === 'ok' ? r.file : undefined;
}

async function serverProblems(env: Env, cmd: DocCommand): Promise<DocProblem[]> {
  const argv = cmd.words.map((w) => w.value);
  const inv = serverAtHead(argv);
  if (!inv || inv.targetIndex === undefined || inv.config !== undefined) return [];
  // gunicorn also reads ./gunicorn.conf.py, which may change the import path.
  if (inv.server === 'gunicorn' && env.ws.paths.some((p) => p.endsWith('gunicorn.conf.py'))) return [];
  const word = argv[inv.targetIndex] as string;
  const target = parseAppTarget(word);
  if (!target) return [];
  const vars = commandEnv(cmd);
  if (unreadablePythonPath(vars)) return [];
  const shell = cmd.form === 'shell' && cmd.source !== 'dockerfile' && cmd.cwd !== undefined;
  const cwd = cmd.cwd ?? '';
  const strict = shell ? docExecContext(cwd, vars, inv) : undefined;
  // Outside a shell (a Dockerfile CMD in a code block) the image's search path is unknown: the
  // roots the repository's own deployments use stand in for it.
  const deployments = await ownDeployments(env);
  const apps = await ownApps(env);
  // A repository that runs no application of its own: doc commands are about someone else's.
  if (deployments.length === 0 && apps.length === 0) return [];
  const allDeploymentRoots = deployments.map((d) => d.root).filter((r): r is string => r !== undefined);
  const lenient = docExecContext(cwd, vars, inv, ['', ...installableRoots(env.ws), ...(shell ? [] : allDeploymentRoots)]);
  // Only the repository's own packages are judged: `uvicorn main:app` in a tutorial snippet
  // names a module the reader is meant to write.
  const roots = [...lenient.roots.map((r) => r.replace(/^\/__repo__\/?/, '')), ...allDeploymentRoots];
  if (!ownsTopLevel(env.ws, roots, target.module)) return [];
  const tryCtx = strict ?? lenient;
  let r = await resolveAppTarget(env.ws, tryCtx, target);
  if (r.status === 'unknown') return [];
  if (r.status === 'missing' && strict) {
    // An installed copy of the project (pip install -e .) makes its packages importable anywhere.
    const again = await resolveAppTarget(env.ws, lenient, target);
    if (again.status === 'unknown') return [];
    if (again.status === 'ok') r = again;
  }
  if (r.status === 'missing' && cmd.cwd === '' && docDirOf(cmd.doc) !== '') {
    // A doc inside a sub-project may be meant to run from its own folder.
    const local = await resolveAppTarget(env.ws, docExecContext(docDirOf(cmd.doc), vars, inv, installableRoots(env.ws)), target);
    if (local.status !== 'missing') return [];
  }
  const offset = at(cmd, inv.targetIndex);
  let why: string;
  let canonical: { module: string; root: string } | undefined;
  let deployed: Chosen | undefined;
  if (r.status === 'ok') {
    canonical = importsItselfElsewhere(env.ws, target.module, r.file);
    if (!canonical) {
      const named = deployedName(deployments, r.file, target);
      if (named === undefined) return [];
      if (named.conflict) {
        if (quoted(env, cmd, offset)) return [];
        return [{ doc: cmd.doc, offset, kind: 'app-target', subject: word, message: `${inv.server} target \`${word}\` loads \`${r.file}\` as \`${target.module}\`, which no deployment does, and the deployments disagree on its name (${list(named.conflict)}); not changed`, fix: undefined }];
      }
      deployed = named.chosen;
      why = `loads \`${r.file}\` as \`${target.module}\`, a name no deployment uses`;
    } else why = `loads \`${r.file}\` as \`${target.module}\`, but that module imports its own package as \`${canonical.module.split('.')[0]}\`, which needs \`${canonical.root || '.'}\` on the import path`;
  } else {
    why = `does not resolve from ${shell ? (cwd ? `\`${cwd}/\`` : 'the repository root') : 'the repository'} (${r.reason})`;
  }
  if (quoted(env, cmd, offset)) return [];
  const base = `${inv.server} target \`${word}\` ${why}`;
  const report = (tail: string): DocProblem[] => [{ doc: cmd.doc, offset, kind: 'app-target', subject: word, message: `${base}; ${tail}`, fix: undefined }];

  // What it must run instead.
  let chosen: Chosen | undefined;
  if (r.status === 'ok' && canonical) {
    chosen = { file: r.file, attr: target.attr, module: canonical.module, root: canonical.root, evidence: `the package's own imports name it \`${canonical.module}\`` };
  } else if (deployed) {
    chosen = deployed;
  } else {
    const distinct = new Map<string, Chosen>();
    for (const d of deployments) {
      const k = `${d.file}:${d.attr}`;
      if (!distinct.has(k)) distinct.set(k, { file: d.file, attr: d.attr, module: d.module, root: d.root, evidence: `${d.via} runs \`${d.module}:${d.attr}\`` });
    }
    if (distinct.size > 1) return report(`the repository runs several apps (${list([...distinct.values()].map((c) => `\`${c.module}:${c.attr}\` (${c.file})`))}); not changed`);
    chosen = [...distinct.values()][0];
    if (!chosen) {
      const unique = new Map(apps.map((a) => [`${a.file}:${a.name}`, a]));
      if (unique.size > 1) return report(`candidates ${list([...unique.values()].map((a) => `\`${a.file}\` (\`${a.name}\`)`))} (not changed)`);
      const app = [...unique.values()][0];
      const canon = app ? canonicalModule(env.ws, app.file) : undefined;
      if (!app || !canon) return report('no application found to point it at (not changed)');
      chosen = { file: app.file, attr: app.name, module: canon.module, root: canon.root, evidence: `the only ${app.callee} application in the repository is \`${app.file}\`` };
    }
  }
  const replacement = `${chosen.module}:${chosen.attr}`;
  const sub = `${target.module}:${target.attr}`;
  if (word.includes('(') || !env.editable) return report(`it must be \`${replacement}\` (${chosen.evidence}), but the text cannot be edited in place (not changed)`);
  const span = wordTextSpan(cmd, inv.targetIndex, sub);
  if (!span) return report(`it must be \`${replacement}\` (${chosen.evidence}), but the text cannot be edited in place (not changed)`);
  const edits: Array<{ start: number; end: number; text: string }> = [{ start: span[0], end: span[1], text: replacement }];
  let prefix = '';
  if (strict) {
    if ((await resolvesTo(env.ws, strict, chosen.module, chosen.attr)) !== chosen.file) {
      const hasPath = vars.has('PYTHONPATH') || inv.env.has('PYTHONPATH') || inv.importDirs.length > 0;
      if (hasPath || chosen.root === undefined) return report(`it must be \`${replacement}\` (${chosen.evidence}), which this command's import path does not reach (not changed)`);
      const rel = path.relative(cwd || '.', chosen.root || '.') || '.';
      const withRoot = docExecContext(cwd, new Map([['PYTHONPATH', rel]]), inv);
      if ((await resolvesTo(env.ws, withRoot, chosen.module, chosen.attr)) !== chosen.file) return report(`it must be \`${replacement}\` (${chosen.evidence}) (not changed)`);
      const startAt = wordTextSpan(cmd, 0);
      if (!startAt) return report(`it must be \`${replacement}\` (${chosen.evidence}), but the text cannot be edited in place (not changed)`);
      prefix = `PYTHONPATH=${rel} `;
      edits.unshift({ start: startAt[0], end: startAt[0], text: prefix });
    }
  } else if ((await resolvesTo(env.ws, lenient, chosen.module, chosen.attr)) !== chosen.file) {
    return report(`it must be \`${replacement}\` (${chosen.evidence}) (not changed)`);
  }
  return [
    {
      doc: cmd.doc,
      offset,
      kind: 'app-target',
      subject: word,
      message: `${base}; ${chosen.evidence}${prefix ? ` (importable with \`${prefix.trim()}\`)` : ''}`,
      fix: {
        edits,
        replacement: `${prefix}${replacement}`,
        description: `run \`${prefix}${replacement}\` instead of \`${sub}\``,
        safety: 'safe',
      },
    },
  ];
}

/**
 * The name the repository's deployments load `file` by, when a doc loads the same file under a
 * longer one: the deployed name behind a namespace prefix (`src.pkg.main` for `pkg.main` run
 * with `PYTHONPATH=src`). An `__init__.py` in `src/` makes the doc's name importable too, but
 * it is another module object (imported twice under two names), and the deployment says which
 * one the project runs. Only that prefix shape is judged: a shorter name (`main:app` after a
 * `cd` into the package) is how one runs a file from its own folder. Undefined when no
 * deployment loads the file, or one loads it under the doc's name.
 */
function deployedName(deployments: AppDeployment[], file: string, target: { module: string; attr: string }): { chosen: Chosen; conflict?: undefined } | { conflict: string[]; chosen?: undefined } | undefined {
  const loading = deployments.filter((d) => d.file === file && d.attr === target.attr);
  if (loading.length === 0 || loading.some((d) => d.module === target.module)) return undefined;
  if (!loading.some((d) => target.module.endsWith(`.${d.module}`))) return undefined;
  const names = [...new Set(loading.map((d) => d.module))];
  if (names.length > 1) return { conflict: loading.map((d) => `${d.via} loads \`${d.module}\``) };
  const d = loading[0] as AppDeployment;
  if (!target.module.endsWith(`.${d.module}`) || d.root === undefined) return undefined;
  return { chosen: { file, attr: d.attr, module: d.module, root: d.root, evidence: `${d.via} runs it as \`${d.module}:${d.attr}\`` } };
}

// ---------------------------------------------------------------------------------------------
// python path/x.py, python -m mod

/** A `python path/x.py` whose script is missing, judged once history has been asked about all of them. */
interface ScriptRef {
  env: Env;
  cmd: DocCommand;
  index: number;
  value: string;
  /** The missing repo path. */
  path: string;
  offset: number;
  /** Its folder exists: a real path, not a placeholder (`python path/to/script.py`). */
  anchored: boolean;
  /** Why a fix, however certain its target, is a judgement call here (where the command runs is not certain). */
  reviewBecause?: string;
}

function scriptProblems(env: Env, cmd: DocCommand, scripts: ScriptRef[]): DocProblem[] {
  if (cmd.form !== 'shell' || cmd.source === 'dockerfile' || cmd.cwd === undefined) return [];
  const argv = cmd.words.map((w) => w.value);
  const run = pythonRun(argv);
  if (!run) return [];
  const cwd = cmd.cwd;
  if (run.kind === 'module') return moduleProblems(env, cmd, run.index, run.value, argv);
  if (!/\.py$/.test(run.value)) return [];
  const ref = pathRef(run.value, false);
  if (!ref) return [];
  const p = joinRepo(cwd, run.value);
  if (p === undefined || env.ws.has(p)) return [];
  const docDir = path.dirname(cmd.doc) === '.' ? '' : path.dirname(cmd.doc);
  const fromDoc = joinRepo(docDir, run.value);
  if (fromDoc !== undefined && env.ws.has(fromDoc)) return [];
  if (isGitIgnored(env.ws, p) || isCreated(cmd, p, env.series)) return [];
  const offset = at(cmd, run.index);
  if (quoted(env, cmd, offset)) return [];
  const firstDir = run.value.replace(/^\.\//, '').split('/').slice(0, -1)[0];
  const anchored = firstDir !== undefined && [cwd, docDir].some((b) => {
    const j = joinRepo(b, firstDir);
    return j !== undefined && j !== '' && env.ws.hasDir(j);
  });
  scripts.push({ env, cmd, index: run.index, value: run.value, path: p, offset, anchored });
  return [];
}

function settleScript(s: ScriptRef, histories: Histories): DocProblem | undefined {
  const { env, cmd, offset, value, path: p } = s;
  const cwd = cmd.cwd ?? '';
  const where = cwd ? `\`${cwd}/\`` : 'the repository root';
  const base = `\`python ${value}\`: \`${p}\` does not exist (run from ${where})`;
  const history = histories(p, false);
  const moved = relocate(env.ws, p, false, env.opts, history);
  // `python path/to/script.py`: a placeholder unless its folder exists or the file moved.
  if (!s.anchored && !seemsMoved(moved)) return undefined;
  // `python manage.py`, with the only `manage.py` in `src/`: the doc expects the reader in the
  // folder that has it (a Django project, an installation's working directory), unless git
  // records that the script itself moved away from where the command runs.
  if (!value.replace(/^\.\//, '').includes('/') && history.status !== 'renamed' && history.status !== 'deleted') return undefined;
  const span = moved.target && env.editable ? wordTextSpan(cmd, s.index, value) : undefined;
  const message = `${base}; ${relocationText(moved, false, span !== undefined).replace(/^it is (now|probably) /, 'the script is $1 ')}`;
  if (!moved.target || !moved.safety || !span) return { doc: cmd.doc, offset, kind: 'script', subject: value, message, fix: undefined };
  const replacement = relativeRef(cwd, moved.target, value, false);
  return {
    doc: cmd.doc,
    offset,
    kind: 'script',
    subject: value,
    message: s.reviewBecause && moved.safety === 'safe' ? `${message}; ${s.reviewBecause}, so the fix is for review` : message,
    fix: { edits: [{ start: span[0], end: span[1], text: replacement }], replacement, description: `run \`${replacement}\` instead of \`${value}\``, safety: s.reviewBecause ? 'review' : moved.safety },
  };
}

function moduleProblems(env: Env, cmd: DocCommand, index: number, mod: string, argv: string[]): DocProblem[] {
  if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(mod)) return [];
  const vars = commandEnv(cmd);
  if (unreadablePythonPath(vars)) return [];
  const ctx = docExecContext(cmd.cwd ?? '', vars, undefined, ['', ...installableRoots(env.ws)]);
  const dirs = ctx.roots.map((r) => r.replace(/^\/__repo__\/?/, ''));
  // A doc inside a sub-project may be meant to run from its own folder.
  if (cmd.cwd === '' && docDirOf(cmd.doc) !== '') dirs.push(docDirOf(cmd.doc));
  const parts = mod.split('.');
  const top = parts[0] as string;
  // Only the repository's own packages are judged: `python -m pytest` is not ours.
  const own = dirs.some((d) => env.ws.hasDir(join(d, top)) || env.ws.has(join(d, `${top}.py`)));
  if (!own) return [];
  const rel = parts.join('/');
  if (dirs.some((d) => env.ws.has(join(d, `${rel}.py`)) || env.ws.hasDir(join(d, rel)))) return [];
  const offset = at(cmd, index);
  if (quoted(env, cmd, offset)) return [];
  const base = `\`python -m ${mod}\`: no module \`${mod}\` in the repository`;
  const last = parts[parts.length - 1] as string;
  const candidates = new Set<string>();
  for (const p of env.ws.paths) {
    if (p.endsWith(`/${last}.py`) || p === `${last}.py` || p.endsWith(`/${last}/__main__.py`) || p === `${last}/__main__.py`) {
      const file = p.endsWith('__main__.py') ? p.replace(/\/__main__\.py$/, '/__init__.py') : p;
      const names = moduleNamesFor(ctx, env.ws.has(file) ? file : p).filter((n) => n.split('.').pop() === last || n.endsWith(`.${last}.__main__`));
      const name = names.map((n) => n.replace(/\.__main__$/, '')).find((n) => n.split('.')[0] === top) ?? names[0]?.replace(/\.__main__$/, '');
      if (name) candidates.add(name);
    }
  }
  const list = [...candidates].sort();
  const span = list.length === 1 && env.editable ? wordTextSpan(cmd, index, mod) : undefined;
  if (list.length !== 1 || !span) {
    return [{ doc: cmd.doc, offset, kind: 'module', subject: mod, message: `${base}; ${list.length > 1 ? `candidates ${list.map((c) => `\`${c}\``).join(', ')}` : list.length === 1 ? `it must be \`${list[0]}\`, but the text cannot be edited in place` : 'no module of that name'} (not changed)`, fix: undefined }];
  }
  const replacement = list[0] as string;
  return [
    {
      doc: cmd.doc,
      offset,
      kind: 'module',
      subject: mod,
      message: `${base}; the module is now \`${replacement}\` (the only module of that name)`,
      fix: { edits: [{ start: span[0], end: span[1], text: replacement }], replacement, description: `run \`python -m ${replacement}\``, safety: 'safe' },
    },
  ];
}

function docDirOf(doc: string): string {
  return path.dirname(doc) === '.' ? '' : path.dirname(doc);
}

function join(dir: string, rel: string): string {
  return dir ? `${dir}/${rel}` : rel;
}

/**
 * Commands written in docs (code spans, shell and Dockerfile code blocks, command strings of
 * JSON index files) that name a compose service the command's compose files do not define, an
 * ASGI/WSGI target that does not resolve from the repository root, or a Python script / module
 * that does not exist (seeds 1.5, 2.9; 2.8 for scripts). The fix rewrites only the stale word
 * when exactly one replacement is meant.
 */
export const rule: Rule = {
  meta: {
    id: 'docs-command-drift',
    seedIds: ['1.5', '2.9'],
    summary: 'Commands in docs name compose services, app targets or scripts that do not exist; use the real ones.',
    defaultSeverity: 'warning',
    fixable: 'safe',
    options: {
      appFactories: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Constructors whose module-level result counts as an application object.', default: DEFAULT_APP_FACTORIES },
      ...DOCS_OPTIONS,
    },
  },
  async check({ facts, workspace, options }) {
    const opts = docsOptions(options);
    const factories = Array.isArray(options.appFactories) ? (options.appFactories as string[]) : DEFAULT_APP_FACTORIES;
    const problems: DocProblem[] = [];
    const scripts: ScriptRef[] = [];
    const historyFiles = new Set(historyDocs(workspace, opts).map((d) => d.path));
    for (const doc of [...docFiles(workspace, opts).docs, ...historyDocs(workspace, opts)]) {
      const read = await readDoc(workspace, doc, opts);
      if (!read) continue;
      const env: Env = { ws: workspace, facts, opts, factories, q: { ws: workspace, file: read.file, model: read.model, opts, ledger: historyFiles.has(doc.path) }, editable: workspace.isEditable(doc.path), series: await createdInSeries(workspace, doc.path, opts) };
      const docProblems: DocProblem[] = [];
      for (const cmd of read.commands) {
        // Script references wait for git history; everything else is settled now.
        docProblems.push(...(await judgedFromEveryCwd(cmd, async (c) => [...(await composeProblems(env, c)), ...(await serverProblems(env, c)), ...scriptProblems(env, c, [])])));
        const refs = await judgedFromEveryCwd<ScriptRef>(
          cmd,
          (c) => {
            const found: ScriptRef[] = [];
            scriptProblems(env, c, found);
            return found;
          },
          (r) => `${r.offset}\0${r.value}`,
          (r, why) => ({ ...r, reviewBecause: why }),
        );
        scripts.push(...refs);
      }
      problems.push(...outsideRecords(env.q, docProblems));
    }
    const histories = await pathHistories(workspace, scripts.map((s) => ({ path: s.path, dir: false })));
    for (const s of scripts) {
      const p = settleScript(s, histories);
      if (p) problems.push(...outsideRecords(s.env.q, [p]));
    }
    // Compose services and legacy commands in docs are seed 1.5; stale server targets 2.9.
    const seeds: Record<string, string[]> = { 'compose-service': ['1.5'], 'app-target': ['2.9'], script: ['1.5'], module: ['1.5'] };
    return problemsToFindings(problems.map((p) => ({ ...p, seedIds: seeds[p.kind] ?? [] }))) satisfies RawFinding[];
  },
};

export default rule;

/** The known services of a message: at most 20 named (a set of 16,000 made every such message 150 KB). */
function knownList(known: Iterable<string>): string {
  const all = [...known].sort();
  if (all.length === 0) return 'none';
  const shown = all.slice(0, 20).map((k) => `\`${k}\``).join(', ');
  return all.length > 20 ? `${shown} and ${all.length - 20} more` : shown;
}
