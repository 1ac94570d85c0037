#!/usr/bin/env node
// Benchmark the built autopack-fix CLI on synthetic repositories.
//
//   node bench/run.mjs [--files 2000,20000] [--runs 3] [--warmup 1] [--seed 1]
//                      [--modes report,dry-run] [--timeout 1800] [--regen] [--rss time|preload|auto]
//
// For each N: generate (or reuse) .bench/repo-n<N>-s<seed>/, then time full runs of
//   node bin/autopack-fix.js DIR --format json            (mode "report")
//   node bin/autopack-fix.js DIR --dry-run --format json  (mode "dry-run")
// as child processes: wall time (median of --runs, after --warmup untimed runs) and peak RSS of
// the child (GNU time -v, else a --import preload reporting process.resourceUsage().maxRSS).
// Prints a Markdown table and writes .bench/results.json. Exit code 1 from the CLI means
// "findings exist" and is expected; 2 (or a signal, or a timeout) is recorded as a failure.

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATOR_VERSION, DRIFT_KINDS } from './generate.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(benchDir, '..');
const outDir = path.join(repoRoot, '.bench');
const cli = path.join(repoRoot, 'bin', 'autopack-fix.js');
const MODES = { report: ['--format', 'json'], 'dry-run': ['--dry-run', '--format', 'json'] };

function parseArgs(argv) {
  const o = { files: [2000, 20000], runs: 3, warmup: 1, seed: '1', modes: ['report', 'dry-run'], timeout: 1800, regen: false, rss: 'auto' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--files') o.files = v().split(',').map((s) => Number(s.trim().replace(/_/g, '')));
    else if (a === '--runs') o.runs = Number(v());
    else if (a === '--warmup') o.warmup = Number(v());
    else if (a === '--seed') o.seed = v();
    else if (a === '--modes') o.modes = v().split(',');
    else if (a === '--timeout') o.timeout = Number(v());
    else if (a === '--regen') o.regen = true;
    else if (a === '--rss') o.rss = v();
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  if (o.files.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('--files: positive integers, comma-separated');
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs: a positive integer');
  if (!Number.isInteger(o.warmup) || o.warmup < 0) throw new Error('--warmup: a non-negative integer');
  for (const m of o.modes) if (!MODES[m]) throw new Error(`--modes: unknown mode ${m} (report, dry-run)`);
  if (!['time', 'preload', 'auto'].includes(o.rss)) throw new Error('--rss: time, preload or auto');
  return o;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function log(msg) {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** Generate the repository for N unless a matching one is already there. */
function ensureRepo(n, seed, regen) {
  const dir = path.join(outDir, `repo-n${n}-s${seed}`);
  const manifestPath = path.join(dir, '.bench-manifest.json');
  if (!regen && existsSync(manifestPath) && existsSync(path.join(dir, '.git'))) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (m.generatorVersion === GENERATOR_VERSION && m.filesRequested === n && m.seed === String(seed)) {
      log(`reusing ${path.relative(repoRoot, dir)} (${m.filesWritten} files, commit ${m.commit.slice(0, 12)})`);
      return { dir, manifest: m, generatedSec: null };
    }
  }
  rmSync(dir, { recursive: true, force: true });
  log(`generating ${n} files into ${path.relative(repoRoot, dir)} …`);
  const t0 = performance.now();
  const said = execFileSync(process.execPath, [path.join(benchDir, 'generate.mjs'), '--files', String(n), '--out', dir, '--seed', String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] });
  log(said.toString().trim());
  const generatedSec = (performance.now() - t0) / 1000;
  // Let the freshly written files reach the disk and refresh the index's stat data (as after a
  // clone), so the first timed runs do not pay for write-back of the generator's output.
  try {
    execFileSync('sync');
  } catch {
    // not fatal
  }
  execFileSync('git', ['status', '--porcelain'], { cwd: dir, stdio: 'ignore' });
  return { dir, manifest: JSON.parse(readFileSync(manifestPath, 'utf8')), generatedSec };
}

function gitFileCount(dir) {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: dir, maxBuffer: 512 * 1024 * 1024 });
  return out.toString('utf8').split('\0').filter(Boolean).length;
}

function parseGnuTime(text) {
  const num = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  return {
    maxRSSKiB: num(/Maximum resident set size \(kbytes\): (\d+)/),
    userSec: num(/User time \(seconds\): ([\d.]+)/),
    sysSec: num(/System time \(seconds\): ([\d.]+)/),
  };
}

/** One timed run of the CLI. */
function runOnce(dir, mode, probe, timeoutSec, tmp) {
  return new Promise((resolve) => {
    const probeFile = path.join(tmp, `probe-${process.hrtime.bigint()}.txt`);
    const cliArgs = [cli, dir, ...MODES[mode]];
    let cmd;
    let args;
    const env = { ...process.env, NO_COLOR: '1' };
    if (probe === 'time') {
      cmd = '/usr/bin/time';
      args = ['-v', '-o', probeFile, process.execPath, ...cliArgs];
    } else {
      cmd = process.execPath;
      args = ['--import', pathToImport(path.join(benchDir, 'maxrss-preload.mjs')), ...cliArgs];
      env.BENCH_MAXRSS_FILE = probeFile;
    }
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSec * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallSec = (performance.now() - t0) / 1000;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      let usage = {};
      try {
        const text = readFileSync(probeFile, 'utf8');
        usage = probe === 'time' ? parseGnuTime(text) : JSON.parse(text);
        rmSync(probeFile, { force: true });
      } catch {
        // no probe output (killed, crashed before exit)
      }
      // GNU time reports the child's status in its own exit code; a signal shows up in the file.
      let report;
      let parseError;
      try {
        report = JSON.parse(stdout);
      } catch (e) {
        parseError = e.message;
      }
      const ok = !timedOut && signal === null && (code === 0 || code === 1) && report !== undefined;
      resolve({ mode, exitCode: code, signal, timedOut, wallSec, ...usage, ok, report, parseError, stderr, stdoutBytes: stdout.length });
    });
  });
}

function pathToImport(p) {
  return new URL(`file://${p}`).href;
}

function perRule(report, ruleIds) {
  const counts = Object.fromEntries(ruleIds.map((k) => [k, 0]));
  for (const f of report?.findings ?? []) counts[f.ruleId] = (counts[f.ruleId] ?? 0) + 1;
  return counts;
}

function fmtSec(s) {
  return s >= 10 ? s.toFixed(1) : s.toFixed(2);
}

function fmtMiB(kib) {
  return kib === undefined ? 'n/a' : `${(kib / 1024).toFixed(0)}`;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`run.mjs: ${e.message}\n`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write('usage: node bench/run.mjs [--files 2000,20000] [--runs 3] [--warmup 1] [--seed 1] [--modes report,dry-run] [--timeout 1800] [--regen] [--rss time|preload|auto]\n');
    return;
  }
  if (!existsSync(path.join(repoRoot, 'dist', 'src', 'cli', 'main.js'))) {
    process.stderr.write('run.mjs: dist/ is missing; run `npm run build` first\n');
    process.exit(2);
  }
  const probe = opts.rss === 'auto' ? (existsSync('/usr/bin/time') ? 'time' : 'preload') : opts.rss;
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'autopack-bench-'));

  const machine = {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memTotalGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    git: execFileSync('git', ['--version']).toString().trim(),
    rssProbe: probe === 'time' ? '/usr/bin/time -v (max RSS of the process tree)' : 'node --import maxrss-preload.mjs (node process only)',
  };
  // What is being measured: the tool's commit, whether its tree is dirty, when dist/ was built.
  const gitOut = (args) => {
    try {
      return execFileSync('git', args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      return null;
    }
  };
  const dirty = gitOut(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench']);
  const tool = {
    commit: gitOut(['rev-parse', 'HEAD']),
    trackedChanges: dirty === null ? null : dirty.split('\n').filter(Boolean).length,
    distBuiltAt: statSync(path.join(repoRoot, 'dist', 'src', 'cli', 'main.js')).mtime.toISOString(),
    rules: execFileSync(process.execPath, [cli, 'list-rules']).toString().split('\n').map((l) => l.split(/\s+/)[0]).filter(Boolean),
  };
  const results = { date: new Date().toISOString(), machine, tool, options: { runs: opts.runs, warmup: opts.warmup, seed: opts.seed, modes: opts.modes }, sizes: [] };

  for (const n of opts.files) {
    const { dir, manifest, generatedSec } = ensureRepo(n, opts.seed, opts.regen);
    const files = gitFileCount(dir);
    // Other processes on the machine skew wall times: record the load around the timed runs.
    const size = { filesRequested: n, files, dir: path.relative(repoRoot, dir), commit: manifest.commit, generatedSec, loadavgBefore: os.loadavg().map((x) => +x.toFixed(2)), manifest, modes: [] };
    // Warm up every mode, then interleave the timed runs (report, dry-run, report, …) so that a
    // slow phase of the machine does not land on one mode only.
    for (const mode of opts.modes) {
      for (let i = 0; i < opts.warmup; i++) {
        log(`N=${n} ${mode}: warm-up ${i + 1}/${opts.warmup}`);
        const w = await runOnce(dir, mode, probe, opts.timeout, tmp);
        log(`  ${fmtSec(w.wallSec)}s, exit ${w.exitCode}${w.signal ? ` signal ${w.signal}` : ''}${w.timedOut ? ' TIMEOUT' : ''}`);
      }
    }
    const runsOf = new Map(opts.modes.map((m) => [m, []]));
    for (let i = 0; i < opts.runs; i++) {
      for (const mode of opts.modes) {
        const r = await runOnce(dir, mode, probe, opts.timeout, tmp);
        log(`N=${n} ${mode}: run ${i + 1}/${opts.runs}: ${fmtSec(r.wallSec)}s, ${fmtMiB(r.maxRSSKiB)} MiB, exit ${r.exitCode}${r.signal ? ` signal ${r.signal}` : ''}${r.timedOut ? ' TIMEOUT' : ''}${r.ok ? '' : ` FAILED: ${(r.parseError ?? '').slice(0, 100)} ${r.stderr.slice(0, 400)}`}`);
        runsOf.get(mode).push(r);
      }
    }
    for (const mode of opts.modes) {
      const runs = runsOf.get(mode);
      const good = runs.filter((r) => r.ok);
      const last = good[good.length - 1];
      const rules = perRule(last?.report, tool.rules);
      const mismatches = DRIFT_KINDS.filter((k) => rules[k] !== manifest.injected[k]).map((k) => `${k}: injected ${manifest.injected[k]}, reported ${rules[k]}`);
      for (const k of Object.keys(rules)) if (!DRIFT_KINDS.includes(k) && rules[k] > 0) mismatches.push(`${k}: injected 0, reported ${rules[k]}`);
      size.modes.push({
        mode,
        command: `node bin/autopack-fix.js ${path.relative(repoRoot, dir)} ${MODES[mode].join(' ')}`,
        ok: good.length === runs.length,
        wallSec: { median: good.length ? median(good.map((r) => r.wallSec)) : null, min: good.length ? Math.min(...good.map((r) => r.wallSec)) : null, max: good.length ? Math.max(...good.map((r) => r.wallSec)) : null, all: runs.map((r) => +r.wallSec.toFixed(3)) },
        maxRSSKiB: { median: good.length ? median(good.map((r) => r.maxRSSKiB ?? 0)) : null, max: good.length ? Math.max(...good.map((r) => r.maxRSSKiB ?? 0)) : null, all: runs.map((r) => r.maxRSSKiB ?? null) },
        cpuSec: { median: good.length ? median(good.map((r) => (r.userSec ?? 0) + (r.sysSec ?? 0))) : null },
        exitCodes: runs.map((r) => r.exitCode),
        summary: last?.report?.summary ?? null,
        findingsPerRule: rules,
        diagnostics: last?.report?.diagnostics?.length ?? null,
        diagnosticsSample: (last?.report?.diagnostics ?? []).slice(0, 5),
        mismatches,
        failures: runs.filter((r) => !r.ok).map((r) => ({ exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, wallSec: r.wallSec, parseError: r.parseError, stderr: r.stderr.slice(0, 4000) })),
      });
    }
    size.loadavgAfter = os.loadavg().map((x) => +x.toFixed(2));
    results.sizes.push(size);
    writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  }
  rmSync(tmp, { recursive: true, force: true });

  // Markdown table on stdout.
  const lines = [
    `Tool: commit ${tool.commit?.slice(0, 12) ?? 'unknown'}${tool.trackedChanges ? ` + ${tool.trackedChanges} uncommitted file(s)` : ''}, dist/ built ${tool.distBuiltAt}, ${tool.rules.length} rules.`,
    `Machine: ${machine.nproc} CPU (${machine.cpu}), ${machine.memTotalGiB} GiB RAM, ${machine.platform}, Node ${machine.node}, ${machine.git}. Peak RSS via ${machine.rssProbe}. Median of ${opts.runs} run(s) after ${opts.warmup} warm-up.`,
    '',
    '| N (requested) | files in repo | mode | findings (injected) | wall median s (min–max) | peak RSS MiB (median / max) | CPU s (user+sys) | exit |',
    '| ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const s of results.sizes) {
    for (const m of s.modes) {
      const w = m.wallSec;
      const wall = w.median === null ? 'FAILED' : `${fmtSec(w.median)} (${fmtSec(w.min)}–${fmtSec(w.max)})`;
      const rss = m.maxRSSKiB.median === null ? 'n/a' : `${fmtMiB(m.maxRSSKiB.median)} / ${fmtMiB(m.maxRSSKiB.max)}`;
      const cpu = m.cpuSec.median === null ? 'n/a' : fmtSec(m.cpuSec.median);
      lines.push(`| ${s.filesRequested.toLocaleString('en-US')} | ${s.files.toLocaleString('en-US')} | ${m.mode} | ${m.summary?.findings ?? 'n/a'} (${s.manifest.injectedTotal}) | ${wall} | ${rss} | ${cpu} | ${[...new Set(m.exitCodes)].join(',')} |`);
    }
  }
  // Findings per rule against the drift injected (rules with nothing injected and nothing found are left out).
  lines.push('', `| N | rule | injected | ${opts.modes.map((m) => `found (${m})`).join(' | ')} |`, `| ---: | --- | ---: | ${opts.modes.map(() => '---:').join(' | ')} |`);
  for (const s of results.sizes) {
    for (const rule of tool.rules) {
      const injected = s.manifest.injected[rule] ?? 0;
      const found = s.modes.map((m) => m.findingsPerRule[rule] ?? 0);
      if (injected === 0 && found.every((x) => x === 0)) continue;
      lines.push(`| ${s.filesRequested.toLocaleString('en-US')} | ${rule} | ${injected} | ${found.join(' | ')} |`);
    }
  }
  const notes = [];
  for (const s of results.sizes) {
    const busy = Math.max(s.loadavgBefore[0], s.loadavgAfter[0]);
    if (busy > machine.nproc) notes.push(`- N=${s.filesRequested}: 1-min load average ${s.loadavgBefore[0]} before / ${s.loadavgAfter[0]} after the timed runs on ${machine.nproc} CPUs; other processes may have skewed wall times`);
  }
  for (const s of results.sizes) {
    for (const m of s.modes) {
      if (m.mismatches.length) notes.push(`- N=${s.filesRequested} ${m.mode}: findings per rule differ from the injected drift: ${m.mismatches.join('; ')}`);
      if (m.failures.length) notes.push(`- N=${s.filesRequested} ${m.mode}: ${m.failures.length} failed run(s): ${m.failures.map((f) => `exit ${f.exitCode}${f.signal ? ` signal ${f.signal}` : ''}${f.timedOut ? ' timeout' : ''} after ${fmtSec(f.wallSec)}s: ${f.stderr.split('\n')[0]}`).join(' | ')}`);
      if (m.mode === 'dry-run' && m.summary) notes.push(`- N=${s.filesRequested} dry-run: ${m.summary.applied} fix(es) proven, ${m.summary.rejected} rejected, ${m.summary.filesChanged} file(s) in the diff, ${m.summary.passes} pass(es), ${m.summary.remaining} remaining`);
    }
  }
  if (notes.length) lines.push('', ...notes);
  lines.push('', `Raw results: ${path.relative(repoRoot, path.join(outDir, 'results.json'))}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
