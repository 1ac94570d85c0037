/**
 * Faults between reading and writing, in process: a file changed on disk after run() and before
 * writeChanges() is not written, the other files are, and the error names it.
 * Not covered here (see docs/robustness.md): read-only files and permission-denied directories
 * (tests run as root, where chmod does not deny), SIGKILL/SIGINT loops.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, repoFrom, readTree, removeDir } from './helpers/repo.js';
import { Workspace } from '../src/workspace/workspace.js';
import { run } from '../src/engine/run.js';
import { writeChanges } from '../src/engine/write.js';
import { RULES } from '../src/rules/registry.js';

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

describe('a file changed on disk between read and write', () => {
  it('is not written; the others are; the error lists it', async () => {
    const repo = repoFrom(path.join(ROOT, 'fixtures', 'demo'));
    cleanup.push(repo);
    const ws = await Workspace.open(repo);
    const result = await run(ws, { rules: RULES, apply: new Set(['safe']) });
    const paths = result.changes.map((c) => c.path);
    expect(paths.length).toBeGreaterThan(1);
    const victim = paths.includes('docker-compose.dev.yml') ? 'docker-compose.dev.yml' : (paths[0] as string);
    const edited = `${readFileSync(path.join(repo, victim), 'utf8')}# edited by someone else\n`;
    writeFileSync(path.join(repo, victim), edited);
    const before = readTree(repo);
    const outcome = writeChanges(ws, result.changes);
    expect(outcome.written.sort()).toEqual(paths.filter((p) => p !== victim).sort());
    expect(outcome.errors.map((e) => e.message)).toEqual([`${victim}: changed on disk since it was read; not written`]);
    expect(readFileSync(path.join(repo, victim), 'utf8')).toBe(edited);
    const after = readTree(repo);
    for (const c of result.changes) if (c.path !== victim) expect(after.get(c.path)?.toString('utf8')).toBe((c.bom ? '\uFEFF' : '') + c.after);
    // Nothing else moved, and no temp file is left behind.
    for (const p of after.keys()) expect(before.has(p) || paths.includes(p), p).toBe(true);
  });
});
