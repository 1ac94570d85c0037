/**
 * What a missing path named in a configuration file is settled as: the path git recorded its
 * rename to (or the only file of its name), exactly as docs-dead-reference settles a doc's
 * reference; and, for a compose file that nothing records, its template when one sits beside it.
 */
import path from 'node:path/posix';
import type { RuleMeta } from '../../src/model/rule.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { relativeRef } from '../../src/facts/docs/paths.js';
import type { Histories } from '../../src/facts/docs/relocation.js';
import { say, type SaidProblem } from '../docs-messages.js';
import type { Pending } from '../../src/facts/docs/references.js';
import { MESSAGES as DEAD_REFERENCE_MESSAGES, settle as settleReference } from '../docs-dead-reference/fix.js';

/** The rule's message templates (meta.messages): docs-dead-reference's, and the template fix. */
export const MESSAGES = {
  ...DEAD_REFERENCE_MESSAGES,
  composeExample: '{{head}}; `{{example}}` beside it is its template, so the fix points the reference at it, for review (the command may mean a copy the reader makes from it)',
} as const;

/** Suffixes that mark a template of a file (`x.example.yml`, `x.yml.example`, `x.sample.yaml`). */
const TEMPLATE_WORD = /[._-](?:example|sample|template|dist|tmpl)(?=\.|$)/i;

const COMPOSE_NAME = /^(?:docker-)?compose[\w.-]*\.ya?ml$/i;

/** The one template of the missing compose file beside it, by the same name less a template word. */
export function composeTemplate(ws: Workspace, missing: string): string | undefined {
  const name = path.basename(missing);
  if (!COMPOSE_NAME.test(name)) return undefined;
  const dir = path.dirname(missing) === '.' ? '' : path.dirname(missing);
  const found = ws.paths.filter((p) => {
    if ((path.dirname(p) === '.' ? '' : path.dirname(p)) !== dir) return false;
    const base = path.basename(p);
    return TEMPLATE_WORD.test(base) && base.replace(TEMPLATE_WORD, '') === name;
  });
  return found.length === 1 ? found[0] : undefined;
}

export function settle(meta: RuleMeta, p: Pending, histories: Histories): SaidProblem | undefined {
  const found = settleReference(meta, p, histories);
  // A configuration file's missing input is an instance of 0.1 (referenced but missing) when
  // nothing says it moved.
  // (1.4 is a JSON project index's drift: a package.json is none.)
  const seeds = found?.seedIds?.filter((x) => x !== '1.4');
  const settled = found && { ...found, seedIds: seeds?.length ? seeds : ['0.1'] };
  if (!settled || settled.fix) return settled;
  const example = composeTemplate(p.env.ws, p.missing);
  if (!example || !p.span || !p.env.editable) return settled;
  const replacement = relativeRef(p.base, example, p.written, false);
  const fix = { edits: [{ start: p.span[0], end: p.span[1], text: replacement }], replacement, description: `point \`${p.written}\` at its template \`${replacement}\``, safety: 'review' as const };
  return say(meta, { doc: p.env.doc, offset: p.offset, kind: p.kind, subject: p.written, fix, seedIds: ['0.1'] }, { messageId: 'composeExample', data: { head: p.head, example: replacement } });
}
