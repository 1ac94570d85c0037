/**
 * An in-memory rule tester, in the shape of typescript-eslint's `RuleTester`: small cases of one
 * rule on files held in memory, next to the golden folders (which stay for multi-file layouts,
 * `--write`, git history and `git apply`).
 *
 *   ruleTester('docs-dead-reference', {
 *     valid: [{ name: 'an existing file', files: { 'README.md': '[a](a.md)\n', 'a.md': '' } }],
 *     invalid: [{
 *       name: 'a link to a missing file',
 *       files: { 'README.md': '[b](b.md)\n' },
 *       errors: [{ key: /b\.md/, message: /does not exist/ }],   // or messageId + data
 *       output: null,
 *       reason: 'nothing says where b.md went',
 *     }],
 *   });
 *
 * - `valid`: the rule reports nothing.
 * - `invalid`: the rule reports exactly `errors` (in file/line order; each matched on `key`,
 *   `messageId`, `data` (the values given), `message`, `skipReason`, `file`, `line`, `safety`
 *   when given; a rule with message ids is best matched on `messageId`, so that a rewording
 *   rewrites no case), and `--write` with every fix class accepted
 *   leaves the files as `output` says: the changed files only, or `null` when no fix may be
 *   applied, which needs a `reason` (why the rule reports and does not fix).
 * Every case runs through the engine, so its proofs (the files still parse, the finding goes away,
 * a second pass changes nothing) hold here too.
 */
import { describe, expect, it } from 'vitest';
import { Workspace } from '../../src/workspace/workspace.js';
import { run } from '../../src/engine/run.js';
import { findRule } from '../../src/rules/registry.js';
import type { Rule } from '../../src/model/rule.js';
import type { Safety, SkipReason } from '../../src/model/types.js';

export interface ValidCase {
  name: string;
  files: Record<string, string>;
  options?: Record<string, unknown>;
}

export interface ExpectedError {
  key?: string | RegExp;
  /** The id of the rule's message template (RuleMeta.messages). */
  messageId?: string;
  /** Values of the template's placeholders (only those given are compared). */
  data?: Record<string, string | number>;
  message?: string | RegExp;
  /** Why the fix is withheld (with `safety: null`). */
  skipReason?: SkipReason | null;
  file?: string;
  line?: number;
  /** The fix's class, or `null` for a finding with no fix. */
  safety?: Safety | null;
}

export interface InvalidCase extends ValidCase {
  errors: ExpectedError[];
  /** The changed files after the fixes, or `null`: no fix applies (then `reason` says why). */
  output: Record<string, string> | null;
  reason?: string;
}

const ALL: ReadonlySet<Safety> = new Set<Safety>(['safe', 'review']);

function matches(value: string, want: string | RegExp | undefined): boolean {
  return want === undefined || (typeof want === 'string' ? value === want : want.test(value));
}

export function ruleTester(ruleId: string, cases: { valid: ValidCase[]; invalid: InvalidCase[] }): void {
  const rule = findRule(ruleId) as Rule;
  describe(`${ruleId} (rule tester)`, () => {
    it('is a rule of the registry', () => expect(rule, `unknown rule ${ruleId}`).toBeDefined());
    for (const c of cases.valid) {
      it(`valid: ${c.name}`, async () => {
        const result = await run(Workspace.fromFiles('/repo', c.files), { rules: [rule], apply: new Set(), ruleOptions: { [ruleId]: c.options ?? {} } });
        expect(result.findings.map((f) => `${f.file}:${f.line} ${f.message}`)).toEqual([]);
      });
    }
    for (const c of cases.invalid) {
      it(`invalid: ${c.name}`, async () => {
        if (c.output === null) expect(c.reason, 'a case with output: null says why no fix applies').toBeTruthy();
        const result = await run(Workspace.fromFiles('/repo', c.files), { rules: [rule], apply: ALL, ruleOptions: { [ruleId]: c.options ?? {} } });
        const found = [...result.findings].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
        const shown = found.map((f) => `${f.file}:${f.line} [${f.fix?.safety ?? `no fix${f.skipReason ? `: ${f.skipReason}` : ''}`}] ${f.key} — ${f.messageId ?? ''} ${f.message}`).join('\n');
        expect(found.length, shown).toBe(c.errors.length);
        c.errors.forEach((want, i) => {
          const f = found[i]!;
          expect(matches(f.key, want.key), `key of error ${i}: ${f.key}`).toBe(true);
          expect(matches(f.message, want.message), `message of error ${i}: ${f.message}`).toBe(true);
          if (want.messageId !== undefined) {
            expect(rule.meta.messages?.[want.messageId], `${ruleId} declares no message ${want.messageId}`).toBeDefined();
            expect(f.messageId, `messageId of error ${i}`).toBe(want.messageId);
          }
          if (want.data !== undefined) expect(f.data, `data of error ${i}`).toMatchObject(want.data);
          if (want.skipReason !== undefined) expect(f.skipReason ?? null, `skipReason of error ${i}`).toBe(want.skipReason);
          if (want.file !== undefined) expect(f.file).toBe(want.file);
          if (want.line !== undefined) expect(f.line).toBe(want.line);
          if (want.safety !== undefined) expect(f.fix?.safety ?? null).toBe(want.safety);
        });
        const changed = Object.fromEntries(result.changes.map((ch) => [ch.path, ch.after]));
        expect(changed).toEqual(c.output ?? {});
      });
    }
  });
}
