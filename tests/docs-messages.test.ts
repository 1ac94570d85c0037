/** Message ids through the shared docs grouping (codemods/docs-messages.ts). */
import { describe, it, expect } from 'vitest';
import type { RuleMeta } from '../src/model/rule.js';
import { SourceFile } from '../src/workspace/source-file.js';
import { Workspace } from '../src/workspace/workspace.js';
import { docsOptions } from '../src/facts/docs/options.js';
import { type QuoteContext } from '../src/facts/docs/quoting.js';
import { DOUBT, doubtful, say, saidFindings, sayOutsideRecords } from '../codemods/docs-messages.js';
import { rule as commandDrift } from '../codemods/docs-command-drift/index.js';
import { rule as deadReference } from '../codemods/docs-dead-reference/index.js';

const meta: RuleMeta = {
  id: 'x',
  seedIds: [],
  summary: 's',
  defaultSeverity: 'warning',
  fixable: 'safe',
  messages: { moved: '`{{path}}` is gone; it is now `{{target}}`', movedInRecord: '`{{path}}` is gone; it is now `{{target}}`; not rewritten: it sits in {{record}}, a record of the past', movedDoubt: `\`{{path}}\` is gone; it is now \`{{target}}\`${DOUBT}`, gone: '`{{path}}` is gone (not changed)' },
};
const fix = (text: string) => ({ edits: [{ start: 0, end: 1, text }], replacement: text, description: 'd', safety: 'safe' as const });

describe('docs messages', () => {
  it('a problem is said with its id and data, and the finding carries them (the skip reason only without a fix)', () => {
    const a = say(meta, { doc: 'README.md', offset: 3, kind: 'link', subject: 'a.md', fix: fix('b.md') }, { messageId: 'moved', data: { path: 'a.md', target: 'b.md' }, skipReason: 'no-candidate' });
    const b = say(meta, { doc: 'README.md', offset: 9, kind: 'link', subject: 'c.md', fix: undefined }, { messageId: 'gone', data: { path: 'c.md' }, skipReason: 'no-candidate' });
    expect(a.message).toBe('`a.md` is gone; it is now `b.md`');
    const found = saidFindings([b, a]);
    expect(found.map((f) => [f.offset, f.messageId, f.data, f.skipReason, f.message])).toEqual([
      [3, 'moved', { path: 'a.md', target: 'b.md' }, undefined, undefined],
      [9, 'gone', { path: 'c.md' }, 'no-candidate', undefined],
    ]);
  });

  it('two problems with the same text keep their own data', () => {
    const p = (offset: number, target: string) => say(meta, { doc: 'a.md', offset, kind: 'link', subject: 's', fix: undefined }, { messageId: 'gone', data: { path: 's', target } });
    expect(saidFindings([p(1, 'one'), p(2, 'two')]).map((f) => f.data?.target)).toEqual(['one', 'two']);
  });

  it('a fix found from every folder a command may run in is held for review under the …Doubt template', () => {
    const p = say(meta, { doc: 'a.md', offset: 0, kind: 'script', subject: 's', fix: fix('t') }, { messageId: 'moved', data: { path: 's', target: 't' } });
    const held = doubtful(meta)(p, 'the doc does not say where this runs');
    expect([held.message, held.fix?.safety, held.said.messageId]).toEqual(['`s` is gone; it is now `t`; the doc does not say where this runs, so the fix is for review', 'review', 'movedDoubt']);
    const none = say(meta, { doc: 'a.md', offset: 0, kind: 'script', subject: 's', fix: undefined }, { messageId: 'gone', data: { path: 's' } });
    expect(doubtful(meta)(none, 'why')).toBe(none);
  });

  it('a link fix in a record of the past is reported under …InRecord, with no fix', () => {
    const text = '## 2024-03-01 incident\n\nSee [notes](a.md).\n';
    const ws = Workspace.fromFiles('/repo', { 'CHANGES.md': text });
    const q: QuoteContext = { ws, file: new SourceFile('CHANGES.md', text, false), model: undefined, opts: docsOptions({}) };
    const offset = text.indexOf('a.md');
    const p = say(meta, { doc: 'CHANGES.md', offset, kind: 'link', subject: 'a.md', fix: fix('b.md') }, { messageId: 'moved', data: { path: 'a.md', target: 'b.md' } });
    const [kept] = sayOutsideRecords(meta, q, [p]);
    // Without the Markdown model the line's own words decide; a dated heading needs the model.
    expect(kept).toBe(p);
    const logged = '- Files modified: [notes](a.md)\n';
    const q2: QuoteContext = { ...q, file: new SourceFile('CHANGES.md', logged, false) };
    const p2 = say(meta, { doc: 'CHANGES.md', offset: logged.indexOf('a.md'), kind: 'link', subject: 'a.md', fix: fix('b.md') }, { messageId: 'moved', data: { path: 'a.md', target: 'b.md' } });
    const [inRecord] = sayOutsideRecords(meta, q2, [p2]);
    expect(inRecord?.fix).toBeUndefined();
    expect(inRecord?.said.messageId).toBe('movedInRecord');
    expect(inRecord?.said.skipReason).toBe('evidence-in-ledger');
    expect(inRecord?.message).toMatch(/^`a\.md` is gone; it is now `b\.md`; not rewritten: it sits in .+, a record of the past$/);
  });

  it('every …Doubt and …InRecord template of the docs rules is its base template with the suffix', () => {
    for (const rule of [commandDrift, deadReference]) {
      const messages = rule.meta.messages ?? {};
      for (const [id, template] of Object.entries(messages)) {
        const doubt = /^(.*)Doubt$/.exec(id);
        if (doubt) expect(template, `${rule.meta.id}.${id}`).toBe(`${messages[doubt[1] as string]}${DOUBT}`);
        const record = /^(.*)InRecord$/.exec(id);
        if (record) expect(template, `${rule.meta.id}.${id}`).toBe(`${messages[record[1] as string]}; not rewritten: it sits in {{record}}, a record of the past`);
      }
    }
  });
});
