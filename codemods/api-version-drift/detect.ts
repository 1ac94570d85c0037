import type { RawFinding, Fix, SkipReason } from '../../src/model/types.js';
import type { RuleContext } from '../../src/model/rule.js';
import { versionSurface, type VersionLiteral, type VersionSurface } from './surface.js';
import { resolveVersion, type ResolvedVersion } from './resolve.js';

/** A version the module has at hand: a module-level name (fix by name) or the app's `version=`. */
interface Available {
  /** What the module can return instead of the literal: `__version__`, `app.version`. */
  expression: string;
  /** For the message: "`__version__`", "FastAPI app `app`'s version=". */
  describe: string;
  resolved: ResolvedVersion;
  /** Module-level name: certain. `app.version`: valid only in handlers of that app. */
  kind: 'name' | 'app';
  app?: string;
}

export async function detectVersionDrift(ctx: RuleContext, p: string): Promise<RawFinding[]> {
  const file = ctx.workspace.read(p);
  if (!file) return [];
  const surface = await versionSurface(file);
  if (!surface.literals.length) return [];
  const available = await availableVersions(ctx, p, surface);
  if (!available.length) return [];
  const values = new Set(available.map((a) => a.resolved.value));
  const findings: RawFinding[] = [];
  for (const lit of surface.literals) {
    // Agreeing with any source the module has is no drift (a second disagreement, between the
    // sources themselves, is not this literal's to settle).
    if (values.has(lit.literal.value) || values.has(lit.literal.value.replace(/^v/, ''))) continue;
    if (values.size > 1) {
      findings.push(finding(p, lit, available[0] as Available, null, 'ambiguous-target', `; the module's version sources disagree among themselves (${[...values].map((v) => `\`${v}\``).join(', ')}), so no replacement is chosen`));
      continue;
    }
    const name = available.find((a) => a.kind === 'name' && !lit.locals.includes(a.expression));
    const app = available.find((a) => a.kind === 'app' && a.app === lit.decoratedBy && !lit.locals.includes(a.app));
    const use = name ?? app;
    if (!use) {
      // The module's name (or the handler's own app) is there, but the handler rebinds it.
      const shadowed = available.find((a) => (a.kind === 'name' && lit.locals.includes(a.expression)) || (a.kind === 'app' && a.app === lit.decoratedBy));
      const shadowedName = shadowed?.kind === 'app' ? shadowed.app : shadowed?.expression;
      findings.push(finding(p, lit, available[0] as Available, null, shadowed ? 'ambiguous-target' : 'no-candidate', shadowed ? `; \`${lit.handler}\` binds \`${shadowedName}\` itself, so the module's \`${shadowedName}\` is not in reach` : `; the app's version is not in reach of a handler of \`${lit.decoratedBy}\``));
      continue;
    }
    const fix: Fix = {
      // A module-level name is in scope in every handler of the module; `app.version` is the
      // attribute FastAPI keeps `version=` in, right for the app's own handlers but a different
      // spelling than the repository used, so a person looks first.
      safety: use.kind === 'name' ? 'safe' : 'review',
      description: `return \`${use.expression}\` instead of the literal \`${lit.literal.value}\``,
      edits: [{ file: p, start: lit.literal.start, end: lit.literal.end, text: use.expression }],
    };
    findings.push(finding(p, lit, use, fix, undefined, `; return \`${use.expression}\``));
  }
  return findings;
}

async function availableVersions(ctx: RuleContext, p: string, surface: VersionSurface): Promise<Available[]> {
  const out: Available[] = [];
  const byName = new Map<string, number>();
  for (const b of surface.bindings) byName.set(b.name, (byName.get(b.name) ?? 0) + 1);
  for (const b of surface.bindings) {
    // A name bound twice at module level (a try/except fallback) has no one value.
    if (byName.get(b.name) !== 1) continue;
    const resolved = await resolveVersion(ctx, p, b.source);
    if (resolved) out.push({ expression: b.name, describe: `\`${b.name}\``, resolved, kind: 'name' });
  }
  for (const app of surface.apps) {
    if (!app.version) continue;
    if (app.version.kind === 'literal') {
      out.push({ expression: `${app.name}.version`, describe: `${app.callee} app \`${app.name}\`'s \`version=\``, resolved: { value: app.version.value, from: p }, kind: 'app', app: app.name });
    }
    // `version=__version__`: the name is already a source above.
  }
  return out;
}

function finding(p: string, lit: VersionLiteral, source: Available, fix: Fix | null, skipReason: SkipReason | undefined, tail: string): RawFinding {
  return {
    file: p,
    offset: lit.literal.start,
    key: `${p}:${lit.handler}:version`,
    messageId: 'drift',
    data: {
      handler: lit.handler,
      route: lit.route !== undefined ? ` (\`${lit.route}\`)` : '',
      literal: lit.literal.value,
      source: source.describe,
      version: source.resolved.value,
      from: source.resolved.from,
      tail,
    },
    fix,
    ...(fix ? {} : { skipReason }),
  };
}
