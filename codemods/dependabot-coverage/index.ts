import type { Rule } from '../../src/model/types.js';

/** Placeholder: being implemented (issue 3). */
export const rule: Rule = {
  meta: {
    id: 'dependabot-coverage',
    seedIds: ['0.1', '1.6'],
    summary: 'Ecosystems with manifests but no dependabot updates entry (or no config at all); add them.',
    defaultSeverity: 'warning',
    fixable: 'safe',
  },
  async check() {
    return [];
  },
};

export default rule;
