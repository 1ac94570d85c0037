import type { Rule, RuleContext } from '../../src/model/rule.js';
import { DEFAULT_MANIFEST_EXCLUDES } from '../../src/facts/ecosystems.js';
import { CONFIG_PATHS, DEFAULT_ECOSYSTEM_LABELS, readOptions, type Options } from './detect.js';
import { appendEntries, generateConfig, isEcosystemLabel, swapEcosystem } from './fix.js';
import { quoteScalar as quote } from '../../src/formats/yaml-edit.js';
import { checkCoverage } from './judge.js';
import { renovateConfig } from './policy.js';

export { DEFAULT_ECOSYSTEM_LABELS } from './detect.js';

const MISSING = 'no `updates` entry covers {{ecosystem}} `{{directory}}` ({{manifest}}){{hint}}';
const REVIEW = '; held for review: {{note}}';
const NOT_FIXED = '; not fixed: {{why}}';
const NO_CONFIG = 'no Dependabot config: {{count}} manifest {{directories}} no version updates ({{summary}})';
const NO_CORE = 'no Dependabot config, and no manifest of the root or of the CI to start one with (each directory has its own finding)';
const ASKED = '; {{evidence}}';
const UNASKED = "; held for review: nothing in the repository asks for Dependabot version updates, and adopting it is the maintainers' decision";
const NOT_GENERATED = ' (not generated: createConfig is off)';
const WITHOUT_CONFIG = "; held for review: it needs the config, and adopting Dependabot is the maintainers' decision";

/**
 * The message templates. `evidence` is the statement of intent that makes a fix safe beyond the
 * config itself, `note` why a fix is held for review, `hint` an optional clause (with its `; `)
 * about an entry that almost covers the directory.
 */
const MESSAGES = {
  missing: MISSING,
  missingAsked: `${MISSING}${ASKED}`,
  missingReview: `${MISSING}${REVIEW}`,
  missingNotFixed: `${MISSING}${NOT_FIXED}`,
  missingAskedNotFixed: `${MISSING}${ASKED}${NOT_FIXED}`,
  missingReviewNotFixed: `${MISSING}${REVIEW}${NOT_FIXED}`,
  missingWithoutConfig: `${MISSING}${WITHOUT_CONFIG}`,
  missingAskedWithoutConfig: `${MISSING}${ASKED}${WITHOUT_CONFIG}`,
  noConfigAsked: `${NO_CONFIG}${ASKED}`,
  noConfigUnasked: `${NO_CONFIG}${UNASKED}`,
  noConfigAskedNotGenerated: `${NO_CONFIG}${ASKED}${NOT_GENERATED}`,
  noConfigUnaskedNotGenerated: `${NO_CONFIG}${UNASKED}${NOT_GENERATED}`,
  noCoreAsked: `${NO_CORE}${ASKED}`,
  noCoreUnasked: `${NO_CORE}${UNASKED}`,
  unparsable: '{{config}} cannot be read as a Dependabot config ({{error}}); coverage not judged',
  notAMap: '{{config}} cannot be read as a Dependabot config; coverage not judged',
  misnamedEcosystem: 'the `updates` entry for `{{directory}}` names package-ecosystem `{{written}}`, which updates nothing there: {{why}}',
};

/**
 * Manifests of an ecosystem (npm/yarn/pnpm/bun, pip/uv/poetry, docker, docker-compose,
 * github-actions) in a directory that no Dependabot `updates` entry watches (seeds 0.1, 1.6),
 * judged against what the maintainers chose. Silent when Renovate is configured, the config is
 * parked, or every entry has version updates switched off; a directory (or a whole kind) whose
 * entry git history shows was removed is not reported, and generated or vendored code is not
 * counted. One finding per directory, each with its own fix; `safe` (warning) when the config
 * already watches that kind of project elsewhere or the repository says Dependabot should,
 * `review` (info) when the ecosystem is left out of the config or the directory is an example,
 * test, template, retired folder or scaffold. Without a config: an info finding whose fix
 * creates the core (workflows, the root's manifests, what the CI builds), `safe` only when the
 * repository asks for Dependabot, and every other directory judged as against that config.
 */
export const rule: Rule = {
  meta: {
    id: 'dependabot-coverage',
    seedIds: ['0.1', '1.6'],
    summary: 'Ecosystems with manifests but no dependabot updates entry (or no config at all); add them.',
    defaultSeverity: 'warning',
    fixable: 'safe',
    messages: MESSAGES,
    options: {
      exclude: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Globs of manifest paths that are never counted.', default: DEFAULT_MANIFEST_EXCLUDES },
      interval: { enum: ['daily', 'weekly', 'monthly', 'quarterly', 'semiannually', 'yearly'], description: 'Schedule of generated entries.', default: 'weekly' },
      createConfig: { type: 'boolean', description: 'Create .github/dependabot.yml when there is none.', default: true },
      ecosystemLabels: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string', minLength: 1 } }, description: 'Labels that belong to one ecosystem, by ecosystem.', default: DEFAULT_ECOSYSTEM_LABELS },
    },
  },
  // Without a config, the rule asks git whether one was deleted: the walk starts with the run,
  // beside the other rules (not where Renovate is configured: the rule then judges nothing).
  // The past versions of a config are read only when a directory is unwatched, which takes
  // the manifests to know: not guessed.
  historyAhead: ({ workspace }) => !renovateConfig(workspace) && !CONFIG_PATHS.some((p) => workspace.has(p)),
  async check(ctx: RuleContext) {
    // No config at all is the seed's 0.1 and 1.6; a missing entry in an existing config is 1.6.
    return (await checkCoverage(ctx)).map((f) => (f.key === 'no-config' ? f : { ...f, seedIds: ['1.6'] }));
  },
};

export default rule;

// Exported for the unit tests.
export const internals = { generateConfig, readOptions, appendEntries, swapEcosystem, isEcosystemLabel, quote };
export type { Options as DependabotCoverageOptions };

