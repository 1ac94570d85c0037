/**
 * The repository-wide reading: which modules hold an auth gate that is open when its key is
 * unset, whether anything guards that in production (in the gate, or a startup check that
 * raises), and what the repository's environment switch is.
 */
import type { Workspace } from '../../src/workspace/workspace.js';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { authSurface, DELIBERATE_SWITCH, isProductModule, mayHoldGate, mayHoldGateFunction, type AuthGate, type AuthSurface, type KeyRef } from './surface.js';
import { prefiltersEnabled } from '../../src/util/prefilter.js';

export interface Module {
  path: string;
  file: SourceFile;
  s: AuthSurface;
}

/**
 * The product's modules that read something auth- or environment-related, each from its one
 * parse; none when no module holds a gate. The modules that may hold one are read first: the
 * others only tell whether a gate is guarded (a startup check, an environment switch), and in a
 * repository without a gate (on the corpus, every one) they are neither parsed nor relied on.
 */
export async function productModules(ws: Workspace): Promise<Module[]> {
  const candidates: SourceFile[] = [];
  for (const p of ws.paths) {
    // The text filter of the analysis, before asking for a parse at all.
    const probe = isProductModule(p) ? ws.probe(p) : undefined;
    if (probe && mayHoldGate(probe.text)) candidates.push(probe);
  }
  let gated = false;
  for (const probe of candidates) {
    // Without prefilters, every candidate is asked (the reading the prefilter must not change).
    if (prefiltersEnabled() && !mayHoldGateFunction(probe.text)) continue;
    const file = ws.read(probe.path);
    if (file && (await authSurface(file)).gates.length) {
      gated = true;
      break;
    }
  }
  if (!gated) return [];
  const out: Module[] = [];
  for (const { path: p } of candidates) {
    const file = ws.read(p);
    if (!file) continue;
    const s = await authSurface(file);
    if (s.gates.length || s.comparisons.length || s.raisingIfs.length || s.envReads.length || s.settingsFields.length) out.push({ path: p, file, s });
  }
  return out;
}

/** The words a check elsewhere would use to name the key: its env variable, module name, attribute. */
export function keyIdentifiers(key: KeyRef): string[] {
  switch (key.kind) {
    case 'env':
      return [key.env];
    case 'name':
      return key.env ? [key.name, key.env] : [key.name];
    case 'attr':
      return [key.attr];
  }
}

export function keyLabel(key: KeyRef): string {
  switch (key.kind) {
    case 'env':
      return key.env;
    case 'name':
      return key.env ?? key.name;
    case 'attr':
      return `${key.object}.${key.attr}`;
  }
}

/** The gate's own text says it knows about environments or debug mode. */
const SWITCH_IN_TEXT = /["'](production|prod|live|development|dev|staging)["']|\b[A-Z0-9_]*_(ENV|ENVIRONMENT|STAGE)\b|\b(ENV|ENVIRONMENT|DEBUG|TESTING)\b|\.(environment|env|debug|is_production|is_prod|is_dev|is_development|testing)\b|\bis_(prod|production|dev|development|debug)\b/;

export type Guard =
  | { kind: 'none' }
  | { kind: 'in-gate' }
  | { kind: 'deliberate'; name: string }
  | { kind: 'startup'; where: string };

/** Why a gate that is open when its key is unset needs no finding, if it does not. */
export function guardOf(gate: AuthGate, m: Module, modules: Module[], switchNames: Set<string>): Guard {
  const gateText = m.file.text.slice(gate.start, gate.end);
  const deliberate = DELIBERATE_SWITCH.exec(gateText);
  if (deliberate) return { kind: 'deliberate', name: deliberate[0] };
  if (SWITCH_IN_TEXT.test(gateText)) return { kind: 'in-gate' };
  for (const n of switchNames) if (new RegExp(`(?<![\\w])${escapeRe(n)}(?!\\w)`).test(gateText)) return { kind: 'in-gate' };
  // A check elsewhere that raises when the key is unset: a startup check, a settings validator,
  // a lifespan hook, another gate that refuses (any `if` naming the key whose block raises).
  const ids = keyIdentifiers(gate.branch.key);
  for (const other of modules) {
    for (const r of other.s.raisingIfs) {
      if (other === m && r.start >= gate.start && r.start < gate.end) continue;
      // An attribute key counts as `x.api_key` (a settings object), not a local that happens to share its name.
      const attr = gate.branch.key.kind === 'attr';
      if (ids.some((id) => new RegExp(`${attr ? '\\.' : '(?<![\\w])'}${escapeRe(id)}(?!\\w)`).test(r.condition))) {
        return { kind: 'startup', where: `${other.path}:${other.file.position(r.start).line}` };
      }
    }
  }
  return { kind: 'none' };
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The environment switch the fix tests: an environment variable, or an attribute / name the gate's module can read. */
export type Switch =
  | { kind: 'env'; env: string; default: string | undefined; values: string[] }
  | { kind: 'attr'; object: string; attr: string; values: string[] }
  | { kind: 'name'; name: string; values: string[] };

export type SwitchChoice = { ok: true; sw: Switch } | { ok: false; why: string; reason: 'no-candidate' | 'ambiguous-target' };

function sortValues(v: Iterable<string>): string[] {
  return [...new Set(v)].sort((a, b) => (a === 'production' ? -1 : b === 'production' ? 1 : a.localeCompare(b)));
}

/**
 * What the repository compares with "production": environment variables (read anywhere),
 * attributes of a settings object, module names. The gate's own module decides between several.
 */
export function chooseSwitch(m: Module, modules: Module[], moduleBindings: Set<string>, declared: Map<string, DeclaredSwitch>): SwitchChoice {
  const envs = new Map<string, { values: Set<string>; defaults: Set<string | undefined>; here: boolean }>();
  const attrs = new Map<string, { object: string; attr: string; values: Set<string>; here: boolean }>();
  const names = new Map<string, Set<string>>();
  for (const o of modules) {
    for (const c of o.s.comparisons) {
      if (c.env) {
        const e = envs.get(c.env) ?? { values: new Set(), defaults: new Set(), here: false };
        c.values.forEach((v) => e.values.add(v));
        if (o === m) e.here = true;
        envs.set(c.env, e);
      } else if (c.object && c.attr && /^[A-Za-z_]\w*$/.test(c.object) && c.object !== 'self' && c.object !== 'cls') {
        const k = `${c.object}.${c.attr}`;
        const a = attrs.get(k) ?? { object: c.object, attr: c.attr, values: new Set(), here: false };
        c.values.forEach((v) => a.values.add(v));
        if (o === m) a.here = true;
        attrs.set(k, a);
      } else if (c.name && o === m) {
        const n = names.get(c.name) ?? new Set();
        c.values.forEach((v) => n.add(v));
        names.set(c.name, n);
      }
    }
  }
  for (const o of modules) for (const r of o.s.envReads) envs.get(r.env)?.defaults.add(r.default);
  const pickEnv = (env: string): Switch => {
    const e = envs.get(env) as { values: Set<string>; defaults: Set<string | undefined> };
    const defaults = [...e.defaults].filter((d) => d !== undefined);
    return { kind: 'env', env, default: defaults.length === 1 && e.defaults.size === 1 ? defaults[0] : undefined, values: sortValues(e.values) };
  };
  const envList = [...envs.keys()];
  if (envList.length === 1) return { ok: true, sw: pickEnv(envList[0] as string) };
  if (envList.length > 1) {
    const here = envList.filter((e) => envs.get(e)?.here);
    if (here.length === 1) return { ok: true, sw: pickEnv(here[0] as string) };
    return { ok: false, reason: 'ambiguous-target', why: `the repository compares several environment variables with "production" (${envList.sort().map((e) => `\`${e}\``).join(', ')})` };
  }
  // No comparison in the code: the one variable the repository sets to production (docs, compose,
  // env files) and the product reads.
  if (declared.size === 1) {
    const [env, d] = [...declared.entries()][0] as [string, DeclaredSwitch];
    return { ok: true, sw: { kind: 'env', env, default: d.default, values: [d.value] } };
  }
  if (declared.size > 1) return { ok: false, reason: 'ambiguous-target', why: `the repository sets several environment variables to production (${[...declared.keys()].sort().map((e) => `\`${e}\``).join(', ')})` };
  const usable = [...attrs.values()].filter((a) => moduleBindings.has(a.object));
  const usableHere = usable.filter((a) => a.here);
  const pick = usableHere.length === 1 ? usableHere[0] : usable.length === 1 ? usable[0] : undefined;
  if (pick) return { ok: true, sw: { kind: 'attr', object: pick.object, attr: pick.attr, values: sortValues(pick.values) } };
  if (usable.length > 1) return { ok: false, reason: 'ambiguous-target', why: `the module can read several environment settings compared with "production" (${usable.map((a) => `\`${a.object}.${a.attr}\``).join(', ')})` };
  if (names.size === 1) {
    const [name, values] = [...names.entries()][0] as [string, Set<string>];
    if (moduleBindings.has(name)) return { ok: true, sw: { kind: 'name', name, values: sortValues(values) } };
  }
  if (attrs.size) return { ok: false, reason: 'no-candidate', why: `the repository's environment switch (${[...attrs.keys()].sort().map((k) => `\`${k}\``).join(', ')}) is not readable from this module` };
  return { ok: false, reason: 'no-candidate', why: 'nothing in the repository compares an environment setting with "production", so the switch that means production is unknown' };
}

/** Names the repository uses for its switch, to recognise a gate that already reads one. */
export function switchNames(modules: Module[], declared: Map<string, DeclaredSwitch>): Set<string> {
  const out = new Set<string>(declared.keys());
  for (const m of modules) for (const f of m.s.settingsFields) if (declared.has(f.name.toUpperCase())) out.add(f.name);
  for (const o of modules) {
    for (const c of o.s.comparisons) {
      if (c.env) out.add(c.env);
      if (c.name) out.add(c.name);
      if (c.attr && c.object && c.object !== 'self' && c.object !== 'cls') out.add(`${c.object}.${c.attr}`);
    }
    for (const r of o.s.envReads) if (r.bound && out.has(r.env)) out.add(r.bound);
  }
  return out;
}

export interface DeclaredSwitch {
  value: string;
  /** The product's default for it, as Python text, when it gives one consistently. */
  default: string | undefined;
  /** Where the repository says it (`docs/DEPLOYMENT.md:15`). */
  where: string;
}

/** Files where a repository says how it is deployed: docs, compose and env files, Dockerfiles, CI, scripts. */
const DECLARING_FILE = /\.(md|rst|txt|ya?ml|toml|ini|cfg|env|sh|example|sample|template)$|(^|\/)(\.env[^/]*|Dockerfile[^/]*|Procfile)$/;
const ENV_NAME = /^([A-Z][A-Z0-9_]*_)?(ENV|ENVIRONMENT|STAGE)$/;

/**
 * Environment variables the repository sets to production somewhere (`AUTOPACK_ENV=production`
 * in a deployment doc, `APP_ENV: prod` in compose) and the product reads, by an env read or a
 * settings-class field of that name: the switch, when no code compares it.
 */
export function declaredSwitches(ws: Workspace, modules: Module[]): Map<string, DeclaredSwitch> {
  const read = new Map<string, Set<string | undefined>>();
  for (const m of modules) {
    for (const r of m.s.envReads) if (ENV_NAME.test(r.env)) read.set(r.env, (read.get(r.env) ?? new Set()).add(r.default));
    for (const f of m.s.settingsFields) {
      const env = f.name.toUpperCase();
      if (ENV_NAME.test(env)) read.set(env, (read.get(env) ?? new Set()).add(f.default));
    }
  }
  const out = new Map<string, DeclaredSwitch>();
  if (read.size === 0) return out;
  for (const p of ws.paths) {
    if (!DECLARING_FILE.test(p) || /(^|\/)(node_modules|vendor|\.git)\//.test(p)) continue;
    const file = ws.probe(p);
    if (!file || file.text.length > 512 * 1024) continue;
    for (const match of file.text.matchAll(/\b([A-Z][A-Z0-9_]*)["']?\s*[=:]\s*["']?(production|prod)\b/g)) {
      const env = match[1] as string;
      const defaults = read.get(env);
      if (!defaults || out.has(env)) continue;
      const known = [...defaults].filter((d) => d !== undefined);
      out.set(env, { value: match[2] as string, default: known.length === 1 && defaults.size === 1 ? known[0] : undefined, where: `${p}:${file.position(match.index ?? 0).line}` });
    }
  }
  return out;
}
