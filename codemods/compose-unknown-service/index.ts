import type { RawFinding, TextEdit } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { inferServiceRename } from '../../src/facts/compose-rename.js';
import { nodeRange, scalarContentSpan } from '../../src/formats/yaml.js';

/** What every finding says first (`where`: the compose set's folder, or `the root`). */
const BASE = 'service `{{service}}` is defined in no other compose file of {{where}} and has no image or build of its own';

/**
 * An override file names a service the rest of its compose set does not define and gives it
 * no image, build or extends: compose would create a broken service instead of overriding the
 * one the author meant (seed 1.1: `postgres:` over a base that calls it `db`).
 */
export const rule: Rule = {
  meta: {
    id: 'compose-unknown-service',
    seedIds: ['1.1'],
    summary: 'An override file names a service no other compose file defines; rename it to the base service it must mean.',
    defaultSeverity: 'error',
    fixable: 'safe',
    messages: {
      rename: `${BASE}; it must mean \`{{target}}\` ({{signals}})`,
      ambiguous: `${BASE}; it could mean {{candidates}} (no single match, not renamed)`,
      noMatch: `${BASE}; no base service matches it (not renamed)`,
    },
  },
  async check({ facts, workspace }) {
    const findings: RawFinding[] = [];
    for (const set of facts.compose.sets) {
      for (const service of set.services.values()) {
        if (service.fragments.some((f) => f.file.isBase)) continue;
        // Defined somewhere with an image/build/extends: a new service, not a broken override.
        if (service.fragments.some((f) => f.image !== undefined || f.build !== undefined || f.extends)) continue;
        for (const fragment of service.fragments) {
          const text = workspace.read(fragment.file.path)?.text;
          const keySpan = text === undefined ? undefined : scalarContentSpan(text, fragment.keyNode);
          if (!keySpan) continue;
          const at = nodeRange(fragment.keyNode)?.[0] ?? keySpan[0];
          const inference = inferServiceRename(set, fragment);
          const data = { service: service.name, where: set.dir || 'the root' };
          const key = `${fragment.file.path}:${service.name}`;
          if (!inference.best) {
            const candidates = inference.candidates.map((c) => `\`${c.service}\``).join(', ');
            findings.push({
              file: fragment.file.path,
              offset: at,
              key,
              ...(candidates ? { messageId: 'ambiguous', data: { ...data, candidates }, skipReason: 'ambiguous-target' as const } : { messageId: 'noMatch', data, skipReason: 'no-candidate' as const }),
              fix: null,
            });
            continue;
          }
          const target = inference.best.service;
          const edits: TextEdit[] = [{ file: fragment.file.path, start: keySpan[0], end: keySpan[1], text: target }];
          // References inside the same override file follow the rename.
          for (const other of fragment.file.services ? set.services.values() : []) {
            for (const f of other.fragments) {
              if (f.file !== fragment.file) continue;
              for (const dep of f.dependsOn) {
                if (dep.name !== service.name) continue;
                const span = scalarContentSpan(text as string, dep.node);
                if (span) edits.push({ file: fragment.file.path, start: span[0], end: span[1], text: target });
              }
            }
          }
          findings.push({
            file: fragment.file.path,
            offset: at,
            key,
            messageId: 'rename',
            data: { ...data, target, signals: inference.best.signals.join('; ') },
            fix: {
              safety: inference.best.imageMatch || inference.best.signals.length >= 2 ? 'safe' : 'review',
              description: `rename service \`${service.name}\` to \`${target}\``,
              edits,
            },
          });
        }
      }
    }
    return findings;
  },
};

export default rule;
