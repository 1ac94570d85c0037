#!/usr/bin/env node
// `npm run fuzz`: the property suite (tests/property.test.ts) with a large count, then the hostile
// corpus (bench/hostile.mjs) at its full sizes, each file timed against a budget.
//
//   node bench/fuzz.mjs [runs-per-rule]          # both (runs default 2000)
//   node bench/fuzz.mjs --property-only [runs]
//   node bench/fuzz.mjs --hostile-only [--shape a,b] [--size full|ci|<n>] [--budget <s>]
//
// Property suite: extra env (PROPERTY_RULE, PROPERTY_SEED, PROPERTY_PATH) passes through, so a
// printed failure replays with the same command.
//
// Hostile corpus: runs the built CLI (`npm run build` first: bin/autopack-fix.js loads dist/) as
// a child process per shape, `--format json`, on a fresh git repository holding the shape's
// files. A shape fails when the run crashes (exit 2, a signal, `rule … failed`, a stack
// overflow), when it takes longer than its budget, or when the outcome is not the one the shape
// expects (a note naming the file, or none). The budget is `--budget` seconds (default 10) plus,
// for a Markdown file, the tool's own budget for reading it (1 s + 20 ms per KB). The child is
// killed at three times its budget. Timings are reported here only: tests never assert them.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SHAPES, hostileFile } from './hostile.mjs';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const positional = args.filter((a, i) => !a.startsWith('--') && !['--shape', '--size', '--budget'].includes(args[i - 1]));

let failed = false;
if (!flag('--hostile-only')) failed = property(positional[0] ?? process.env.PROPERTY_RUNS ?? '2000') || failed;
if (!flag('--property-only')) failed = (await hostile()) || failed;
process.exit(failed ? 1 : 0);

function property(runs) {
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'tests/property.test.ts'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PROPERTY_RUNS: String(runs), NO_COLOR: process.env.NO_COLOR ?? '1' },
  });
  return r.status !== 0;
}

async function hostile() {
  const cli = path.join(root, 'bin', 'autopack-fix.js');
  if (!existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'))) {
    console.error('bench/fuzz.mjs: dist/ is missing; run `npm run build` first (the hostile corpus runs the built CLI)');
    return true;
  }
  const budgetBase = Number(option('--budget') ?? 10) * 1000;
  const only = option('--shape')?.split(',');
  const sizeArg = option('--size') ?? 'full';
  const shapes = SHAPES.filter((s) => !only || only.includes(s.name));
  const rows = [];
  let bad = false;
  console.log(`\nHostile corpus: ${shapes.length} shapes, size ${sizeArg}, budget ${budgetBase / 1000} s per file (+ the Markdown reading budget for a Markdown file)\n`);
  for (const shape of shapes) {
    const size = sizeArg === 'full' ? shape.full : sizeArg === 'ci' ? shape.ci : Number(sizeArg);
    const files = shape.files(size);
    const target = hostileFile(files);
    const bytes = Buffer.byteLength(files[target]);
    const budget = budgetBase + (/\.(md|mdx|markdown)$/i.test(target) ? 1000 + Math.ceil((bytes / 1024) * 20) : 0);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apf-hostile-'));
    try {
      for (const [p, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
        writeFileSync(path.join(dir, p), text);
      }
      for (const g of [['init', '-q', '-b', 'main'], ['add', '-A'], ['-c', 'user.name=fuzz', '-c', 'user.email=fuzz@example.invalid', 'commit', '-q', '-m', 'hostile']]) {
        spawnSync('git', g, { cwd: dir, stdio: 'ignore' });
      }
      const run = await timed(cli, dir, budget * 3);
      const problems = [];
      let report;
      try {
        report = JSON.parse(run.stdout);
      } catch {
        problems.push('no JSON report');
      }
      if (run.signal) problems.push(`killed (${run.signal}) after ${(run.ms / 1000).toFixed(1)} s`);
      else if (run.code === 2) problems.push(`exit 2: ${run.stderr.split('\n')[0]}`);
      if (/call stack|failed:/.test(run.stderr) || report?.diagnostics.some((d) => /call stack|failed:/.test(d.message))) problems.push('crash (a rule failed or a stack overflowed)');
      const named = (report?.diagnostics ?? []).filter((d) => d.file === target);
      if (report && shape.expect === 'note' && !named.some((d) => /too complex|nested deeper than|nested too deeply/.test(d.message))) problems.push('expected a note naming the file');
      if (report && shape.expect === 'read' && named.length > 0) problems.push(`expected no note, got: ${named[0].message}`);
      const finding = shape.finding?.(size);
      if (report && finding && !report.findings.some((f) => f.ruleId === finding.rule && f.file === finding.file)) problems.push(`expected a ${finding.rule} finding in ${finding.file}`);
      if (run.ms > budget) problems.push(`over budget (${(run.ms / 1000).toFixed(1)} s > ${(budget / 1000).toFixed(1)} s)`);
      const outcome = named.length > 0 ? named[0].message.replace(/^.*?(too complex|nested deeper than \d+ levels|nested too deeply|alias expansion)/, '$1').slice(0, 70) : 'read';
      rows.push({ shape: shape.name, size, kb: (bytes / 1024).toFixed(0), s: (run.ms / 1000).toFixed(2), budget: (budget / 1000).toFixed(1), outcome, ok: problems.length === 0 ? 'ok' : `FAIL: ${problems.join('; ')}` });
      if (problems.length > 0) bad = true;
      console.log(`${rows.at(-1).ok === 'ok' ? 'ok  ' : 'FAIL'} ${shape.name.padEnd(26)} ${String(size).padStart(7)} ${rows.at(-1).kb.padStart(5)} KB ${rows.at(-1).s.padStart(6)} s  ${problems.join('; ')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log('\n| shape | size | KB | wall s | budget s | outcome | result |\n| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.shape} | ${r.size} | ${r.kb} | ${r.s} | ${r.budget} | ${r.outcome} | ${r.ok} |`);
  return bad;
}

/** Run the CLI on `dir`; kill it after `killMs`. Wall time from spawn to exit (Node start-up included). */
function timed(cli, dir, killMs) {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(process.execPath, [cli, dir, '--format', 'json'], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), killMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - start });
    });
  });
}
