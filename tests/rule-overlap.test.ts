/**
 * Rules overlap only where one waits for something outside the main thread (engine/overlap.ts):
 * the next rules start meanwhile, but every outcome is handled in rule order, a rule that never
 * waits runs alone, unused-suppression starts after every earlier rule was handled, and what a
 * run reports does not depend on how long a wait took.
 */
import { describe, it, expect } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runOverlapped } from '../src/engine/overlap.js';
import { run } from '../src/engine/run.js';
import { createSuppressions } from '../src/engine/suppressions.js';
import { Workspace } from '../src/workspace/workspace.js';
import type { Rule } from '../src/model/rule.js';
import type { RawFinding } from '../src/model/types.js';
import { removeDir, tempDir } from './helpers/repo.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function rule(id: string, check: Rule['check'], extra: Partial<Rule> = {}): Rule {
  return { meta: { id, seedIds: [], summary: id, defaultSeverity: 'warning', fixable: 'none', messages: { m: '{{what}}' } }, check, ...extra };
}

/** Runs `rules` through runOverlapped, logging starts, ends and handling. */
async function trace(rules: Rule[], inFlight?: number): Promise<{ log: string[]; order: number[] }> {
  const log: string[] = [];
  const order: number[] = [];
  for await (const { index, outcome } of runOverlapped(rules, (r) => r.check({} as never), (i) => log.push(`start ${i}`), inFlight)) {
    order.push(index);
    log.push(`handled ${index}${'error' in outcome ? ' (failed)' : ''}`);
  }
  return { log, order };
}

describe('rules that wait overlap', () => {
  it('starts the next rule while one waits, and hands the outcomes over in rule order', async () => {
    const log: string[] = [];
    const rules = [
      rule('slow', async () => {
        await sleep(40);
        log.push('end 0');
        return [];
      }),
      rule('quick', async () => {
        log.push('end 1');
        return [];
      }),
    ];
    const { order, log: handled } = await trace(rules);
    expect(order).toEqual([0, 1]);
    expect(handled).toEqual(['start 0', 'start 1', 'handled 0', 'handled 1']);
    // The second ran while the first waited.
    expect(log).toEqual(['end 1', 'end 0']);
  });

  it('runs rules that never wait for anything outside the thread one after another', async () => {
    const log: string[] = [];
    const rules = [0, 1, 2].map((i) =>
      rule(`r${i}`, async () => {
        // Awaits of what is already there (a memoised fact) give the thread up to no one.
        await Promise.resolve();
        await Promise.resolve();
        log.push(`end ${i}`);
        return [];
      }),
    );
    const starts: string[] = [];
    for await (const { index } of runOverlapped(rules, (r) => r.check({} as never), (i) => starts.push(`start ${i}`))) starts.push(`handled ${index}`);
    expect(starts).toEqual(['start 0', 'handled 0', 'start 1', 'handled 1', 'start 2', 'handled 2']);
    expect(log).toEqual(['end 0', 'end 1', 'end 2']);
  });

  it('keeps at most the window of rules in flight', async () => {
    let running = 0;
    let most = 0;
    const rules = [0, 1, 2, 3, 4].map((i) =>
      rule(`r${i}`, async () => {
        running++;
        most = Math.max(most, running);
        await sleep(15);
        running--;
        return [];
      }),
    );
    expect((await trace(rules, 2)).order).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    most = 0;
    await trace(rules, 4);
    expect(most).toBe(4);
  });

  it('starts a rule that judges the earlier ones only after they were all handled', async () => {
    const rules = [
      rule('slow', async () => {
        await sleep(30);
        return [];
      }),
      rule('also-slow', async () => {
        await sleep(10);
        return [];
      }),
      rule('judge', async () => [], { afterEarlierRules: true }),
    ];
    expect((await trace(rules)).log).toEqual(['start 0', 'start 1', 'handled 0', 'handled 1', 'start 2', 'handled 2']);
  });

  it('hands over what a rule threw, at once or after a wait, and goes on', async () => {
    const rules = [
      rule('throws', () => {
        throw new Error('at once');
      }),
      rule('rejects', async () => {
        await sleep(5);
        throw new Error('later');
      }),
      rule('fine', async () => []),
    ];
    expect((await trace(rules)).log).toEqual(['start 0', 'handled 0 (failed)', 'start 1', 'start 2', 'handled 1 (failed)', 'handled 2']);
  });
});

describe('a run whose rules overlap', () => {
  const finding = (file: string, what: string): RawFinding => ({ file, offset: 0, key: `${file}:${what}`, messageId: 'm', data: { what } });

  it('reports in rule order, keeps findings in rule order, and lets unused-suppression see them all', async () => {
    for (const wait of [0, 5, 40]) {
      const ws = Workspace.fromFiles('/r', {
        'a.yml': '# autopack-fix-ignore-file slow-rule -- reviewed\nkey: 1\n',
        'b.yml': '# autopack-fix-ignore-file quick-rule -- reviewed\nkey: 2\n',
        'c.yml': '# autopack-fix-ignore-file quick-rule -- nothing to silence here\nkey: 3\n',
      });
      const slow = rule('slow-rule', async () => {
        await sleep(wait);
        return [finding('a.yml', 'slow'), finding('c.yml', 'slow')];
      });
      const quick = rule('quick-rule', async () => [finding('b.yml', 'quick')]);
      const suppressions = createSuppressions({ selected: [slow, quick], knownRuleIds: ['slow-rule', 'quick-rule'], reportUnused: true });
      const kept: string[] = [];
      const result = await run(ws, {
        rules: suppressions.rules,
        apply: new Set(),
        keep: (f, view) => {
          kept.push(`${f.ruleId} ${f.file}`);
          return suppressions.keep(f, view);
        },
      });
      expect(kept).toEqual(['slow-rule a.yml', 'slow-rule c.yml', 'quick-rule b.yml', 'unused-suppression c.yml']);
      // The slow rule's suppression was used before unused-suppression ran, however long it waited.
      expect(result.findings.map((f) => `${f.ruleId} ${f.file}`)).toEqual(['slow-rule c.yml', 'unused-suppression c.yml']);
    }
  });

  it('names the files it skipped in one order, whichever rule read them first', async () => {
    const root = tempDir('apf-overlap-');
    try {
      mkdirSync(path.join(root, 'data'));
      for (const name of ['a.bin', 'm.bin', 'z.bin']) writeFileSync(path.join(root, 'data', name), Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]));
      const reports: string[][] = [];
      for (const wait of [0, 30]) {
        const ws = await Workspace.open(root);
        const reader = (id: string, files: string[], ms: number): Rule =>
          rule(id, async ({ workspace }) => {
            if (ms) await sleep(ms);
            for (const f of files) workspace.read(f);
            return [];
          });
        // The first rule reads z after its wait; the second reads a and m at once.
        const result = await run(ws, { rules: [reader('first', ['data/z.bin'], wait), reader('second', ['data/m.bin', 'data/a.bin'], 0)], apply: new Set() });
        reports.push(result.diagnostics.filter((d) => d.kind === 'skipped').map((d) => d.file));
      }
      expect(reports[0]).toEqual(['data/a.bin', 'data/m.bin', 'data/z.bin']);
      expect(reports[1]).toEqual(reports[0]);
    } finally {
      removeDir(root);
    }
  });
});
