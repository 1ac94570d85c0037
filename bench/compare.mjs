#!/usr/bin/env node
// Side by side, in one process tree and several rounds: the full report run against the I/O
// floor, on real repositories (the ecosystem snapshots) and on synthetic ones.
//
//   node bench/compare.mjs [--corpus DIR[,DIR…] | --corpus-all] [--files 2000,20000] [--rounds 3]
//                          [--variants prefilter,no-prefilter] [--seed 1] [--timeout 1800]
//
// Per repository and round, as child processes, in turn (so a busy spell on a shared machine
// hits every mode alike):
//   floor-node   a plain Node read of every tracked file (git ls-files, readFileSync each)
//   floor-rg     `rg` reading every tracked file (`git ls-files -z | xargs -0 rg -c -a ''`), if installed
//   <variant>    node bin/autopack-fix.js --root DIR --format json --exit-zero, where the variant
//                sets the environment: `prefilter` (as shipped), `no-prefilter`
//                (AUTOPACK_FIX_NO_PREFILTER=1: every file parsed and analysed, as before them),
//                `serial` (AUTOPACK_FIX_CONCURRENCY=off: no parse worker), `workers`
//                (AUTOPACK_FIX_CONCURRENCY=1: one parse worker whatever the repository's size)
//   first        the run a new user gets, the cache on and empty (`--cache-location .bench/cache/<target>-first`,
//                emptied before each round): it reads and parses everything, and writes the per-file
//                cache and the run memo on the way, when the CLI has a cache
//   warm         the same run with a warm cache (`--cache-location .bench/cache/<target>`, emptied and
//                filled by one untimed run first), when the CLI has a cache (`--cache-location` in --help):
//                nothing changed, so the run memo replays the report (src/cache/run-memo.ts)
//   warm-files   the same, with the run memo off (AUTOPACK_FIX_NO_RUN_MEMO=1): the engine runs on
//                the per-file cache (parses and Python facts), as after an edit anywhere
// Each child runs under GNU time (`/usr/bin/time -f`): wall, user+sys CPU and peak RSS. CPU is
// the figure to compare on a machine others share; wall is printed beside it. Medians over the
// rounds, the ratio of each run's CPU to the Node floor's, and CPU per 1,000 files (and its
// growth between synthetic sizes). The variants' JSON reports are compared byte for byte after
// the first round (a difference is printed and fails the bench with exit code 1).
// Prints Markdown, writes .bench/compare.json. Timings live here, never in tests.

import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATOR_VERSION } from './generate.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(benchDir, '..');
const outDir = path.join(repoRoot, '.bench');
const cli = path.join(repoRoot, 'bin', 'autopack-fix.js');
const VARIANTS = { prefilter: {}, 'no-prefilter': { AUTOPACK_FIX_NO_PREFILTER: '1' }, serial: { AUTOPACK_FIX_CONCURRENCY: 'off' }, workers: { AUTOPACK_FIX_CONCURRENCY: '1' } };
const DEFAULT_CORPUS = process.env.ECOSYSTEM_WORK ? path.join(process.env.ECOSYSTEM_WORK, 'snapshots') : path.join(repoRoot, 'ecosystem', '.work', 'snapshots');

function parseArgs(argv) {
  const o = { corpus: [], files: [], rounds: 3, variants: ['prefilter'], seed: '1', timeout: 1800 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--corpus') o.corpus.push(...v().split(',').filter(Boolean));
    else if (a === '--corpus-all') o.corpus.push(...readdirSync(DEFAULT_CORPUS).map((d) => path.join(DEFAULT_CORPUS, d)));
    else if (a === '--files') o.files = v().split(',').map((s) => Number(s.trim().replace(/_/g, '')));
    else if (a === '--rounds') o.rounds = Number(v());
    else if (a === '--variants') o.variants = v().split(',');
    else if (a === '--seed') o.seed = v();
    else if (a === '--timeout') o.timeout = Number(v());
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  for (const v of o.variants) if (!VARIANTS[v]) throw new Error(`--variants: unknown ${v} (${Object.keys(VARIANTS).join(', ')})`);
  if (o.files.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('--files: positive integers, comma-separated');
  if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new Error('--rounds: a positive integer');
  if (!o.corpus.length && !o.files.length) o.files = [2000];
  return o;
}

const median = (xs) => {
  const s = xs.filter((x) => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return undefined;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const log = (msg) => process.stderr.write(`[compare] ${msg}\n`);
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** The synthetic repository of N files, shared with run.mjs (.bench/repo-n<N>-s<seed>/). */
function syntheticRepo(n, seed) {
  const dir = path.join(outDir, `repo-n${n}-s${seed}`);
  const manifest = path.join(dir, '.bench-manifest.json');
  if (existsSync(manifest) && existsSync(path.join(dir, '.git'))) {
    const m = JSON.parse(readFileSync(manifest, 'utf8'));
    if (m.generatorVersion === GENERATOR_VERSION && m.filesRequested === n && m.seed === String(seed)) return dir;
  }
  log(`generating ${n} files into ${path.relative(repoRoot, dir)} …`);
  execFileSync(process.execPath, [path.join(benchDir, 'generate.mjs'), '--files', String(n), '--out', dir, '--seed', String(seed)], { stdio: ['ignore', 'inherit', 'inherit'] });
  execFileSync('git', ['status', '--porcelain'], { cwd: dir, stdio: 'ignore' });
  return dir;
}

const FLOOR_NODE = `
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');
const root = process.argv[1];
const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, maxBuffer: 1 << 30 }).toString().split('\\0').filter(Boolean);
let bytes = 0;
for (const f of files) { try { bytes += readFileSync(path.join(root, f)).length; } catch {} }
process.stdout.write(JSON.stringify({ files: files.length, bytes }));
`;

/** One child under GNU time: wall, CPU (user+sys) and peak RSS, and its stdout. */
function timed(argv, env, timeoutSec, viaShell = false) {
  const tmp = path.join(os.tmpdir(), `compare-time-${process.pid}.txt`);
  const cmd = viaShell ? ['sh', '-c', argv] : argv;
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', tmp, ...cmd], { env: { ...process.env, ...env }, maxBuffer: 1 << 30, timeout: timeoutSec * 1000 });
  let wall, cpu, rssMiB;
  try {
    const [e, u, s, m] = readFileSync(tmp, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    wall = e;
    cpu = u + s;
    rssMiB = m / 1024;
  } catch {
    // killed by the timeout: no figures
  }
  return { wall, cpu, rssMiB, status: r.status, signal: r.signal, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

function hasCacheFlag() {
  return execFileSync(process.execPath, [cli, '--help']).toString().includes('--cache-location');
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n') + '\n');
    return 0;
  }
  if (!existsSync(path.join(repoRoot, 'dist', 'src', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  if (!existsSync('/usr/bin/time')) throw new Error('needs GNU time at /usr/bin/time');
  mkdirSync(outDir, { recursive: true });
  const rg = has('rg');
  const cache = hasCacheFlag();
  const targets = [...o.corpus.map((dir) => ({ name: path.basename(dir), dir, synthetic: false })), ...o.files.map((n) => ({ name: `synthetic ${n.toLocaleString('en-US')}`, dir: syntheticRepo(n, o.seed), synthetic: true, n }))];
  const modes = ['floor-node', ...(rg ? ['floor-rg'] : []), ...o.variants, ...(cache ? ['first', 'warm', 'warm-files'] : [])];
  const results = [];
  let mismatch = false;
  for (const t of targets) {
    const files = execFileSync('git', ['ls-files'], { cwd: t.dir, maxBuffer: 1 << 30 }).toString().split('\n').filter(Boolean).length;
    const runs = Object.fromEntries(modes.map((m) => [m, []]));
    const reports = {};
    log(`${t.name}: ${files} tracked files, ${o.rounds} round(s) of ${modes.join(', ')}`);
    const cacheDir = path.join(outDir, 'cache', t.name.replace(/[^\w.-]+/g, '_'));
    // Filled afresh: a cache an older build made is noted and rebuilt, and a run that notes something
    // once is volatile and writes no run memo, so the warm runs would miss it.
    if (cache) rmSync(cacheDir, { recursive: true, force: true });
    if (cache) timed([process.execPath, cli, '--root', t.dir, '--format', 'json', '--exit-zero', '--cache-location', cacheDir], {}, o.timeout);
    for (let round = 0; round < o.rounds; round++) {
      for (const mode of modes) {
        let r;
        if (mode === 'floor-node') r = timed([process.execPath, '-e', FLOOR_NODE, t.dir], {}, o.timeout);
        else if (mode === 'floor-rg') r = timed(`cd '${t.dir.replace(/'/g, `'\\''`)}' && git ls-files -z | xargs -0 rg -c -a --no-messages '' > /dev/null; true`, {}, o.timeout, true);
        else if (mode === 'first') {
          const firstDir = `${cacheDir}-first`;
          rmSync(firstDir, { recursive: true, force: true });
          r = timed([process.execPath, cli, '--root', t.dir, '--format', 'json', '--exit-zero', '--cache-location', firstDir], {}, o.timeout);
        } else if (mode === 'warm' || mode === 'warm-files') r = timed([process.execPath, cli, '--root', t.dir, '--format', 'json', '--exit-zero', '--cache-location', cacheDir], mode === 'warm-files' ? { AUTOPACK_FIX_NO_RUN_MEMO: '1' } : {}, o.timeout);
        else r = timed([process.execPath, cli, '--root', t.dir, '--format', 'json', '--exit-zero', ...(cache ? ['--no-cache'] : [])], VARIANTS[mode], o.timeout);
        runs[mode].push({ wall: r.wall, cpu: r.cpu, rssMiB: r.rssMiB, status: r.status, signal: r.signal });
        if (r.status !== 0 && mode !== 'floor-rg') log(`${t.name} ${mode}: exit ${r.status ?? r.signal} ${r.stderr.slice(0, 300)}`);
        if (round === 0 && (VARIANTS[mode] || mode === 'first' || mode.startsWith('warm'))) reports[mode] = r.stdout;
      }
    }
    const outputs = Object.entries(reports);
    for (const [mode, out] of outputs.slice(1)) {
      if (out !== outputs[0][1]) {
        mismatch = true;
        log(`${t.name}: the report of ${mode} differs from ${outputs[0][0]}'s`);
      }
    }
    const summary = Object.fromEntries(modes.map((m) => [m, { wall: median(runs[m].map((x) => x.wall)), cpu: median(runs[m].map((x) => x.cpu)), rssMiB: median(runs[m].map((x) => x.rssMiB)) }]));
    let findings;
    try {
      findings = JSON.parse(outputs[0]?.[1] ?? '').findings.length;
    } catch {
      findings = undefined;
    }
    results.push({ target: t.name, dir: t.dir, synthetic: t.synthetic, n: t.n, files, findings, identicalReports: !mismatch, summary, runs, loadavg: os.loadavg() });
  }
  writeFileSync(path.join(outDir, 'compare.json'), JSON.stringify({ when: new Date().toISOString(), node: process.version, nproc: os.cpus().length, commit: gitHead(), rounds: o.rounds, results }, null, 2));
  printTable(results, modes);
  return mismatch ? 1 : 0;
}

function gitHead() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim();
  } catch {
    return undefined;
  }
}

function fmt(x, digits = 2) {
  return x === undefined ? 'n/a' : x.toFixed(digits);
}

function printTable(results, modes) {
  const runModes = modes.filter((m) => !m.startsWith('floor'));
  const lines = [];
  lines.push(`| repository | files | findings | ${modes.map((m) => `${m} CPU s (wall)`).join(' | ')} | ${runModes.map((m) => `${m} ×floor`).join(' | ')} | ${runModes.map((m) => `${m} RSS MiB`).join(' | ')} | ${runModes.map((m) => `${m} CPU ms/1k files`).join(' | ')} |`);
  lines.push(`| --- | ---: | ---: | ${modes.map(() => '---:').join(' | ')} | ${runModes.map(() => '---:').join(' | ')} | ${runModes.map(() => '---:').join(' | ')} | ${runModes.map(() => '---:').join(' | ')} |`);
  for (const r of results) {
    const floor = r.summary['floor-node'].cpu;
    lines.push(
      `| ${r.target} | ${r.files} | ${r.findings ?? 'n/a'} | ${modes.map((m) => `${fmt(r.summary[m].cpu)} (${fmt(r.summary[m].wall)})`).join(' | ')} | ${runModes.map((m) => fmt(r.summary[m].cpu && floor ? r.summary[m].cpu / floor : undefined, 1)).join(' | ')} | ${runModes.map((m) => fmt(r.summary[m].rssMiB, 0)).join(' | ')} | ${runModes.map((m) => fmt(r.summary[m].cpu !== undefined ? (r.summary[m].cpu * 1e6) / r.files : undefined, 0)).join(' | ')} |`,
    );
  }
  const synth = results.filter((r) => r.synthetic).sort((a, b) => a.files - b.files);
  if (synth.length > 1) {
    lines.push('', '| sizes | ' + runModes.map((m) => `${m}: CPU ms per 1,000 files between them`).join(' | ') + ' |', '| --- | ' + runModes.map(() => '---:').join(' | ') + ' |');
    for (let i = 1; i < synth.length; i++) {
      const a = synth[i - 1];
      const b = synth[i];
      lines.push(`| ${a.files} → ${b.files} | ${runModes.map((m) => fmt(b.summary[m].cpu !== undefined && a.summary[m].cpu !== undefined ? ((b.summary[m].cpu - a.summary[m].cpu) * 1e6) / (b.files - a.files) : undefined, 0)).join(' | ')} |`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
}

process.exitCode = main();
