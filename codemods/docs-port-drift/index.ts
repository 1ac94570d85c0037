import type { Rule } from '../../src/model/types.js';

/** Placeholder: being implemented (issue 3). */
export const rule: Rule = {
  meta: {
    id: 'docs-port-drift',
    seedIds: ['1.11'],
    summary: 'A documented run command uses a port other than the one published for that app; use that port.',
    defaultSeverity: 'warning',
    fixable: 'safe',
  },
  async check() {
    return [];
  },
};

export default rule;
