/**
 * Vite config reading (ts-morph), the syntax check used to prove edited scripts, and the facts
 * that locate a Vite build inside a Dockerfile stage (src/facts/frontend-build.ts).
 */
import { describe, it, expect } from 'vitest';
import { SourceFile } from '../src/workspace/source-file.js';
import { Workspace } from '../src/workspace/workspace.js';
import { Facts } from '../src/facts/facts.js';
import { readViteConfig, scriptSyntaxProblem, isViteConfigPath } from '../src/formats/bundler-config.js';
import { parseProblem } from '../src/formats/validate.js';
import { frontendBuildSites, parseViteBuild, globRegex, buildContexts } from '../src/facts/frontend-build.js';
import { rule } from '../codemods/dockerfile-copy-outdir/index.js';

const config = (text: string, p = 'vite.config.ts'): Promise<Awaited<ReturnType<typeof readViteConfig>>> => readViteConfig(new SourceFile(p, text, false));

/** The value and anchor of an option, or its kind. */
function valueOf(v: Awaited<ReturnType<typeof readViteConfig>>['outDir']): string {
  return v.kind === 'known' ? `${v.anchor}:${v.value}` : v.kind;
}

describe('readViteConfig', () => {
  it('reads build.outDir from defineConfig({...}) with the span between the quotes', async () => {
    const text = `import { defineConfig } from "vite";\nexport default defineConfig({\n  build: { outDir: "dist/frontend", emptyOutDir: true },\n});\n`;
    const s = await config(text);
    expect(s.shape).toBe('export default defineConfig(...) → object literal');
    expect(valueOf(s.outDir)).toBe('relative:dist/frontend');
    expect(valueOf(s.root)).toBe('absent');
    const site = s.outDir.kind === 'known' ? s.outDir.sites[0] : undefined;
    expect(site?.literal?.quote).toBe('"');
    expect(text.slice(site!.literal!.inner.start, site!.literal!.inner.end)).toBe('dist/frontend');
  });

  it('reads plain objects, module.exports, a top-level const with satisfies, and shorthand constants', async () => {
    expect(valueOf((await config(`export default { build: { outDir: 'x' } }`)).outDir)).toBe('relative:x');
    expect(valueOf((await config(`module.exports = { build: { outDir: 'cjs' } }`, 'vite.config.cjs')).outDir)).toBe('relative:cjs');
    const viaConst = await config('const config = { build: { outDir: `out` } } satisfies UserConfig\nexport default config');
    expect(valueOf(viaConst.outDir)).toBe('relative:out');
    expect(viaConst.shape).toBe('export default const config → object literal');
    const shorthand = await config(`const outDir = 'z'\nexport default defineConfig({ build: { outDir } })`);
    expect(valueOf(shorthand.outDir)).toBe('relative:z');
    // The value comes from the constant: there is no literal to rewrite in place.
    expect(shorthand.outDir.kind === 'known' && shorthand.outDir.sites[0]?.literal).toBe(undefined);
  });

  it('follows config functions through every return, and spreads of top-level objects', async () => {
    const fn = await config(`export default defineConfig(({ mode }) => {\n  if (mode === 'a') return { build: { outDir: "o" } }\n  return { build: { outDir: 'o' } }\n})`);
    expect(valueOf(fn.outDir)).toBe('relative:o');
    expect(fn.outDir.kind === 'known' && fn.outDir.sites.length).toBe(2);
    expect(valueOf((await config(`export default defineConfig(async () => ({ build: { outDir: 'b' } }))`)).outDir)).toBe('relative:b');
    expect(valueOf((await config(`export default function () { return { root: 'web' } }`)).root)).toBe('relative:web');
    const spread = await config(`const shared = { build: { outDir: 'shared' } }\nexport default defineConfig({ ...shared, plugins: [] })`);
    expect(valueOf(spread.outDir)).toBe('relative:shared');
    expect(valueOf((await config(`const shared = { plugins: [] }\nexport default defineConfig({ ...shared })`)).outDir)).toBe('absent');
  });

  it('evaluates __dirname, path.resolve/join and fileURLToPath(new URL(..., import.meta.url))', async () => {
    const c = await config(`import path from 'node:path'\nexport default defineConfig({ root: path.resolve(__dirname, 'web'), build: { outDir: path.join(__dirname, 'dist', 'x') } })`);
    expect(valueOf(c.root)).toBe('configDir:web');
    expect(valueOf(c.outDir)).toBe('configDir:dist/x');
    const named = await config(`import { resolve as r } from 'path'\nexport default { build: { outDir: r(__dirname, '../server/public') } }`);
    expect(valueOf(named.outDir)).toBe('configDir:../server/public');
    const url = await config(`import { fileURLToPath, URL } from 'node:url'\nexport default defineConfig({ root: fileURLToPath(new URL('./src', import.meta.url)) })`);
    expect(valueOf(url.root)).toBe('configDir:src');
    const required = await config(`const { join } = require('path')\nmodule.exports = { build: { outDir: join(__dirname, 'out') } }`, 'vite.config.cjs');
    expect(valueOf(required.outDir)).toBe('configDir:out');
  });

  it('reports computed values instead of guessing', async () => {
    const env = await config(`export default defineConfig({ build: { outDir: process.env.OUT ?? 'dist' } })`);
    expect(env.outDir).toMatchObject({ kind: 'computed', reason: "`build.outDir` is computed (`process.env.OUT ?? 'dist'`)" });
    // `resolve` not imported from path: unknown function.
    expect(valueOf((await config(`export default { build: { outDir: resolve(__dirname, 'x') } }`)).outDir)).toBe('computed');
    expect((await config(`export default defineConfig({ ...base, plugins: [] })`)).outDir).toMatchObject({ kind: 'computed', reason: '`...base` may set `build`' });
    const merged = await config(`export default mergeConfig(base, {})`);
    expect(merged.unresolved?.reason).toBe('the config is computed by `mergeConfig(...)`');
    expect(valueOf(merged.outDir)).toBe('computed');
    const branches = await config(`export default defineConfig(({ mode }) => mode === 'x' ? { build: { outDir: 'a' } } : { build: { outDir: 'b' } })`);
    expect(branches.unresolved?.reason).toBe("the exported config is `mode === 'x' ? { build: { outDir: 'a' } } : { build: { ou...`");
    const differ = await config(`export default defineConfig(({ mode }) => { if (mode) return { build: { outDir: 'a' } }; return { build: { outDir: 'b' } } })`);
    expect(differ.outDir).toMatchObject({ kind: 'computed', reason: '`build.outDir` differs between the branches of the config function' });
  });

  it('gives insertion points and the file quote style', async () => {
    const text = `export default defineConfig({\n  plugins: [vue()],\n})\n`;
    const s = await config(`import { defineConfig } from 'vite'\n${text}`);
    expect(s.quote).toBe("'");
    expect(s.insertion?.build).toBe(undefined);
    const withBuild = await config(`export default { build: { minify: false } }`);
    expect(withBuild.insertion?.build).toEqual({ start: 24, end: 41 });
  });

  it('positions are offsets into SourceFile.text (BOM removed, CRLF kept)', async () => {
    const text = `// c\r\nexport default {\r\n  build: { outDir: './dist/web' },\r\n}\r\n`;
    const s = await readViteConfig(new SourceFile('vite.config.mts', text, true));
    const site = s.outDir.kind === 'known' ? s.outDir.sites[0] : undefined;
    expect(text.slice(site!.literal!.inner.start, site!.literal!.inner.end)).toBe('./dist/web');
  });

  it('reports syntax errors and parses once per file', async () => {
    const file = new SourceFile('vite.config.ts', 'export default defineConfig({ build: { outDir: "a" } ', false);
    const s = await readViteConfig(file);
    expect(s.error).toEqual({ message: "'}' expected.", offset: 53 });
    expect(await readViteConfig(file)).toBe(s);
  });

  it('knows Vite config names', () => {
    expect(['vite.config.ts', 'web/vite.config.mjs', 'vite.config.cts'].map(isViteConfigPath)).toEqual([true, true, true]);
    expect(['vite.config.d.ts', 'vitest.config.ts', 'vite.config.json'].map(isViteConfigPath)).toEqual([false, false, false]);
  });
});

describe('script syntax validation', () => {
  it('accepts valid TS/JS and locates the first syntax error', async () => {
    expect(await scriptSyntaxProblem(new SourceFile('a.ts', 'const a: number = 1;\n', false))).toBe(undefined);
    expect(await scriptSyntaxProblem(new SourceFile('a.js', 'const x = (\n', false))).toEqual({ message: 'Expression expected.', offset: 11 });
    expect(await parseProblem(new SourceFile('vite.config.mts', 'export default { build: { outDir: "dist" }', false))).toEqual({ message: "'}' expected.", offset: 42 });
    expect(await parseProblem(new SourceFile('App.tsx', 'export const A = () => <div>{1}</div>;\n', false))).toBe(undefined);
  });
});

describe('vite build command lines', () => {
  it('parses vite build arguments', () => {
    expect(parseViteBuild(['vite', 'build'])).toEqual({ outDir: undefined, config: undefined, root: undefined });
    expect(parseViteBuild(['npx', '--yes', 'vite', 'build', '--outDir=out', '-c', 'cfg/vite.config.ts', 'web'])).toEqual({ outDir: 'out', config: 'cfg/vite.config.ts', root: 'web' });
    expect(parseViteBuild(['NODE_ENV=production', 'pnpm', 'exec', 'vite', 'build', '--ssr', 'src/entry.ts', '--outDir', 'dist/server'])).toEqual({ outDir: 'dist/server', config: undefined, root: undefined });
    expect(parseViteBuild(['yarn', 'vite', 'build', '--mode', 'staging', '--sourcemap'])).toEqual({ outDir: undefined, config: undefined, root: undefined });
    expect(parseViteBuild(['vite'])).toBe(undefined);
    expect(parseViteBuild(['vite', 'preview'])).toBe(undefined);
    expect(parseViteBuild(['npm', 'run', 'build'])).toBe(undefined);
  });

  it('matches COPY globs like Go filepath.Match', () => {
    expect(globRegex('package*.json').test('package-lock.json')).toBe(true);
    expect(globRegex('package*.json').test('sub/package.json')).toBe(false);
    expect(globRegex('[ab]?.txt').test('b1.txt')).toBe(true);
    expect(globRegex('a.b').test('axb')).toBe(false);
  });
});

/** The build sites of an in-memory repository, as `dockerfile stage cwd config`. */
function sitesOf(files: Record<string, string>): string[] {
  const ws = Workspace.fromFiles('/repo', files);
  return frontendBuildSites(new Facts(ws)).map((s) => `${s.dockerfile} ${s.stage.rawName ?? s.stage.index} ${s.invocation.cwd} ${s.config} ${s.invocation.via.join('>')}`);
}

const pkg = (scripts: Record<string, string>, name = 'p'): string => JSON.stringify({ name, scripts });

describe('frontend build sites', () => {
  it('maps the build directory to the package through COPY lines, cd and package.json scripts', () => {
    const files = {
      'web/package.json': pkg({ typecheck: 'tsc', build: 'npm run typecheck && vite build' }),
      'web/vite.config.ts': 'export default {}',
      'vite.config.ts': 'export default {}',
      'package.json': pkg({ build: 'vite build' }),
      Dockerfile: 'FROM node AS web\nWORKDIR /app\nCOPY web/package.json ./web/\nRUN cd web && npm install\nCOPY web/ ./web/\nRUN cd web && npm run build\n',
    };
    // The root config is never copied into the image: only web/ is built.
    expect(sitesOf(files)).toEqual(['Dockerfile web /app/web web/vite.config.ts build']);
  });

  it('uses the WORKDIR in effect at the RUN, globs, exec-form RUN and run-p script chains', () => {
    const files = {
      'client/package.json': pkg({ build: 'run-p type-check "build-only {@}" --', 'build-only': 'vite build', 'type-check': 'vue-tsc' }),
      'client/vite.config.mts': 'export default {}',
      Dockerfile: 'FROM node AS c\nCOPY client/package*.json /opt/site/client/\nWORKDIR /opt/site/client\nCOPY . /opt/site\nRUN ["npm", "run", "build"]\n',
    };
    expect(sitesOf(files)).toEqual(['Dockerfile c /opt/site/client client/vite.config.mts build>build-only']);
  });

  it('follows --prefix, pnpm --filter by package name and yarn --cwd', () => {
    const base = {
      'apps/site/package.json': pkg({ build: 'vite build' }, '@acme/site'),
      'apps/site/vite.config.js': 'export default {}',
    };
    expect(sitesOf({ ...base, Dockerfile: 'FROM node\nWORKDIR /w\nCOPY . .\nRUN npm --prefix apps/site run build\n' })).toEqual(['Dockerfile 0 /w/apps/site apps/site/vite.config.js build']);
    expect(sitesOf({ ...base, Dockerfile: 'FROM node\nWORKDIR /w\nCOPY . .\nRUN pnpm --filter @acme/site build\n' })).toEqual(['Dockerfile 0 /w/apps/site apps/site/vite.config.js build']);
    expect(sitesOf({ ...base, Dockerfile: 'FROM node\nWORKDIR /w\nCOPY . .\nRUN yarn --cwd apps/site build\n' })).toEqual(['Dockerfile 0 /w/apps/site apps/site/vite.config.js build']);
    expect(sitesOf({ ...base, Dockerfile: 'FROM node\nWORKDIR /w/apps\nCOPY . /w\nRUN --mount=type=cache,target=/root/.npm npm ci && npm run build -w site\n' })).toEqual(['Dockerfile 0 /w/apps/site apps/site/vite.config.js build']);
    // `npm build` is not `npm run build`, and a script that does not run vite is no site.
    expect(sitesOf({ ...base, Dockerfile: 'FROM node\nWORKDIR /w/apps/site\nCOPY apps/site/ .\nRUN npm build\n' })).toEqual([]);
    expect(sitesOf({ ...base, 'apps/site/package.json': pkg({ build: 'next build' }), Dockerfile: 'FROM node\nWORKDIR /w\nCOPY apps/site/ .\nRUN npm run build\n' })).toEqual([]);
  });

  it('infers the build context from where the COPY sources exist, unless compose gives it', () => {
    const files = {
      'backend/Dockerfile': 'FROM node AS ui\nCOPY frontend/ /src/\n',
      'frontend/package.json': '{}',
    };
    const ws = Workspace.fromFiles('/repo', files);
    const facts = new Facts(ws);
    expect(buildContexts(facts, 'backend/Dockerfile', facts.dockerfile('backend/Dockerfile')!)).toEqual(['']);
    const ws2 = Workspace.fromFiles('/repo', { ...files, 'compose.yaml': 'services:\n  api:\n    build: ./backend\n' });
    const facts2 = new Facts(ws2);
    expect(buildContexts(facts2, 'backend/Dockerfile', facts2.dockerfile('backend/Dockerfile')!)).toEqual(['backend']);
  });
});

async function findingsOf(files: Record<string, string>, options: Record<string, unknown> = {}): Promise<string[]> {
  const ws = Workspace.fromFiles('/repo', files);
  const facts = new Facts(ws);
  const raw = await rule.check({ workspace: ws, facts, files: facts.files, options });
  return raw.map((f) => `${f.file}@${f.offset} ${f.fix ? f.fix.edits.map((e) => `${e.file}[${e.start},${e.end})=${e.text}`).join(' ') : 'no fix'}`);
}

describe('dockerfile-copy-outdir decisions', () => {
  const seed = {
    'package.json': pkg({ build: 'vite build' }),
    'vite.config.ts': 'export default defineConfig({\n  build: { outDir: "dist/frontend" },\n})\n',
    Dockerfile: 'FROM node AS build\nWORKDIR /app\nCOPY . .\nRUN npm run build\nFROM nginx\nCOPY --from=build /app/dist /usr/share/nginx/html\n',
  };
  const copyAt = seed.Dockerfile.indexOf('/app/dist');
  const literalAt = seed['vite.config.ts'].indexOf('dist/frontend');

  it('restores the standard outDir when nothing else uses the non-standard one', async () => {
    expect(await findingsOf(seed)).toEqual([`Dockerfile@${copyAt} vite.config.ts[${literalAt},${literalAt + 13})=dist`]);
  });

  it('changes the COPY source when another file uses the outDir path', async () => {
    // A sibling (not ancestor) copy: the copied folder does not exist at all.
    const files = { ...seed, Dockerfile: seed.Dockerfile.replace('/app/dist ', '/app/build '), 'scripts/deploy.sh': 'rsync -a dist/frontend/ host:/var/www\n' };
    const at = files.Dockerfile.indexOf('/app/build');
    expect(await findingsOf(files)).toEqual([`Dockerfile@${at} Dockerfile[${at},${at + 10})=/app/dist/frontend`]);
  });

  it('does not count mentions in changelogs, nor bare words', async () => {
    const files = { ...seed, 'CHANGELOG.md': '- moved the bundle to dist/frontend\n' };
    expect(await findingsOf(files)).toEqual([`Dockerfile@${copyAt} vite.config.ts[${literalAt},${literalAt + 13})=dist`]);
  });

  it('stops firing once the outDir is moved (the same repo with a matching COPY)', async () => {
    expect(await findingsOf({ ...seed, Dockerfile: seed.Dockerfile.replace('/app/dist ', '/app/dist/frontend ') })).toEqual([]);
    expect(await findingsOf({ ...seed, 'vite.config.ts': seed['vite.config.ts'].replace('dist/frontend', 'dist') })).toEqual([]);
  });

  it('fires on the other-image-context look-alike once the COPY no longer matches the relative outDir', async () => {
    const files = {
      'frontend/package.json': pkg({ build: 'vite build' }),
      'frontend/vite.config.ts': "export default { build: { outDir: '../backend/static' } }\n",
      'backend/Dockerfile': 'FROM node AS ui\nWORKDIR /src/frontend\nCOPY frontend/ ./\nRUN npm run build\nFROM python\nCOPY --from=ui /src/backend/static ./static\n',
    };
    expect(await findingsOf(files)).toEqual([]);
    const wrong = { ...files, 'backend/Dockerfile': files['backend/Dockerfile'].replace('/src/backend/static', '/src/frontend/dist') };
    const at = wrong['backend/Dockerfile'].indexOf('/src/frontend/dist');
    // The image expects the standard outDir and nothing names `../backend/static`: restore `dist`.
    expect(await findingsOf(wrong)).toEqual([`backend/Dockerfile@${at} frontend/vite.config.ts[35,52)=dist`]);
    // The backend reads `backend/static` (where the outDir lands in the repository): the COPY changes instead.
    const used = { ...wrong, 'backend/app.py': 'app.mount("/", StaticFiles(directory="backend/static"))\n' };
    expect(await findingsOf(used)).toEqual([`backend/Dockerfile@${at} backend/Dockerfile[${at},${at + 18})=/src/backend/static`]);
  });

  it('honours prefer, keeps a relative source relative with its trailing slash', async () => {
    expect(await findingsOf(seed, { prefer: 'dockerfile' })).toEqual([`Dockerfile@${copyAt} Dockerfile[${copyAt},${copyAt + 9})=/app/dist/frontend`]);
    const relative = { ...seed, Dockerfile: seed.Dockerfile.replace('/app/dist ', 'app/dist/ ') };
    const at = relative.Dockerfile.indexOf('app/dist/');
    expect(await findingsOf(relative, { prefer: 'dockerfile' })).toEqual([`Dockerfile@${at} Dockerfile[${at},${at + 9})=app/dist/frontend/`]);
  });

  it('edits the outDir literal of every return branch of a config function', async () => {
    const cfg = "export default defineConfig(({ mode }) => {\n  if (mode === 'lib') return { build: { outDir: 'dist/web' } }\n  return { build: { outDir: \"dist/web\" } }\n})\n";
    const first = cfg.indexOf('dist/web');
    const second = cfg.indexOf('dist/web', first + 1);
    expect(await findingsOf({ ...seed, 'vite.config.ts': cfg })).toEqual([`Dockerfile@${copyAt} vite.config.ts[${first},${first + 8})=dist vite.config.ts[${second},${second + 8})=dist`]);
  });

  it('keeps the tail of a deeper source and ignores node_modules', async () => {
    const files = {
      'package.json': pkg({ build: 'vite build' }),
      'vite.config.ts': 'export default {}\n',
      Dockerfile: 'FROM node AS b\nWORKDIR /app\nCOPY . .\nRUN npm run build\nFROM nginx\nCOPY --from=b /app/build/assets /html/assets\nCOPY --from=b /app/node_modules/x/dist /x\n',
    };
    const at = files.Dockerfile.indexOf('/app/build/assets');
    expect(await findingsOf(files)).toEqual([`Dockerfile@${at} Dockerfile[${at},${at + 17})=/app/dist/assets`]);
  });

  it('expands ARG defaults in WORKDIR and judges nothing under an unknown WORKDIR', async () => {
    const withArg = { ...seed, Dockerfile: seed.Dockerfile.replace('WORKDIR /app', 'ARG APP_DIR=/app\nWORKDIR ${APP_DIR}') };
    const at = withArg.Dockerfile.indexOf('/app/dist ');
    expect(await findingsOf(withArg)).toEqual([`Dockerfile@${at} vite.config.ts[${literalAt},${literalAt + 13})=dist`]);
    expect(await findingsOf({ ...seed, Dockerfile: seed.Dockerfile.replace('WORKDIR /app', 'WORKDIR $APP_DIR') })).toEqual([]);
  });

  it('does not judge a stage that moves its output after the build', async () => {
    const moved = { ...seed, Dockerfile: seed.Dockerfile.replace('RUN npm run build\n', 'RUN npm run build\nRUN mv dist/frontend /tmp/ui && rm -rf dist && mv /tmp/ui dist\n') };
    expect(await findingsOf(moved)).toEqual([]);
  });

  it('skips shell-form sources with quotes (Docker does not remove them) and variables', async () => {
    expect(await findingsOf({ ...seed, Dockerfile: seed.Dockerfile.replace('/app/dist ', '"/app/dist" ') })).toEqual([]);
    expect(await findingsOf({ ...seed, Dockerfile: seed.Dockerfile.replace('/app/dist ', '$APP/dist ') })).toEqual([]);
  });
});
