import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { candidates, serviceDrifts, type ServiceDrift } from './detect.js';
import { describeChoice, fixFor } from './fix.js';

function dirName(dir: string): string {
  return dir === '' ? '`.`' : `\`${dir}\``;
}

function imageText(d: ServiceDrift): string {
  return d.image.target === undefined ? `\`${d.image.dockerfile}\`` : `\`${d.image.dockerfile}\` (target \`${d.image.target}\`)`;
}

function ciText(d: ServiceDrift): string {
  const seen = new Map<string, string[]>();
  for (const b of d.ciBuilds) {
    const where = `${b.file} job \`${b.job}\``;
    const list = seen.get(b.packageDir) ?? [];
    if (!list.includes(where)) list.push(where);
    seen.set(b.packageDir, list);
  }
  return [...seen].map(([dir, where]) => `${dirName(dir)} (${where.join(', ')})`).join(', ');
}

/**
 * A compose service that serves another frontend than the one CI builds, or whose nginx image
 * leaves out the nginx config another Dockerfile of the same frontend ships (seed 1.10: compose
 * serves the dashboard from `Dockerfile`'s final stage, CI builds the root app, and `nginx.conf`
 * is only in `Dockerfile.frontend`). The `review` fix points the service at the Dockerfile that
 * builds the frontend CI builds and ships the config.
 */
export const rule: Rule = {
  meta: {
    id: 'compose-frontend-build-drift',
    seedIds: ['1.10'],
    summary: 'A compose service serves another frontend than CI builds, or its nginx image ships no nginx config while another Dockerfile does; build the canonical Dockerfile (review).',
    defaultSeverity: 'warning',
    fixable: 'review',
    messages: {
      servesOther: 'service `{{service}}` builds {{image}}, which serves the frontend {{serves}}, but CI builds {{ci}}: `docker compose up` serves another UI than the one CI checks{{nginx}}{{tail}}',
      nginxMissing: 'service `{{service}}` builds {{image}}, an nginx image that ships no nginx config of the repository, while `{{otherDockerfile}}` builds the same frontend with `{{config}}` (proxy and headers): the stack compose runs does not use it{{tail}}',
    },
  },
  async check({ workspace, facts }) {
    const findings: RawFinding[] = [];
    for (const drift of serviceDrifts(facts)) {
      const outcome = fixFor(workspace, drift, candidates(facts, drift));
      const choice = outcome.fix && outcome.choice ? describeChoice(outcome.choice) : undefined;
      const tail = choice ? `; build ${choice} instead` : ` (no fix: ${outcome.reason ?? 'the service\'s build cannot be edited in place'})`;
      const nginx = drift.nginxDrift ? `; its nginx image also ships no nginx config, while \`${drift.nginxDrift.dockerfile}\` ships \`${drift.nginxDrift.config}\`` : '';
      const base = { service: drift.service.name, image: imageText(drift), tail };
      const message = drift.packageDrift
        ? { messageId: 'servesOther', data: { ...base, serves: drift.image.serves.map(dirName).join(', '), ci: ciText(drift), nginx } }
        : { messageId: 'nginxMissing', data: { ...base, otherDockerfile: drift.nginxDrift?.dockerfile ?? '', config: drift.nginxDrift?.config ?? '' } };
      const offset = drift.fragment.build?.pair.key ? ((drift.fragment.build.pair.key as { range?: [number, number, number] }).range?.[0] ?? 0) : 0;
      findings.push({
        file: drift.fragment.file.path,
        offset,
        key: `${drift.fragment.file.path}:${drift.service.name}:${drift.packageDrift ? 'package' : 'nginx'}`,
        ...message,
        fix: outcome.fix,
        ...(outcome.fix ? {} : { skipReason: outcome.skipReason ?? 'not-editable' }),
      });
    }
    return findings;
  },
};

export default rule;
