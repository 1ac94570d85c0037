/** `docker compose … <service>`: a service the command's compose files do not define. */
import path from 'node:path/posix';
import { findPair } from '../../src/formats/yaml.js';
import { inferServiceForName } from '../../src/facts/compose-rename.js';
import type { ComposeSet } from '../../src/facts/compose.js';
import { factSlot, type Facts } from '../../src/facts/facts.js';
import { commandHead, operandValue } from '../../src/facts/docs/command-head.js';
import { composeRun } from '../../src/facts/docs/compose-command.js';
import { existsInRepo, joinRepo } from '../../src/facts/docs/paths.js';
import { wordTextSpan, type DocCommand } from '../../src/facts/docs/commands.js';
import type { SaidProblem } from '../docs-messages.js';
import { at, OVERRIDE_NAME, quoted, said, SERVICE_NAME, type DocFix, type Env } from './context.js';
import { ownDeployments } from './server.js';

// ---------------------------------------------------------------------------------------------
// docker compose … <service>

/** The compose sets by folder and by file, once per view: every compose command of every doc looks its set up. */
const setIndex = factSlot<{ byDir: Map<string, ComposeSet>; byFile: Map<string, ComposeSet> }>('compose sets by folder and file');

function composeSets(facts: Facts): { byDir: Map<string, ComposeSet>; byFile: Map<string, ComposeSet> } {
  let index = setIndex.get(facts);
  if (!index) {
    index = { byDir: new Map(), byFile: new Map() };
    // The first set that has it, as a search of the list finds it.
    for (const s of facts.compose.sets) {
      if (!index.byDir.has(s.dir)) index.byDir.set(s.dir, s);
      for (const f of s.files) if (!index.byFile.has(f.path)) index.byFile.set(f.path, s);
    }
    setIndex.set(facts, index);
  }
  return index;
}

function nearestComposeDir(facts: Facts, docDir: string): string {
  for (let d = docDir; ; d = path.dirname(d) === '.' ? '' : path.dirname(d)) {
    if (composeSets(facts).byDir.has(d)) return d;
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

export async function composeProblems(env: Env, cmd: DocCommand): Promise<SaidProblem[]> {
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
    set = composeSets(env.facts).byFile.get(files[0] as string);
    if (!set || !files.every((p) => set?.files.some((f) => f.path === p))) return [];
    selected = new Set(files as string[]);
    // Files pulled in with `include:` are not followed here: not judged.
    if (set.files.some((f) => selected.has(f.path) && findPair(f.parsed.doc.contents, 'include'))) return [];
  } else {
    set = composeSets(env.facts).byDir.get(dir);
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
  const out: SaidProblem[] = [];
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
        const apps_ = [...apps].map(([k, a]) => `\`${k}\` runs \`${a}\``).join(', ');
        out.push(said(env, { doc: cmd.doc, offset, kind: 'compose-service', subject: name, fix: undefined }, 'composeRoleAmbiguous', { command: argv.slice(0, run.services[0]).join(' '), name, files: filesText, apps: apps_ }, 'ambiguous-target'));
        continue;
      }
    }
    const mentions = broken ? ` (only ${[...new Set(svc?.fragments.map((f) => `\`${f.file.path}\``))].join(', ')} mentions it, with no image or build)` : '';
    const base = { command: argv.slice(0, run.services[0]).join(' '), name, files: filesText, mentions };
    const best = inference.best ?? (role ? { service: role.service, signals: [role.why], imageMatch: role.safe } : undefined);
    const span = best && env.editable ? wordTextSpan(cmd, j, name) : undefined;
    if (!best || !span) {
      const options = inference.candidates.map((c) => `\`${c.service}\``).join(', ');
      const p = { doc: cmd.doc, offset, kind: 'compose-service', subject: name, fix: undefined };
      if (options) out.push(said(env, p, 'composeCandidates', { ...base, candidates: options }, 'ambiguous-target'));
      else if (best) out.push(said(env, p, 'composeNotEditable', { ...base, service: best.service }, 'not-editable'));
      else out.push(said(env, p, 'composeUnknown', { ...base, known: knownList(known) }, 'no-candidate'));
      continue;
    }
    const fix: DocFix = {
      edits: [{ start: span[0], end: span[1], text: best.service }],
      replacement: best.service,
      description: `use compose service \`${best.service}\` instead of \`${name}\``,
      safety: best.imageMatch || best.signals.length >= 2 ? 'safe' : 'review',
    };
    out.push(said(env, { doc: cmd.doc, offset, kind: 'compose-service', subject: name, fix }, 'composeService', { ...base, service: best.service, signals: best.signals.join('; ') }));
  }
  return out;
}

/** The known services of a message: at most 20 named (a set of 16,000 made every such message 150 KB). */
function knownList(known: Iterable<string>): string {
  const all = [...known].sort();
  if (all.length === 0) return 'none';
  const shown = all.slice(0, 20).map((k) => `\`${k}\``).join(', ');
  return all.length > 20 ? `${shown} and ${all.length - 20} more` : shown;
}

