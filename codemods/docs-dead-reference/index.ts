import type { Rule } from '../../src/model/rule.js';
import { DOCS_OPTIONS, readsDocsAndHistories } from '../docs-options.js';
import { docsOptions } from '../../src/facts/docs/options.js';
import { DOC_COMMANDS } from '../../src/facts/docs/commands.js';
import { pathHistories } from '../../src/facts/docs/relocation.js';
import { saidFindings, sayOutsideRecords } from '../docs-messages.js';
import { collect, docsLinkMissingPath } from './detect.js';
import { isMissingTemplate, MESSAGES, settle } from './fix.js';

/**
 * Docs (Markdown/MDX links, path-only code spans, JSON index string values, and the files doc
 * commands read) that name repository paths which do not exist (seeds 0.1, 1.4, 2.8). The fix
 * points the reference at the path git history renamed it to (safe), or at the only file of
 * the same name (review: a guess), written relative to the same base; otherwise it reports.
 */
export const rule: Rule = {
  meta: {
    id: 'docs-dead-reference',
    seedIds: ['0.1', '1.4', '2.8'],
    summary: 'Docs point at repo paths that do not exist; rewrite to the path git renamed them to.',
    defaultSeverity: 'warning',
    fixable: 'safe',
    messages: MESSAGES,
    options: { ...DOCS_OPTIONS },
  },
  docsReadAhead: readsDocsAndHistories,
  historyAhead: ({ workspace, options }) => docsLinkMissingPath(workspace, docsOptions(options)),
  reads: [DOC_COMMANDS],
  async check({ workspace, facts, options }) {
    const pending = await collect(workspace, facts, docsOptions(options));
    const histories = await pathHistories(workspace, pending.filter((p) => !isMissingTemplate(p)).flatMap((p) => [{ path: p.missing, dir: p.dir }, ...(p.fileOrDir ? [{ path: p.missing, dir: true }] : [])]));
    // Records of the past are judged per doc, once each problem is settled.
    const problems = pending.flatMap((p) => {
      const settled = settle(rule.meta, p, histories);
      return settled ? sayOutsideRecords(rule.meta, p.env.q, [settled]) : [];
    });
    return saidFindings(problems);
  },
};

export default rule;
