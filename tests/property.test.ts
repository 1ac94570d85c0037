/**
 * Property tests (fast-check), for every registered rule: inputs start from the rule's golden
 * fixture inputs and are mutated (lines inserted, deleted, duplicated or re-indented, random
 * bytes and unicode inserted, truncation, CRLF line endings, a BOM) — valid, nearly valid and
 * broken. Through the engine in memory, each must hold:
 *   - no crash: run() does not throw and reports no `rule … failed`;
 *   - every changed file parses;
 *   - a second run on the result changes nothing;
 *   - no byte outside the declared spans changes (single pass, recomputed from result.applied);
 *   - CRLF and BOM survive on changed files (and moved files keep their text).
 *
 * PROPERTY_RUNS=n raises the runs per rule (default 40). On failure the seed and path are printed;
 * PROPERTY_RULE=<id> PROPERTY_SEED=<seed> PROPERTY_PATH=<path> replays exactly that case.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { RULES } from '../src/rules/registry.js';
import { Workspace } from '../src/workspace/workspace.js';
import { SourceFile } from '../src/workspace/source-file.js';
import { run, type RunResult } from '../src/engine/run.js';
import { changedOutsideSpans } from '../src/engine/edits.js';
import { formatOf, parseProblem } from '../src/formats/validate.js';
import type { Safety } from '../src/model/types.js';
import type { Rule } from '../src/model/rule.js';
import { ROOT } from './helpers/repo.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);
const SEED = process.env.PROPERTY_SEED !== undefined ? Number(process.env.PROPERTY_SEED) : undefined;
const PATH = process.env.PROPERTY_PATH;
const ONLY = process.env.PROPERTY_RULE;
const APPLY = new Set<Safety>(['safe', 'review']);
const MAX_CASE_BYTES = 256 * 1024;

type Files = Record<string, string>;

function readCase(dir: string): Files {
  const out: Files = {};
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && statSync(path.join(dir, p)).size < MAX_CASE_BYTES) {
        const bytes = readFileSync(path.join(dir, p));
        if (bytes.includes(0)) continue;
        out[p] = bytes.toString('utf8');
      }
    }
  };
  walk('');
  return out;
}

interface Case {
  name: string;
  files: Files;
  /** Files the golden fix changes: mutated first, since that is where the rule edits. */
  targets: string[];
}

function casesOf(ruleId: string): Case[] {
  const base = path.join(ROOT, 'fixtures', ruleId);
  if (!existsSync(base)) return [];
  const out: Case[] = [];
  for (const name of readdirSync(base).sort()) {
    const input = path.join(base, name, 'input');
    if (!existsSync(input)) continue;
    const files = readCase(input);
    const expected = existsSync(path.join(base, name, 'expected')) ? readCase(path.join(base, name, 'expected')) : {};
    const targets = Object.keys(files).filter((p) => expected[p] !== undefined && expected[p] !== files[p]);
    out.push({ name, files, targets: targets.length ? targets : Object.keys(files) });
  }
  return out;
}

type Mutation =
  | { kind: 'insert-line'; at: number; text: string }
  | { kind: 'delete-line'; at: number }
  | { kind: 'duplicate-line'; at: number }
  | { kind: 'indent'; at: number; delta: number }
  | { kind: 'insert-text'; at: number; text: string }
  | { kind: 'truncate'; at: number };

const snippet = fc.oneof(
  fc.constantFrom('', '  ', '#', '---', '- x', 'key: value', '  extra: [1, 2', '"', "'", '{', '}', '[', ']', '```', '\\', ':', '\t', 'FROM scratch', 'COPY --from=build /a /b', 'def f(:', '[tool]', '<<: *x', '&a', '*a', 'é', '日本', '🙂', '\u200b', '\u2028', '\r'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert-line' as const), at: fc.nat(), text: snippet }),
  fc.record({ kind: fc.constant('delete-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), delta: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ kind: fc.constant('insert-text' as const), at: fc.nat(), text: snippet }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const li = lines.length ? m.at % lines.length : 0;
  switch (m.kind) {
    case 'insert-line':
      lines.splice(li, 0, m.text);
      return lines.join('\n');
    case 'delete-line':
      lines.splice(li, 1);
      return lines.join('\n');
    case 'duplicate-line':
      lines.splice(li, 0, lines[li] ?? '');
      return lines.join('\n');
    case 'indent': {
      const l = lines[li] ?? '';
      lines[li] = m.delta >= 0 ? ' '.repeat(m.delta) + l : l.replace(new RegExp(`^ {0,${-m.delta}}`), '');
      return lines.join('\n');
    }
    case 'insert-text': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'truncate':
      return text.slice(0, text.length - (m.at % (Math.min(text.length, 400) + 1)));
  }
}

interface Input {
  caseIndex: number;
  fileIndex: number;
  mutations: Mutation[];
  crlf: boolean;
  bom: boolean;
}

const input: fc.Arbitrary<Input> = fc.record({
  caseIndex: fc.nat(),
  fileIndex: fc.nat(),
  // 0 mutations: the valid input (possibly with CRLF/BOM); a few: nearly valid or broken.
  mutations: fc.array(mutation, { maxLength: 4 }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
});

function build(cases: Case[], i: Input): { name: string; files: Files; target: string } {
  const c = cases[i.caseIndex % cases.length] as Case;
  const target = c.targets[i.fileIndex % c.targets.length] as string;
  let text = c.files[target] as string;
  for (const m of i.mutations) text = mutate(text, m);
  if (i.crlf) text = text.replace(/\r?\n/g, '\r\n');
  if (i.bom && !text.startsWith('\uFEFF')) text = `\uFEFF${text}`;
  return { name: c.name, files: { ...c.files, [target]: text }, target };
}

const isCrlf = (t: string): boolean => t.includes('\r\n') && !/(^|[^\r])\n/.test(t);

interface Stats {
  runs: number;
  withFindings: number;
  changed: number;
  unparsableInputs: number;
  /** Mutated inputs per format of the mutated file. */
  formats: Map<string, number>;
}

/** The mutated file's format, for the per-format figures (markdown and others by extension). */
function kindOf(p: string): string {
  return formatOf(p) ?? (/\.mdx?$/i.test(p) ? 'markdown' : (path.extname(p).slice(1) || path.basename(p)));
}

async function check(rule: Rule, files: Files, target: string, stats: Stats): Promise<void> {
  stats.runs++;
  stats.formats.set(kindOf(target), (stats.formats.get(kindOf(target)) ?? 0) + 1);
  const ws = Workspace.fromFiles('/r', files);
  for (const p of ws.paths) {
    const f = ws.read(p);
    if (f && (await parseProblem(f))) {
      stats.unparsableInputs++;
      break;
    }
  }
  let result: RunResult;
  try {
    result = await run(ws, { rules: [rule], apply: APPLY });
  } catch (error) {
    throw new Error(`run() threw: ${error instanceof Error ? error.stack : String(error)}`);
  }
  const failed = result.diagnostics.filter((d) => /^rule .* failed/.test(d.message));
  if (failed.length) throw new Error(`crash: ${failed.map((d) => d.message).join('; ')}`);
  if (result.findings.length) stats.withFindings++;
  if (result.changes.length) stats.changed++;

  for (const c of result.changes) {
    // A moved file keeps its bytes (checked below): whether it parsed before is the input's business.
    const problem = c.movedFrom !== undefined ? undefined : await parseProblem(new SourceFile(c.path, c.after, c.bom));
    if (problem) throw new Error(`${c.path} does not parse after the fixes: ${problem.message} at ${problem.offset}`);
    if (c.movedFrom !== undefined && files[c.movedFrom] !== undefined && (c.bom ? '\uFEFF' : '') + c.after !== files[c.movedFrom]) throw new Error(`${c.movedFrom} → ${c.path}: the moved file's text changed`);
    if (c.before !== undefined) {
      // A moved file is compared with its source.
      const hadBom = ws.read(c.movedFrom ?? c.path)?.bom ?? false;
      if (hadBom !== c.bom) throw new Error(`${c.path}: BOM ${hadBom ? 'lost' : 'added'}`);
      if (isCrlf(c.before) && !isCrlf(c.after)) throw new Error(`${c.path}: CRLF line endings not kept`);
    }
  }

  // A second run on the result changes nothing.
  const finalFiles: Files = { ...files };
  for (const c of result.changes) {
    if (c.movedFrom !== undefined) {
      // A file that is not text is not in the case (readCase leaves out files with NUL bytes).
      const source = finalFiles[c.movedFrom];
      delete finalFiles[c.movedFrom];
      if (source !== undefined) finalFiles[c.path] = source;
      continue;
    }
    finalFiles[c.path] = (c.bom ? '\uFEFF' : '') + c.after;
  }
  const again = await run(Workspace.fromFiles('/r', finalFiles), { rules: [rule], apply: APPLY });
  if (again.changes.length) throw new Error(`second run changed ${again.changes.map((c) => c.path).join(', ')}`);

  // One pass: every applied edit is relative to the input, so the changed bytes must lie inside them.
  const single = await run(ws, { rules: [rule], apply: APPLY, maxPasses: 1 });
  for (const c of single.changes) {
    if (c.before === undefined) continue;
    const edits = single.applied.flatMap((a) => a.fix.edits.filter((e) => e.file === c.path));
    const moved = changedOutsideSpans(c.before, c.after, edits);
    if (moved !== undefined) throw new Error(`${c.path}: bytes outside the declared spans changed at offset ${moved}`);
  }
}

const summary: string[] = [];

describe('property: every rule on mutated fixture inputs', () => {
  for (const rule of RULES) {
    const id = rule.meta.id;
    if (ONLY && ONLY !== id) continue;
    const cases = casesOf(id);
    it.skipIf(cases.length === 0)(`${id} (${cases.length} fixture cases)`, { timeout: 600_000 }, async () => {
      const stats: Stats = { runs: 0, withFindings: 0, changed: 0, unparsableInputs: 0, formats: new Map() };
      const prop = fc.asyncProperty(input, async (i) => {
        const { files, target } = build(cases, i);
        await check(rule, files, target, stats);
      });
      const params: fc.Parameters<[Input]> = { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), ...(PATH ? { path: PATH, endOnFailure: true } : {}) };
      const out = await fc.check(prop, params);
      const line = `${id}: ${stats.runs} cases (${RUNS} runs + shrinking), ${stats.withFindings} with findings, ${stats.changed} fixed, ${stats.unparsableInputs} unparsable inputs; by format: ${[...stats.formats].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`;
      summary.push(line);
      console.log(line);
      if (out.failed) {
        const ex = out.counterexample?.[0];
        const detail = ex ? build(cases, ex) : undefined;
        console.error(
          `property failed for ${id}; replay with:\n  PROPERTY_RULE=${id} PROPERTY_SEED=${out.seed} PROPERTY_PATH=${out.counterexamplePath ?? ''} npx vitest run tests/property.test.ts\n` +
            (detail ? `case ${detail.name}, mutated file ${detail.target}:\n${JSON.stringify(detail.files[detail.target])}\n` : ''),
        );
        throw new Error(fc.defaultReportMessage(out) ?? 'property failed');
      }
      expect(stats.runs).toBeGreaterThanOrEqual(Math.min(RUNS, 1));
    });
  }
});
