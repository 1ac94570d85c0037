import path from 'node:path/posix';
import type { RawFinding, TextEdit } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { Facts } from '../../src/facts/facts.js';
import { isNginxFile, nginxPathKind, walkNginx, type NginxDirective, type NginxTree } from '../../src/formats/nginx.js';
import { isDockerfilePath } from '../../src/formats/dockerfile.js';
import { mergedBuild, repoPath } from '../../src/facts/compose.js';
import { globToRegExp, hasGlobChars, matchesGlob } from '../../src/formats/glob.js';

/**
 * An nginx `server` that hands request bodies on (proxy_pass, fastcgi_pass, uwsgi_pass,
 * grpc_pass, scgi_pass, WebDAV PUT, the upload module) while no `client_max_body_size` is in
 * effect for that location — not in the location, the server, the `http` block, nor in any file
 * included into them. nginx then applies its default of 1m and answers larger bodies with 413,
 * a limit nobody chose. The fix states the limit at the top of the server block.
 */

/** Directives that pass the request body on to a backend. */
const PASS = new Set(['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'grpc_pass', 'scgi_pass']);
/** Contexts where client_max_body_size is allowed (nginx: http, server, location). */
const LIMIT_CONTEXTS = new Set(['http', 'server', 'location']);

/** The schema of an option that lists strings. */
const STRINGS = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

export const DEFAULT_SIZE = '10m';
/** Files the nginx packages and images ship; they never set client_max_body_size. */
export const DEFAULT_STOCK_INCLUDES = ['mime.types', 'fastcgi_params', 'fastcgi.conf', 'scgi_params', 'uwsgi_params', 'proxy_params', 'koi-utf', 'koi-win', 'win-utf', 'snippets/fastcgi-php.conf', 'snippets/snakeoil.conf', '/etc/letsencrypt/options-ssl-nginx.conf'];
/** The official image's include of its conf.d, which holds only its stock default.conf (no limit) unless something is put there. */
const IMAGE_CONF_D = '/etc/nginx/conf.d/*.conf';
/** Where nginx installations keep their configuration: an absolute include below one is tried relative to the including file. */
export const DEFAULT_CONF_PREFIXES = ['/etc/nginx', '/usr/local/nginx/conf', '/usr/local/etc/nginx', '/usr/local/openresty/nginx/conf', '/etc/openresty', '/opt/homebrew/etc/nginx'];
/**
 * Folders whose servers the stock `nginx.conf` of images and packages reads inside its `http`
 * (which sets no limit): the official image's and Debian's `conf.d`, Debian's `sites-enabled`,
 * Alpine's `http.d`.
 */
export const DEFAULT_STOCK_SERVER_GLOBS = ['/etc/nginx/conf.d/*.conf', '/etc/nginx/sites-enabled/*', '/etc/nginx/http.d/*.conf'];
/** Folders of CI services: a server there is a test harness a workflow starts, never deployed. */
export const DEFAULT_CI_GLOBS = ['.github/**', '.gitlab/**', '.circleci/**', '.buildkite/**', '.woodpecker/**', '.gitea/**', '.forgejo/**'];
/** The official image renders the `*.template` files of /etc/nginx/templates (and its subfolders) into /etc/nginx/conf.d/ with envsubst, without the suffix. */
const IMAGE_TEMPLATES = '/etc/nginx/templates';

interface Options {
  size: string;
  stockIncludes: string[];
  confPrefixes: string[];
  stockServerGlobs: string[];
  ciGlobs: string[];
}

function readOptions(raw: Record<string, unknown>): Options {
  const strings = (v: unknown, fallback: string[]): string[] => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : fallback);
  const size = typeof raw.size === 'string' && /^[0-9]+[kKmMgG]?$/.test(raw.size) ? raw.size : DEFAULT_SIZE;
  return {
    size,
    stockIncludes: strings(raw.stockIncludes, DEFAULT_STOCK_INCLUDES),
    confPrefixes: strings(raw.confPrefixes, DEFAULT_CONF_PREFIXES).map((p) => p.replace(/\/+$/, '')),
    stockServerGlobs: strings(raw.stockServerGlobs, DEFAULT_STOCK_SERVER_GLOBS).filter((g) => g.startsWith('/')),
    ciGlobs: strings(raw.ciGlobs, DEFAULT_CI_GLOBS),
  };
}

/** A directive with the file it was read from (includes splice other files' directives in). */
interface Placed {
  d: NginxDirective;
  file: string;
}

/** What a list of directives, with its includes spliced in, says about the limit. */
interface Level {
  items: Placed[];
  limit: boolean;
  /** An include that could not be resolved (or a file that does not parse): the limit may be there. */
  unknown: boolean;
}

/** The context a file's top level is read in, through one chain of includes. */
interface Context {
  /** `http`, `server`, `location`, `stream`, … of the innermost block; `main` at the top of nginx.conf. */
  kind: string;
  limit: boolean;
  unknown: boolean;
}

interface Mapping {
  /** Absolute path in the container. */
  container: string;
  /** Repo path. */
  repo: string;
  dir: boolean;
}

interface HttpInclude {
  d: NginxDirective;
  from: string;
  /** Whether the `http` block (with its includes) holds an include the rule cannot resolve. */
  unknown: boolean;
}

interface Includer {
  from: string;
  parents: NginxDirective[];
}

const MAX_INCLUDE_DEPTH = 64;

class NginxRepo {
  private trees = new Map<string, NginxTree | null>();
  private resolved = new Map<string, { files: string[]; known: boolean }>();
  private mappingCache: Mapping[] | undefined;
  private includers = new Map<string, Includer[]>();
  private contexts = new Map<string, Context[]>();
  private levels = new Map<readonly NginxDirective[], Level>();
  private httpIncludeCache: { limited: HttpInclude[]; unlimited: HttpInclude[] } | undefined;
  /** Files read as nginx: candidates by name and content, and everything they include. */
  readonly files: string[] = [];

  constructor(
    private readonly ws: Workspace,
    private readonly facts: Facts,
    private readonly options: Options,
  ) {
    const queue: string[] = [];
    const seen = new Set<string>();
    for (const p of ws.paths) {
      if (!nginxPathKind(p)) continue;
      // A probe: a candidate `.conf` is nginx's only when its content says so (then tree() reads it).
      const file = ws.probe(p);
      // A committed symlink (sites-enabled/app → ../sites-available/app) is read as its target.
      const real = this.canonical(p);
      if (file && isNginxFile(file) && !seen.has(real)) {
        queue.push(real);
        seen.add(real);
      }
    }
    for (let k = 0; k < queue.length; k++) {
      const p = queue[k] as string;
      const tree = this.tree(p);
      if (!tree) continue;
      this.files.push(p);
      walkNginx(tree.directives, (d, parents) => {
        if (d.name !== 'include' || d.block) return;
        for (const target of this.resolve(d, p).files) {
          const list = this.includers.get(target) ?? [];
          list.push({ from: p, parents: [...parents] });
          this.includers.set(target, list);
          if (!seen.has(target)) {
            seen.add(target);
            queue.push(target);
          }
        }
      });
    }
  }

  /** The parsed file, or null when it is unreadable or does not parse. */
  tree(p: string): NginxTree | null {
    if (this.trees.has(p)) return this.trees.get(p) as NginxTree | null;
    const tree = this.facts.files.nginx(p) ?? null;
    const value = tree && !tree.error ? tree : null;
    this.trees.set(p, value);
    return value;
  }

  /**
   * The repo files an `include` reads. Relative patterns are tried against the including file's
   * directory, then each parent directory (nginx resolves them against its configuration prefix,
   * which in a repository is usually where nginx.conf sits). Absolute patterns go through the
   * files Dockerfiles COPY and compose mounts into the container, then through the usual
   * configuration prefixes (`/etc/nginx/conf.d/*.conf` → `conf.d/*.conf`). A glob whose folder
   * exists resolves to what it matches, possibly nothing; a stock file (mime.types, …) the repo
   * does not have resolves to nothing. Anything else is unknown.
   */
  resolve(d: NginxDirective, from: string): { files: string[]; known: boolean } {
    const pattern = d.args[0]?.value ?? '';
    // Keyed by the file: a relative include also resolves through where that file is put.
    const cacheKey = `${from}\0${d.args.length}\0${pattern}`;
    const cached = this.resolved.get(cacheKey);
    if (cached) return cached;
    const raw = this.resolvePattern(pattern, from, d.args.length === 1);
    const result = { files: [...new Set(raw.files.map((f) => this.canonical(f)))].sort(), known: raw.known };
    this.resolved.set(cacheKey, result);
    return result;
  }

  /** The repo file a symlink inside the root points to, or the path itself. */
  canonical(p: string): string {
    const target = this.ws.linkTarget(p);
    return target !== undefined && this.ws.has(target) ? target : p;
  }

  /** `include`s directly in an `http` block, by whether the block sets client_max_body_size (itself or through its includes). */
  private httpIncludes(): { limited: HttpInclude[]; unlimited: HttpInclude[] } {
    if (this.httpIncludeCache) return this.httpIncludeCache;
    const out = { limited: [] as HttpInclude[], unlimited: [] as HttpInclude[] };
    for (const f of this.files) {
      const tree = this.tree(f);
      if (!tree) continue;
      walkNginx(tree.directives, (d) => {
        if (d.name !== 'http' || !d.block) return true;
        const level = this.level(d.block.children, f);
        const includes = d.block.children.filter((c) => c.name === 'include' && !c.block).map((c) => ({ d: c, from: f, unknown: level.unknown }));
        (level.limit ? out.limited : out.unlimited).push(...includes);
        return false;
      });
    }
    this.httpIncludeCache = out;
    return out;
  }

  /** `include`s directly in an `http` block that sets client_max_body_size, anywhere in the repository. */
  private limitedIncludes(): HttpInclude[] {
    return this.httpIncludes().limited;
  }

  private unlimitedIncludes(): HttpInclude[] {
    return this.httpIncludes().unlimited;
  }

  /**
   * The context of a file that nothing in the repository includes and that has no `http {}` of
   * its own. Where Dockerfiles and compose put it decides, when one of those places is read by
   * nginx: under an `include` of a limit-setting `http` block it inherits that limit; in a folder
   * the stock nginx.conf of an image or package reads (`/etc/nginx/conf.d/*.conf`, …) or that an
   * `http` block without a limit includes, it is read inside an `http` that sets none. Put
   * nowhere nginx reads (or nowhere at all), it may be mounted or copied under any name by a step
   * the rule cannot see (a doc's `-v ./site.conf:/etc/nginx/conf.d/app.conf`, a deploy script):
   * when an `http` block of the repository sets a limit and has an `include` such a file could
   * be put behind, its limit is unknown; otherwise it is read like the official image reads its
   * conf.d, inside a stock `http` without a limit.
   */
  orphanContext(p: string): Context {
    const limited = this.limitedIncludes();
    // An include with a variable or several words names nothing the rule can read.
    const opaque = (d: NginxDirective): boolean => d.args.length !== 1 || (d.args[0]?.value ?? '').includes('$');
    const placed = this.placements(p);
    if (placed.length) {
      const reads = ({ d, from }: HttpInclude): boolean => placed.some((c) => this.includeReads(d, from, c));
      if (limited.some(reads)) return { kind: 'http', limit: true, unknown: false };
      const openLimited = limited.some(({ d }) => opaque(d));
      const readers = this.unlimitedIncludes().filter(reads);
      if (readers.length) return { kind: 'http', limit: false, unknown: openLimited || readers.some((r) => r.unknown) };
      if (this.options.stockServerGlobs.some((g) => placed.some((c) => absoluteMatch(g, c)))) return { kind: 'http', limit: false, unknown: openLimited };
    }
    const base = path.basename(p);
    const unknown = limited.some(({ d, from }) => {
      if (opaque(d)) return true;
      const pattern = d.args[0]?.value ?? '';
      if (this.isStockInclude(pattern)) return false;
      // A glob reads whatever is put in its folder, under any name.
      if (hasGlobChars(pattern) || path.basename(pattern) === base) return true;
      // A name: the file may be put there instead of what the repository holds under it (an
      // HTTPS variant of the site), or be what it names when the repository holds nothing there.
      const res = this.resolve(d, from);
      return !res.known || res.files.some((f) => this.holdsServer(f));
    });
    return { kind: 'http', limit: false, unknown };
  }

  /** Whether an `include` of `from` reads a container path (a relative one from nginx's configuration folder in the container). */
  private includeReads(d: NginxDirective, from: string, container: string): boolean {
    const pattern = d.args[0]?.value ?? '';
    if (d.args.length !== 1 || pattern === '' || pattern.includes('$')) return false;
    if (pattern.startsWith('/')) return absoluteMatch(pattern, container);
    const dirs = new Set([...this.placements(from).flatMap((c) => containerAncestors(path.dirname(c))), ...this.options.confPrefixes]);
    return [...dirs].some((dir) => absoluteMatch(path.join(dir, pattern), container));
  }

  /** Container paths Dockerfiles and compose put a repo file at. */
  private placements(p: string): string[] {
    const out = new Set<string>();
    for (const m of this.mappings()) {
      if (!m.dir) {
        if (this.canonical(m.repo) === p) out.add(m.container);
      } else if (m.repo === '' || p.startsWith(`${m.repo}/`)) {
        out.add(path.join(m.container, m.repo === '' ? p : p.slice(m.repo.length + 1)));
      }
    }
    return [...out].sort();
  }

  private isStockInclude(pattern: string): boolean {
    const tail = pattern.replace(/^(\.\/)+/, '');
    return this.options.stockIncludes.some((s) => tail === s || tail.endsWith(`/${s}`));
  }

  /** Whether a file holds a `server` block (of its own, not through includes). */
  private holdsServer(p: string): boolean {
    const tree = this.tree(p);
    if (!tree) return false;
    let found = false;
    walkNginx(tree.directives, (d) => {
      if (found) return false;
      if (d.name === 'server' && d.block) found = true;
      return !found;
    });
    return found;
  }

  private resolvePattern(pattern: string, from: string, single: boolean): { files: string[]; known: boolean } {
    const unknown = { files: [], known: false };
    if (!single || pattern === '' || pattern.includes('$')) return unknown;
    const relatives: string[] = [];
    if (pattern.startsWith('/')) {
      const { direct, rooted } = this.throughMappings(pattern);
      if (direct.length) return { files: direct, known: true };
      relatives.push(...rooted);
      for (const prefix of this.options.confPrefixes) if (pattern.startsWith(`${prefix}/`)) relatives.push(pattern.slice(prefix.length + 1));
    } else {
      relatives.push(pattern);
    }
    for (const rel of relatives) {
      // A leading `/` marks a repo-rooted path (from a mapping); others are tried from the file's folder up.
      const bases = rel.startsWith('/') ? [''] : ancestors(path.dirname(from));
      for (const base of bases) {
        const joined = path.normalize(path.join(base || '.', rel.replace(/^\/+/, '')));
        if (joined === '.' || joined.startsWith('..')) continue;
        const found = this.match(joined);
        if (found) return { files: found, known: true };
        // Debian's layout: sites-enabled/ holds links into sites-available/, which repositories
        // often keep alone.
        const available = joined.replace(/(^|\/)sites-enabled(?=\/)/, '$1sites-available');
        const viaAvailable = available !== joined ? this.match(available) : undefined;
        if (viaAvailable) return { files: viaAvailable, known: true };
      }
    }
    if (!pattern.startsWith('/')) {
      // nginx reads a relative include from its configuration folder in the container: where a
      // COPY or a mount puts the including file (or a folder above it), or an installation's
      // usual folder; what is put there under that pattern is what it reads.
      const dirs = new Set([...this.placements(from).flatMap((c) => containerAncestors(path.dirname(c))), ...this.options.confPrefixes]);
      for (const dir of dirs) {
        const { direct, rooted } = this.throughMappings(path.join(dir, pattern));
        if (direct.length) return { files: direct, known: true };
        for (const rel of rooted) {
          const found = this.match(rel.slice(1));
          if (found) return { files: found, known: true };
        }
      }
    }
    const tail = (pattern.startsWith('/') ? (relatives.find((r) => !r.startsWith('/')) ?? pattern) : pattern).replace(/^(\.\/)+/, '');
    if (this.isStockInclude(tail)) return { files: [], known: true };
    // The official image's nginx.conf includes its conf.d; with no conf.d folder anywhere in the
    // repository nothing is put there, and it holds the image's default.conf, which sets no limit.
    if (pattern === IMAGE_CONF_D && !this.ws.paths.some((q) => this.isNginxConfD(q))) return { files: [], known: true };
    return unknown;
  }

  /**
   * An absolute include pattern through the mappings: the repo files put at paths it matches
   * (`direct`), and the repo-rooted patterns (`/repo/dir/…`) it becomes inside mapped folders.
   */
  private throughMappings(pattern: string): { direct: string[]; rooted: string[] } {
    const direct = new Set<string>();
    const rooted: string[] = [];
    for (const m of this.mappings()) {
      if (m.dir) {
        if (pattern.startsWith(`${m.container}/`)) rooted.push(`/${m.repo ? `${m.repo}/` : ''}${pattern.slice(m.container.length + 1)}`);
      } else if (absoluteMatch(pattern, m.container)) {
        direct.add(m.repo);
      }
    }
    return { direct: [...direct].sort(), rooted };
  }

  /** An nginx `.conf` file in a `conf.d/` folder (supervisord's and Apache's do not count). */
  private isNginxConfD(p: string): boolean {
    if (!/(^|\/)conf\.d\/[^/]+\.conf$/.test(p)) return false;
    const file = this.ws.probe(p);
    return file !== undefined && isNginxFile(file);
  }

  /** Files a repo-relative path or glob names, or undefined when its folder does not exist. */
  private match(p: string): string[] | undefined {
    if (!hasGlobChars(p)) return this.ws.has(p) ? [p] : undefined;
    const firstGlob = p.search(/[*?[{]/);
    const dir = p.slice(0, Math.max(0, p.lastIndexOf('/', firstGlob)));
    if (!this.ws.hasDir(dir)) return undefined;
    const re = globToRegExp(p);
    return this.ws.paths.filter((q) => re.test(q));
  }

  /** Repo files and folders that Dockerfiles COPY and compose services mount into containers. */
  private mappings(): Mapping[] {
    if (this.mappingCache) return this.mappingCache;
    const out: Mapping[] = [];
    const addFile = (repo: string, container: string): void => {
      out.push({ repo, container, dir: false });
      // What the official image renders from its templates folder lands in conf.d.
      const rendered = renderedTemplate(container);
      if (rendered) out.push({ repo, container: rendered, dir: false });
    };
    const add = (repo: string, container: string, asDirTarget: boolean): void => {
      const dest = path.normalize(container);
      if (this.ws.has(repo)) addFile(repo, asDirTarget ? path.join(dest, path.basename(repo)) : dest.replace(/\/$/, ''));
      else if (this.ws.hasDir(repo)) {
        const target = dest.replace(/\/$/, '') || '/';
        out.push({ repo, container: target, dir: true });
        if (target === IMAGE_TEMPLATES || target.startsWith(`${IMAGE_TEMPLATES}/`) || IMAGE_TEMPLATES.startsWith(`${target}/`)) {
          for (const q of this.ws.paths) {
            if (repo !== '' && !q.startsWith(`${repo}/`)) continue;
            const rendered = renderedTemplate(path.join(target, repo === '' ? q : q.slice(repo.length + 1)));
            if (rendered) out.push({ repo: q, container: rendered, dir: false });
          }
        }
      }
    };
    const contexts = new Map<string, Set<string>>();
    for (const set of this.facts.compose.sets) {
      for (const service of set.services.values()) {
        const build = mergedBuild(service);
        const context = build && !build.inline ? repoPath(build.dir, build.context) : undefined;
        const dockerfile = context === undefined ? undefined : repoPath(context, build?.dockerfile ?? 'Dockerfile');
        if (context !== undefined && dockerfile !== undefined) contexts.set(dockerfile, (contexts.get(dockerfile) ?? new Set()).add(context));
        for (const fragment of service.fragments) {
          for (const v of fragment.volumes) {
            if (v.kind !== 'bind' || !v.source || !v.target?.startsWith('/')) continue;
            const repo = repoPath(fragment.file.dir, v.source);
            if (repo !== undefined) add(repo, v.target, false);
          }
        }
      }
    }
    for (const p of this.ws.paths) {
      if (!isDockerfilePath(p)) continue;
      const model = this.facts.dockerfile(p);
      if (!model || model.error) continue;
      const bases = new Set([...(contexts.get(p) ?? []), path.dirname(p) === '.' ? '' : path.dirname(p)]);
      for (const stage of model.stages) {
        for (const copy of stage.copies) {
          if (copy.from !== undefined || !copy.dest || copy.dest.value.includes('$')) continue;
          const dest = path.resolve(copy.workdir, copy.dest.value);
          const intoDir = copy.dest.value.endsWith('/') || copy.sources.length > 1;
          for (const src of copy.sources) {
            if (src.value.includes('$') || /^[a-z]+:\/\//i.test(src.value)) continue;
            for (const base of bases) {
              const repo = repoPath(base, src.value);
              if (repo === undefined) continue;
              if (hasGlobChars(repo)) {
                const re = globToRegExp(repo);
                for (const q of this.ws.paths) if (re.test(q)) add(q, dest, true);
              } else add(repo, dest, intoDir);
            }
          }
        }
      }
    }
    this.mappingCache = out;
    return out;
  }

  /** A list of directives with its includes spliced in (iteratively; each file once). */
  level(list: readonly NginxDirective[], file: string): Level {
    // Each list belongs to one parsed file, so the list itself is the key.
    const cached = this.levels.get(list);
    if (cached) return cached;
    const computed = this.spliced(list, file);
    this.levels.set(list, computed);
    return computed;
  }

  private spliced(list: readonly NginxDirective[], file: string): Level {
    const items: Placed[] = [];
    let unknown = false;
    const visited = new Set<string>([file]);
    const work: Placed[] = list.map((d) => ({ d, file })).reverse();
    while (work.length) {
      const item = work.pop() as Placed;
      if (item.d.name === 'include' && !item.d.block) {
        const res = this.resolve(item.d, item.file);
        if (!res.known) unknown = true;
        for (const target of res.files) {
          if (visited.has(target)) continue;
          visited.add(target);
          const tree = this.tree(target);
          if (!tree) {
            unknown = true;
            continue;
          }
          for (let k = tree.directives.length - 1; k >= 0; k--) work.push({ d: tree.directives[k] as NginxDirective, file: target });
        }
        continue;
      }
      items.push(item);
    }
    return { items, limit: items.some((i) => i.d.name === 'client_max_body_size'), unknown };
  }

  /** The contexts a file's top level is read in: one per chain of includes that reaches it. */
  contextsOf(p: string, depth = 0): Context[] {
    const cached = this.contexts.get(p);
    if (cached) return cached;
    if (depth > MAX_INCLUDE_DEPTH) return [{ kind: 'unknown', limit: false, unknown: true }];
    // A cycle reads as unknown while it is being computed.
    this.contexts.set(p, [{ kind: 'unknown', limit: false, unknown: true }]);
    const includers = this.includers.get(p) ?? [];
    let result: Context[];
    if (includers.length === 0) {
      const tree = this.tree(p);
      const main = tree?.directives.some((d) => d.name === 'http' || d.name === 'events' || d.name === 'stream') ?? false;
      // A file nothing in the repo includes and without `http {}`: where it is put decides (see
      // orphanContext), else it is read like the official images read conf.d/*.conf.
      result = [main ? { kind: 'main', limit: false, unknown: false } : this.orphanContext(p)];
    } else {
      result = [];
      for (const inc of includers) {
        for (const outer of this.contextsOf(inc.from, depth + 1)) {
          const tree = this.tree(inc.from);
          if (!tree) continue;
          result.push(this.chain(outer, tree.directives, inc.parents, inc.from));
        }
      }
    }
    // Equal contexts reached by different include paths count once (a diamond of includes
    // must not multiply them).
    const distinct = new Map(result.map((c) => [`${c.kind}\0${c.limit}\0${c.unknown}`, c]));
    result = [...distinct.values()];
    this.contexts.set(p, result);
    return result;
  }

  /** Walk from a file's top level down through `parents`, collecting limits on the way. */
  chain(outer: Context, top: readonly NginxDirective[], parents: readonly NginxDirective[], file: string): Context {
    let { kind, limit, unknown } = outer;
    if (LIMIT_CONTEXTS.has(kind)) {
      const l = this.level(top, file);
      limit ||= l.limit;
      unknown ||= l.unknown;
    }
    for (const b of parents) {
      kind = b.name;
      if (LIMIT_CONTEXTS.has(kind) && b.block) {
        const l = this.level(b.block.children, file);
        limit ||= l.limit;
        unknown ||= l.unknown;
      }
    }
    return { kind, limit, unknown };
  }
}

/** Where the official image's envsubst step writes a template: `/etc/nginx/templates/a/x.conf.template` → `/etc/nginx/conf.d/a/x.conf`. */
function renderedTemplate(container: string): string | undefined {
  if (!container.startsWith(`${IMAGE_TEMPLATES}/`) || !container.endsWith('.template')) return undefined;
  const rel = container.slice(IMAGE_TEMPLATES.length + 1, -'.template'.length);
  return rel === '' || rel.endsWith('/') ? undefined : `/etc/nginx/conf.d/${rel}`;
}

/** Whether an absolute include pattern (or a stock glob) names an absolute container path. */
function absoluteMatch(pattern: string, container: string): boolean {
  const norm = path.normalize(pattern);
  return hasGlobChars(norm) ? globToRegExp(norm.slice(1)).test(container.slice(1)) : norm === container;
}

/** An absolute folder and those above it, without `/`: `/etc/nginx/conf.d` → itself, `/etc/nginx`, `/etc`. */
function containerAncestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; d !== '/' && d !== '.' && d !== ''; d = path.dirname(d)) out.push(d);
  return out;
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  let d = dir === '.' ? '' : dir;
  for (;;) {
    out.push(d);
    if (d === '') break;
    const up = path.dirname(d);
    d = up === '.' ? '' : up;
  }
  return out;
}

/**
 * A `stream` server read outside its `stream {}` (a file nothing in the repository includes):
 * `proxy_pass host:port` without a scheme (http's proxy_pass always has one) or `listen … udp`.
 * client_max_body_size does not exist there, nginx would reject the fix.
 */
function isStreamServer(repo: NginxRepo, server: NginxDirective, file: string): boolean {
  return repo.level(server.block?.children ?? [], file).items.some(
    ({ d }) =>
      (d.name === 'proxy_pass' && !d.block && d.args.length === 1 && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(d.args[0]?.value ?? '') && !(d.args[0]?.value ?? '').startsWith('$')) ||
      (d.name === 'listen' && d.args.some((a) => a.value === 'udp')),
  );
}

/** Methods that carry no request body (GET implies HEAD in limit_except). */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'TRACE']);

/**
 * A location no client body reaches: `internal;` (subrequests and internal redirects only, as an
 * auth_request endpoint), `proxy_pass_request_body off;` (and its fastcgi/uwsgi/scgi/grpc kin),
 * or `limit_except <bodyless methods> { deny all; }` with no `allow`.
 */
function takesNoBody(repo: NginxRepo, location: NginxDirective, file: string): boolean {
  return repo.level(location.block?.children ?? [], file).items.some(({ d }) => {
    if (d.name === 'internal' && !d.block) return true;
    if (/_pass_request_body$/.test(d.name) && !d.block) return d.args[0]?.value === 'off';
    if (d.name === 'limit_except' && d.block) {
      const rules = d.block.children;
      const closed = rules.some((r) => r.name === 'deny' && r.args[0]?.value === 'all') && !rules.some((r) => r.name === 'allow' || r.name === 'auth_basic' || r.name === 'auth_request');
      return closed && d.args.length > 0 && d.args.every((a) => BODYLESS_METHODS.has(a.value.toUpperCase()));
    }
    return false;
  });
}

/** Whether a directive takes a request body on: passes it upstream or stores an upload. */
function bodyHandler(d: NginxDirective): boolean {
  if (PASS.has(d.name)) return true;
  if (d.name === 'upload_pass') return true;
  if (d.name === 'dav_methods') return d.args.some((a) => a.value.toUpperCase() === 'PUT');
  if (d.name === 'client_body_in_file_only') return d.args.some((a) => a.value !== 'off');
  return false;
}

/** The directive as written, on one line, shortened for a message. */
function wordsOf(d: NginxDirective): string {
  const text = [d.name, ...d.args.map((a) => a.raw)].join(' ').replace(/\s+/g, ' ').replace(/`/g, "'");
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** The first body handler of a server that no limit covers, unless an unknown include could hold one. */
function unlimitedHandler(repo: NginxRepo, server: NginxDirective, file: string, outer: Context): { d: NginxDirective; location: NginxDirective | undefined } | 'unknown' | undefined {
  let sawUnknown = false;
  const stack: Array<{ block: NginxDirective; file: string; limit: boolean; unknown: boolean; location: NginxDirective | undefined }> = [
    { block: server, file, limit: outer.limit, unknown: outer.unknown, location: undefined },
  ];
  while (stack.length) {
    const top = stack.pop() as (typeof stack)[number];
    const children = top.block.block?.children ?? [];
    const level = repo.level(children, top.file);
    const bearing = LIMIT_CONTEXTS.has(top.block.name);
    const limit = top.limit || (bearing && level.limit);
    const unknown = top.unknown || (bearing && level.unknown);
    const nested: typeof stack = [];
    for (const { d, file: f } of level.items) {
      if (bodyHandler(d) && !limit) {
        if (!unknown) return { d, location: top.location };
        sawUnknown = true;
      }
      if (d.name === 'location' && takesNoBody(repo, d, f)) continue;
      if (d.block && !d.block.raw && d.name !== 'server') nested.push({ block: d, file: f, limit, unknown, location: d.name === 'location' ? d : top.location });
    }
    // Depth-first, a block's own directives before its nested blocks, each in document order.
    for (let k = nested.length - 1; k >= 0; k--) stack.push(nested[k] as (typeof stack)[number]);
  }
  return sawUnknown ? 'unknown' : undefined;
}

/** The edit that states the limit first in the server block, in the block's own layout. */
function insertion(text: string, file: string, server: NginxDirective, size: string): TextEdit | undefined {
  const block = server.block;
  const first = block?.children[0];
  if (!block || !first) return undefined;
  const directive = `client_max_body_size ${size};`;
  const lineEnd = text.indexOf('\n', block.open);
  if (lineEnd === -1 || first.start < lineEnd) {
    // `server { listen 80; … }` on one line: state it inline, before the first directive.
    return { file, start: first.start, end: first.start, text: `${directive} ` };
  }
  const eol = text.charCodeAt(lineEnd - 1) === 13 ? '\r\n' : '\n';
  return { file, start: lineEnd + 1, end: lineEnd + 1, text: `${indentOf(text, server)}${directive}${eol}` };
}

/** Indentation of the block's directives: that of the first one alone at the start of its line. */
function indentOf(text: string, server: NginxDirective): string {
  for (const child of server.block?.children ?? []) {
    const lineStart = text.lastIndexOf('\n', child.start - 1) + 1;
    const lead = text.slice(lineStart, child.start);
    if (/^[ \t]*$/.test(lead)) return lead;
  }
  const lineStart = text.lastIndexOf('\n', server.start - 1) + 1;
  const own = /^[ \t]*/.exec(text.slice(lineStart, server.start))?.[0] ?? '';
  return own + (own.includes('\t') ? '\t' : '    ');
}

export const rule: Rule = {
  meta: {
    id: 'nginx-body-size-limit',
    seedIds: ['2.6'],
    summary: 'nginx servers that pass request bodies upstream with no client_max_body_size in effect (nginx silently caps them at 1m); state the limit.',
    defaultSeverity: 'warning',
    fixable: 'review',
    messages: {
      unlimited: "{{server}} accepts request bodies (`{{handler}}`) with no `client_max_body_size` in effect: nginx's default of 1m rejects larger ones with 413",
      unlimitedInLocation: "{{server}} accepts request bodies (`{{handler}}` in `{{location}}`) with no `client_max_body_size` in effect: nginx's default of 1m rejects larger ones with 413",
    },
    options: {
      size: { type: 'string', pattern: '^[0-9]+[kKmMgG]?$', description: 'The limit the fix states (default 10m).', default: DEFAULT_SIZE },
      stockIncludes: { ...STRINGS, description: 'Included files nginx packages ship that set no limit.', default: DEFAULT_STOCK_INCLUDES },
      confPrefixes: { ...STRINGS, description: 'Configuration folders of nginx installations, for absolute includes.', default: DEFAULT_CONF_PREFIXES },
      stockServerGlobs: { type: 'array', items: { type: 'string', pattern: '^/' }, description: 'Absolute folders (globs) whose files the stock nginx.conf of images and packages reads inside an http block without a limit.', default: DEFAULT_STOCK_SERVER_GLOBS },
      ciGlobs: { ...STRINGS, description: 'Repository paths (globs) of CI test harnesses, whose servers are not judged.', default: DEFAULT_CI_GLOBS },
    },
  },
  async check({ workspace, facts, options: rawOptions }) {
    const options = readOptions(rawOptions);
    const repo = new NginxRepo(workspace, facts, options);
    const findings: RawFinding[] = [];
    for (const p of repo.files) {
      // A CI service's folder holds test harnesses a workflow starts on a runner with its own
      // requests; nothing there is deployed. Its files are still read (for what they include).
      if (options.ciGlobs.some((g) => matchesGlob(p, g))) continue;
      const tree = repo.tree(p);
      const source = workspace.read(p);
      if (!tree || !source) continue;
      const contexts = repo.contextsOf(p);
      let ordinal = 0;
      walkNginx(tree.directives, (d, parents) => {
        if (d.name !== 'server' || !d.block || d.block.raw) return true;
        // Servers of `http` only: not `stream`/`mail` servers, not snippets included elsewhere.
        const valid = contexts.map((c) => repo.chain(c, tree.directives, parents, p)).filter((c) => c.kind === 'http');
        if (valid.length === 0) return false;
        const index = ordinal++;
        if (valid.some((c) => c.limit)) return false;
        if (isStreamServer(repo, d, p)) return false;
        const outer: Context = { kind: 'http', limit: false, unknown: valid.some((c) => c.unknown) };
        const handler = unlimitedHandler(repo, d, p, outer);
        if (!handler || handler === 'unknown') return false;
        const data = { server: serverLabel(d), handler: wordsOf(handler.d) };
        const edit = insertion(source.text, p, d, options.size);
        findings.push({
          file: p,
          offset: d.start,
          key: `${p}:server ${index}`,
          ...(handler.location ? { messageId: 'unlimitedInLocation', data: { ...data, location: wordsOf(handler.location) } } : { messageId: 'unlimited', data }),
          fix: edit ? { safety: 'review', description: `state \`client_max_body_size ${options.size};\` at the top of the server block`, edits: [edit] } : null,
          // No fix: the server block has no directive to state the limit before.
          ...(edit ? {} : { skipReason: 'unusual-layout' as const }),
        });
        return false;
      });
    }
    return findings;
  },
};

/** `server `api.example.com``, `server listening on `80``, or `server`. */
function serverLabel(server: NginxDirective): string {
  const names = server.block?.children.find((c) => c.name === 'server_name')?.args.map((a) => a.value) ?? [];
  const name = names.find((n) => n !== '' && n !== '_' && !n.includes('`'));
  if (name) return `server \`${name}\``;
  const listen = server.block?.children.find((c) => c.name === 'listen')?.args[0]?.value;
  return listen && !listen.includes('`') ? `server listening on \`${listen}\`` : 'server';
}

export default rule;
