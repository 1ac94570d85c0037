/**
 * The package as people meet it before running anything: package.json metadata, the licence,
 * links that lead to the repository (not to an npm package that is not published), the files
 * `npm pack` ships, and dependencies that install without warnings on Node 20.
 */
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers/repo.js';
import { githubWebUrl, packageInfo, repositoryFileUrl, ruleDocsUrl } from '../src/util/package-info.js';
import { docsUrlResolver } from '../src/bot/pr-body.js';
import { RULES } from '../src/rules/registry.js';

const REPO = 'https://github.com/autopack-fix/autopack-fix';

interface PackageJson {
  name: string;
  version: string;
  license: string;
  repository: { type: string; url: string };
  homepage: string;
  bugs: { url: string };
  engines: { node: string };
  files: string[];
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;

function lockEntry(name: string): { version: string; engines?: { node?: string }; hasInstallScript?: boolean } | undefined {
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; engines?: { node?: string } | string[]; hasInstallScript?: boolean }> };
  const e = lock.packages[`node_modules/${name}`];
  return e ? { version: e.version, ...(e.engines && !Array.isArray(e.engines) ? { engines: e.engines } : {}), ...(e.hasInstallScript ? { hasInstallScript: true } : {}) } : undefined;
}

describe('package.json and the licence', () => {
  it('names the repository, its home page and issue tracker, and the MIT licence that LICENSE holds', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: `git+${REPO}.git` });
    expect(pkg.homepage).toBe(`${REPO}#readme`);
    expect(pkg.bugs).toEqual({ url: `${REPO}/issues` });
    expect(pkg.license).toBe('MIT');
    const license = readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} autopack-fix contributors\n/);
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS"');
  });

  it('reads the repository address in every form package.json allows', () => {
    expect(packageInfo()).toEqual({ name: 'autopack-fix', version: pkg.version, repositoryUrl: REPO });
    for (const form of ['git+https://github.com/o/n.git', 'https://github.com/o/n', 'git@github.com:o/n.git', 'github:o/n', 'o/n', 'git://github.com/o/n.git']) {
      expect(githubWebUrl(form), form).toBe('https://github.com/o/n');
    }
    expect(githubWebUrl('https://gitlab.com/o/n')).toBeUndefined();
    expect(githubWebUrl(undefined)).toBeUndefined();
  });
});

describe('links point at files of the repository', () => {
  it("a rule's docs link is its README in the repository at this version's tag, and the file exists", () => {
    for (const rule of RULES) {
      const url = ruleDocsUrl(rule.meta.id);
      expect(url).toBe(`${REPO}/blob/v${pkg.version}/codemods/${rule.meta.id}/README.md`);
      expect(existsSync(path.join(ROOT, 'codemods', rule.meta.id, 'README.md')), rule.meta.id).toBe(true);
    }
    expect(repositoryFileUrl('docs/releasing.md')).toBe(`${REPO}/blob/v${pkg.version}/docs/releasing.md`);
    expect(existsSync(path.join(ROOT, 'docs', 'releasing.md'))).toBe(true);
    // The PR body's table uses the same links unless --docs-url names another place.
    expect(docsUrlResolver(undefined)('compose-unknown-service')).toBe(ruleDocsUrl('compose-unknown-service'));
    expect(docsUrlResolver('https://docs.example.test/{rule}.html')('x')).toBe('https://docs.example.test/x.html');
  });

  it('the config schema $id is the schema file in the repository', () => {
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'config.schema.json'), 'utf8')) as { $id: string };
    expect(schema.$id).toBe('https://raw.githubusercontent.com/autopack-fix/autopack-fix/HEAD/schemas/config.schema.json');
  });

  it('nothing the tool prints or ships links to the npm package or tells people to npx it (it is not published)', () => {
    const offenders: string[] = [];
    const scan = (dir: string): void => {
      for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) scan(rel);
        else if (/\.(ts|json|md)$/.test(e.name)) {
          const text = readFileSync(path.join(ROOT, rel), 'utf8');
          for (const bad of ['npmjs.com', 'unpkg.com', 'npx autopack-fix']) if (text.includes(bad)) offenders.push(`${rel}: ${bad}`);
        }
      }
    };
    for (const dir of ['src', 'codemods', 'schemas']) scan(dir);
    expect(offenders).toEqual([]);
  });
});

describe('what npm pack ships', () => {
  it('dist, the bin, the schemas, the rule READMEs and every document the README links to; no tests, fixtures or the Action bundle', () => {
    expect(pkg.files).toContain('dist');
    expect(pkg.scripts.prepack).toContain('tsc -p tsconfig.json');
    // --ignore-scripts: list the files without building (dist/ is listed when it was built).
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const files = new Set((JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path));
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const linked = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1] as string).filter((l) => !/^[a-z]+:/.test(l));
    expect(linked.length).toBeGreaterThan(10);
    const wanted = ['LICENSE', 'README.md', 'package.json', 'bin/autopack-fix.js', 'schemas/config.schema.json', ...linked];
    for (const doc of ['docs/github-action.md', 'docs/pr-bot.md']) {
      const text = readFileSync(path.join(ROOT, doc), 'utf8');
      for (const m of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) if (!/^[a-z]+:/.test(m[1] as string)) wanted.push(path.posix.normalize(path.posix.join(path.posix.dirname(doc), m[1] as string)));
    }
    for (const rule of RULES) wanted.push(`codemods/${rule.meta.id}/README.md`);
    expect([...new Set(wanted)].filter((f) => !files.has(f))).toEqual([]);
    if (existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'))) expect(files.has('dist/src/cli/main.js')).toBe(true);
    expect([...files].filter((f) => /^(tests|fixtures|action-dist|src|scripts|bench|ecosystem)\//.test(f) || /^codemods\/.*\.ts$/.test(f))).toEqual([]);
  });
});

describe('dependencies', () => {
  it('every package the lockfile installs accepts the Node the README names (no EBADENGINE on Node 20)', () => {
    // The range reader itself, on the forms the lockfile holds.
    expect(['>=18', '>= 18', '^20.19.0 || >=22.12.0', '18 || 20 || >=22', '>=18.20.0 <20 || >=20.12.1', '*'].every(acceptsNode20)).toBe(true);
    expect(['>=22', '^18 || >=22', '>=20.20', '^20.0.0 <20.10'].some(acceptsNode20)).toBe(false);
    expect(pkg.engines.node).toBe('>=20.19');
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean }> };
    const refuses: string[] = [];
    for (const [where, entry] of Object.entries(lock.packages)) {
      const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
      if (range && !acceptsNode20(range)) refuses.push(`${where}: ${range}`);
    }
    expect(refuses).toEqual([]);
  });

  it('ajv-formats is for the tests only, and the unused vscode-languageserver-textdocument is not a direct dependency', () => {
    expect(pkg.dependencies['ajv-formats']).toBeUndefined();
    expect(pkg.devDependencies['ajv-formats']).toBeDefined();
    expect(pkg.dependencies['vscode-languageserver-textdocument']).toBeUndefined();
  });

  it("the install scripts nobody needs are denied (tree-sitter-python's native binding: only its .wasm is read)", () => {
    expect(lockEntry('tree-sitter-python')?.hasInstallScript).toBe(true);
    expect(pkg.allowScripts).toEqual({ 'tree-sitter-python': false, esbuild: false });
    const grammar = readFileSync(path.join(ROOT, 'src', 'util', 'python-grammar.ts'), 'utf8');
    expect(grammar).toContain("'tree-sitter-python/tree-sitter-python.wasm'");
    // Nothing imports the package itself (that would load the native binding).
    const importers: string[] = [];
    const scan = (dir: string): void => {
      for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) scan(rel);
        else if (e.name.endsWith('.ts') && /(from |import\(|require\()'tree-sitter-python'/.test(readFileSync(path.join(ROOT, rel), 'utf8'))) importers.push(rel);
      }
    };
    scan('src');
    scan('codemods');
    expect(importers).toEqual([]);
  });
});

/** Whether an npm engines range admits every Node 20 from 20.19 (the oldest the README names). */
function acceptsNode20(range: string): boolean {
  return [[20, 19, 0], [20, 99, 0]].every((node) => satisfies(node, range));
}

/** The subset of npm's range syntax the lockfile uses: `||` of space-separated comparators. */
function satisfies(node: number[], range: string): boolean {
  return range.split('||').some((part) => {
    const comparators = [...part.matchAll(/(>=|<=|>|<|\^|~|=)?\s*v?(\d+|\*)(?:\.(\d+))?(?:\.(\d+))?/g)];
    return comparators.every((m) => {
      if (m[2] === '*') return true;
      const want = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
      const cmp = compare(node, want);
      switch (m[1]) {
        case '>=': return cmp >= 0;
        case '>': return cmp > 0;
        case '<=': return cmp <= 0;
        case '<': return cmp < 0;
        case '^': return node[0] === want[0] && cmp >= 0;
        case '~': return node[0] === want[0] && (m[3] === undefined || node[1] === want[1]) && cmp >= 0;
        default: return node[0] === want[0] && (m[3] === undefined || node[1] === want[1]) && (m[4] === undefined || node[2] === want[2]);
      }
    });
  });
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}
