import path from 'node:path/posix';
import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { DOCS_OPTIONS } from '../docs-options.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { isEnvFileName } from '../../src/formats/dotenv.js';
import ignore from 'ignore';
import { isDockerfilePath, parseDockerfile } from '../../src/formats/dockerfile.js';
import { isComposePath } from '../../src/formats/compose.js';
import { hashComments, isCodeownersPath, parseCodeowners, type OwnerRule } from '../../src/formats/comments.js';
import { jsonStringValues, mappedSpan, type MdLink, type MdCodeSpan, type JsonStringValue, type MappedText } from '../../src/formats/markdown.js';
import { jsonObjectKeys, type JsonKey } from '../../src/formats/json-keys.js';
import { commandHead, operandValue } from '../../src/facts/docs/command-head.js';
import { commentCommands, commentCwd, createdInSeries, type DocCommand, isCreated, wordTextSpan } from '../../src/facts/docs/commands.js';
import { docFiles, historyDocs, matchesAny } from '../../src/facts/docs/doc-files.js';
import { inCheckerList } from '../../src/facts/docs/drift-checkers.js';
import { type DocProblem, judgedFromEveryCwd, outsideRecords, problemsToFindings, readDoc } from '../../src/facts/docs/findings.js';
import { readOperands } from '../../src/facts/docs/operands.js';
import { docsOptions, type DocsOptions } from '../../src/facts/docs/options.js';
import { existsInRepo, isEnvTemplate, isGitIgnored, joinRepo, pathRef, projectRootsAbove, relativeRef, underSubmodule } from '../../src/facts/docs/paths.js';
import { isQuoted, type QuoteContext } from '../../src/facts/docs/quoting.js';
import { type Histories, namesakes, pathHistories, relocate, relocationText, seemsMoved, writtenFromAnotherBase } from '../../src/facts/docs/relocation.js';
import { type DocsSite, siteOf, siteResolves, siteRouteResolves } from '../../src/facts/docs/sites.js';

interface Env {
  ws: Workspace;
  opts: DocsOptions;
  q: QuoteContext;
  doc: string;
  docDir: string;
  editable: boolean;
  /** Files the other docs of its folder have the reader create. */
  series: ReadonlySet<string>;
}

/**
 * A reference `written` (as it appears in the doc) to the missing repo path `missing`,
 * expressed relative to `base`. What to say and which edit to make waits until git history has
 * been asked about every missing path of the run at once.
 */
interface Pending {
  env: Env;
  kind: string;
  offset: number;
  written: string;
  missing: string;
  dir: boolean;
  base: string;
  head: string;
  span: [number, number] | undefined;
  suffix: string;
  /** Judged only when the path moved: a file of that name elsewhere, or a rename record. */
  onlyIfMoved: boolean;
  /** Why a fix, however certain its target, is a judgement call here (the doc's own uncertainty). */
  reviewBecause?: string;
  /** A page route of this docs site that names no page: reported, never repointed to a folder. */
  route?: DocsSite;
  /**
   * A file a command reads as its own configuration (`compose -f`, `pip -r`, `--env-file`,
   * `docker build -f`): the project is expected to have it. Other operands (`cat x`, `./x.sh`,
   * `source x`) may be any file of the reader's.
   */
  config?: boolean;
  /** Written from the repository root with a leading `/` (GitHub's reading): the fix keeps it. */
  rootRelative?: boolean;
  /** An extensionless link outside a docs site: GitHub opens a file or a folder of that name. */
  fileOrDir?: boolean;
  /** For `docker build -f X CONTEXT`: the build context (repo path) the Dockerfile's COPYs read. */
  buildContext?: string;
  /** A CODEOWNERS rule whose pattern matches nothing. */
  owner?: OwnerRule;
}

/** Cheap text filter: a comment with a flag that names a configuration file. */
const COMMENT_COMMAND = /^[ \t]*#.*\s(?:-f|--file|--env-file|-r|--requirement|-c|--constraint)[ =]/m;

/** Options of `docker build` that take a value (the context is the positional word left). */
const BUILD_VALUE_OPTIONS = /^(-f|--file|-t|--tag|--build-arg|--target|--platform|-o|--output|--label|--secret|--ssh|--cache-from|--cache-to|--network|--progress|--iidfile|--add-host|--shm-size|--ulimit|-m|--memory|--build-context|--attest|--provenance|--sbom|--metadata-file|--builder)$/;

/** The build context of `docker build`/`docker buildx build`, resolved from `cwd`; undefined when not a local folder. */
function buildContextOf(argv: string[], cwd: string): string | undefined {
  const h = commandHead(argv)?.index ?? 0;
  if (argv[h] !== 'docker') return undefined;
  let i = h + 1;
  if (argv[i] === 'buildx') i++;
  if (argv[i] !== 'build') return undefined;
  let context: string | undefined;
  for (i++; i < argv.length; i++) {
    const w = argv[i] as string;
    if (BUILD_VALUE_OPTIONS.test(w)) i++;
    else if (!w.startsWith('-')) context = w;
  }
  if (context === undefined || context === '-' || /^[a-z]+:\/\//i.test(context) || context.includes('$')) return undefined;
  return joinRepo(cwd, context);
}

/**
 * Why pointing `-f` at a Dockerfile that moved to another folder is not enough: its COPY/ADD
 * sources (literal paths, not from a stage) are not all found in the build context the command
 * keeps. They may have moved with it, and then the context must move too (`cd` into the new
 * folder, or another context argument). Undefined when every source is there (or none is literal).
 */
function contextMismatch(ws: Workspace, dockerfile: string, context: string): string | undefined {
  const file = ws.read(dockerfile);
  if (!file) return undefined;
  const model = parseDockerfile(file);
  if (model.error) return undefined;
  const missing: string[] = [];
  for (const stage of model.stages) {
    for (const c of stage.copies) {
      if (c.from !== undefined) continue;
      for (const src of c.sources) {
        const v = src.value.replace(/^\.\//, '').replace(/\/$/, '');
        if (!v || v === '.' || /[*?[\]$]/.test(v) || /^[a-z]+:\/\//i.test(v) || v.startsWith('/')) continue;
        const at = joinRepo(context, v);
        if (at === undefined || !existsInRepo(ws, at)) missing.push(v);
      }
    }
  }
  if (missing.length === 0) return undefined;
  return `its COPY source${missing.length === 1 ? '' : 's'} ${missing.slice(0, 3).map((m) => `\`${m}\``).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in the build context \`${context || '.'}\` the command keeps (the context may have to move with the Dockerfile)`;
}

function problem(env: Env, kind: string, offset: number, written: string, missing: string, dir: boolean, base: string, head: string, span: [number, number] | undefined, suffix = '', onlyIfMoved = false): Pending {
  return { env, kind, offset, written, missing, dir, base, head, span, suffix, onlyIfMoved };
}

function isMissingTemplate(p: Pending): boolean {
  return isEnvTemplate(p.missing) && !p.env.ws.has(p.missing);
}

/**
 * The gap-analysis items a dead reference is an instance of: a missing env template or compose
 * file the docs expect (0.1), a drift in a JSON project index (1.4), a reference to a path that
 * moved elsewhere (2.8). A dead link in some report with no successor is none of them.
 */
function seedsOf(p: Pending, moved: boolean): string[] {
  const seeds: string[] = [];
  if (!moved && (isEnvTemplate(p.missing) || /(^|\/)(docker-)?compose[\w.-]*\.ya?ml$/.test(p.missing))) seeds.push('0.1');
  if (p.env.doc.endsWith('.json')) seeds.push('1.4');
  if (p.owner) return ['3.2'];
  if (moved) seeds.push('2.8');
  return seeds;
}

/** Generators that serve their static folder at the site's root and resolve `/x` there in pages. */
const SERVES_STATIC_AT_ROOT = new Set(['web app', 'docusaurus', 'vitepress', 'astro', 'mintlify']);

/** `/rest` when `target` is a non-page file in one of the site's static folders. */
function servedUrl(site: DocsSite, target: string): string | undefined {
  if (!SERVES_STATIC_AT_ROOT.has(site.generator) || /\.(md|mdx|markdown)$/i.test(target)) return undefined;
  const roots = site.assetRoots.filter((r) => r === '' || target.startsWith(`${r}/`)).sort((a, b) => b.length - a.length);
  const root = roots[0];
  return root === undefined ? undefined : `/${root ? target.slice(root.length + 1) : target}`;
}

function settle(p: Pending, histories: Histories): DocProblem | undefined {
  if (p.owner) return withSeeds(p, settleOwner(p, p.owner, histories));
  if (p.fileOrDir) {
    // Read as a file first; as a folder when only that reading finds where it went.
    const asFile = settleProblem(p, histories);
    if (asFile?.fix) return withSeeds(p, asFile);
    const asDir = settleProblem({ ...p, dir: true }, histories);
    return withSeeds(p, asDir?.fix ? asDir : asFile);
  }
  return withSeeds(p, settleProblem(p, histories));
}

function withSeeds(p: Pending, settled: DocProblem | undefined): DocProblem | undefined {
  return settled && { ...settled, seedIds: seedsOf(p, settled.fix !== undefined || /; it (is now|is probably|must be) /.test(settled.message)) };
}

function settleProblem(p: Pending, histories: Histories): DocProblem | undefined {
  const { env, kind, offset, written, missing, dir, base, head, span, suffix } = p;
  if (p.route) {
    // A route names a page by its URL: no folder of the same name is its new home.
    return { doc: env.doc, offset, kind, subject: written, message: `link target \`${written}\` names no page of the ${p.route.generator} site (no \`${missing}\` page or folder; not changed)`, fix: undefined };
  }
  if (isMissingTemplate(p)) {
    // An env template belongs to the project in its folder: one in another folder lists another
    // project's variables, so it is never offered as this one's new home.
    const elsewhere = namesakes(env.ws, missing, dir, env.opts);
    const note = elsewhere.length ? ` (\`${elsewhere.join('`, `')}\` belongs to another folder's project, so it is not repointed)` : '';
    return { doc: env.doc, offset, kind, subject: written, message: `${head}; generating it is the job of env-example-missing${note} (not changed)`, fix: undefined, reportedBy: { ruleId: 'env-example-missing', key: `missing:${missing}` } };
  }
  const wrongBase = p.rootRelative ? undefined : writtenFromAnotherBase(env.ws, base, written, dir);
  const history = histories(missing, dir);
  const moved = wrongBase ?? relocate(env.ws, missing, dir, env.opts, history);
  if (p.onlyIfMoved && !seemsMoved(moved)) return undefined;
  if (kind !== 'link' && !p.config && !env.doc.endsWith('.json') && !wrongBase && moved.safety !== 'safe') {
    // Prose and commands name files that are not the repository's on purpose: the reader's own
    // input (`cat invoice.json`), another tool's script (`./firmwalker.sh`), a file a design
    // proposes (`**Location**: \`web/src/pages/New/index.tsx\``). A path that never existed
    // here, or a bare file name the repository never had, is one of those, not drift. Kept: a
    // dead link (whatever it names), a file a command reads as its configuration (the project
    // is expected to have its `docker-compose.prod.yml`), and the entries of a JSON project
    // index (an index of the repository lists its files).
    if (history.status === 'never') return undefined;
    if (!written.replace(/^\.\//, '').includes('/') && history.status !== 'deleted' && history.status !== 'renamed') return undefined;
  }
  // A docs site serves only what is under its folder: a path that reaches a file outside it
  // works on GitHub, not on the published site.
  const site = siteOf(env.ws, env.doc);
  const outside = moved.target !== undefined && site !== undefined && site.root !== '' && !moved.target.startsWith(`${site.root}/`) && kind === 'link';
  const movedDockerfile = p.buildContext !== undefined && moved.target !== undefined && path.dirname(moved.target) !== path.dirname(missing);
  const reviewBecause =
    p.reviewBecause ??
    (outside ? `the ${site?.generator} site under \`${site?.root}/\` does not serve \`${moved.target}\`` : undefined) ??
    (movedDockerfile ? contextMismatch(env.ws, moved.target as string, p.buildContext as string) : undefined);
  const editable = span !== undefined && env.editable;
  const message = `${head}; ${relocationText(moved, dir, editable)}`;
  if (!moved.target || !moved.safety || !span || !editable) return { doc: env.doc, offset, kind, subject: written, message, fix: undefined };
  // A file the site serves from its static folder is written as the site's URL for it
  // (`/templates/a.webp` for `public/templates/a.webp`), as its pages write them.
  const served = kind === 'link' && site && !dir ? servedUrl(site, moved.target) : undefined;
  const replacement = (served ?? (p.rootRelative ? `/${moved.target}${dir && written.endsWith('/') ? '/' : ''}` : relativeRef(base, moved.target, written, dir))) + suffix;
  return {
    doc: env.doc,
    offset,
    kind,
    subject: written,
    message: reviewBecause && moved.safety === 'safe' ? `${message}; ${reviewBecause}, so the fix is for review` : message,
    fix: { edits: [{ start: span[0], end: span[1], text: replacement }], replacement, description: `point \`${written}\` at \`${replacement}\``, safety: reviewBecause ? 'review' : moved.safety },
  };
}

// ---------------------------------------------------------------------------------------------
// CODEOWNERS: patterns that match nothing

/** Globs of a pattern: judged by matching only (no single path to follow through history). */
const OWNER_GLOB = /[*?[\]]/;

function ownerProblems(env: Env, rule: OwnerRule): Pending[] {
  const pattern = rule.pattern.replace(/\\(.)/g, '$1');
  if (pattern.startsWith('!')) return [];
  if (matchesSomething(env.ws, pattern)) return [];
  const clean = pattern.replace(/^\//, '').replace(/\/$/, '');
  const dir = pattern.endsWith('/');
  if (!clean || isGitIgnored(env.ws, clean, dir) || underSubmodule(env.ws, clean)) return [];
  const written = rule.pattern;
  const head = `CODEOWNERS pattern \`${written}\` matches no file${rule.owners.length ? ` (owners ${rule.owners.join(' ')})` : ''}`;
  return [{ ...problem(env, 'owner', rule.start, written, clean, dir, '', head, [rule.start, rule.end]), owner: rule, config: true }];
}

const ownerIgnoreCache = new WeakMap<Workspace, Map<string, boolean>>();

/** Whether a CODEOWNERS pattern (gitignore syntax) matches any file of the repository. */
function matchesSomething(ws: Workspace, pattern: string): boolean {
  let cache = ownerIgnoreCache.get(ws);
  if (!cache) ownerIgnoreCache.set(ws, (cache = new Map()));
  const known = cache.get(pattern);
  if (known !== undefined) return known;
  let found: boolean;
  const plain = pattern.replace(/^\//, '').replace(/\/$/, '');
  if (!OWNER_GLOB.test(plain) && (pattern.startsWith('/') || plain.includes('/'))) found = existsInRepo(ws, plain);
  else {
    try {
      const ig = ignore().add(pattern);
      found = ws.paths.some((p) => ig.ignores(p));
    } catch {
      // A pattern the gitignore reader refuses is not judged.
      found = true;
    }
  }
  cache.set(pattern, found);
  return found;
}

/**
 * An owner rule that matches nothing: pointed at the path git recorded its target's rename to
 * (safe); otherwise the rule is removed, for review. A rule says who must approve changes, so it
 * is never dropped without a person reading why: the path may be about to be created, or the
 * owners meant for a file that moved without a record.
 */
function settleOwner(p: Pending, rule: OwnerRule, histories: Histories): DocProblem | undefined {
  const { env } = p;
  // Only a path without wildcards, anchored at the root (a leading or inner `/`), names one
  // path whose history can be asked; a bare name or a glob matches wherever it is.
  const anchored = !OWNER_GLOB.test(p.missing) && (p.written.startsWith('/') || p.missing.includes('/'));
  const moved = anchored ? relocate(env.ws, p.missing, p.dir, env.opts, histories(p.missing, p.dir)) : undefined;
  const editable = env.editable;
  if (moved?.target && moved.safety === 'safe' && editable) {
    const replacement = `${p.written.startsWith('/') ? '/' : ''}${moved.target}${p.written.endsWith('/') ? '/' : ''}`;
    return {
      doc: env.doc,
      offset: p.offset,
      kind: 'owner',
      subject: p.written,
      message: `${p.head}; ${relocationText(moved, p.dir, true)}`,
      fix: { edits: [{ start: rule.start, end: rule.end, text: replacement }], replacement, description: `point \`${p.written}\` at \`${replacement}\``, safety: 'safe' },
    };
  }
  const what = moved ? relocationText(moved, p.dir, false).replace(/\s*\(not changed\)$/, '') : 'nothing in the repository matches it';
  const message = `${p.head}; ${what}; the fix removes the rule, for review (it owns nothing today, but it may be waiting for that path)`;
  if (!editable) return { doc: env.doc, offset: p.offset, kind: 'owner', subject: p.written, message, fix: undefined };
  return {
    doc: env.doc,
    offset: p.offset,
    kind: 'owner',
    subject: p.written,
    message,
    fix: { edits: [{ start: rule.lineStart, end: rule.lineEnd, text: '' }], replacement: '', description: `remove the CODEOWNERS rule for \`${p.written}\``, safety: 'review' },
  };
}

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

/**
 * A real env file (`.env`, `.env.local`, `db.env`; not a template): local to each checkout and
 * kept out of git by convention, so a doc that reads it is not pointing at a missing file.
 */
function isLocalEnvFile(p: string): boolean {
  return isEnvFileName(p.slice(p.lastIndexOf('/') + 1));
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
  const offset = span.offsets[0] ?? span.start;
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

// ---------------------------------------------------------------------------------------------
// Files commands read: compose -f, --env-file, pip -r, cp/mv sources, source, bash x.sh, cat

function operandProblems(env: Env, cmd: DocCommand): Pending[] {
  if (cmd.form !== 'shell' || cmd.source === 'dockerfile' || cmd.cwd === undefined) return [];
  const argv = cmd.words.map((w) => w.value);
  const out: Pending[] = [];
  for (const j of readOperands(argv)) {
    const written = operandValue(argv[j] as string);
    const ref = pathRef(written, false);
    if (!ref || ref.dir) continue;
    const missing = joinRepo(cmd.cwd, written);
    if (missing === undefined || missing === '' || existsInRepo(env.ws, missing)) continue;
    const fromDoc = joinRepo(env.docDir, written);
    if (fromDoc !== undefined && existsInRepo(env.ws, fromDoc)) continue;
    if (isGitIgnored(env.ws, missing) || isCreated(cmd, missing, env.series) || isLocalEnvFile(missing)) continue;
    const offset = wordTextSpan(cmd, j)?.[0] ?? cmd.offset;
    if (isQuoted(env.q, offset, cmd.block)) continue;
    const h = commandHead(argv)?.index ?? 0;
    const words = [argv[h], ...(argv[h] === 'docker' ? [argv[h + 1]] : []), ...(j > h && argv[j - 1]?.startsWith('-') ? [argv[j - 1]] : [])];
    const head = `\`${written}\`${missing !== written ? ` (\`${missing}\`)` : ''}, ${j === h ? 'run as a command' : `read by \`${words.join(' ')}\``}, does not exist`;
    const config = j > h && /^(-f|--file|-r|--requirement|-c|--constraint|--env-file)$/.test(argv[j - 1] ?? '');
    const buildContext = argv[j - 1] === '-f' || argv[j - 1] === '--file' ? buildContextOf(argv, cmd.cwd) : undefined;
    out.push({ ...problem(env, 'operand', offset, written, missing, false, cmd.cwd, head, wordTextSpan(cmd, j, written)), config, ...(buildContext !== undefined ? { buildContext } : {}) });
  }
  return out;
}

/**
 * Docs (Markdown/MDX links, path-only code spans, JSON index string values, and the files doc
 * commands read) that name repository paths which do not exist (seeds 0.1, 1.4, 2.8). The fix
 * points the reference at the path git history renamed it to (safe), or at the only file of
 * the same name (review: a guess), written relative to the same base; otherwise it reports.
 */
export const rule: Rule = {
  meta: {
    id: 'docs-dead-reference',
    seedIds: ['0.1', '1.4', '2.8', '3.2'],
    summary: 'Docs point at repo paths that do not exist; rewrite to the path git renamed them to.',
    defaultSeverity: 'warning',
    fixable: 'safe',
    options: { ...DOCS_OPTIONS },
  },
  async check({ workspace, options }) {
    const opts = docsOptions(options);
    const pending: Pending[] = [];
    const historyFiles = new Set(historyDocs(workspace, opts).map((d) => d.path));
    for (const doc of [...docFiles(workspace, opts).docs, ...historyDocs(workspace, opts)]) {
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
    // Comments of YAML, compose files and Dockerfiles: the files their commands read as
    // configuration (`# docker compose -f docker-compose.prod.yml up`).
    for (const p of workspace.paths) {
      if (!(/\.ya?ml$/i.test(p) || isComposePath(p) || isDockerfilePath(p)) || matchesAny(p, opts.excludeGlobs)) continue;
      const text = workspace.probe(p)?.text;
      if (!text || !COMMENT_COMMAND.test(text)) continue;
      const file = workspace.read(p);
      if (!file) continue;
      // The file's folder and the root are both places a reader may run the command from.
      const dir = path.dirname(p) === '.' ? '' : path.dirname(p);
      const env: Env = { ws: workspace, opts, q: { ws: workspace, file, model: undefined, opts }, doc: p, docDir: commentCwd(p) === dir ? '' : dir, editable: workspace.isEditable(p), series: new Set() };
      for (const cmd of commentCommands(workspace, p, file.text, hashComments(file.text))) {
        // A folder that does not exist (`path/to/compose.gpu.yml`) makes the path a pattern, not
        // a reference, unless git says it moved.
        const found = operandProblems(env, cmd).filter((x) => x.config);
        pending.push(...found.map((x) => ({ ...x, onlyIfMoved: x.written.includes('/') && !existsInRepo(workspace, x.missing.split('/').slice(0, -1).join('/')) })));
      }
    }
    for (const p of workspace.paths) {
      if (!isCodeownersPath(p)) continue;
      const file = workspace.read(p);
      if (!file) continue;
      const env: Env = { ws: workspace, opts, q: { ws: workspace, file, model: undefined, opts }, doc: p, docDir: path.dirname(p) === '.' ? '' : path.dirname(p), editable: workspace.isEditable(p), series: new Set() };
      for (const rule of parseCodeowners(file.text)) pending.push(...ownerProblems(env, rule));
    }
    const histories = await pathHistories(workspace, pending.filter((p) => !isMissingTemplate(p)).flatMap((p) => [{ path: p.missing, dir: p.dir }, ...(p.fileOrDir ? [{ path: p.missing, dir: true }] : [])]));
    // Records of the past are judged per doc, once each problem is settled.
    const problems = pending.flatMap((p) => {
      const settled = settle(p, histories);
      return settled ? outsideRecords(p.env.q, [settled]) : [];
    });
    return problemsToFindings(problems) satisfies RawFinding[];
  },
};

export default rule;
