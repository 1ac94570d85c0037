import type { Rule } from '../model/rule.js';
import { rule as composeUnknownService } from '../../codemods/compose-unknown-service/index.js';
import { rule as composeMissingBuildTarget } from '../../codemods/compose-missing-build-target/index.js';
import { rule as composeStaleAppTarget } from '../../codemods/compose-stale-app-target/index.js';
import { rule as composeUndeclaredVolume } from '../../codemods/compose-undeclared-volume/index.js';
import { rule as dockerfileCopyOutdir } from '../../codemods/dockerfile-copy-outdir/index.js';
import { rule as docsDeadReference } from '../../codemods/docs-dead-reference/index.js';
import { rule as docsCommandDrift } from '../../codemods/docs-command-drift/index.js';
import { rule as docsPortDrift } from '../../codemods/docs-port-drift/index.js';
import { rule as dependabotCoverage } from '../../codemods/dependabot-coverage/index.js';
import { rule as redactionKeyNormalization } from '../../codemods/redaction-key-normalization/index.js';
import { rule as nginxBodySizeLimit } from '../../codemods/nginx-body-size-limit/index.js';
import { rule as envExampleMissing } from '../../codemods/env-example-missing/index.js';
import { rule as nginxRequestId } from '../../codemods/nginx-request-id/index.js';
import { rule as ciNpmCiWithoutLockfile } from '../../codemods/ci-npm-ci-without-lockfile/index.js';
import { rule as apiVersionDrift } from '../../codemods/api-version-drift/index.js';
import { rule as pythonModuleEntrypoint } from '../../codemods/python-module-entrypoint/index.js';
import { rule as hardcodedCheckoutPath } from '../../codemods/hardcoded-checkout-path/index.js';
import { rule as protectedPathMissing } from '../../codemods/protected-path-missing/index.js';
import { rule as driftGuardCoverage } from '../../codemods/drift-guard-coverage/index.js';
import { rule as frontendDuplicateApp } from '../../codemods/frontend-duplicate-app/index.js';
import { rule as composeFrontendBuildDrift } from '../../codemods/compose-frontend-build-drift/index.js';
import { rule as unpinnedAction } from '../../codemods/unpinned-action/index.js';
import { rule as unpinnedBaseImage } from '../../codemods/unpinned-base-image/index.js';
import { rule as preCommitConfig } from '../../codemods/pre-commit-config/index.js';
import { rule as githubTemplates } from '../../codemods/github-templates/index.js';
import { rule as prodAuthFailOpen } from '../../codemods/prod-auth-fail-open/index.js';
import { rule as codeownersDeadPattern } from '../../codemods/codeowners-dead-pattern/index.js';
import { rule as referencedPathMissing } from '../../codemods/referenced-path-missing/index.js';
import { rule as legacyPathLiteral } from '../../codemods/legacy-path-literal/index.js';
import { rule as configUnreferenced } from '../../codemods/config-unreferenced/index.js';
import { rule as todoInventory } from '../../codemods/todo-inventory/index.js';
import { rule as strayDatabaseFiles } from '../../codemods/stray-database-files/index.js';
import { unusedSuppressionRule } from '../engine/suppressions.js';

/**
 * Every rule, in catalogue order (DESIGN §5). Fixes apply and commit in this order. A new rule
 * is a folder under codemods/ plus one line here.
 */
export const RULES: readonly Rule[] = [
  composeUnknownService,
  composeMissingBuildTarget,
  composeStaleAppTarget,
  composeUndeclaredVolume,
  dockerfileCopyOutdir,
  docsDeadReference,
  docsCommandDrift,
  docsPortDrift,
  dependabotCoverage,
  redactionKeyNormalization,
  nginxBodySizeLimit,
  envExampleMissing,
  ciNpmCiWithoutLockfile,
  nginxRequestId,
  apiVersionDrift,
  pythonModuleEntrypoint,
  hardcodedCheckoutPath,
  protectedPathMissing,
  driftGuardCoverage,
  frontendDuplicateApp,
  composeFrontendBuildDrift,
  unpinnedAction,
  unpinnedBaseImage,
  preCommitConfig,
  githubTemplates,
  prodAuthFailOpen,
  codeownersDeadPattern,
  referencedPathMissing,
  legacyPathLiteral,
  configUnreferenced,
  todoInventory,
  strayDatabaseFiles,
  // Last: it judges the suppressions of the rules that ran before it (see engine/suppressions.ts).
  unusedSuppressionRule,
];

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id === id);
}
