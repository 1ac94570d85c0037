import type { RawFinding, TextEdit } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import type { YAMLMap } from 'yaml';
import { isRemoteContext, mergedBuild, repoPath, serviceView, type BuildSpec } from '../../src/facts/compose.js';
import { findStage } from '../../src/formats/dockerfile.js';
import { mapPairs, pairRemovalSpan, nodeRange } from '../../src/formats/yaml.js';

/** What every finding says first (`stages`: the named stages, or that there are none). */
const BASE = 'build target `{{target}}` of service `{{service}}` is not a stage of {{dockerfile}} ({{stages}})';

/**
 * `build.target` names a stage the Dockerfile does not have: `docker compose build` fails
 * (seed 1.1: `target: development` with no such stage). The fix drops the target, so the
 * image builds its final stage, and drops `build:` itself when nothing else is left in it.
 */
export const rule: Rule = {
  meta: {
    id: 'compose-missing-build-target',
    seedIds: ['1.1'],
    summary: 'build.target names a stage the referenced Dockerfile lacks; remove the target.',
    defaultSeverity: 'error',
    fixable: 'safe',
    messages: {
      missingStage: BASE,
      wouldEmptyService: `${BASE}; not removed automatically: removing it would leave the service empty`,
      onlyBuild: `${BASE}; not removed automatically: this is the service's only build, so removing it would change what is built`,
    },
  },
  async check({ facts, workspace }) {
    const findings: RawFinding[] = [];
    for (const set of facts.compose.sets) {
      for (const service of set.services.values()) {
        for (const fragment of service.fragments) {
          const build = fragment.build;
          if (!build?.target || !build.targetPair || build.target.includes('$')) continue;
          // Context and dockerfile come from the files used together with this one: the base
          // files and this file (another override is an alternative, not a layer), with `extends`.
          const view = serviceView(set, service, fragment.file);
          const effective = mergedBuild(view);
          if (!effective || effective.inline || view.incomplete || isRemoteContext(effective.context)) continue;
          const context = repoPath(effective.dir, effective.context);
          const dockerfile = context === undefined ? undefined : repoPath(context, effective.dockerfile ?? 'Dockerfile');
          if (dockerfile === undefined || !workspace.has(dockerfile)) continue;
          const model = facts.dockerfile(dockerfile);
          if (!model || model.error) continue;
          if (findStage(model, build.target) && !/^\d+$/.test(build.target)) continue;
          const file = workspace.read(fragment.file.path);
          const valueRange = nodeRange(build.targetPair.value);
          if (!file || !valueRange) continue;
          const stages = model.stages.map((s) => s.rawName).filter((n): n is string => !!n);
          const data = { target: build.target, service: service.name, dockerfile, stages: stages.length ? `stages: ${stages.join(', ')}` : 'it has no named stages' };
          const key = `${fragment.file.path}:${service.name}:${build.target}`;
          // Dropping the whole `build:` is only right when another file still builds the service.
          const builtElsewhere = view.fragments.some((f) => f !== fragment && f.build !== undefined);
          const span = removalSpan(file.text, fragment.map, build, builtElsewhere);
          findings.push({
            file: fragment.file.path,
            offset: valueRange[0],
            key,
            messageId: span ? 'missingStage' : builtElsewhere ? 'wouldEmptyService' : 'onlyBuild',
            data,
            ...(span ? {} : { skipReason: 'changes-behaviour' as const }),
            fix: span
              ? {
                  safety: 'safe',
                  description: span.whole ? `remove \`build:\` (it only set the missing target)` : `remove \`target: ${build.target}\``,
                  edits: [{ file: fragment.file.path, start: span.start, end: span.end, text: '' } satisfies TextEdit],
                }
              : null,
          });
        }
      }
    }
    return findings;
  },
};

function removalSpan(text: string, serviceMap: YAMLMap | undefined, build: BuildSpec, builtElsewhere: boolean): { start: number; end: number; whole: boolean } | undefined {
  const buildMap = build.map;
  if (!buildMap || !build.targetPair) return undefined;
  if (mapPairs(buildMap).length > 1) {
    const span = pairRemovalSpan(text, buildMap, build.targetPair);
    return span ? { start: span[0], end: span[1], whole: false } : undefined;
  }
  // Only the target was set: remove the whole build entry, unless that empties the service or
  // leaves it without any build (a bare `build: {target: x}` builds the project directory).
  if (!builtElsewhere || !serviceMap || mapPairs(serviceMap).length <= 1) return undefined;
  const span = pairRemovalSpan(text, serviceMap, build.pair);
  return span ? { start: span[0], end: span[1], whole: true } : undefined;
}

export default rule;
