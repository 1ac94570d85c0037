// Differential (issue 15): Python prefilters against the tree analyses they stand in for, on every
// .py file of the corpus snapshots. redaction-key-normalization's token reading (reach.ts) must
// read every container, string collection, alias and import the trees find; api-version-drift's
// mayReturnVersion must take every module whose surface holds a version literal; protected-path-missing's
// mayBindGuardList every module with a guard-named collection of two path entries (the fewest it can judge).
// Usage: node bench/python-prefilter-check.mjs [snapshots-dir]   (after npm run build)
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
const d = new URL('../dist', import.meta.url).pathname;
const { SourceFile } = await import(`${d}/src/workspace/source-file.js`);
const { analyzePythonTree } = await import(`${d}/src/formats/python-tree.js`);
const { moduleSurroundings } = await import(`${d}/codemods/redaction-key-normalization/consumers.js`);
const { readModule, moduleBindings } = await import(`${d}/codemods/redaction-key-normalization/reach.js`);
const { mayReturnVersion, versionSurface } = await import(`${d}/codemods/api-version-drift/surface.js`);
const { mayBindGuardList, guardsPaths, pathEntries } = await import(`${d}/codemods/protected-path-missing/detect.js`);
const snap = process.argv[2] ?? new URL('../ecosystem/.work/snapshots', import.meta.url).pathname;
let files = 0, unread = 0, problems = 0, tests = 0, colls = 0, aliases = 0, imports = 0, versionLiterals = 0, guardLists = 0, guardTaken = 0;
const bad = (repo, p, what) => { problems++; if (problems < 30) console.log('MISS', repo, p, what); };
for (const repo of readdirSync(snap)) {
  let list; try { list = execFileSync('git', ['ls-files', '-z', '*.py'], { cwd: path.join(snap, repo), maxBuffer: 1 << 28 }).toString().split('\0').filter(Boolean); } catch { continue; }
  for (const p of list) {
    let text; try { text = readFileSync(path.join(snap, repo, p), 'utf8'); } catch { continue; }
    if (text.length > 2_000_000) continue;
    files++;
    const f = new SourceFile(p, text, false);
    if (text.includes('version') && (await versionSurface(f)).literals.length) { versionLiterals++; if (!mayReturnVersion(text)) bad(repo, p, 'version handler'); }
    const guarded = mayBindGuardList(text);
    if (guarded) guardTaken++;
    const a = await analyzePythonTree(f);
    for (const c of a.collections) if (guardsPaths(c.name) && pathEntries(c).length >= 2) { guardLists++; if (!guarded) bad(repo, p, `guard list ${c.name}`); }
    const r = readModule(text);
    if (!r) { unread++; continue; }
    if (a.error) continue;
    const s = await moduleSurroundings(f);
    for (const t of a.membershipTests) { tests++; if (!r.containers.some((c) => c.name === t.container.name && c.object === t.container.object)) bad(repo, p, `container ${t.container.object ?? ''}.${t.container.name} at ${t.start}`); }
    const b = moduleBindings(text);
    for (const c of a.collections) { if (!c.allStrings || !c.elements.some((e) => e.string?.value !== undefined)) continue; colls++; if (!b.collections.includes(c.name)) bad(repo, p, `collection ${c.className ?? ''}.${c.name}`); }
    for (const [l, rt] of s.aliases) { aliases++; if (!r.bindings.aliases.has(l) || !b.renames.some(([x, y]) => x === rt && y === l)) bad(repo, p, `alias ${l} = ${rt}`); }
    for (const i of s.imports) { imports++; if (!r.bindings.imported.has(i.alias)) bad(repo, p, `import ${i.name} as ${i.alias}`); if (i.alias !== i.name && !b.renames.some(([x, y]) => x === i.name && y === i.alias)) bad(repo, p, `rename ${i.name} as ${i.alias}`); }
    for (const [alias] of s.moduleImports) { imports++; if (!r.bindings.imported.has(alias)) bad(repo, p, `module import ${alias}`); }
  }
}
console.log({ files, unread, tests, colls, aliases, imports, versionLiterals, guardLists, guardTaken, problems });
