import { isMap } from 'yaml';
import type { Fix, RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import type { ComposeFile } from '../../src/facts/compose.js';
import { blockIndent, nodeRange } from '../../src/formats/yaml.js';
import { appendToBlock } from '../../src/formats/yaml-edit.js';

/**
 * A service mounts a named volume that no file of its compose set declares under top-level
 * `volumes:`; compose refuses to start ("refers to undefined volume"). The fix declares the
 * missing names in the file that uses them, in the file's own indentation and line endings.
 */
export const rule: Rule = {
  meta: {
    id: 'compose-undeclared-volume',
    seedIds: ['1.1'],
    summary: 'Named volumes used by services but declared in no compose file of the set; declare them.',
    defaultSeverity: 'error',
    fixable: 'safe',
    messages: {
      undeclared: 'named volume `{{volume}}` (service `{{service}}`) is declared in no compose file of {{where}}',
    },
  },
  async check({ facts, workspace }) {
    const findings: RawFinding[] = [];
    for (const set of facts.compose.sets) {
      const byFile = new Map<ComposeFile, Array<{ name: string; offset: number; service: string }>>();
      for (const service of set.services.values()) {
        for (const fragment of service.fragments) {
          for (const v of fragment.volumes) {
            if (v.kind !== 'named' || !v.source || set.declaredVolumes.has(v.source)) continue;
            const uses = byFile.get(fragment.file) ?? [];
            uses.push({ name: v.source, offset: nodeRange(v.node)?.[0] ?? 0, service: service.name });
            byFile.set(fragment.file, uses);
          }
        }
      }
      for (const [file, uses] of byFile) {
        const source = workspace.read(file.path);
        if (!source) continue;
        uses.sort((a, b) => a.offset - b.offset);
        const names = [...new Set(uses.map((u) => u.name))];
        const fix = declarationFix(file, source.text, source.eol, names);
        const reported = new Set<string>();
        for (const use of uses) {
          if (reported.has(use.name)) continue;
          reported.add(use.name);
          findings.push({
            file: file.path,
            offset: use.offset,
            key: `${set.dir}:${use.name}`,
            messageId: 'undeclared',
            data: { volume: use.name, service: use.service, where: set.dir || 'the root' },
            // One fix per file declares every missing name; each finding shares it.
            fix,
            // No fix: a flow-style or otherwise unusual `volumes:` the rule does not rewrite.
            ...(fix ? {} : { skipReason: 'unusual-layout' as const }),
          });
        }
      }
    }
    return findings;
  },
};

function declarationFix(file: ComposeFile, text: string, eol: string, names: string[]): Fix | null {
  const unit = (file.services && blockIndent(text, file.services)) || 2;
  // Every finding of the file carries this fix: its description names at most 10 volumes (16,000
  // names in each of 16,000 findings made a JSON report of 2.4 GB).
  const shown = names.slice(0, 10).map((n) => `\`${n}\``).join(', ');
  const description = `declare ${shown}${names.length > 10 ? ` and ${names.length - 10} more` : ''} under top-level \`volumes:\``;
  const edit = appendToBlock({ text, eol }, file.parsed.doc.contents, 'volumes', { kind: 'map', blankLineBeforeNewKey: true }, (site) => {
    // New names line up with the declared ones; under an empty or new key, one step of the file's indentation.
    const indent = ' '.repeat((site.kind === 'after-items' && isMap(site.collection) ? blockIndent(text, site.collection) : undefined) ?? unit);
    return names.map((n) => `${indent}${n}:`);
  });
  // Flow-style or otherwise unusual `volumes:`: report, do not guess at the layout.
  if (typeof edit === 'string') return null;
  return { safety: 'safe', description, edits: [{ file: file.path, ...edit }] };
}

export default rule;
