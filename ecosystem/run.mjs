#!/usr/bin/env node
/**
 * The ecosystem check: run every rule on the pinned public repositories and compare the output
 * with committed labels. See ecosystem/README.md.
 *
 *   npm run ecosystem -- --mirrors <dir> [--repo owner/name ...] [--no-write] [--history]
 *
 * Needs a build (`npm run build`): it runs the engine from dist/ in-process, the way the CLI
 * does, and the real CLI (`bin/autopack-fix.js`) for the `--write` pass on a copy.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mirrorOf, scratchCopy, snapshot } from './lib/snapshot.mjs';
import { labelLine, matchLabels, readLabels, writeLabels } from './lib/labels.mjs';
import { analyse, editContext } from './lib/analyse.mjs';

const HERE = import.meta.dirname;
const ROOT = path.resolve(HERE, '..');
// Snapshots may be shared between checkouts of this project (ECOSYSTEM_WORK); scratch copies are per process.
const WORK = process.env.ECOSYSTEM_WORK ? path.resolve(process.env.ECOSYSTEM_WORK) : path.join(HERE, '.work');

const { values } = parseArgs({
  options: {
    mirrors: { type: 'string', default: process.env.ECOSYSTEM_MIRRORS },
    repos: { type: 'string', default: path.resolve(ROOT, '..', 'shared', 'ecosystem', 'repos.tsv') },
    repo: { type: 'string', multiple: true },
    'no-write': { type: 'boolean', default: false },
    history: { type: 'boolean', default: false },
    'write-skeleton': { type: 'boolean', default: false },
    'update-labels': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

if (!values.mirrors) {
  console.error('ecosystem: --mirrors <dir> is required (the folder of bare mirrors, laid out as <dir>/<owner>+<name>/repo), or set ECOSYSTEM_MIRRORS');
  process.exit(2);
}
if (!existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
  console.error('ecosystem: no build; run `npm run build` first');
  process.exit(2);
}

const pinned = readFileSync(values.repos, 'utf8').split('\n').slice(1).filter(Boolean).map((line) => {
  const [repo, commit] = line.split('\t');
  return { repo, commit };
});
const selected = values.repo?.length ? pinned.filter((p) => values.repo.includes(p.repo)) : pinned;
for (const r of values.repo ?? []) if (!pinned.some((p) => p.repo === r)) console.error(`ecosystem: ${r} is not in ${values.repos}`);

if (values.history) {
  const { runHistory } = await import('./lib/history.mjs');
  await runHistory({ mirrors: values.mirrors, pinned, selected, work: WORK, root: ROOT, historyFile: path.join(HERE, 'history.tsv') });
  process.exit(0);
}

const slug = (repo) => repo.replace('/', '__');
const totals = new Map();
const row = (rule) => {
  if (!totals.has(rule)) totals.set(rule, { findings: 0, real: 0, wrong: 0, debatable: 0, unlabelled: 0, safe: 0, review: 0, right: 0, harmful: 0, wrongTarget: 0, harmfulSafe: 0, stale: 0 });
  return totals.get(rule);
};
const problems = [];
const perRepo = [];
const OUT = process.env.ECOSYSTEM_OUT ? path.resolve(process.env.ECOSYSTEM_OUT) : path.join(HERE, '.work', 'out');
mkdirSync(OUT, { recursive: true });

for (const { repo, commit } of selected) {
  const mirror = mirrorOf(values.mirrors, repo);
  if (!existsSync(mirror)) {
    problems.push(`${repo}: no mirror at ${mirror}`);
    continue;
  }
  const t0 = Date.now();
  const snap = snapshot(mirror, commit, path.join(WORK, 'snapshots', slug(repo)), repo);
  const analysis = await analyse(snap.dir);
  const items = [
    ...analysis.findings.map((f) => ({
      kind: 'finding',
      rule: f.ruleId,
      file: f.file,
      line: f.line,
      key: f.key,
      fixhash: f.fix ? fixHash(f.fix) : '',
      finding: f,
    })),
    ...analysis.diagnostics
      .filter((d) => d.kind === 'parse-error' || (d.kind === 'note' && d.ruleId))
      .map((d) => ({ kind: 'diagnostic', rule: `diagnostic/${d.kind}`, file: d.file, line: d.line ?? 0, key: d.message.slice(0, 120), fixhash: '', diagnostic: d })),
  ];
  const labelsFile = path.join(HERE, 'labels', `${slug(repo)}.tsv`);
  const labels = readLabels(labelsFile);
  const { matched, unlabelled, gone } = matchLabels(items, labels);

  for (const m of matched) {
    const r = row(m.item.rule);
    r.findings++;
    r[m.label.verdict]++;
    const fix = m.item.finding?.fix;
    if (fix) r[fix.safety]++;
    if (fix && m.fixChanged) r.stale++;
    else if (fix) {
      if (m.label.fix === 'right') r.right++;
      if (m.label.fix === 'harmful') r.harmful++;
      if (m.label.fix === 'wrong-target') r.wrongTarget++;
      if (fix.safety === 'safe' && (m.label.fix === 'harmful' || m.label.fix === 'wrong-target')) {
        r.harmfulSafe++;
        problems.push(`${repo}: HARMFUL SAFE FIX ${m.item.rule} ${m.item.file}:${m.item.line} — ${m.label.reason}`);
      }
    }
  }
  for (const u of unlabelled) {
    const r = row(u.rule);
    r.findings++;
    r.unlabelled++;
    if (u.finding?.fix) r[u.finding.fix.safety]++;
  }

  // --write on a copy: the real CLI, then a second run that must find nothing left to change.
  let write = { skipped: true };
  if (!values['no-write'] && analysis.changes.length > 0) {
    const scratch = path.join(WORK, `scratch-${process.pid}`, slug(repo));
    write = writeCheck(snap.dir, scratch, analysis);
    rmSync(path.dirname(scratch), { recursive: true, force: true });
  }
  if (write.problem) problems.push(`${repo}: ${write.problem}`);

  const out = path.join(OUT, `${slug(repo)}.md`);
  writeFileSync(out, contextReport(repo, commit, snap, analysis, items, matched, unlabelled, gone));
  if (values['update-labels']) updateLabels(labelsFile, labels, matched, gone);
  const staleFile = path.join(OUT, `${slug(repo)}.stale.tsv`);
  const stale = matched.filter((m) => m.fixChanged && m.item.finding?.fix);
  // The old verdicts beside the new fix hash, for a person to read again and copy into the labels.
  writeFileSync(staleFile, stale.map((m) => labelLine(m.item, m.label.verdict, `${m.label.fix}?`, m.label.reason)).join('\n') + (stale.length ? '\n' : ''));
  const skeleton = path.join(OUT, `${slug(repo)}.unlabelled.tsv`);
  writeFileSync(skeleton, unlabelled.map((u) => labelLine(u)).join('\n') + (unlabelled.length ? '\n' : ''));
  const ms = Date.now() - t0;
  perRepo.push({ repo, items: items.length, unlabelled: unlabelled.length, gone: gone.length, stale: matched.filter((m) => m.fixChanged && m.item.finding?.fix).length, keyChanged: matched.filter((m) => m.keyChanged).length, changes: analysis.changes.length, write, ms, runMs: analysis.ms, missing: snap.missing.length });
  if (!values.quiet) console.error(`${repo}: ${items.length} items (${unlabelled.length} unlabelled, ${gone.length} gone), ${analysis.changes.length} files changed by safe fixes, ${(analysis.ms / 1000).toFixed(1)} s run, ${(ms / 1000).toFixed(1)} s total`);
}

printSummary();

function fixHash(fix) {
  const edits = [...fix.edits].sort((a, b) => a.file.localeCompare(b.file) || a.start - b.start).map((e) => [e.file, e.start, e.end, e.text]);
  const creates = (fix.creates ?? []).map((c) => [c.file, c.content]);
  return createHash('sha256').update(JSON.stringify([fix.safety, edits, creates])).digest('hex').slice(0, 10);
}

function writeCheck(snapDir, scratch, analysis) {
  scratchCopy(snapDir, scratch);
  const bin = path.join(ROOT, 'bin', 'autopack-fix.js');
  const env = { ...process.env, NO_COLOR: '1', CI: '1' };
  const first = spawnSync(process.execPath, [bin, scratch, '--write', '--format', 'json'], { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  let report;
  try {
    report = JSON.parse(first.stdout);
  } catch {
    return { problem: `--write printed no JSON (exit ${first.status}): ${first.stderr.slice(0, 400)}` };
  }
  const written = report.written ?? [];
  const expected = analysis.changes.map((c) => c.path).sort();
  const writeErrors = (report.diagnostics ?? []).filter((d) => d.kind === 'write-error' || d.kind === 'fix-rejected');
  const second = spawnSync(process.execPath, [bin, scratch, '--dry-run', '--format', 'json'], { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  let again;
  try {
    again = JSON.parse(second.stdout);
  } catch {
    return { problem: `second run printed no JSON (exit ${second.status}): ${second.stderr.slice(0, 400)}` };
  }
  const result = { written: written.length, exit: first.status, secondRunChanges: again.summary.filesChanged, writeErrors: writeErrors.length };
  const issues = [];
  if (JSON.stringify([...written].sort()) !== JSON.stringify(expected)) issues.push(`--write wrote ${written.length} files, the dry analysis changed ${expected.length}`);
  if (again.summary.filesChanged > 0) issues.push(`second run is not a no-op: ${again.summary.filesChanged} files would change again`);
  if (writeErrors.length) issues.push(`${writeErrors.length} write errors / rejected fixes: ${writeErrors.map((d) => d.message).join('; ').slice(0, 300)}`);
  if (issues.length) result.problem = issues.join('; ');
  return result;
}

/**
 * `--update-labels`: follow today's line numbers and keys, and drop labels whose finding is gone
 * (git keeps them). A label whose fix changed keeps its old hash, so it stays stale until a person
 * reads the new fix (`<repo>.stale.tsv` lists them).
 */
function updateLabels(file, labels, matched, gone) {
  if (labels.length === 0) return;
  const byLabel = new Map(matched.map((m) => [m.label, m.item]));
  const rows = [];
  for (const l of labels) {
    if (gone.includes(l)) continue;
    const item = byLabel.get(l);
    rows.push(labelLine({ ...item, fixhash: l.fixhash }, l.verdict, l.fix, l.reason));
  }
  writeLabels(file, rows);
}

function contextReport(repo, commit, snap, analysis, items, matched, unlabelled, gone) {
  const byItem = new Map(matched.map((m) => [m.item, m]));
  const out = [`# ${repo} @ ${commit.slice(0, 12)}`, ''];
  if (snap.missing.length) out.push(`Blobs missing from the mirror (not in the work tree, not deleted): ${snap.missing.join(', ')}`, '');
  out.push(`${items.length} items, ${unlabelled.length} unlabelled, ${gone.length} labels with no finding today.`, '');
  items.forEach((item, i) => {
    const m = byItem.get(item);
    const status = m ? `labelled ${m.label.verdict}/${m.label.fix}${m.fixChanged && item.finding?.fix ? ' (FIX CHANGED since labelled)' : ''}${m.keyChanged ? ' (key changed)' : ''}` : 'UNLABELLED';
    out.push(`## ${i + 1}. ${item.rule} · ${item.file}:${item.line} · ${status}`);
    if (item.finding) {
      const f = item.finding;
      out.push('', `message: ${f.message}`, `key: ${f.key}`, `severity: ${f.severity} · seedIds: ${f.seedIds.join(',') || '-'}`);
      out.push(f.fix ? `fix: ${f.fix.safety} · ${f.fix.description} · status ${f.fixStatus} · fixhash ${item.fixhash}` : 'fix: none (report only)');
      out.push('', '```text', snippet(analysis.workspace, f.file, f.line), '```');
      if (f.fix) out.push('', '```diff', editContext(analysis.workspace, f.fix), '```');
    } else {
      out.push('', `message: ${item.diagnostic.message}`, '', '```text', snippet(analysis.workspace, item.file, item.line || 1), '```');
    }
    out.push('', `label line: ${labelLine(item)}`, '');
  });
  if (gone.length) {
    out.push('## Labels with no finding today', '');
    for (const g of gone) out.push(`- ${g.rule} ${g.file}:${g.line} (${g.verdict}/${g.fix}) ${g.reason}`);
  }
  return `${out.join('\n')}\n`;
}

function snippet(ws, file, line, before = 6, after = 4) {
  const text = ws.read(file)?.text;
  if (text === undefined) return `(cannot read ${file})`;
  const lines = text.split('\n');
  const from = Math.max(1, line - before);
  const to = Math.min(lines.length, line + after);
  const out = [];
  for (let l = from; l <= to; l++) out.push(`${l === line ? '>' : ' '}${String(l).padStart(5)}| ${lines[l - 1].slice(0, 220)}`);
  return out.join('\n');
}

function printSummary() {
  const pct = (a, b) => (b === 0 ? '-' : `${((100 * a) / b).toFixed(0)}%`);
  console.log('\n## Per rule\n');
  console.log('| rule | findings | real | wrong | debatable | unlabelled | precision | safe fixes | review fixes | fixes right | harmful | wrong target | harmful safe | stale fix labels |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const sum = { findings: 0, real: 0, wrong: 0, debatable: 0, unlabelled: 0, safe: 0, review: 0, right: 0, harmful: 0, wrongTarget: 0, harmfulSafe: 0, stale: 0 };
  for (const [rule, r] of [...totals].sort()) {
    for (const k of Object.keys(sum)) sum[k] += r[k];
    console.log(`| ${rule} | ${r.findings} | ${r.real} | ${r.wrong} | ${r.debatable} | ${r.unlabelled} | ${pct(r.real, r.real + r.wrong)} | ${r.safe} | ${r.review} | ${r.right} | ${r.harmful} | ${r.wrongTarget} | ${r.harmfulSafe} | ${r.stale} |`);
  }
  console.log(`| **all** | ${sum.findings} | ${sum.real} | ${sum.wrong} | ${sum.debatable} | ${sum.unlabelled} | ${pct(sum.real, sum.real + sum.wrong)} | ${sum.safe} | ${sum.review} | ${sum.right} | ${sum.harmful} | ${sum.wrongTarget} | ${sum.harmfulSafe} | ${sum.stale} |`);
  console.log('\n## Per repository\n');
  console.log('| repository | items | unlabelled | gone labels | stale fix labels | files changed (safe) | --write | second run | run s | missing blobs |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const p of perRepo) {
    const w = p.write.skipped ? '-' : `${p.write.written} written, exit ${p.write.exit}`;
    const s = p.write.skipped ? '-' : p.write.secondRunChanges === 0 ? 'no-op' : `${p.write.secondRunChanges} files again`;
    console.log(`| ${p.repo} | ${p.items} | ${p.unlabelled} | ${p.gone} | ${p.stale} | ${p.changes} | ${w} | ${s} | ${(p.runMs / 1000).toFixed(1)} | ${p.missing} |`);
  }
  if (problems.length) {
    console.log('\n## Problems\n');
    for (const p of problems) console.log(`- ${p}`);
  }
  const unlabelledTotal = perRepo.reduce((n, p) => n + p.unlabelled, 0);
  console.log(`\n${sum.harmfulSafe} harmful safe fixes; ${unlabelledTotal} unlabelled items (see ecosystem/.work/out/*.md); ${perRepo.reduce((n, p) => n + p.gone, 0)} labels with no finding today.`);
  if (sum.harmfulSafe > 0 || unlabelledTotal > 0 || problems.length > 0) process.exitCode = 1;
}
