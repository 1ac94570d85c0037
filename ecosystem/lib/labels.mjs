/**
 * Labels: one TSV per repository (`labels/<owner>__<name>.tsv`), one line per finding or
 * diagnostic, written by a person who read it in context.
 *
 *   rule  file  line  key  fixhash  verdict  fix  reason
 *
 * - verdict: real | wrong | debatable (for a diagnostic: real = the file is invalid for its
 *   tool, wrong = the file is valid and the diagnostic should not exist).
 * - fix: right | harmful | wrong-target | none. `none` when the finding has no fix. The fix
 *   verdict is about the fix the tool proposes, whatever its safety class: a harmful review fix
 *   is a bad proposal too, but only a harmful *safe* fix breaks the "safe is never wrong" bar.
 * - fixhash identifies the proposed edits; when the tool proposes different edits later the
 *   label's fix verdict is stale and the report says so.
 * Lines starting with `#` are comments.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const COLUMNS = ['rule', 'file', 'line', 'key', 'fixhash', 'verdict', 'fix', 'reason'];
export const VERDICTS = new Set(['real', 'wrong', 'debatable']);
export const FIX_VERDICTS = new Set(['right', 'harmful', 'wrong-target', 'none']);

const clean = (s) => String(s ?? '').replace(/[\t\r\n]+/g, ' ');

export function readLabels(file) {
  if (!existsSync(file)) return [];
  const out = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((raw, i) => {
    if (!raw.trim() || raw.startsWith('#')) return;
    const cells = raw.split('\t');
    if (cells[0] === 'rule' && cells[1] === 'file') return;
    const row = Object.fromEntries(COLUMNS.map((c, j) => [c, cells[j] ?? '']));
    row.line = Number(row.line);
    row.at = `${file}:${i + 1}`;
    if (!VERDICTS.has(row.verdict)) throw new Error(`${row.at}: verdict must be real, wrong or debatable (got "${row.verdict}")`);
    if (!FIX_VERDICTS.has(row.fix)) throw new Error(`${row.at}: fix must be right, harmful, wrong-target or none (got "${row.fix}")`);
    out.push(row);
  });
  return out;
}

export function labelLine(item, verdict = '?', fix = '?', reason = '') {
  return [item.rule, item.file, item.line, clean(item.key), item.fixhash ?? '', verdict, fix, clean(reason)].join('\t');
}

export function writeLabels(file, rows) {
  writeFileSync(file, `${COLUMNS.join('\t')}\n${rows.join('\n')}${rows.length ? '\n' : ''}`);
}

/**
 * Pair today's items with labels. Exact match on (rule, file, line, key); then, so a changed
 * key does not orphan a label, a unique (rule, file, line) among what is left. Returns
 * { matched: [{ item, label, keyChanged, fixChanged }], unlabelled: [item], gone: [label] }.
 */
export function matchLabels(items, labels) {
  const left = new Set(labels);
  const matched = [];
  const pending = [];
  const exact = new Map();
  for (const l of labels) {
    const k = `${l.rule}\0${l.file}\0${l.line}\0${l.key}`;
    if (!exact.has(k)) exact.set(k, []);
    exact.get(k).push(l);
  }
  for (const item of items) {
    const list = exact.get(`${item.rule}\0${item.file}\0${item.line}\0${clean(item.key)}`);
    const label = list?.find((l) => left.has(l));
    if (label) {
      left.delete(label);
      matched.push({ item, label, keyChanged: false, fixChanged: (label.fixhash || '') !== (item.fixhash || '') });
    } else pending.push(item);
  }
  const unlabelled = [];
  for (const item of pending) {
    const candidates = [...left].filter((l) => l.rule === item.rule && l.file === item.file && l.line === item.line);
    const rivals = pending.filter((p) => p.rule === item.rule && p.file === item.file && p.line === item.line);
    if (candidates.length === 1 && rivals.length === 1) {
      left.delete(candidates[0]);
      matched.push({ item, label: candidates[0], keyChanged: true, fixChanged: (candidates[0].fixhash || '') !== (item.fixhash || '') });
    } else unlabelled.push(item);
  }
  return { matched, unlabelled, gone: [...left] };
}
