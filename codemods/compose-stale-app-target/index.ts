import { isSeq, type Node } from 'yaml';
import type { RawFinding, TextEdit } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { serviceView, type CommandSpec, type ServiceFragment, type ServiceView } from '../../src/facts/compose.js';
import type { Facts } from '../../src/facts/facts.js';
import { nodeRange, scalarString } from '../../src/formats/yaml.js';
import { serverInvocations, simpleCommands, splitShell, type ServerInvocation } from '../../src/formats/shell.js';
import { moduleNamesFor, parseAppTarget, resolveAppTarget, type ExecContext } from '../../src/facts/python-app.js';

/** The schema of an option that lists strings. */
const STRINGS = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

/** Constructors whose module-level result is an application object. An option, not logic. */
export const DEFAULT_APP_FACTORIES = ['FastAPI', 'Starlette', 'Quart', 'Litestar', 'Sanic', 'Flask', 'Falcon', 'get_asgi_application', 'get_wsgi_application'];

interface Invocation {
  inv: ServerInvocation;
  target: string;
}

/** The server invocations of an argv that name an app target. */
function invocations(argv: string[]): Invocation[] {
  return serverInvocations(argv).flatMap(({ argv: words, inv }) => (inv.targetIndex === undefined ? [] : [{ inv, target: words[inv.targetIndex] as string }]));
}

function commandInvocations(spec: CommandSpec): Invocation[] {
  if (spec.form === 'list' && isSeq(spec.node)) {
    const argv = spec.node.items.map((i) => scalarString(i) ?? '');
    return invocations(argv);
  }
  const value = scalarString(spec.node);
  if (value === undefined) return [];
  return simpleCommands(splitShell(value)).flatMap((cmd) => invocations(cmd.map((w) => w.value)));
}

/** Every occurrence of `token` in the node's source, as a whole word. */
function tokenSpans(text: string, node: Node, token: string): Array<[number, number]> {
  const r = nodeRange(node);
  if (!r) return [];
  const spans: Array<[number, number]> = [];
  const raw = text.slice(r[0], r[1]);
  for (let i = raw.indexOf(token); i !== -1; i = raw.indexOf(token, i + 1)) {
    const before = raw[i - 1];
    const after = raw[i + token.length];
    if ((before && /[\w.:]/.test(before)) || (after && /[\w.:(]/.test(after))) continue;
    spans.push([r[0] + i, r[0] + i + token.length]);
  }
  return spans;
}

async function resolves(facts: Facts, ctx: ExecContext, target: string): Promise<boolean> {
  const parsed = parseAppTarget(target);
  return parsed !== undefined && (await resolveAppTarget(facts.workspace, ctx, parsed)).status === 'ok';
}

/**
 * What this service is declared to run when the stale command is not there: for a command in an
 * override, the base files' command for the same key, else the image's CMD/ENTRYPOINT (what the
 * base runs). A command in a base file overrides the image on purpose, so the image's CMD says
 * nothing about what it meant.
 */
async function declaredTargets(facts: Facts, view: ServiceView, ctx: ExecContext, stale: ServiceFragment, spec: CommandSpec): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (stale.file.isBase) return found;
  const baseSpecs = view.fragments.filter((f) => f !== stale && f.file.isBase).map((f) => ({ f, spec: spec.key === 'command' ? f.command : f.entrypoint })).filter((x) => x.spec !== undefined);
  for (const { f, spec: other } of baseSpecs) {
    for (const { target } of commandInvocations(other as CommandSpec)) {
      if (await resolves(facts, ctx, target)) found.set(target, `the ${spec.key} in ${f.file.path}`);
    }
  }
  if (baseSpecs.length > 0) return found;
  const image = facts.serviceImage(view);
  for (const cmd of image?.stage?.commands ?? []) {
    for (const { target } of invocations(cmd.words.map((w) => w.value))) {
      if (await resolves(facts, ctx, target)) found.set(target, `the ${cmd.keyword} of ${image?.dockerfile}`);
    }
  }
  return found;
}

/** What every finding says first (`reason`: why the target does not resolve). */
const BASE = '{{key}} of service `{{service}}` runs `{{target}}`, which does not resolve ({{reason}})';

/**
 * A compose `command`/`entrypoint` runs uvicorn/gunicorn/hypercorn with an app target that
 * does not resolve in the repository as the container would see it (seeds 1.1, 1.5, 2.9:
 * `uvicorn src.backend.main:app` when the app is `autopack.main:app` under `src/`). The fix
 * replaces only the target token with the one target that does resolve.
 */
export const rule: Rule = {
  meta: {
    id: 'compose-stale-app-target',
    seedIds: ['1.1'],
    summary: 'A compose command runs an ASGI/WSGI target that does not resolve; point it at the app that exists.',
    defaultSeverity: 'error',
    fixable: 'safe',
    messages: {
      replace: `${BASE}; {{evidence}} runs \`{{replacement}}\``,
      candidates: `${BASE}; candidates {{candidates}} (not changed)`,
      noCandidate: `${BASE}; no resolving target found (not changed)`,
    },
    options: {
      appFactories: { ...STRINGS, description: 'Constructors whose module-level result counts as an application object.', default: DEFAULT_APP_FACTORIES },
    },
  },
  async check({ facts, workspace, options }) {
    // The engine merges the configured value over the meta's default.
    const factories = options.appFactories as string[];
    const findings: RawFinding[] = [];
    // Looked up once: every gunicorn command of every service asks.
    let hasGunicornConfig: boolean | undefined;
    for (const set of facts.compose.sets) {
      for (const service of set.services.values()) {
        for (const fragment of service.fragments) {
          for (const spec of [fragment.command, fragment.entrypoint]) {
            if (!spec) continue;
            const text = workspace.read(fragment.file.path)?.text;
            if (text === undefined) continue;
            for (const { inv, target } of commandInvocations(spec)) {
              const parsed = parseAppTarget(target);
              // A server config file may extend the import path: not judged.
              if (!parsed || inv.config !== undefined) continue;
              // gunicorn also reads ./gunicorn.conf.py by default.
              if (inv.server === 'gunicorn' && (hasGunicornConfig ??= workspace.paths.some((p) => p.endsWith('gunicorn.conf.py')))) continue;
              const view = serviceView(set, service, fragment.file);
              const ctx = facts.serviceExecContext(view, inv);
              if (!ctx) continue;
              const resolution = await resolveAppTarget(workspace, ctx, parsed);
              if (resolution.status !== 'missing') continue;
              const spans = tokenSpans(text, spec.node, target);
              if (spans.length === 0) continue;
              const declared = await declaredTargets(facts, view, ctx, fragment, spec);
              let replacement: string | undefined;
              let evidence: string | undefined;
              let choices: string[] = [...declared.keys()];
              if (declared.size === 1) {
                [replacement, evidence] = [...declared][0] as [string, string];
              } else if (declared.size === 0) {
                const apps = await facts.apps(factories);
                const expressible = new Map<string, string>();
                for (const app of apps) {
                  const names = moduleNamesFor(ctx, app.file);
                  if (names[0]) expressible.set(`${names[0]}:${app.name}`, `the only ${app.callee} application in the repository (${app.file})`);
                }
                choices = [...expressible.keys()];
                if (expressible.size === 1) [replacement, evidence] = [...expressible][0] as [string, string];
              }
              const data = { key: spec.key, service: service.name, target, reason: resolution.reason };
              const key = `${fragment.file.path}:${service.name}:${spec.key}:${target}`;
              const first = spans[0] as [number, number];
              if (!replacement) {
                findings.push({
                  file: fragment.file.path,
                  offset: first[0],
                  key,
                  ...(choices.length > 1
                    ? { messageId: 'candidates', data: { ...data, candidates: choices.map((c) => `\`${c}\``).join(', ') }, skipReason: 'ambiguous-target' as const }
                    : { messageId: 'noCandidate', data, skipReason: 'no-candidate' as const }),
                  fix: null,
                });
                continue;
              }
              const edits: TextEdit[] = spans.map(([start, end]) => ({ file: fragment.file.path, start, end, text: replacement as string }));
              findings.push({
                file: fragment.file.path,
                offset: first[0],
                key,
                messageId: 'replace',
                data: { ...data, evidence: evidence as string, replacement },
                fix: { safety: 'safe', description: `replace \`${target}\` with \`${replacement}\``, edits },
              });
            }
          }
        }
      }
    }
    return findings;
  },
};

export default rule;

