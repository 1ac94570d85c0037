/**
 * The request-id idiom rewritten the way nginx supports it: a `map` from the client's header to
 * a variable of our own, falling back to the built-in `$request_id` when the header is empty;
 * the old `set`/`if` lines removed; the server's uses of `$request_id` pointed at the new
 * variable; and the value returned to the client with `add_header … always` (also in blocks whose
 * own `add_header` lines stop the server's from being inherited).
 */
import type { Fix, SkipReason, TextEdit } from '../../src/model/types.js';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { walkNginx, type NginxDirective, type NginxTree } from '../../src/formats/nginx.js';

const CLIENT_HEADER = 'http_x_request_id';
const BASE_NAME = 'x_request_id';

export interface RequestIdOutcome {
  fix: Fix | null;
  reason?: string;
  skipReason?: SkipReason;
}

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function indentAt(text: string, offset: number): string {
  const ls = lineStart(text, offset);
  return /^[ \t]*/.exec(text.slice(ls, offset))?.[0] ?? '';
}

/** The span removing a directive: its whole lines when nothing else shares them. */
function removalSpan(text: string, d: NginxDirective): [number, number] {
  const ls = lineStart(text, d.start);
  const nl = text.indexOf('\n', d.end);
  const after = text.slice(d.end, nl === -1 ? text.length : nl);
  if (/^[ \t]*$/.test(text.slice(ls, d.start)) && /^[ \t\r]*$/.test(after)) return [ls, nl === -1 ? text.length : nl + 1];
  return [d.start, d.end];
}

/**
 * The comment lines directly above the first removed line (no blank line between) when every
 * line from there to the next blank line goes too: they describe what is removed, and the map
 * carries its own comment.
 */
function attachedComment(text: string, spans: ReadonlyArray<[number, number]>): [number, number] | undefined {
  const first = spans[0];
  if (!first || text.slice(lineStart(text, first[0]), first[0]) !== '' && lineStart(text, first[0]) !== first[0]) return undefined;
  let start = first[0];
  while (start > 0) {
    const prev = lineStart(text, start - 1);
    if (!/^[ \t]*#/.test(text.slice(prev, start))) break;
    start = prev;
  }
  if (start === first[0]) return undefined;
  // Everything after the comment up to the next blank line must be removed.
  let at = first[0];
  for (;;) {
    const span = spans.find((s) => s[0] === at);
    if (span) {
      at = span[1];
      continue;
    }
    const nl = text.indexOf('\n', at);
    const line = text.slice(at, nl === -1 ? text.length : nl);
    if (/^[ \t\r]*$/.test(line)) return [start, first[0]];
    return undefined;
  }
}

/** Whether a `set` value is the idiom's: the client's header, or `$request_id` itself. */
function idiomValue(d: NginxDirective): boolean {
  const value = d.args[1];
  if (!value || d.args.length !== 2 || value.variables.length !== 1) return false;
  const v = value.variables[0] as { name: string; start: number; end: number };
  return v.start === value.start + (value.quote ? 1 : 0) && v.end === value.end - (value.quote ? 1 : 0) && (v.name === CLIENT_HEADER || v.name === 'request_id');
}

function allVariables(tree: NginxTree): Set<string> {
  const names = new Set<string>();
  walkNginx(tree.directives, (d) => {
    for (const a of d.args) for (const v of a.variables) names.add(v.name);
  });
  return names;
}

function parentsOf(tree: NginxTree, target: NginxDirective): readonly NginxDirective[] | undefined {
  let found: readonly NginxDirective[] | undefined;
  walkNginx(tree.directives, (d, parents) => {
    if (found) return false;
    if (d === target) found = [...parents];
  });
  return found;
}

export function requestIdFix(file: SourceFile, tree: NginxTree, server: NginxDirective, sets: readonly NginxDirective[]): RequestIdOutcome {
  const text = file.text;
  const eol = eolOf(text);
  const serverParents = parentsOf(tree, server);
  if (!serverParents) return { fix: null, reason: 'the server could not be placed in the file', skipReason: 'unparseable' };
  const container = serverParents[serverParents.length - 1];
  if (container && container.name !== 'http') return { fix: null, reason: `the server sits in \`${container.name}\`, where no \`map\` can be added`, skipReason: 'unusual-layout' };
  if (!sets.every(idiomValue)) return { fix: null, reason: '`$request_id` is set from something other than the client\'s X-Request-ID', skipReason: 'author-intent' };

  // What goes: each set, or the `if` around it when the `if` holds nothing else.
  const removed = new Set<NginxDirective>();
  for (const set of sets) {
    const parents = parentsOf(tree, set) ?? [];
    const parent = parents[parents.length - 1];
    if (parent && parent.name === 'if') {
      const onlySets = (parent.block?.children ?? []).every((c) => sets.includes(c));
      if (!onlySets || !parent.args.some((a) => a.variables.some((v) => v.name === 'request_id' || v.name === CLIENT_HEADER))) {
        return { fix: null, reason: 'an `if` around the `set` does more than the idiom', skipReason: 'author-intent' };
      }
      removed.add(parent);
    } else if (parent === server) removed.add(set);
    else return { fix: null, reason: 'a `set` sits in a location; the value would differ per location', skipReason: 'changes-behaviour' };
  }

  const used = allVariables(tree);
  let name = BASE_NAME;
  for (let i = 1; used.has(name); i++) name = `${BASE_NAME}_${i}`;

  const edits: TextEdit[] = [];
  const spans = [...removed].map((d) => removalSpan(text, d)).sort((a, b) => a[0] - b[0]);
  const comment = attachedComment(text, spans);
  // A paragraph removed whole between two blank lines takes one of them along.
  const regionStart = comment?.[0] ?? spans[0]?.[0] ?? 0;
  const contiguous = spans.every((span, i) => i === 0 || span[0] === (spans[i - 1] as [number, number])[1]);
  const last = spans[spans.length - 1];
  if (last && contiguous && regionStart > 0 && /^[ \t\r]*\n$/.test(text.slice(lineStart(text, regionStart - 1), regionStart))) {
    const nl = text.indexOf('\n', last[1]);
    if (nl !== -1 && /^[ \t\r]*$/.test(text.slice(last[1], nl))) last[1] = nl + 1;
  }
  for (const [start, end] of spans) edits.push({ file: file.path, start, end, text: '' });
  if (comment) edits.push({ file: file.path, start: comment[0], end: comment[1], text: '' });

  // Uses of `$request_id` that remain (proxy_set_header, log formats in the server…).
  const inRemoved = (d: NginxDirective, parents: readonly NginxDirective[]): boolean => removed.has(d) || parents.some((p) => removed.has(p));
  let hasReturnHeader = false;
  const headerBlocks: NginxDirective[] = [];
  walkNginx(server.block?.children ?? [], (d, parents) => {
    if (inRemoved(d, parents)) return false;
    if (d.name === 'add_header' && d.args[0]?.value.toLowerCase() === 'x-request-id') hasReturnHeader = true;
    if (d.block?.children.some((c) => c.name === 'add_header')) headerBlocks.push(d);
    for (const a of d.args) {
      for (const v of a.variables) {
        if (v.name !== 'request_id') continue;
        const braced = text.startsWith('${', v.start);
        edits.push({ file: file.path, start: v.start, end: v.end, text: braced ? `\${${name}}` : `$${name}` });
      }
    }
  });

  const serverIndent = indentAt(text, server.start);
  const firstChild = server.block?.children[0];
  const childIndent = firstChild ? indentAt(text, firstChild.start) : `${serverIndent}    `;
  const unit = childIndent.startsWith(serverIndent) && childIndent.length > serverIndent.length ? childIndent.slice(serverIndent.length) : '    ';
  const header = `add_header X-Request-ID $${name} always;`;

  let returned = 0;
  if (!hasReturnHeader) {
    const serverHeaders = (server.block?.children ?? []).filter((c) => c.name === 'add_header' && !removed.has(c));
    const anchor = serverHeaders[serverHeaders.length - 1];
    if (anchor) {
      const nl = text.indexOf('\n', anchor.end);
      const at = nl === -1 ? text.length : nl + 1;
      edits.push({ file: file.path, start: at, end: at, text: `${nl === -1 ? eol : ''}${indentAt(text, anchor.start)}${header}${eol}` });
    } else if (server.block) {
      const nl = text.indexOf('\n', server.block.open);
      if (nl === -1 || (firstChild && nl > firstChild.start)) return { fix: null, reason: 'the server block is written on one line', skipReason: 'unusual-layout' };
      edits.push({ file: file.path, start: nl + 1, end: nl + 1, text: `${childIndent}${header}${eol}` });
    }
    returned++;
    // A block with add_header lines of its own inherits none of the server's.
    for (const block of headerBlocks) {
      const own = (block.block?.children ?? []).filter((c) => c.name === 'add_header');
      const last = own[own.length - 1] as NginxDirective;
      const nl = text.indexOf('\n', last.end);
      const at = nl === -1 ? text.length : nl + 1;
      edits.push({ file: file.path, start: at, end: at, text: `${nl === -1 ? eol : ''}${indentAt(text, last.start)}${header}${eol}` });
      returned++;
    }
  }

  const mapText = [
    `${serverIndent}# X-Request-ID: the client's, else one nginx generates`,
    `${serverIndent}map $${CLIENT_HEADER} $${name} {`,
    `${serverIndent}${unit}default $${CLIENT_HEADER};`,
    `${serverIndent}${unit}""      $request_id;`,
    `${serverIndent}}`,
    '',
  ].join(eol);
  const at = lineStart(text, server.start);
  edits.push({ file: file.path, start: at, end: at, text: `${mapText}${eol}` });

  return {
    fix: {
      safety: 'review',
      description: `take the request id from a \`map\` ($${CLIENT_HEADER}, else the built-in $request_id) into \`$${name}\`${returned ? ', and return it with add_header' : ''}`,
      edits,
    },
  };
}
