import type { Rule } from '../../src/model/types.js';

/** Placeholder: being implemented (issue 3). */
export const rule: Rule = {
  meta: {
    id: 'dockerfile-copy-outdir',
    seedIds: ['1.2'],
    summary: 'COPY --from=<build stage> source differs from the bundler outDir; align one side.',
    defaultSeverity: 'error',
    fixable: 'safe',
  },
  async check() {
    return [];
  },
};

export default rule;
