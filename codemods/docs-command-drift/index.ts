import type { Rule } from '../../src/model/types.js';

/** Placeholder: being implemented (issue 3). */
export const rule: Rule = {
  meta: {
    id: 'docs-command-drift',
    seedIds: ['1.5', '2.9'],
    summary: 'Commands in docs name compose services, app targets or scripts that do not exist; use the real ones.',
    defaultSeverity: 'warning',
    fixable: 'safe',
  },
  async check() {
    return [];
  },
};

export default rule;
