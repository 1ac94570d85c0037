import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { missingGuardEntries } from '../../src/facts/python-paths.js';
import { asksAbout, pythonLiterals } from './strings.js';
import { declareTreeInterest } from '../../src/formats/python-tree.js';
import { legacyPaths, packageRoots } from './detect.js';

declareTreeInterest('legacy-path-literal', (file) => asksAbout(file.path, file.text));

/**
 * Seed 1.12: Python string literals naming repository paths under a layout root this repository
 * does not have (`src/backend/`, `backend/api`), left in default allow-lists, prompts and
 * scanner heuristics. Report; a literal that is nothing but such a root is pointed at the
 * repository's one Python package root, for review.
 */
export const rule: Rule = {
  meta: {
    id: 'legacy-path-literal',
    seedIds: ['1.12'],
    summary: 'Python string literals name paths under a layout root the repository does not have (src/backend/, backend/api); review: the one real package root.',
    defaultSeverity: 'warning',
    fixable: 'review',
    messages: {
      legacy: '`{{written}}` names `{{root}}/`, a layout root this repository does not have{{tail}}',
      legacyRoot: '`{{written}}` is a layout root this repository does not have{{tail}}',
    },
  },
  async check({ workspace, files }) {
    const findings: RawFinding[] = [];
    let roots: string[] | undefined;
    for (const p of workspace.paths) {
      if (!p.endsWith('.py')) continue;
      // Only a module that quotes such a path is read as Python: the others are not relied on,
      // so a module this rule never looks into is not parsed (nor reported unparsable) for it.
      const probe = workspace.probe(p);
      if (!probe || !asksAbout(p, probe.text)) continue;
      const file = workspace.read(p);
      if (!file) continue;
      const literals = await pythonLiterals(file);
      if (literals.length === 0) continue;
      // Entries of a guard list that names missing paths are protected-path-missing's.
      const py = await files.python(file);
      const guarded = new Set((py?.tree.collections ?? []).flatMap((c) => missingGuardEntries(workspace, c).map((e) => e.element.start)));
      const seen = new Map<string, number>();
      for (const lit of literals) {
        if (guarded.has(lit.string.start)) continue;
        for (const found of legacyPaths(workspace, lit, file.text)) {
          roots ??= packageRoots(workspace);
          const n = seen.get(found.written) ?? 0;
          seen.set(found.written, n + 1);
          const plain = found.written.replace(/^\.\//, '').replace(/\/$/, '');
          const target = found.whole && plain === found.root && roots.length === 1 ? roots[0] : undefined;
          const replacement = target === undefined ? undefined : `${found.written.startsWith('./') ? './' : ''}${target}${found.written.endsWith('/') ? '/' : ''}`;
          const tail =
            replacement !== undefined
              ? `; the repository's one Python package root is \`${target}/\`, so the fix points the default there, for review`
              : !found.whole
                ? ' (a path in text: reported, not changed)'
                : roots.length > 1
                  ? `; the repository has several package roots (${roots.map((r) => `\`${r}/\``).join(', ')}): not changed`
                  : roots.length === 0
                    ? '; the repository has no Python package root to point it at: not changed'
                    : ' (a path below the root: reported, not changed)';
          findings.push({
            file: p,
            offset: found.start,
            key: `${p}:${found.written}#${n}`,
            ...(plain === found.root ? { messageId: 'legacyRoot', data: { written: found.written, tail } } : { messageId: 'legacy', data: { written: found.written, root: found.root, tail } }),
            fix:
              replacement === undefined
                ? null
                : { safety: 'review', description: `point \`${found.written}\` at \`${replacement}\``, edits: [{ file: p, start: found.start, end: found.end, text: replacement }] },
            ...(replacement === undefined ? { skipReason: roots.length > 1 && found.whole && plain === found.root ? 'ambiguous-target' : 'no-candidate' } : {}),
          });
        }
      }
    }
    return findings;
  },
};

export default rule;
