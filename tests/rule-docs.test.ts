/**
 * The docs check: every registered rule has codemods/<id>/README.md with the same sections, in
 * this order, and the README's Example matches the golden fixture it names:
 *   - a block labelled "Before" (or "`file` before") appears verbatim in that fixture's input file;
 *   - a block labelled "After" appears verbatim in a file of its expected/ folder (the tree after
 *     the fix), and its "Before" block in the same file of input/;
 *   - a block labelled "(not changed)" appears in the input file it names and in the tree after.
 * A fixture that moves files (expected.moves.json) has them at their new paths in the tree after:
 * an "After" block may quote a moved file, paired with its "Before" block at the old path.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers/repo.js';
import { RULES } from '../src/rules/registry.js';

export const REQUIRED_SECTIONS = ['What it detects', 'Why it matters', 'Example', 'What the fix touches', 'Safety', 'Look-alikes that do not fire', 'Options'] as const;

interface Block {
  label: string;
  lang: string;
  text: string;
  line: number;
}

/** Code blocks of a Markdown section with the text line just before each (its label). */
function blocks(section: string[], firstLine: number): Block[] {
  const out: Block[] = [];
  let label = '';
  for (let i = 0; i < section.length; i++) {
    const l = section[i] as string;
    const open = /^(`{3,}|~{3,})(\S*)\s*$/.exec(l);
    if (open) {
      const fence = open[1] as string;
      const body: string[] = [];
      let j = i + 1;
      while (j < section.length && !(section[j] as string).startsWith(fence)) body.push(section[j++] as string);
      out.push({ label, lang: open[2] as string, text: `${body.join('\n')}\n`, line: firstLine + i });
      i = j;
      label = '';
    } else if (l.trim() !== '') label = l.trim();
  }
  return out;
}

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else out.set(p, readFileSync(path.join(dir, p), 'utf8').replace(/\r\n/g, '\n'));
    }
  };
  if (existsSync(dir)) walk('');
  return out;
}

/** Everything wrong with one README (empty: fine). */
export function readmeProblems(ruleId: string, seedIds: readonly string[], readme: string, fixturesRoot: string): string[] {
  const problems: string[] = [];
  const lines = readme.replace(/\r\n/g, '\n').split('\n');
  if (lines[0] !== `# ${ruleId}`) problems.push(`the first line must be "# ${ruleId}"`);
  const seedLine = lines.find((l) => l.startsWith('**Seed ids:**'));
  if (!seedLine) problems.push('no "**Seed ids:** …" line');
  else {
    const listed = (seedLine.slice('**Seed ids:**'.length).split('·')[0] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (listed.join(', ') !== seedIds.join(', ')) problems.push(`seed ids line lists ${listed.join(', ') || 'none'}, the rule has ${seedIds.join(', ') || 'none'}`);
  }
  const headings = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^## /.test(l));
  let last = -1;
  for (const name of REQUIRED_SECTIONS) {
    const h = headings.find(({ l }) => (name === 'Example' ? /^## Example\b/.test(l) : l === `## ${name}`));
    if (!h) problems.push(`missing section "## ${name}"`);
    else if (h.i < last) problems.push(`section "## ${name}" is out of order (expected: ${REQUIRED_SECTIONS.join(', ')})`);
    else last = h.i;
  }
  const example = headings.find(({ l }) => /^## Example\b/.test(l));
  if (!example) return problems;
  const fixture = /^## Example \(fixture `([^`]+)`\)$/.exec(example.l)?.[1];
  if (!fixture) return [...problems, 'the Example heading must name its fixture: ## Example (fixture `<case>`)'];
  const caseDir = path.join(fixturesRoot, ruleId, fixture);
  if (!existsSync(path.join(caseDir, 'input'))) return [...problems, `the Example names fixture ${fixture}, but fixtures/${ruleId}/${fixture}/input does not exist`];
  const input = files(path.join(caseDir, 'input'));
  const expected = files(path.join(caseDir, 'expected'));
  const movesFile = path.join(caseDir, 'expected.moves.json');
  const moves = existsSync(movesFile) ? (JSON.parse(readFileSync(movesFile, 'utf8')) as Array<{ from: string; to: string }>) : [];
  // Where each file of the tree after came from (itself, unless it was moved).
  const origin = new Map<string, string>();
  for (const m of moves) {
    const text = input.get(m.from);
    if (text !== undefined && !expected.has(m.to)) expected.set(m.to, text);
    origin.set(m.to, m.from);
  }
  const after = new Map([...[...input].filter(([p]) => !moves.some((m) => m.from === p)), ...expected]);
  const next = headings.find(({ i }) => i > example.i);
  const section = lines.slice(example.i + 1, next ? next.i : lines.length);
  const bs = blocks(section, example.i + 2);
  const named = (label: string): string | undefined => /`([^`]+\.[^`]+|Dockerfile[^`]*)`/.exec(label)?.[1];
  let pendingBefore: Block[] = [];
  let sawBefore = false;
  let sawAfter = false;
  const where = (b: Block): string => `README line ${b.line} ("${b.label}")`;
  for (const b of bs) {
    const file = named(b.label);
    if (/not changed/i.test(b.label)) {
      const hits = [...input].filter(([p, t]) => (!file || p === file) && t.includes(b.text)).map(([p]) => p);
      if (hits.length === 0) problems.push(`${where(b)}: the unchanged block is not in ${file ?? 'any input file'} of ${fixture}`);
      else if (!hits.some((p) => after.get(p)?.includes(b.text))) problems.push(`${where(b)}: the block marked not changed is changed by the fix`);
    } else if (/^after\b/i.test(b.label)) {
      sawAfter = true;
      const hits = [...expected].filter(([, t]) => t.includes(b.text)).map(([p]) => p);
      if (hits.length === 0) problems.push(`${where(b)}: the after block is in no file of fixtures/${ruleId}/${fixture}/expected/`);
      for (const before of pendingBefore) {
        const target = named(before.label);
        const ok = hits.some((p) => (!target || p === target || origin.get(p) === target) && input.get(origin.get(p) ?? p)?.includes(before.text));
        if (hits.length && !ok) problems.push(`${where(before)}: the before block is not in input/${target ?? hits.join(' or input/')} of ${fixture}`);
      }
      pendingBefore = [];
    } else {
      sawBefore = true;
      const hits = [...input].filter(([p, t]) => (!file || p === file) && t.includes(b.text));
      if (hits.length === 0) problems.push(`${where(b)}: the before block is in no ${file ? `input/${file}` : 'input file'} of ${fixture}`);
      else pendingBefore.push(b);
    }
  }
  if (!sawBefore || !sawAfter) problems.push('the Example needs a "Before" block and an "After:" block');
  return problems;
}

describe('rule docs', () => {
  for (const rule of RULES) {
    it(`${rule.meta.id} has a README with every section, and its Example matches its fixture`, () => {
      const p = path.join(ROOT, 'codemods', rule.meta.id, 'README.md');
      expect(existsSync(p) && statSync(p).isFile(), `${p} is missing`).toBe(true);
      expect(readmeProblems(rule.meta.id, rule.meta.seedIds, readFileSync(p, 'utf8'), path.join(ROOT, 'fixtures'))).toEqual([]);
    });
  }
});

describe('the docs check itself', () => {
  const fixtures = path.join(ROOT, 'fixtures');
  const good = readFileSync(path.join(ROOT, 'codemods', 'docs-port-drift', 'README.md'), 'utf8');
  it('reports a missing section, a wrong seed line and an example that drifted from its fixture', () => {
    const broken = good.replace('## Safety', '## Safety notes').replace('**Seed ids:** 1.11', '**Seed ids:** 1.12').replace('--port 8000', '--port 8001');
    expect(readmeProblems('docs-port-drift', ['1.11'], broken, fixtures)).toEqual([
      'seed ids line lists 1.12, the rule has 1.11',
      'missing section "## Safety"',
      `README line ${broken.split('\n').findIndex((l) => l.includes('--port 8001')) } ("After:"): the after block is in no file of fixtures/docs-port-drift/readme-port-differs/expected/`,
    ]);
  });
  it('reports a fixture that does not exist and an example without a fixture', () => {
    expect(readmeProblems('docs-port-drift', ['1.11'], good.replace('fixture `readme-port-differs`', 'fixture `gone`'), fixtures)).toEqual(['the Example names fixture gone, but fixtures/docs-port-drift/gone/input does not exist']);
    expect(readmeProblems('docs-port-drift', ['1.11'], good.replace(' (fixture `readme-port-differs`)', ''), fixtures)).toEqual(['the Example heading must name its fixture: ## Example (fixture `<case>`)']);
  });
});
