import type { Rule } from '../../src/model/rule.js';
import { DOCS_OPTIONS } from '../docs-options.js';
import { docsOptions } from '../../src/facts/docs/options.js';
import { pathHistories } from '../../src/facts/docs/relocation.js';
import { saidFindings } from '../docs-messages.js';
import { isMissingTemplate } from '../docs-dead-reference/fix.js';
import { collect } from './detect.js';
import { MESSAGES, settle } from './fix.js';

/**
 * Paths named in configuration files that do not exist (seeds 0.1c, 0.1d): the files commands
 * read in YAML/compose/Dockerfile comments, in workflow `run:` scripts, and the `-f <file>`
 * operands of Makefile recipes and package.json scripts. Settled as docs-dead-reference settles
 * a doc's reference (git history first); a missing compose file with a template beside it is
 * pointed at the template, for review.
 */
export const rule: Rule = {
  meta: {
    id: 'referenced-path-missing',
    seedIds: ['0.1', '2.8'],
    summary: 'Configuration files (comments, workflow run scripts, Makefile and package.json -f operands) name paths that do not exist.',
    defaultSeverity: 'warning',
    fixable: 'safe',
    messages: MESSAGES,
    options: { ledgerGlobs: DOCS_OPTIONS.ledgerGlobs, excludeGlobs: DOCS_OPTIONS.excludeGlobs } as Rule['meta']['options'],
  },
  async check({ workspace, options }) {
    const opts = docsOptions(options);
    const pending = await collect(workspace, opts);
    if (pending.length === 0) return [];
    const histories = await pathHistories(workspace, pending.filter((p) => !isMissingTemplate(p)).map((p) => ({ path: p.missing, dir: p.dir })));
    return saidFindings(pending.flatMap((p) => settle(rule.meta, p, histories) ?? []));
  },
};

export default rule;
