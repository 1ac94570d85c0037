/** `python path/x.py`, `python -m mod`: a script or module that does not exist. */
import path from 'node:path/posix';
import { commandEnv, isCreated, wordTextSpan, type DocCommand } from '../../src/facts/docs/commands.js';
import { docExecContext, installableRoots, unreadablePythonPath } from '../../src/facts/docs/python.js';
import { isGitIgnored, joinRepo, pathRef, relativeRef } from '../../src/facts/docs/paths.js';
import { moduleNamesFor } from '../../src/facts/python-app.js';
import { pythonRun } from '../../src/facts/docs/operands.js';
import { relocate, relocationText, seemsMoved, type Histories } from '../../src/facts/docs/relocation.js';
import { relocationSkip, type SaidProblem } from '../docs-messages.js';
import { at, docDirOf, quoted, said, type DocFix, type Env } from './context.js';

// ---------------------------------------------------------------------------------------------
// python path/x.py, python -m mod

/** A `python path/x.py` whose script is missing, judged once history has been asked about all of them. */
export interface ScriptRef {
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

export function scriptProblems(env: Env, cmd: DocCommand, scripts: ScriptRef[]): SaidProblem[] {
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

export function settleScript(s: ScriptRef, histories: Histories): SaidProblem | undefined {
  const { env, cmd, offset, value, path: p } = s;
  const cwd = cmd.cwd ?? '';
  const where = cwd ? `\`${cwd}/\`` : 'the repository root';
  const history = histories(p, false);
  const moved = relocate(env.ws, p, false, env.opts, history);
  // `python path/to/script.py`: a placeholder unless its folder exists or the file moved.
  if (!s.anchored && !seemsMoved(moved)) return undefined;
  // `python manage.py`, with the only `manage.py` in `src/`: the doc expects the reader in the
  // folder that has it (a Django project, an installation's working directory), unless git
  // records that the script itself moved away from where the command runs.
  if (!value.replace(/^\.\//, '').includes('/') && history.status !== 'renamed' && history.status !== 'deleted') return undefined;
  const span = moved.target && env.editable ? wordTextSpan(cmd, s.index, value) : undefined;
  const data = { script: value, path: p, where, relocation: relocationText(moved, false, span !== undefined).replace(/^it is (now|probably) /, 'the script is $1 ') };
  if (!moved.target || !moved.safety || !span) return said(env, { doc: cmd.doc, offset, kind: 'script', subject: value, fix: undefined }, 'script', data, relocationSkip(moved, span !== undefined));
  const replacement = relativeRef(cwd, moved.target, value, false);
  const fix: DocFix = { edits: [{ start: span[0], end: span[1], text: replacement }], replacement, description: `run \`${replacement}\` instead of \`${value}\``, safety: s.reviewBecause ? 'review' : moved.safety };
  const p_ = { doc: cmd.doc, offset, kind: 'script', subject: value, fix };
  return s.reviewBecause && moved.safety === 'safe' ? said(env, p_, 'scriptDoubt', { ...data, doubt: s.reviewBecause }) : said(env, p_, 'script', data);
}

function moduleProblems(env: Env, cmd: DocCommand, index: number, mod: string, argv: string[]): SaidProblem[] {
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
    const p = { doc: cmd.doc, offset, kind: 'module', subject: mod, fix: undefined };
    if (list.length > 1) return [said(env, p, 'moduleCandidates', { module: mod, candidates: list.map((c) => `\`${c}\``).join(', ') }, 'ambiguous-target')];
    if (list.length === 1) return [said(env, p, 'moduleNotEditable', { module: mod, replacement: list[0] as string }, 'not-editable')];
    return [said(env, p, 'moduleMissing', { module: mod }, 'no-candidate')];
  }
  const replacement = list[0] as string;
  const fix: DocFix = { edits: [{ start: span[0], end: span[1], text: replacement }], replacement, description: `run \`python -m ${replacement}\``, safety: 'safe' };
  return [said(env, { doc: cmd.doc, offset, kind: 'module', subject: mod, fix }, 'moduleMoved', { module: mod, replacement })];
}

function join(dir: string, rel: string): string {
  return dir ? `${dir}/${rel}` : rel;
}

