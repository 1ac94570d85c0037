import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { isNginxFile, nginxPathKind, parseNginx, walkNginx, type NginxDirective } from '../../src/formats/nginx.js';
import { UNCHANGEABLE_BUILTINS } from './builtins.js';
import { requestIdFix, type RequestIdOutcome } from './fix.js';

/**
 * `set` on one of nginx's own variables. nginx refuses such a configuration at load
 * (`the duplicate "request_id" variable`), so the server never starts. The usual case is the
 * request-id idiom of seed 3.4 — "reuse the client's X-Request-ID, else generate one" written as
 * `set $request_id $http_x_request_id; if ($request_id = "") { set $request_id $request_id; }` —
 * which the fix rewrites to a `map` with a fallback to the built-in `$request_id`.
 */
export const rule: Rule = {
  meta: {
    id: 'nginx-request-id',
    seedIds: ['3.4'],
    summary: '`set` on a built-in nginx variable (the request-id idiom): nginx refuses the configuration; map with a fallback to $request_id.',
    defaultSeverity: 'error',
    fixable: 'review',
    messages: {
      builtinSet: '`set` assigns nginx\'s built-in {{variables}} ({{times}} in {{where}}), which cannot be changed: nginx refuses to load the configuration (emerg: the duplicate "{{first}}" variable){{tail}}',
    },
  },
  async check({ workspace }) {
    const findings: RawFinding[] = [];
    for (const p of workspace.paths) {
      if (!nginxPathKind(p)) continue;
      const file = workspace.read(p);
      if (!file || !isNginxFile(file)) continue;
      const tree = parseNginx(file);
      if (tree.error) continue;
      // Per enclosing server (or the file's top level): the sets of built-ins, in order.
      const groups = new Map<NginxDirective | undefined, Array<{ d: NginxDirective; name: string }>>();
      walkNginx(tree.directives, (d, parents) => {
        if (d.name !== 'set' || d.args.length < 1) return;
        const target = d.args[0]?.variables[0];
        if (!target || target.start !== d.args[0]?.start || !UNCHANGEABLE_BUILTINS.has(target.name)) return;
        const server = [...parents].reverse().find((x) => x.name === 'server');
        const list = groups.get(server) ?? [];
        list.push({ d, name: target.name });
        groups.set(server, list);
      });
      let serverIndex = 0;
      for (const [server, sets] of groups) {
        serverIndex++;
        const names = [...new Set(sets.map((s) => s.name))];
        const first = sets[0] as { d: NginxDirective };
        const outcome: RequestIdOutcome = names.length === 1 && names[0] === 'request_id' && server ? requestIdFix(file, tree, server, sets.map((s) => s.d)) : { fix: null, reason: names.includes('request_id') ? 'other built-ins are set too' : undefined, skipReason: 'author-intent' };
        const tail = outcome.fix ? '; the intent, the client\'s X-Request-ID else a generated one, is a `map` with a fallback to `$request_id`' : outcome.reason ? `; not fixed automatically: ${outcome.reason}` : '';
        findings.push({
          file: p,
          offset: first.d.start,
          key: `${p}:${server ? describeServer(server) : '-'}:${serverIndex}:${names.join(',')}`,
          messageId: 'builtinSet',
          data: { variables: names.map((n) => `\`$${n}\``).join(', '), times: `${sets.length} time${sets.length > 1 ? 's' : ''}`, where: server ? `server ${describeServer(server)}` : 'the file', first: names[0] as string, tail },
          ...(outcome.fix ? {} : { skipReason: outcome.skipReason ?? 'author-intent' }),
          fix: outcome.fix,
        });
      }
    }
    return findings;
  },
};

/** `listen 80` / `server_name api.example.com`: how a server is named in messages and keys. */
function describeServer(server: NginxDirective): string {
  const children = server.block?.children ?? [];
  const name = children.find((c) => c.name === 'server_name')?.args.map((a) => a.value).join(' ');
  const listen = children.find((c) => c.name === 'listen')?.args[0]?.value;
  if (name && name !== '_' && name !== '') return `\`${name}\``;
  return listen ? `listening on \`${listen}\`` : 'without listen';
}

