/** What every judge of a doc command reads: the doc, how it is quoted, and how to say a problem. */
import path from 'node:path/posix';
import type { RuleMeta } from '../../src/model/rule.js';
import type { SkipReason } from '../../src/model/types.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { Facts } from '../../src/facts/facts.js';
import { isQuoted, type QuoteContext } from '../../src/facts/docs/quoting.js';
import { wordTextSpan, type DocCommand } from '../../src/facts/docs/commands.js';
import { type DocProblem } from '../../src/facts/docs/findings.js';
import { type DocsOptions } from '../../src/facts/docs/options.js';
import { say, type SaidProblem } from '../docs-messages.js';
import type { MessageId } from './messages.js';

export const OVERRIDE_NAME = /^(docker-)?compose\.override\.ya?ml$/i;
export const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface Env {
  /** The rule's meta: its message templates. */
  meta: RuleMeta;
  ws: Workspace;
  facts: Facts;
  opts: DocsOptions;
  factories: string[];
  q: QuoteContext;
  editable: boolean;
  /** Files the other docs of its folder have the reader create. */
  series: ReadonlySet<string>;
}

export function quoted(env: Env, cmd: DocCommand, offset: number): boolean {
  return isQuoted(env.q, offset, cmd.block);
}

/** The folder of a doc ('' = the repository root). */
export function docDirOf(doc: string): string {
  return path.dirname(doc) === '.' ? '' : path.dirname(doc);
}

export function at(cmd: DocCommand, i: number): number {
  return wordTextSpan(cmd, i)?.[0] ?? cmd.offset;
}

export type DocFix = NonNullable<DocProblem['fix']>;

export function said(env: Env, problem: Omit<DocProblem, 'message'>, messageId: MessageId, data: Record<string, string>, skipReason?: SkipReason): SaidProblem {
  return say(env.meta, problem, { messageId, data, ...(skipReason ? { skipReason } : {}) });
}

