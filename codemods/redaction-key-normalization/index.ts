import type { Rule } from '../../src/model/types.js';

/** Placeholder: being implemented (issue 3). */
export const rule: Rule = {
  meta: {
    id: 'redaction-key-normalization',
    seedIds: ['1.7'],
    summary: 'Sensitive-key sets hold entries that can never match after the key is normalised; normalise them.',
    defaultSeverity: 'error',
    fixable: 'safe',
  },
  async check() {
    return [];
  },
};

export default rule;
