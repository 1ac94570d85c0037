/**
 * Docs sites: generators (Hugo, Docusaurus, VitePress, MkDocs, Jekyll …) and web apps with MDX
 * pages that resolve a page's links their own way (asset folders, routes from front matter,
 * links relative to the page's URL). A link that misses on disk may still resolve on the site,
 * so docs-dead-reference asks here before it reports one.
 */
import path from 'node:path/posix';
import type { Workspace } from '../../workspace/workspace.js';
import { jsonValue } from '../../formats/json.js';
import { isMarkdownPath } from '../../formats/markdown.js';
import { factSlot } from '../facts.js';
import { existsInRepo, joinRepo } from './paths.js';

export interface DocsSite {
  /** The site's folder ('' = the repository root). */
  root: string;
  generator: 'hugo' | 'docusaurus' | 'vitepress' | 'astro' | 'mintlify' | 'jekyll' | 'mkdocs' | 'fern' | 'web app';
  /**
   * For a web app (Next.js, Nuxt, Gatsby, SvelteKit, Remix with MDX pages): which of the docs
   * under its folder it renders. Its README is read on GitHub, its MDX pages on the site.
   */
  rendersDoc?: (doc: string) => boolean;
  /**
   * Folders the site serves files from by their path inside the folder (`static/`, `public/`)
   * or resolves a page's relative image against (Hugo's `assets/`, through render hooks): a
   * link that misses on disk but names a file there is resolved by the site.
   */
  assetRoots: string[];
  /**
   * Whether a relative link is resolved against the page's URL rather than its file (Hugo,
   * Jekyll): a file path rewritten to reach the target on disk need not reach it on the site.
   */
  urlRelative: boolean;
}

const SITE_CONFIGS: Array<{ test: RegExp; generator: DocsSite['generator']; up: number; assets: string[]; urlRelative: boolean }> = [
  // Hugo's config folder (`config/_default/hugo.toml`) first: its file is also a `hugo.toml`.
  { test: /(^|\/)config\/_default\/(hugo|config)\.(toml|ya?ml|json)$/, generator: 'hugo', up: 2, assets: ['static', 'assets'], urlRelative: true },
  { test: /(^|\/)hugo\.(toml|ya?ml|json)$/, generator: 'hugo', up: 0, assets: ['static', 'assets'], urlRelative: true },
  { test: /(^|\/)docusaurus\.config\.[cm]?[jt]s$/, generator: 'docusaurus', up: 0, assets: ['static'], urlRelative: false },
  { test: /(^|\/)\.vitepress\/config\.[cm]?[jt]s$/, generator: 'vitepress', up: 1, assets: ['public'], urlRelative: false },
  { test: /(^|\/)astro\.config\.[cm]?[jt]s$/, generator: 'astro', up: 0, assets: ['public'], urlRelative: false },
  { test: /(^|\/)(mint\.json|docs\.json)$/, generator: 'mintlify', up: 0, assets: [''], urlRelative: false },
  { test: /(^|\/)_config\.ya?ml$/, generator: 'jekyll', up: 0, assets: [''], urlRelative: true },
  { test: /(^|\/)mkdocs\.ya?ml$/, generator: 'mkdocs', up: 0, assets: [], urlRelative: false },
  // Fern: `fern/fern.config.json` beside `docs.yml`; pages link each other by their routes.
  { test: /(^|\/)fern\.config\.json$/, generator: 'fern', up: 0, assets: [''], urlRelative: false },
];

const siteCache = factSlot<DocsSite[]>('docs sites');

/**
 * The docs sites of the repository, found by their generator's config file. A `docs.json`
 * counts only with Mintlify's `navigation`, a `_config.yml` only next to Jekyll's folders
 * (`_layouts`, `_posts`, `_includes`), since both names are common elsewhere.
 */
export function docsSites(ws: Workspace): DocsSite[] {
  const cached = siteCache.get(ws);
  if (cached) return cached;
  const sites: DocsSite[] = [];
  for (const p of ws.paths) {
    const spec = SITE_CONFIGS.find((s) => s.test.test(p));
    if (!spec) continue;
    let root = path.dirname(p) === '.' ? '' : path.dirname(p);
    for (let i = 0; i < spec.up; i++) root = path.dirname(root) === '.' ? '' : path.dirname(root);
    if (spec.generator === 'mintlify' && !/"navigation"\s*:/.test(ws.read(p)?.text ?? '')) continue;
    if (spec.generator === 'jekyll' && !['_layouts', '_posts', '_includes'].some((d) => ws.hasDir(root ? `${root}/${d}` : d))) continue;
    if (sites.some((s) => s.root === root && s.generator === spec.generator)) continue;
    sites.push({ root, generator: spec.generator, assetRoots: spec.assets.map((a) => (root && a ? `${root}/${a}` : root || a)), urlRelative: spec.urlRelative });
  }
  sites.push(...webAppSites(ws, sites));
  // The innermost site owns a doc.
  sites.sort((a, b) => b.root.length - a.root.length);
  siteCache.set(ws, sites);
  return sites;
}

/** The site that renders a doc, if any. */
export function siteOf(ws: Workspace, doc: string): DocsSite | undefined {
  return docsSites(ws).find((s) => (s.root === '' || doc.startsWith(`${s.root}/`)) && (s.rendersDoc?.(doc) ?? true));
}

/**
 * Frameworks that render Markdown/MDX pages of a package and serve its static folder at `/`:
 * a page's `![x](/images/a.png)` is `public/images/a.png`, and `/docs/b` is a route of the app
 * (file-based routing, rewrites, a CMS) that the repository's files cannot settle.
 */
const WEB_APP_FRAMEWORKS: Array<{ dependency: RegExp; assets: string[] }> = [
  { dependency: /^(next|nextra|@next\/mdx|fumadocs-(core|mdx|ui)|@remix-run\/(react|dev)|@react-router\/dev|nuxt|@nuxt\/content)$/, assets: ['public'] },
  { dependency: /^(gatsby|@sveltejs\/kit)$/, assets: ['static'] },
];

/** Folders of a web app whose Markdown it renders; any `.mdx` under the app is a page too. */
const WEB_APP_PAGE_DIRS = /^(content|src|app|pages|posts|blog|_posts)\//;

/** The web apps among the repository's packages, unless a docs generator already owns the folder. */
function webAppSites(ws: Workspace, generators: DocsSite[]): DocsSite[] {
  const out: DocsSite[] = [];
  for (const p of ws.paths) {
    if (!/(^|\/)package\.json$/.test(p) || /(^|\/)node_modules\//.test(p)) continue;
    const root = path.dirname(p) === '.' ? '' : path.dirname(p);
    if (generators.some((g) => g.root === root)) continue;
    let deps: string[];
    try {
      const pkg = jsonValue(ws.read(p)) as Record<string, unknown>;
      deps = ['dependencies', 'devDependencies'].flatMap((k) => (pkg[k] && typeof pkg[k] === 'object' ? Object.keys(pkg[k] as object) : []));
    } catch {
      continue;
    }
    const framework = WEB_APP_FRAMEWORKS.find((f) => deps.some((d) => f.dependency.test(d)));
    if (!framework) continue;
    const inside = (doc: string): string | undefined => (root === '' ? doc : doc.startsWith(`${root}/`) ? doc.slice(root.length + 1) : undefined);
    out.push({
      root,
      generator: 'web app',
      assetRoots: framework.assets.map((a) => (root ? `${root}/${a}` : a)),
      urlRelative: false,
      rendersDoc: (doc) => {
        const rel = inside(doc);
        return rel !== undefined && (/\.mdx$/i.test(rel) || WEB_APP_PAGE_DIRS.test(rel));
      },
    });
  }
  return out;
}

/**
 * Whether a site resolves a relative link of `doc` that misses on disk: the path (without its
 * leading `./` and `../`) names a file in one of the site's asset folders.
 */
export function siteResolves(ws: Workspace, doc: string, written: string): DocsSite | undefined {
  const site = siteOf(ws, doc);
  if (!site) return undefined;
  const bare = written.replace(/^(\.\.?\/)+/, '').replace(/\/$/, '');
  if (!bare) return undefined;
  return site.assetRoots.some((r) => existsInRepo(ws, r ? `${r}/${bare}` : bare)) ? site : undefined;
}

const lowerPathCache = factSlot<Set<string>>('lower-case paths');

function hasIgnoringCase(ws: Workspace, p: string): boolean {
  let lower = lowerPathCache.get(ws);
  if (!lower) {
    lower = new Set(ws.paths.map((x) => x.toLowerCase()));
    lowerPathCache.set(ws, lower);
  }
  return lower.has(p.toLowerCase());
}

/**
 * Whether a page route (`../about_notifications/`, a link ending in `/`) of a site page names a
 * page: resolved from the page's folder, and, on sites that resolve links against the page's
 * URL (Hugo, Jekyll: `a/b.md` is served at `a/b/`), from the page itself as a folder. Site URLs
 * are lower-cased (Hugo's default), so letter case is not compared.
 */
export function siteRouteResolves(ws: Workspace, site: DocsSite, doc: string, route: string): boolean {
  const docDir = path.dirname(doc) === '.' ? '' : path.dirname(doc);
  const stem = doc.replace(/\.(md|mdx|markdown)$/i, '');
  const isIndex = /(^|\/)(_?index|readme)$/i.test(stem);
  const bases = [docDir, ...(site.urlRelative && !isIndex ? [stem] : [])];
  const bare = route.replace(/\/$/, '');
  return bases.some((base) => {
    const target = joinRepo(base, bare);
    if (target === undefined) return false;
    if (target === '' || ws.hasDir(target)) return true;
    if (siteRoutes(ws, site).has(target.toLowerCase())) return true;
    return ['.md', '.mdx', '/_index.md', '/index.md', '/index.mdx', '/README.md'].some((ext) => hasIgnoringCase(ws, `${target}${ext}`));
  });
}

const routeCache = factSlot<Map<string, Set<string>>>('site routes');

/**
 * Routes that a site's pages declare in their front matter, as lower-case repo paths: `slug:`
 * (the page's folder + the slug), `url:` and `aliases:` (from the content folder, `content/`
 * for Hugo, the site folder otherwise).
 */
function siteRoutes(ws: Workspace, site: DocsSite): Set<string> {
  let perWs = routeCache.get(ws);
  if (!perWs) {
    perWs = new Map();
    routeCache.set(ws, perWs);
  }
  const key = `${site.generator}\0${site.root}`;
  const cached = perWs.get(key);
  if (cached) return cached;
  const routes = new Set<string>();
  const content = site.generator === 'hugo' ? (site.root ? `${site.root}/content` : 'content') : site.root;
  const fromContent = (u: string): string => [content, u.replace(/^\/+|\/+$/g, '')].filter(Boolean).join('/').toLowerCase();
  for (const p of ws.paths) {
    if (!isMarkdownPath(p) || (site.root && !p.startsWith(`${site.root}/`))) continue;
    const text = ws.read(p)?.text;
    const fm = text && /^---\r?\n([\s\S]*?)\r?\n---\r?$/m.exec(text.slice(0, 4000));
    if (!fm || fm.index !== 0) continue;
    const body = fm[1] as string;
    const scalar = (name: string): string | undefined => new RegExp(`^${name}:[ \\t]*["']?([^"'\\r\\n#]+?)["']?[ \\t]*$`, 'm').exec(body)?.[1];
    const slug = scalar('slug');
    if (slug) routes.add([path.dirname(p) === '.' ? '' : path.dirname(p), slug.replace(/^\/+|\/+$/g, '')].filter(Boolean).join('/').toLowerCase());
    const url = scalar('url');
    if (url && url.startsWith('/')) routes.add(fromContent(url));
    const aliases = /^aliases:[ \t]*\r?\n((?:[ \t]+-[^\n]*\n?)+)/m.exec(body)?.[1];
    for (const m of aliases?.matchAll(/-[ \t]*["']?([^"'\r\n]+?)["']?[ \t]*$/gm) ?? []) if (m[1]?.startsWith('/')) routes.add(fromContent(m[1]));
  }
  perWs.set(key, routes);
  return routes;
}
