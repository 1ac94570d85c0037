// Hostile shapes: small files, far under the size caps, on which a parser or a lookup used to be
// super-linear, or a recursive parser ran out of stack (issue 18). Each shape is a generator of
// repository files for a size; `full` is the size of the issue's report (or larger), `ci` a small
// sample that tests/hostile-corpus.test.ts runs on every `npm test`.
//
// Used by bench/fuzz.mjs (the full sizes, timed, with a budget per file) and by the test (the
// small sizes, in process; it asserts that each run ends without a crash and with the expected
// outcome, never how long it took).
//
// `expect` says what the run must report about the hostile file:
//   'note'   a note or warning that names it (too complex, nested too deep, not parsed);
//   'read'   nothing: the file is read (a cheaper path, or simply linear now);
//   'either' one of the two (depends on the size: a small sample may be read).
// `finding(size)`, when given, is a finding (rule, file) the run must still report: the rest of
// the repository is judged as usual. (Undefined for a size at which the tool does not follow
// the shape: a Dockerfile whose stages copy from more than 256 others is unknown.)

/** A compose file that names `postgres`, which a docs command below gets wrong: docs pages that are read show a finding. */
const COMPOSE = 'services:\n  db:\n    image: postgres:16\n';
const COMMAND = '\n\nRun `docker compose up -d postgres` first.\n';

const repeat = (unit, size) => unit.repeat(Math.max(1, Math.floor(size / unit.length)));
const alternate = (a, b, size) => Array.from({ length: size }, (_, i) => (i % 2 ? b : a)).join('');

/** A deterministic pseudo-random string over `alphabet` (xorshift; the same size gives the same text). */
function mix(alphabet, size, seed = 7) {
  let x = seed;
  let s = '';
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += alphabet[(x >>> 0) % alphabet.length];
  }
  return s;
}

function crossCopyingDockerfile(stages) {
  let s = 'FROM python:3.12 AS s0\nWORKDIR /app\nCOPY . /app\n';
  for (let i = 1; i < stages; i++) {
    s += `FROM s${i - 1} AS s${i}\nCOPY --from=s${i - 1} /app /app\n`;
    if (i % 2) s += `COPY --from=s${Math.max(0, i - 2)} /app /app2\n`;
  }
  return `${s}CMD ["uvicorn", "main:app"]\n`;
}

function richCompose(services) {
  let s = 'x-base: &base\n  restart: always\nservices:\n';
  for (let i = 0; i < services; i++) {
    s += `  s${i}:\n    <<: *base\n    image: x\n    depends_on: [s${Math.max(0, i - 1)}]\n    volumes: [v${i}:/data]\n    ports: ["${8000 + (i % 1000)}:80"]\n    environment:\n      K${i}: v\n`;
    if (i % 3 === 0) s += `    extends: s${Math.max(0, i - 3)}\n`;
  }
  return s;
}

const VITE = 'import { defineConfig } from "vite";\nexport default defineConfig({\n  build: { outDir: "dist" },\n  x: @@,\n});\n';

export const SHAPES = [
  // Markdown (src/formats/markdown.ts): nesting, brackets, emphasis, and what the time budget catches.
  { name: 'md-star-line', what: 'a line of `* ` (nested list items), then text', ci: 5_000, full: 32_000, expect: 'note', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${repeat('* ', n)}a${COMMAND}` }) },
  { name: 'md-stars', what: 'a 32 KB line of `*`', ci: 5_000, full: 32_000, expect: 'read', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${'*'.repeat(n)}${COMMAND}` }) },
  { name: 'md-emphasis', what: '`a*a*…` in one paragraph', ci: 8_000, full: 32_000, expect: 'read', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${repeat('a*', n)}${COMMAND}` }) },
  { name: 'md-strong', what: '`**a**a…` in one paragraph', ci: 8_000, full: 64_000, expect: 'read', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${repeat('**a', n)}${COMMAND}` }) },
  { name: 'md-blockquote-line', what: 'a 100 KB line of `>`', ci: 5_000, full: 100_000, expect: 'note', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${'>'.repeat(n)} a${COMMAND}` }) },
  { name: 'md-blockquote-lines', what: 'lines quoted 1 to 40 deep', ci: 5_000, full: 100_000, expect: 'either', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${COMMAND}${repeat(Array.from({ length: 40 }, (_, i) => `${'> '.repeat(i + 1)}a\n`).join(''), n)}` }) },
  { name: 'md-brackets-stars', what: '400 KB of alternating `[` and `*`', ci: 8_000, full: 400_000, expect: 'either', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${COMMAND}\n${alternate('[', '*', n)}\n` }) },
  { name: 'md-brackets-stars-random', what: '400 KB of `[`, `]`, `*`, `_`, `!`, `(`, `)` at random', ci: 8_000, full: 400_000, expect: 'either', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${COMMAND}\n${mix('[]*_!()a ', n)}\n` }) },
  { name: 'md-link-pairs', what: '`[a][a]…` in one paragraph', ci: 8_000, full: 120_000, expect: 'either', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${COMMAND}\n${repeat('[a]', n)}\n` }) },
  { name: 'md-nested-brackets', what: '`[[[…]]]`', ci: 8_000, full: 120_000, expect: 'either', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${COMMAND}\n${'['.repeat(n / 2)}${']'.repeat(n / 2)}\n` }) },
  { name: 'md-ordered-line', what: 'a line of `1. ` (nested ordered items)', ci: 3_000, full: 40_000, expect: 'note', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${repeat('1. ', n)}a${COMMAND}` }) },
  { name: 'md-quote-list-line', what: 'a line of `> - `', ci: 3_000, full: 40_000, expect: 'note', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${repeat('> - ', n)}a${COMMAND}` }) },
  { name: 'md-list-staircase', what: 'a list nested by indentation, one level per line', ci: 5_000, full: 200_000, expect: 'either', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${COMMAND}${(() => { let s = ''; for (let i = 0; s.length < n; i++) s += `${' '.repeat((i % 60) * 2)}- a\n`; return s; })()}` }) },
  { name: 'md-star-lines-16', what: 'lines of `* ` 16 deep', ci: 2_000, full: 250_000, expect: 'either', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${COMMAND}${repeat(`${'* '.repeat(16)}a\n`, n)}` }) },
  { name: 'md-nested-items', what: 'list items each holding a nested item', ci: 2_000, full: 100_000, expect: 'either', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${COMMAND}${repeat('- a\n  - b\n', n)}` }) },
  { name: 'md-paragraph-lines', what: 'one paragraph of one-letter lines', ci: 5_000, full: 300_000, expect: 'either', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${COMMAND}\n${repeat('a\n', n)}` }) },
  { name: 'md-headings', what: 'one heading per line', ci: 5_000, full: 300_000, expect: 'either', files: (n) => ({ 'docker-compose.yml': COMPOSE, 'README.md': `${COMMAND}\n${repeat('# a\n', n)}` }) },

  // Dockerfile and compose (src/formats/dockerfile.ts, src/facts/facts.ts, src/facts/compose.ts, the rules' lookups).
  { name: 'dockerfile-stages', what: '8,000 stages, each FROM the one before', ci: 500, full: 8_000, expect: 'read', files: (n) => ({ Dockerfile: Array.from({ length: n }, (_, i) => `FROM ${i ? `s${i - 1}` : 'python:3.12'} AS s${i}\nRUN echo ${i}\n`).join(''), 'docker-compose.yml': `services:\n  api:\n    build:\n      context: .\n      target: s${n - 1}\n` }) },
  { name: 'dockerfile-cross-copies', what: 'stages that COPY --from the one and two before (a compose service builds the last)', ci: 40, full: 8_000, expect: 'read', finding: (n) => (n <= 256 ? { rule: 'compose-stale-app-target', file: 'docker-compose.yml' } : undefined), files: (n) => ({ Dockerfile: crossCopyingDockerfile(n), 'main.py': 'from fastapi import FastAPI\napp = FastAPI()\n', 'docker-compose.yml': `services:\n  api:\n    build:\n      context: .\n      target: s${n - 1}\n    command: uvicorn nope.main:app\n` }) },
  { name: 'compose-services', what: '16,000 plain services', ci: 1_000, full: 16_000, expect: 'read', finding: () => ({ rule: 'compose-unknown-service', file: 'docker-compose.override.yml' }), files: (n) => ({ 'docker-compose.yml': `services:\n${Array.from({ length: n }, (_, i) => `  s${i}:\n    image: x\n    depends_on: [s${Math.max(0, i - 1)}]\n`).join('')}`, 'docker-compose.override.yml': 'services:\n  ghost:\n    environment:\n      K7: v\n' }) },
  // Its anchor is merged into every service: past 1,000 aliases the YAML-bomb note names the file.
  { name: 'compose-rich', what: '16,000 services with a merged anchor, extends chains and an override', ci: 1_000, full: 16_000, expect: 'either', finding: () => ({ rule: 'compose-unknown-service', file: 'docker-compose.override.yml' }), files: (n) => ({ 'docker-compose.yml': richCompose(n), 'docker-compose.override.yml': 'services:\n  s1:\n    image: y\n  ghost:\n    environment:\n      K7: v\n', 'README.md': `Run \`docker compose up s1 s2\`.${COMMAND}` }) },

  // Recursive parsers (YAML, TypeScript): refused before they run out of stack.
  { name: 'yaml-block-deep', what: '1,400 levels of block mappings', ci: 1_400, full: 2_000, expect: 'note', files: (n) => ({ 'docker-compose.yml': `${Array.from({ length: n }, (_, i) => `${' '.repeat(i)}a:\n`).join('')}${' '.repeat(n)}b: 1\n` }) },
  { name: 'yaml-seq-line', what: '`- - - …` on one line', ci: 1_400, full: 20_000, expect: 'note', files: (n) => ({ 'docker-compose.yml': `${'- '.repeat(n)}a\n` }) },
  { name: 'yaml-flow-deep', what: '`[[[…]]]`', ci: 1_400, full: 20_000, expect: 'note', files: (n) => ({ 'docker-compose.yml': `x: ${'['.repeat(n)}${']'.repeat(n)}\n` }) },
  { name: 'vite-deep-array', what: 'a 5,000-deep array in vite.config.ts', ci: 5_000, full: 20_000, expect: 'note', files: (n) => viteRepo(VITE.replace('@@', `${'['.repeat(n)}${']'.repeat(n)}`)) },
  { name: 'vite-parens', what: '`((((…))))` in vite.config.ts', ci: 5_000, full: 20_000, expect: 'note', files: (n) => viteRepo(VITE.replace('@@', `${'('.repeat(n)}1${')'.repeat(n)}`)) },
  { name: 'vite-sum', what: '`1+1+…` in vite.config.ts (deep in the syntax tree, no brackets)', ci: 2_000, full: 20_000, expect: 'either', files: (n) => viteRepo(VITE.replace('@@', `1${'+1'.repeat(n)}`)) },
];

/** A frontend whose Dockerfile builds with the given vite.config.ts (dockerfile-copy-outdir reads it). */
function viteRepo(config) {
  return {
    'vite.config.ts': config,
    'package.json': JSON.stringify({ name: 'web', scripts: { build: 'vite build' }, devDependencies: { vite: '5.0.0' } }, null, 2),
    'index.html': '<div id="app"></div>\n',
    'src/main.ts': 'export {};\n',
    Dockerfile: 'FROM node:20 AS build\nWORKDIR /app\nCOPY package.json vite.config.ts index.html ./\nCOPY src/ ./src/\nRUN npm run build\n\nFROM nginx:1.25\nCOPY --from=build /app/dist /usr/share/nginx/html\n',
  };
}

/** The hostile file of a shape: the one its diagnostics must name (the largest file it writes). */
export function hostileFile(files) {
  return Object.entries(files).sort((a, b) => b[1].length - a[1].length)[0][0];
}
