/** `uvicorn` / `gunicorn` / `hypercorn` `<module:attr>`: an app target that does not load the repository's app. */
import path from 'node:path/posix';
import type { SkipReason } from '../../src/model/types.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { DiscoveredApp, ExecContext } from '../../src/facts/python-app.js';
import { appDeployments, serverAtHead, type AppDeployment } from '../../src/facts/docs/deployments.js';
import { canonicalModule, docExecContext, importsItselfElsewhere, installableRoots, modulesOnFolders, ownsTopLevel, unreadablePythonPath, type FolderModules } from '../../src/facts/docs/python.js';
import { commandEnv, wordTextSpan, type DocCommand } from '../../src/facts/docs/commands.js';
import { docGlobMatcher } from '../../src/facts/docs/doc-files.js';
import { factSlot } from '../../src/facts/facts.js';
import { judgeLocated, locateModule, parseAppTarget, resolveAppTarget, type Located } from '../../src/facts/python-app.js';
import type { SaidProblem } from '../docs-messages.js';
import { at, docDirOf, quoted, said, type DocFix, type Env } from './context.js';
import type { MessageId } from './messages.js';

// ---------------------------------------------------------------------------------------------
// uvicorn / gunicorn / hypercorn <module:attr>

/** The filtered lists, once per view and options: every app-target command of every doc asks. */
const owned = factSlot<Map<string, Promise<unknown>>>('own deployments and apps');

function once<T>(env: Env, key: string, compute: () => Promise<T>): Promise<T> {
  let perView = owned.get(env.facts);
  if (!perView) {
    perView = new Map();
    owned.set(env.facts, perView);
  }
  const full = `${key}\0${env.opts.excludeGlobs.join('\0')}`;
  let found = perView.get(full) as Promise<T> | undefined;
  if (!found) {
    found = compute();
    perView.set(full, found);
  }
  return found;
}

/** The repository's own deployments and apps: none from excluded folders (fixtures, vendored code). */
export function ownDeployments(env: Env): Promise<AppDeployment[]> {
  return once(env, 'deployments', async () => {
    const excluded = docGlobMatcher(env.ws, env.opts.excludeGlobs);
    return (await appDeployments(env.facts)).filter((d) => !excluded(d.file));
  });
}

export function ownApps(env: Env): Promise<DiscoveredApp[]> {
  return once(env, `apps\0${env.factories.join('\0')}`, async () => {
    const excluded = docGlobMatcher(env.ws, env.opts.excludeGlobs);
    return (await env.facts.apps(env.factories)).filter((a) => !excluded(a.file));
  });
}

/** The repository's own deployments by the file they load, in their order (every app-target command asks for its file's). */
function deploymentsByFile(env: Env): Promise<Map<string, AppDeployment[]>> {
  return once(env, 'deployments by file', async () => {
    const out = new Map<string, AppDeployment[]>();
    for (const d of await ownDeployments(env)) {
      const list = out.get(d.file);
      if (list) list.push(d);
      else out.set(d.file, [d]);
    }
    return out;
  });
}

/** Whether the repository has a gunicorn.conf.py anywhere (once per view: every gunicorn command asks). */
function hasGunicornConfig(env: Env): Promise<boolean> {
  return once(env, 'gunicorn.conf.py', async () => env.ws.paths.some((p) => p.endsWith('gunicorn.conf.py')));
}

/** The roots of the repository's own deployments, and what is found on them, once per view. */
function deploymentRoots(env: Env, deployments: AppDeployment[]): Promise<FolderModules> {
  return once(env, 'deployment roots', async () => modulesOnFolders(env.ws, deployments.map((d) => d.root).filter((r): r is string => r !== undefined)));
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

async function resolvesTo(ws: Workspace, ctx: ExecContext, module: string, attr: string): Promise<string | undefined> {
  const r = await resolveAppTarget(ws, ctx, { module, attr });
  return r.status === 'ok' ? r.file : undefined;
}

export async function serverProblems(env: Env, cmd: DocCommand): Promise<SaidProblem[]> {
  const argv = cmd.words.map((w) => w.value);
  const inv = serverAtHead(argv);
  if (!inv || inv.targetIndex === undefined || inv.config !== undefined) return [];
  // gunicorn also reads ./gunicorn.conf.py, which may change the import path.
  if (inv.server === 'gunicorn' && (await hasGunicornConfig(env))) return [];
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
  // The lenient search path is the command's own roots, then (outside a shell) every
  // deployment's root: that shared tail is looked up once per module, not once per command (a
  // repository with thousands of services and docs made this quadratic).
  const tail = await deploymentRoots(env, deployments);
  const lenient = docExecContext(cwd, vars, inv, ['', ...installableRoots(env.ws)]);
  const locateLenient = (module: string = target.module): Located => {
    const own = locateModule(env.ws, lenient, module);
    if (own.file !== undefined || shell) return own;
    const shared = tail.locate(module);
    return { file: shared.file, anyMapped: own.anyMapped || shared.anyMapped };
  };
  const resolvesLeniently = async (module: string, attr: string): Promise<string | undefined> => {
    const resolved = await judgeLocated(env.ws, { module, attr }, locateLenient(module));
    return resolved.status === 'ok' ? resolved.file : undefined;
  };
  // Only the repository's own packages are judged: `uvicorn main:app` in a tutorial snippet
  // names a module the reader is meant to write.
  if (!ownsTopLevel(env.ws, lenient.roots.map((r) => r.replace(/^\/__repo__\/?/, '')), target.module) && !tail.ownsTopLevel(target.module)) return [];
  let r = strict ? await resolveAppTarget(env.ws, strict, target) : await judgeLocated(env.ws, target, locateLenient());
  if (r.status === 'unknown') return [];
  if (r.status === 'missing' && strict) {
    // An installed copy of the project (pip install -e .) makes its packages importable anywhere.
    const again = await judgeLocated(env.ws, target, locateLenient());
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
      const named = deployedName((await deploymentsByFile(env)).get(r.file) ?? [], r.file, target);
      if (named === undefined) return [];
      if (named.conflict) {
        if (quoted(env, cmd, offset)) return [];
        return [said(env, { doc: cmd.doc, offset, kind: 'app-target', subject: word, fix: undefined }, 'serverConflict', { server: inv.server, target: word, file: r.file, module: target.module, names: list(named.conflict) }, 'ambiguous-target')];
      }
      deployed = named.chosen;
      why = `loads \`${r.file}\` as \`${target.module}\`, a name no deployment uses`;
    } else why = `loads \`${r.file}\` as \`${target.module}\`, but that module imports its own package as \`${canonical.module.split('.')[0]}\`, which needs \`${canonical.root || '.'}\` on the import path`;
  } else {
    why = `does not resolve from ${shell ? (cwd ? `\`${cwd}/\`` : 'the repository root') : 'the repository'} (${r.reason})`;
  }
  if (quoted(env, cmd, offset)) return [];
  const base = { server: inv.server, target: word, why };
  const report = (messageId: MessageId, data: Record<string, string>, skipReason: SkipReason): SaidProblem[] => [said(env, { doc: cmd.doc, offset, kind: 'app-target', subject: word, fix: undefined }, messageId, { ...base, ...data }, skipReason)];

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
    if (distinct.size > 1) return report('serverSeveralApps', { apps: list([...distinct.values()].map((c) => `\`${c.module}:${c.attr}\` (${c.file})`)) }, 'ambiguous-target');
    chosen = [...distinct.values()][0];
    if (!chosen) {
      const unique = new Map(apps.map((a) => [`${a.file}:${a.name}`, a]));
      if (unique.size > 1) return report('serverCandidates', { candidates: list([...unique.values()].map((a) => `\`${a.file}\` (\`${a.name}\`)`)) }, 'ambiguous-target');
      const app = [...unique.values()][0];
      const canon = app ? canonicalModule(env.ws, app.file) : undefined;
      if (!app || !canon) return report('serverNoApp', {}, 'no-candidate');
      chosen = { file: app.file, attr: app.name, module: canon.module, root: canon.root, evidence: `the only ${app.callee} application in the repository is \`${app.file}\`` };
    }
  }
  const replacement = `${chosen.module}:${chosen.attr}`;
  const sub = `${target.module}:${target.attr}`;
  const must = { replacement, evidence: chosen.evidence };
  if (word.includes('(') || !env.editable) return report('serverNotEditable', must, 'not-editable');
  const span = wordTextSpan(cmd, inv.targetIndex, sub);
  if (!span) return report('serverNotEditable', must, 'not-editable');
  const edits: Array<{ start: number; end: number; text: string }> = [{ start: span[0], end: span[1], text: replacement }];
  let prefix = '';
  if (strict) {
    if ((await resolvesTo(env.ws, strict, chosen.module, chosen.attr)) !== chosen.file) {
      const hasPath = vars.has('PYTHONPATH') || inv.env.has('PYTHONPATH') || inv.importDirs.length > 0;
      if (hasPath || chosen.root === undefined) return report('serverUnreachable', must, 'changes-behaviour');
      const rel = path.relative(cwd || '.', chosen.root || '.') || '.';
      const withRoot = docExecContext(cwd, new Map([['PYTHONPATH', rel]]), inv);
      if ((await resolvesTo(env.ws, withRoot, chosen.module, chosen.attr)) !== chosen.file) return report('serverUnresolved', must, 'unverifiable');
      const startAt = wordTextSpan(cmd, 0);
      if (!startAt) return report('serverNotEditable', must, 'not-editable');
      prefix = `PYTHONPATH=${rel} `;
      edits.unshift({ start: startAt[0], end: startAt[0], text: prefix });
    }
  } else if ((await resolvesLeniently(chosen.module, chosen.attr)) !== chosen.file) {
    return report('serverUnresolved', must, 'unverifiable');
  }
  const fix: DocFix = { edits, replacement: `${prefix}${replacement}`, description: `run \`${prefix}${replacement}\` instead of \`${sub}\``, safety: 'safe' };
  const p = { doc: cmd.doc, offset, kind: 'app-target', subject: word, fix };
  return [prefix ? said(env, p, 'serverTargetWithPath', { ...base, evidence: chosen.evidence, prefix: prefix.trim() }) : said(env, p, 'serverTarget', { ...base, evidence: chosen.evidence })];
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

