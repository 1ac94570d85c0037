import type { Rule } from '../../src/model/rule.js';
import { DOCS_OPTIONS } from '../docs-options.js';
import { docsOptions } from '../../src/facts/docs/options.js';
import { pathHistories } from '../../src/facts/docs/relocation.js';
import { saidFindings } from '../docs-messages.js';
import { collect } from './detect.js';
import { MESSAGES, settle } from './fix.js';

/**
 * CODEOWNERS rules (root, `.github/`, `docs/`, `.gitlab/`) whose pattern matches no file, read
 * with GitHub's gitignore-like semantics (seed 3.2). The fix points the pattern at the path git
 * recorded its target's rename to (safe), or removes the rule (review).
 */
export const rule: Rule = {
  meta: {
    id: 'codeowners-dead-pattern',
    seedIds: ['3.2'],
    summary: 'CODEOWNERS patterns that match no file; repoint to the path git renamed it to, else remove the rule (review).',
    defaultSeverity: 'warning',
    fixable: 'safe',
    messages: MESSAGES,
    options: { ledgerGlobs: DOCS_OPTIONS.ledgerGlobs, excludeGlobs: DOCS_OPTIONS.excludeGlobs } as Rule['meta']['options'],
  },
  async check({ workspace, facts, options }) {
    const opts = docsOptions(options);
    const dead = collect(workspace, facts);
    if (dead.length === 0) return [];
    const histories = await pathHistories(workspace, dead.filter((d) => d.anchored).map((d) => ({ path: d.path, dir: d.dir })));
    return saidFindings(dead.map((d) => settle(rule.meta, workspace, opts, d, histories)));
  },
};

export default rule;
