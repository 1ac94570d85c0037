/**
 * Where docs name repository paths that do not exist: Markdown links
 * and images, path-only code spans, JSON index entries, and the files doc commands read.
 * Each is a Pending reference, settled (fix.ts) once git history has been asked about all.
 */
import path from 'node:path/posix';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { Facts } from '../../src/facts/facts.js';
import { jsonStringValues, mappedSpan, offsetAt, type MdLink, type MdCodeSpan, type JsonStringValue, type MappedText } from '../../src/formats/markdown.js';
import { jsonObjectKeys, type JsonKey } from '../../src/formats/json-keys.js';
import { createdInSeries } from '../../src/facts/docs/commands.js';
import { docFiles, docsWithHistories, historyDocs } from '../../src/facts/docs/doc-files.js';
import { existsInRepo, isGitIgnored, joinRepo, pathRef, projectRootsAbove } from '../../src/facts/docs/paths.js';
import { inCheckerList } from '../../src/facts/docs/drift-checkers.js';
import { isQuoted } from '../../src/facts/docs/quoting.js';
import { readDoc, judgedFromEveryCwd } from '../../src/facts/docs/findings.js';
import { isMissingTemplate } from './fix.js';
import { siteOf, siteResolves, siteRouteResolves } from '../../src/facts/docs/sites.js';
import { type DocsOptions } from '../../src/facts/docs/options.js';
import { isLocalEnvFile, operandProblems, problem, type Env, type Pending } from '../../src/facts/docs/references.js';

export { operandProblems, type Env, type Pending };

// ---------------------------------------------------------------------------------------------
// Markdown links, images and link definitions

function decode(s: string): string | undefined {
  try {
    return decodeURI(s);
  } catch {
    return undefined;
  }
}

/** Forms a docs site or GitHub resolves: `x` → `x.md`, `x/` → `x/README.md`, `x.html` → `x.md`. */
function linkResolves(ws: Workspace, target: string): boolean {
  if (existsInRepo(ws, target)) return true;
  const stem = target.replace(/\.html?$/i, '');
  return ['.md', '.mdx', '/README.md', '/index.md', '/index.mdx'].some((ext) => ws.has(`${stem}${ext}`));
}

function linkProblems(env: Env, link: MdLink): Pending[] {
  if (link.kind === 'autolink') return [];
  const url = link.url.trim();
  if (!url || /^[a-z][a-z0-9+.-]*:/i.test(url) || /^(?:[#~\\]|\/\/)/.test(url)) return [];
  // `/docs/x.md`: GitHub resolves a leading slash from the repository root; a docs site from
  // its own root (a route of the site), which is not judged here.
  const rootRelative = url.startsWith('/');
  if (rootRelative && siteOf(env.ws, env.doc)) return [];
  const cut = url.search(/[#?]/);
  const pathPart = cut === -1 ? url : url.slice(0, cut);
  const suffix = cut === -1 ? '' : url.slice(cut);
  if (!pathPart || /[<>{}$*[\]]/.test(pathPart)) return [];
  const decoded = decode(pathPart);
  if (decoded === undefined) return [];
  const dir = decoded.endsWith('/');
  const last = decoded.replace(/\/$/, '').split('/').pop() ?? '';
  // Extensionless links are docs-site routes (ids, slugs): not judged on a site. Elsewhere
  // GitHub opens the file or folder of that name (`samples/app`, `settings/template-local`):
  // judged, but only when it moved (a rename record, a namesake), since an extensionless link
  // may also be a route of a site this rule does not know.
  const extensionless = !dir && !/\.[A-Za-z][A-Za-z0-9]{0,9}$/.test(last);
  // MDX is written for a site (GitHub does not render its components): its extensionless links
  // are that site's routes, whether or not the rule knows the generator.
  if (extensionless && (siteOf(env.ws, env.doc) || /\.mdx$/i.test(env.doc))) return [];
  const base = rootRelative ? '' : env.docDir;
  const target = joinRepo(base, rootRelative ? decoded.slice(1) : decoded);
  if (target === undefined || target === '' || linkResolves(env.ws, target) || isGitIgnored(env.ws, target, dir)) return [];
  // A docs site serves static and asset folders by their own paths (Hugo's image render hooks,
  // Docusaurus `static/`, VitePress `public/`): the link works on the site.
  if (siteResolves(env.ws, env.doc, decoded)) return [];
  const site = siteOf(env.ws, env.doc);
  // On a site, a link ending in `/` is a page route: it names a page, not a folder.
  if (site && dir && siteRouteResolves(env.ws, site, env.doc, decoded)) return [];
  const offset = link.urlStart ?? link.start;
  if (isQuoted(env.q, offset)) return [];
  const plain = link.raw !== undefined && link.raw === link.url && !/[%\\\s()]/.test(link.raw);
  const span: [number, number] | undefined = plain && link.urlStart !== undefined && link.urlEnd !== undefined ? [link.urlStart, link.urlEnd] : undefined;
  const head = `${link.kind === 'image' ? 'image' : 'link'} target \`${pathPart}\` (\`${target}\`) does not exist`;
  const found = { ...problem(env, 'link', offset, pathPart, target, dir, base, head, span, suffix, extensionless), rootRelative, ...(extensionless ? { fileOrDir: true } : {}) };
  if (site && dir) return [{ ...found, route: site }];
  // Hugo and Jekyll resolve a relative link against the page's URL, not its file: a path that
  // reaches the file on disk need not reach it on the built site.
  if (site?.urlRelative) return [{ ...found, reviewBecause: `${site.generator} resolves this page's links against its URL` }];
  return [found];
}

function pathHead(written: string, missing: string): string {
  return `path \`${written}\`${missing !== written.replace(/^\.\//, '').replace(/\/$/, '') ? ` (\`${missing}\`)` : ''} does not exist`;
}

// ---------------------------------------------------------------------------------------------
// Code spans and JSON string values that are nothing but a path

/** The base directories a bare path may be written from: the repository root and the doc's folder. */
function anchoredBase(env: Env, value: string, first: string): string | undefined {
  if (value.startsWith('./') || value.startsWith('../')) return env.docDir;
  const bases = [...new Set(['', env.docDir])];
  return bases.find((b) => {
    const j = joinRepo(b, first);
    return j !== undefined && j !== '' && env.ws.hasDir(j);
  });
}

function bareExists(env: Env, value: string): boolean {
  return [...new Set(['', env.docDir, ...projectRootsAbove(env.ws, env.docDir)])].some((b) => {
    const j = joinRepo(b, value);
    return j !== undefined && existsInRepo(env.ws, j);
  });
}

/** Files an application writes at run time (logs, databases, dumps): never judged in prose. */
const RUNTIME_FILE = /\.(log|db|sqlite3?|pid|sock|tmp|bak|out|pyc|cache|swp|csv|parquet|pkl|pickle|h5|bin|dat|tar|gz|tgz|zip)$/i;

function spanProblems(env: Env, span: MdCodeSpan): Pending[] {
  const value = span.value;
  const ref = pathRef(value, true);
  // Directory names in prose (`archive/`, `docs/api/`) often describe a layout, not a link.
  if (!ref || ref.dir || bareExists(env, value)) return [];
  const base = anchoredBase(env, value, ref.first);
  if (base === undefined) return [];
  const missing = joinRepo(base, value);
  if (missing === undefined || isGitIgnored(env.ws, missing)) return [];
  const offset = offsetAt(span, 0) ?? span.start;
  if (offset < 0 || isQuoted(env.q, offset)) return [];
  // Prose names files a reader is told to create, or that the app writes at run time: a path
  // in a code span is judged only when it moved (a file of that name exists elsewhere, or git
  // recorded a rename).
  if (RUNTIME_FILE.test(value) || isLocalEnvFile(missing)) return [];
  return [problem(env, 'path', offset, value, missing, false, base, pathHead(value, missing), mappedSpan(span, 0, value.length), '', true)];
}

function jsonProblems(env: Env, s: JsonStringValue, siblings: JsonStringValue[]): Pending[] {
  if (inCheckerList(env.ws, env.doc, s.start)) return [];
  const whole = indexPathProblems(env, s.value, s, s.start, () => siblings.filter((o) => o !== s).map((o) => o.value));
  if (whole) return whole;
  // `"integrations/supervisor.py - the supervisor"`: an index entry that names a path and says
  // what it is. The path is the words before the dash (or colon).
  const described = DESCRIBED_PATH.exec(s.value);
  if (!described) return [];
  const others = (): string[] => siblings.filter((o) => o !== s).map((o) => DESCRIBED_PATH.exec(o.value)?.[1] ?? o.value);
  return indexPathProblems(env, described[1] as string, s, s.start, others) ?? [];
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** `path - description`, `path — description`, `path: description`. */
const DESCRIBED_PATH = /^([\w.@+/-]+)(?:\s+(?:-|–|—)|\s*:)\s+\S/;

/**
 * A path at the start of an index entry (a string value, or a property name of a directory
 * map): judged when its first folder exists, or when another entry of the same list or map is a
 * path that exists (`"root_directories": ["src/", "integrations/"]`). Undefined when the text is
 * not a path at all.
 */
function indexPathProblems(env: Env, value: string, mapped: MappedText, start: number, siblings: () => string[]): Pending[] | undefined {
  const ref = pathRef(value, true);
  if (!ref) return undefined;
  // `path/to/file.py`: the shape of a path, standing for any.
  if (bareExists(env, value) || /(^|\/)path\/to\//i.test(value)) return [];
  let base = anchoredBase(env, value, ref.first);
  if (base === undefined && siblings().some((o) => pathRef(o, true) && bareExists(env, o))) base = '';
  if (base === undefined) return [];
  const missing = joinRepo(base, value);
  if (missing === undefined || missing === '' || isGitIgnored(env.ws, missing, ref.dir)) return [];
  if (isQuoted(env.q, start)) return [];
  return [problem(env, 'path', start, value, missing, ref.dir, base, pathHead(value, missing), mappedSpan(mapped, 0, value.length))];
}

/** Property names of a JSON index that are paths (a directory map: `"src/autopack/": "the app"`). */
function jsonKeyProblems(env: Env, key: JsonKey, siblings: JsonKey[]): Pending[] {
  if (inCheckerList(env.ws, env.doc, key.start)) return [];
  return indexPathProblems(env, key.value, key, key.start, () => siblings.filter((o) => o !== key).map((o) => o.value)) ?? [];
}

/** Every reference to a missing path, before history is asked. */
/** The docs' text `docsLinkMissingPath` looks at, at most: a guess costs a few milliseconds. */
const GUESS_CHARS = 2_000_000;

/** A code span that reads as a relative path with a folder in it (`config/app.yaml`, `src/backend/`). */
const PATH_SPAN = /`((?:\.{1,2}\/)?[\w@.-]+\/[\w@./-]*)`/g;

/**
 * Whether a doc names a relative path that does not exist, from a look at the docs' text (no
 * parse; the first 2 MB of them): a link's target, or a code span that reads as a path with a
 * folder in it, found neither from the doc's folder nor from the root. The likely sign that the
 * docs rules will find paths to look up in git history (this rule's links, and the paths the
 * other docs rules read in code). Not a judgement (a link in a code block, a template, a route
 * counts here): a guess that starts git early, never a finding.
 */
export function docsLinkMissingPath(ws: Workspace, opts: DocsOptions): boolean {
  let budget = GUESS_CHARS;
  const seen = new Set<string>();
  const missing = (dir: string, target: string, fromRoot: boolean): boolean => {
    const key = `${dir}\0${target}`;
    if (seen.has(key) || target.startsWith('/') || /^[a-z][\w+.-]*:/i.test(target)) return false;
    seen.add(key);
    let rel = target;
    if (rel.includes('%')) {
      try {
        rel = decodeURIComponent(target);
      } catch {
        // Kept as written.
      }
    }
    const gone = (p: string | undefined): boolean => p !== undefined && p !== '' && !ws.has(p) && !ws.hasDir(p.replace(/\/$/, ''));
    return gone(joinRepo(dir, rel)) && (!fromRoot || gone(joinRepo('', rel)));
  };
  for (const doc of docFiles(ws, opts).docs) {
    if (doc.kind !== 'markdown' || budget <= 0) continue;
    const text = ws.probe(doc.path)?.text;
    if (!text) continue;
    budget -= text.length;
    const dir = path.dirname(doc.path) === '.' ? '' : path.dirname(doc.path);
    if (text.includes('](')) for (const m of text.matchAll(/\]\(\s*<?([^)\s>#?]+)/g)) if (missing(dir, m[1] as string, false)) return true;
    if (text.includes('`')) for (const m of text.matchAll(PATH_SPAN)) if (missing(dir, m[1] as string, true)) return true;
  }
  return false;
}

export async function collect(workspace: Workspace, facts: Facts, opts: DocsOptions): Promise<Pending[]> {
  const pending: Pending[] = [];
  const historyFiles = new Set(historyDocs(workspace, opts).map((d) => d.path));
  // The first path found missing (not a template) will be looked up in git history once every
  // doc is read: git walks it meanwhile.
  let looked = 0;
  for (const doc of docsWithHistories(workspace, opts)) {
    if (looked >= 0) {
      for (; looked < pending.length; looked++) if (!isMissingTemplate(pending[looked] as Pending)) break;
      if (looked < pending.length) {
        workspace.readHistoryAhead();
        looked = -1;
      }
    }
    const read = await readDoc(workspace, doc, opts);
    if (!read) continue;
    const docDir = path.dirname(doc.path) === '.' ? '' : path.dirname(doc.path);
    // A history file is read for its instructions only: its links and paths are records.
    const ledger = historyFiles.has(doc.path);
    const env: Env = { ws: workspace, opts, q: { ws: workspace, file: read.file, model: read.model, opts, ledger }, doc: doc.path, docDir, editable: workspace.isEditable(doc.path), series: await createdInSeries(workspace, doc.path, opts) };
    if (ledger) {
      // Nothing but its commands.
    } else if (read.model) {
      const links = read.model.links;
      for (const link of links) pending.push(...linkProblems(env, link));
      // A code span that is the text of a link (`[`references/x.md`](../other/references/x.md)`)
      // labels it: the destination says which file is meant, and is judged as the link.
      const inLinkText = (sp: MdCodeSpan): boolean => links.some((l) => l.kind === 'link' && l.start <= sp.start && sp.end <= (l.urlStart ?? l.end));
      for (const span of read.model.spans) if (!inLinkText(span)) pending.push(...spanProblems(env, span));
    } else {
      const json = await jsonStringValues(read.file);
      if (json.ok) {
        const lists = groupBy(json.strings.filter((s) => s.arrayId !== undefined), (s) => s.arrayId as number);
        for (const s of json.strings) pending.push(...jsonProblems(env, s, s.arrayId === undefined ? [] : (lists.get(s.arrayId) ?? [])));
      }
      const keys = await jsonObjectKeys(read.file);
      if (keys.ok) {
        const maps = groupBy(keys.keys, (k) => k.objectId);
        for (const k of keys.keys) pending.push(...jsonKeyProblems(env, k, maps.get(k.objectId) ?? []));
      }
    }
    for (const cmd of read.commands) {
      pending.push(
        ...(await judgedFromEveryCwd(
          cmd,
          (c) => operandProblems(env, c),
          (p) => `${p.kind}\0${p.offset}\0${p.written}`,
          (p, doubt) => ({ ...p, reviewBecause: doubt }),
        )),
      );
    }
  }
  return pending;
}
