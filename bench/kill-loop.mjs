#!/usr/bin/env node
// SIGKILL loop for `--write`: `node bench/kill-loop.mjs [kills] [files]` (defaults 100, 32).
// Builds a repository of <files> compose files, each with one undeclared volume, plus one
// multi-file fix (redaction-key-normalization with its generated contract test, from the golden
// fixture), then kills `autopack-fix --write` with SIGKILL at random delays, over and over.
// After every kill it checks that each file is byte-for-byte either as it was or as fixed
// (a torn file is any other content) and that no temp file other than the killed run's is left;
// at the end a plain run must finish the job. Prints the figures for the notes.
// The write phase is slowed with AUTOPACK_FIX_TEST_WRITE_PAUSE_MS so kills land inside it.
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const BIN = path.join(root, 'bin', 'autopack-fix.js');
const kills = Number(process.argv[2] ?? 100);
const files = Number(process.argv[3] ?? 32);
const pauseMs = Number(process.env.PAUSE_MS ?? 15);
const CASE = path.join(root, 'fixtures', 'redaction-key-normalization', 'with-tests-src-layout');
const MULTI = ['src/acme/sanitizer.py', 'tests/test_sanitizer_redaction_contract.py'];

const original = (i) => `services:\n  app${i}:\n    image: example/app:${i}\n    volumes:\n      - data${i}:/data\n`;
const fixed = (i) => `${original(i)}\nvolumes:\n  data${i}:\n`;
const git = (dir, args) => execFileSync('git', args, { cwd: dir, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 'k', GIT_AUTHOR_EMAIL: 'k@example.invalid', GIT_COMMITTER_NAME: 'k', GIT_COMMITTER_EMAIL: 'k@example.invalid' } });

const dir = mkdtempSync(path.join(tmpdir(), 'apf-killloop-'));
for (let i = 0; i < files; i++) {
  mkdirSync(path.join(dir, `svc${i}`));
  writeFileSync(path.join(dir, `svc${i}`, 'compose.yaml'), original(i));
}
cpSync(path.join(CASE, 'input'), dir, { recursive: true });
writeFileSync(path.join(dir, 'autopack-fix.config.json'), JSON.stringify({ rules: { 'redaction-key-normalization': { options: { withTests: true } } } }));
git(dir, ['init', '-q']);
git(dir, ['add', '-A']);
git(dir, ['commit', '-qm', 'x']);
const multiBefore = Object.fromEntries(MULTI.map((p) => [p, existsSync(path.join(dir, p)) ? readFileSync(path.join(dir, p), 'utf8') : null]));
const multiAfter = Object.fromEntries(MULTI.map((p) => [p, readFileSync(path.join(CASE, 'expected', p), 'utf8')]));

function runOnce(killAfterMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, dir, '--write', '--allow-dirty', '--rule', 'compose-undeclared-volume', '--rule', 'redaction-key-normalization'], {
      env: { ...process.env, NO_COLOR: '1', AUTOPACK_FIX_TEST_WRITE_PAUSE_MS: String(pauseMs) },
      stdio: 'ignore',
    });
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

let torn = 0;
let halfMulti = 0;
let landed = 0;
const tornFiles = [];
function check() {
  let done = 0;
  for (let i = 0; i < files; i++) {
    const text = readFileSync(path.join(dir, `svc${i}`, 'compose.yaml'), 'utf8');
    if (text === fixed(i)) done++;
    else if (text !== original(i)) {
      torn++;
      tornFiles.push(`svc${i}/compose.yaml`);
    }
  }
  const states = MULTI.map((p) => {
    const text = existsSync(path.join(dir, p)) ? readFileSync(path.join(dir, p), 'utf8') : null;
    if (text === multiAfter[p]) return 'fixed';
    if (text === multiBefore[p]) return 'original';
    torn++;
    tornFiles.push(p);
    return 'torn';
  });
  if (states[0] !== states[1]) halfMulti++;
  return done;
}

// How long an uninterrupted run takes here: kills are spread over its second half, where the
// write phase is.
const reset = () => {
  git(dir, ['checkout', '-q', '--', '.']);
  git(dir, ['clean', '-qfd']);
};
const tFull0 = Date.now();
await runOnce(undefined);
const fullMs = Date.now() - tFull0;
reset();

let midWrite = 0;
const t0 = Date.now();
for (let k = 0; k < kills; k++) {
  // Reset to the committed state now and then, so kills keep landing early in the write phase.
  if (k % 3 === 0) reset();
  const before = check();
  const r = await runOnce(Math.floor(fullMs * (0.5 + Math.random() * 0.6)));
  if (r.signal === 'SIGKILL') landed++;
  const after = check();
  if (r.signal === 'SIGKILL' && after > before && after < files) midWrite++;
}
const last = await runOnce(undefined);
const doneAtEnd = check();
const temps = readdirSync(dir, { recursive: true }).filter((n) => String(n).includes('.autopack-fix-') && !String(n).startsWith('.git'));
const journal = existsSync(path.join(dir, '.git', 'autopack-fix'));
console.log(
  JSON.stringify(
    {
      kills,
      uninterruptedRunMs: fullMs,
      killsBeforeExit: landed,
      killsInsideTheWritePhase: midWrite,
      files: files + MULTI.length,
      tornFiles: torn,
      tornList: tornFiles.slice(0, 10),
      multiFileFixHalfDoneAfterAKill: halfMulti,
      finalRunExit: last.code,
      fixedAtEnd: `${doneAtEnd}/${files} compose + multi-file fix ${MULTI.every((p) => readFileSync(path.join(dir, p), 'utf8') === multiAfter[p]) ? 'whole' : 'NOT whole'}`,
      strayTempFiles: temps.length,
      journalLeft: journal,
      seconds: Math.round((Date.now() - t0) / 1000),
    },
    null,
    2,
  ),
);
rmSync(dir, { recursive: true, force: true });
process.exit(torn === 0 && temps.length === 0 && !journal && last.code === 0 ? 0 : 1);
