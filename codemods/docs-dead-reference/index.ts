import type { Rule } from '../../src/model/types.js';

/** Placeholder: being implemented (issue 3). */
export const rule: Rule = {
  meta: {
    id: 'docs-dead-reference',
    seedIds: ['0.1', '1.4', '2.8'],
    summary: 'Docs point at repo paths that do not exist; rewrite to the unique relocated path.',
    defaultSeverity: 'warning',
    fixable: 'safe',
  },
  async check() {
    return [];
  },
};

export default rule;
