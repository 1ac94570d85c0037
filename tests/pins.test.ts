/**
 * unpinned-action and unpinned-base-image beyond their goldens: the pin map's shapes, keys and
 * errors (src/formats/pin-map.ts), `--pin-map FILE` through the CLI (loaded by the pipeline,
 * handed to both rules, an error naming the file, the line and the key), and single-file
 * look-alikes with the rule tester.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { actionKey, imageKey, parsePinMapText, readPinMap } from '../src/formats/pin-map.js';
import { loadPinMap } from '../src/pipeline/pipeline.js';
import { gitIn, removeDir, tempDir } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';
import { ruleTester } from './helpers/rule-tester.js';

const SHA = 'b4ffde65f46336ab88eb53be808477a3936bae11';
const DIGEST = `sha256:${'a1'.repeat(32)}`;
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

describe('pin map', () => {
  it('reads the sectioned shape and the flat one alike', () => {
    const sectioned = readPinMap({ actions: { 'actions/checkout@v4': SHA }, images: { 'node:20': DIGEST } });
    const flat = readPinMap({ 'actions/checkout@v4': SHA, 'node:20': DIGEST });
    expect(sectioned.problems).toEqual([]);
    expect(flat).toEqual(sectioned);
    expect(flat.map.actions['actions/checkout@v4']).toBe(SHA);
    expect(flat.map.images['docker.io/library/node:20']).toBe(DIGEST);
  });

  it('matches image names the way docker reads them, and action owners case-insensitively', () => {
    expect(imageKey('node')).toBe(imageKey('docker.io/library/node:latest'));
    expect(imageKey('index.docker.io/library/node:20')).toBe(imageKey('node:20'));
    expect(imageKey('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(imageKey('ghcr.io/acme/tool:2')).not.toBe(imageKey('acme/tool:2'));
    expect(actionKey('Actions/Checkout', 'v4')).toBe(actionKey('actions/checkout', 'v4'));
    expect(actionKey('actions/checkout', 'V4')).not.toBe(actionKey('actions/checkout', 'v4'));
  });

  it('refuses a short SHA, a tag, a digest that is not sha256 and keys it cannot read, each by key and line', () => {
    const text = ['actions:', `  actions/checkout@v4: ${SHA}`, '  actions/cache@v4: 0c45773', 'images:', '  node:20: "sha256:1234"', '  node@sha256:abc: x', 'extra: 1', ''].join('\n');
    const { map, problems } = parsePinMapText(text);
    expect(map.actions).toEqual({ 'actions/checkout@v4': SHA });
    expect(problems.map((p) => [p.key, p.line])).toEqual([
      ['extra', 7],
      ['actions/cache@v4', 3],
      ['node:20', 5],
      ['node@sha256:abc', 6],
    ]);
    expect(problems[1]?.message).toMatch(/not a full commit SHA/);
    expect(problems[2]?.message).toMatch(/not an image digest/);
  });

  it('says what is wrong with a file that is not a mapping or not YAML', () => {
    expect(parsePinMapText('- a\n- b\n').problems[0]?.message).toMatch(/a pin map is a mapping/);
    expect(parsePinMapText('{"actions": {').problems[0]?.message).toMatch(/not valid JSON or YAML/);
  });

  it('loadPinMap names the file, the line and the key; a missing file is an error too', () => {
    const dir = tempDir();
    cleanup.push(dir);
    const file = path.join(dir, 'pins.json');
    writeFileSync(file, `{\n  "actions": {\n    "actions/checkout@v4": "v4.1.1"\n  }\n}\n`);
    expect(() => loadPinMap(file)).toThrow(`${file}:3:5: pin map key \`actions/checkout@v4\`: \`v4.1.1\` is not a full commit SHA`);
    expect(() => loadPinMap(path.join(dir, 'none.json'))).toThrow(/none\.json: cannot read the pin map: ENOENT/);
  });
});

describe('--pin-map', () => {
  function repo(): string {
    const dir = tempDir();
    cleanup.push(dir);
    mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(path.join(dir, '.github', 'workflows', 'ci.yml'), 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n');
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM --platform=$BUILDPLATFORM node:20 AS build\n');
    gitIn(dir, ['init', '-q', '-b', 'main']);
    gitIn(dir, ['add', '-A']);
    gitIn(dir, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init']);
    return dir;
  }

  it('hands the file to both rules, over the map of the configuration, and --write pins', async () => {
    const dir = repo();
    // The config's entries are outvoted by the file's for the same key.
    writeFileSync(path.join(dir, 'autopack-fix.config.json'), JSON.stringify({ rules: { 'unpinned-action': { options: { pinMap: { 'actions/checkout@v4': '1'.repeat(40) } } } } }));
    gitIn(dir, ['add', '-A']);
    gitIn(dir, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'config']);
    const map = path.join(dir, '..', `${path.basename(dir)}-pins.yaml`);
    cleanup.push(map);
    writeFileSync(map, `actions/checkout@v4: ${SHA}\nnode:20: "${DIGEST}"\n`);
    const result = await runCli([dir, '--select', 'unpinned-action,unpinned-base-image', '--pin-map', map, '--write']);
    expect(result.stderr).toBe('');
    expect(readFileSync(path.join(dir, '.github', 'workflows', 'ci.yml'), 'utf8')).toContain(`      - uses: actions/checkout@${SHA} # v4\n`);
    expect(readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(`FROM --platform=$BUILDPLATFORM node:20@${DIGEST} AS build\n`);
  });

  it('without it the findings are report-only; a broken map is a usage error (exit 2) naming the file and the key', async () => {
    const dir = repo();
    const plain = await runCli([dir, '--select', 'unpinned-action,unpinned-base-image', '--format', 'json']);
    const doc = JSON.parse(plain.stdout) as { findings: Array<{ fix: unknown; skipReason?: string }> };
    expect(doc.findings.map((f) => [f.fix, f.skipReason])).toEqual([[null, 'needs-pin-map'], [null, 'needs-pin-map']]);
    const map = path.join(dir, '..', `${path.basename(dir)}-bad.json`);
    cleanup.push(map);
    writeFileSync(map, '{"images": {"node:20": "sha256:abc"}}');
    const bad = await runCli([dir, '--pin-map', map]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${map}:1:13: pin map key \`node:20\`: \`sha256:abc\` is not an image digest`);
  });

  it('is in --help', async () => {
    expect((await runCli(['--help'])).stdout).toContain('--pin-map <file>');
  });
});

ruleTester('unpinned-action', {
  valid: [
    { name: 'a full SHA with the tag comment', files: { '.github/workflows/a.yml': `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@${SHA} # v4\n` } },
    { name: 'a local action and a local reusable workflow', files: { '.github/workflows/a.yml': 'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: ./.github/actions/setup\n  b:\n    uses: ./.github/workflows/b.yml\n' } },
    { name: 'a `uses:` in a folded run script', files: { '.github/workflows/a.yml': 'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: >\n          echo uses: actions/checkout@v4\n' } },
    { name: 'a `uses` key that is not a step (a matrix value)', files: { '.github/workflows/a.yml': 'on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n        include:\n          - uses: actions/checkout@v4\n    steps:\n      - run: echo\n' } },
    { name: 'an expression', files: { '.github/workflows/a.yml': 'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: ${{ matrix.action }}\n' } },
    { name: 'a workflow that is not valid YAML is left to the parse diagnostics', files: { '.github/workflows/a.yml': 'on: push\njobs: [\n  - uses: actions/checkout@v4\n' } },
    { name: 'a second document of a multi-document file is not the workflow', files: { '.github/workflows/a.yml': `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@${SHA}\n---\njobs:\n  b:\n    steps:\n      - uses: actions/checkout@v4\n` } },
  ],
  invalid: [
    {
      name: 'a block-scalar `uses:` is reported, and not edited',
      files: { '.github/workflows/a.yml': 'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: >-\n          actions/checkout@v4\n' },
      options: { pinMap: { 'actions/checkout@v4': SHA } },
      errors: [{ key: '.github/workflows/a.yml:jobs.a.steps.0:actions/checkout@v4', safety: null, skipReason: 'unusual-layout' }],
      output: null,
      reason: 'a comment cannot follow a block scalar on its line',
    },
    {
      name: 'a pin map entry for another tag does not pin this one',
      files: { '.github/workflows/a.yml': 'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v3\n' },
      options: { pinMap: { 'actions/checkout@v4': SHA } },
      errors: [{ safety: null, skipReason: 'needs-pin-map' }],
      output: null,
      reason: 'v3 and v4 are different commits',
    },
  ],
});

ruleTester('unpinned-base-image', {
  valid: [
    { name: 'FROM a later-declared name is an image only if no earlier stage has it', files: { Dockerfile: `FROM node:20@${DIGEST} AS deps\nFROM deps AS build\nFROM build\n` } },
    { name: 'FROM an ARG with no default', files: { Dockerfile: 'ARG BASE\nFROM $BASE\n' } },
    { name: 'FROM an ARG declared after the FROM (out of scope)', files: { Dockerfile: 'FROM ${IMAGE}\nARG IMAGE=node:20\n' } },
  ],
  invalid: [
    {
      name: 'an image named like a stage that comes later is an image',
      files: { Dockerfile: 'FROM build\nFROM node:20 AS build\n' },
      errors: [{ line: 1, safety: null, skipReason: 'needs-pin-map' }, { line: 2, safety: null, skipReason: 'needs-pin-map' }],
      output: null,
      reason: 'no pin map',
    },
    {
      name: '${VAR:-default} resolves to its default',
      files: { Dockerfile: 'ARG TAG\nFROM python:${TAG:-3.12}-slim\n' },
      errors: [{ messageId: 'viaArg', data: { written: 'python:${TAG:-3.12}-slim', image: 'python:3.12-slim', where: 'stage 0', policy: '' }, safety: null, skipReason: 'changes-behaviour' }],
      output: null,
      reason: 'a digest would override a --build-arg',
    },
  ],
});
