/**
 * Which files of the repository's config folders something reads, and how: the consumer index
 * of config-unreferenced. A file is read when any other file of the repository names it
 * (`config/models.yaml`, `models.yaml`), names its stem as a word in quotes or a symbol
 * (`load_config("models")`, `config_for(:models)`), matches it with a glob or a template
 * (`config/*.yaml`, `f"config/{name}.yaml"`, `` `config/${env}.json` ``), or reads the folder
 * as a whole (`Path("config").glob(…)`, `os.listdir(CONFIG)` with the folder in the path,
 * `COPY conf/ /etc/nginx/conf.d/`). Every doubt counts as a read: a file is unreferenced only
 * when no text of the repository could be reading it.
 */
import type { Workspace } from '../../src/workspace/workspace.js';
import { isComposePath } from '../../src/formats/compose.js';
import { isDockerfilePath } from '../../src/formats/dockerfile.js';
import { globsMatcher } from '../../src/formats/glob.js';
import { isOwnRecord } from '../../src/model/own-files.js';

export interface ConfigFolder {
  /** The folder, repo-relative (`config`, `backend/conf`). */
  dir: string;
  /** Its data files, directly in it (repo-relative paths). */
  files: string[];
}

export type ReadKind = 'path' | 'name' | 'stem' | 'glob' | 'folder';

export interface Read {
  readonly consumer: string;
  readonly kind: ReadKind;
}

/** Folders whose files are others' code or build output: neither candidates nor consumers. */
const FOREIGN = new Set(['node_modules', 'vendor', 'third_party', 'bower_components', '.venv', 'venv', 'site-packages', '__pycache__', 'dist', 'build', 'coverage', '.next', '.nuxt', '.git', '.yarn']);

export function isForeign(p: string): boolean {
  return p.split('/').slice(0, -1).some((s) => FOREIGN.has(s));
}

/**
 * The config folders of the repository: folders with one of `names` (or at one of the paths
 * `names` gives, when a name holds a `/`) that hold data files of `extensions` directly. Only
 * the files directly inside count: subfolders (`config/locales/`, `config/environments/`) are
 * read by conventions of their own.
 */
export function configFolders(ws: Workspace, names: readonly string[], extensions: readonly string[], ignore: readonly string[]): ConfigFolder[] {
  const byName = new Set(names.filter((n) => !n.includes('/')));
  const byPath = new Set(names.filter((n) => n.includes('/')).map((n) => n.replace(/^\.\/|\/$/g, '')));
  const ext = new Set(extensions.map((e) => e.toLowerCase().replace(/^\./, '')));
  const ignored = globsMatcher(ignore);
  const out = new Map<string, string[]>();
  for (const p of ws.paths) {
    const slash = p.lastIndexOf('/');
    if (slash === -1 || isForeign(p)) continue;
    const dir = p.slice(0, slash);
    const name = p.slice(slash + 1);
    const dirName = dir.slice(dir.lastIndexOf('/') + 1);
    if (!byName.has(dirName) && !byPath.has(dir)) continue;
    // Dotfiles are tools' own (`.eslintrc.json`), found by their tools by name.
    if (name.startsWith('.') || !name.includes('.') || !ext.has(name.slice(name.lastIndexOf('.') + 1).toLowerCase())) continue;
    if (ignored(p)) continue;
    out.set(dir, [...(out.get(dir) ?? []), p]);
  }
  return [...out].map(([dir, files]) => ({ dir, files }));
}

/**
 * A folder whose files a framework loads by convention, with no name in the code: Rails
 * (`config/application.rb`, `config_for`, initializers), the npm `config` package (node-config:
 * `config/default.json`, `config/<NODE_ENV>.json`), Spring (`application*.yml`).
 */
export function conventionFolder(ws: Workspace, folder: ConfigFolder): string | undefined {
  const parent = folder.dir.includes('/') ? folder.dir.slice(0, folder.dir.lastIndexOf('/')) : '';
  const at = (p: string): string => (parent ? `${parent}/${p}` : p);
  if (ws.has(`${folder.dir}/application.rb`) || ws.has(`${folder.dir}/environment.rb`) || ws.has(at('Gemfile'))) return 'Rails';
  for (const manifest of new Set([at('package.json'), 'package.json'])) {
    const text = ws.probe(manifest)?.text;
    if (text && /"(?:dependencies|devDependencies)"\s*:\s*\{[^}]*"config"\s*:/.test(text)) return 'node-config';
  }
  return undefined;
}

/** Files read by name by the tool that owns them, wherever they are. */
export function conventionFile(p: string): boolean {
  const name = p.slice(p.lastIndexOf('/') + 1);
  return /^(application|bootstrap)([-.][\w-]+)?\.(ya?ml|properties)$/.test(name);
}

const DOC = /\.(md|mdx|rst|txt|adoc|asciidoc|html?)$/i;
const NOT_A_READER = /(^|\/)(CODEOWNERS|\.\w*ignore|\.gitattributes|CHANGELOG[^/]*|HISTORY[^/]*)$|(^|[.-])lock\.(json|ya?ml)$|\.lock$|\.(png|jpe?g|gif|svg|ico|woff2?|ttf|pdf|zip|gz)$/i;
/** Listing, joining or opening a folder: the line uses the folder name as a path. */
const PATH_USE = /glob|listdir|iterdir|scandir|walk|readdir|rglob|join\(|Path\(|path\.|dirname|abspath|resolve|exists|is_?dir|open|load|read|\/\s*f?["'`]|["'`]\s*\//i;
/** A key that holds a path (`CONFIG_DIR=`, `config_path:`, `--config-dir`). */
const PATH_KEY = /(dir|path|folder|root|location|home)\w*["']?\s*[=:]|--[\w-]*(dir|path)\b/i;
const MAX_CONSUMER_BYTES = 2 * 1024 * 1024;

/**
 * Who reads each file of the folders: for every file, the consumers and how they read it. One
 * pass over the repository's text files. A sibling that names a file (`extends: base.yaml`) is a
 * reader too: an include is a read.
 */
export function readsOf(ws: Workspace, folders: readonly ConfigFolder[]): Map<string, Read[]> {
  const reads = new Map<string, Read[]>();
  // One Read per consumer and kind, shared by every file it reads that way: a consumer that names
  // hundreds of files held as many equal objects (580,000 of them at 100,000 files, about 30 MB
  // that became garbage at the end of a run, where its memory peaks).
  let current: { consumer: string; byKind: Partial<Record<ReadKind, Read>> } = { consumer: '', byKind: {} };
  const readOf = (consumer: string, kind: ReadKind): Read => {
    if (current.consumer !== consumer) current = { consumer, byKind: {} };
    return (current.byKind[kind] ??= { consumer, kind });
  };
  // A file's first read by each consumer is kept. In the pass over the consumers, a consumer's
  // reads are added together: a read by the consumer last added is the only repeat there (a
  // search of the list made files named by thousands of consumers quadratic).
  const add = (file: string, consumer: string, kind: ReadKind): void => {
    const list = reads.get(file);
    if (!list) reads.set(file, [readOf(consumer, kind)]);
    else if ((list[list.length - 1] as Read).consumer !== consumer) list.push(readOf(consumer, kind));
  };
  /** After that pass, where any earlier consumer may read again: one set per file read that way. */
  const readers = new Map<string, Set<string>>();
  const addLate = (file: string, consumer: string, kind: ReadKind): void => {
    const list = reads.get(file) ?? [];
    let seen = readers.get(file);
    if (!seen) {
      seen = new Set(list.map((r) => r.consumer));
      readers.set(file, seen);
      reads.set(file, list);
    }
    if (seen.has(consumer)) return;
    seen.add(consumer);
    list.push(readOf(consumer, kind));
  };
  const prepared = folders.map((f) => {
    const dirName = f.dir.slice(f.dir.lastIndexOf('/') + 1);
    return {
      folder: f,
      dirName,
      dirToken: new RegExp(String.raw`(?<![\w.-])${esc(dirName)}(?![\w.-])(/[^\s"'\`),;\]}>]*)?`, 'g'),
      files: f.files.map((p) => {
        const name = p.slice(p.lastIndexOf('/') + 1);
        const stem = name.slice(0, name.lastIndexOf('.'));
        return {
          path: p,
          name,
          pathRe: new RegExp(String.raw`(?<![\w-])${esc(p)}(?![\w-])`),
          nameRe: new RegExp(String.raw`(?<![\w-])${esc(name)}(?![\w.-])`),
          // The stem quoted or as a symbol (`load("models")`, `config_for(:models)`), but not a key (`"models":`, `["models"]`, `.get("models")`).
          stemRe: stem.length >= 2 ? new RegExp(String.raw`(?<![\w)\]]\[|\.get\()(?:["'\`]${esc(stem)}["'\`](?!\s*[:\]])|(?<![\w:]):${esc(stem)}(?![\w-]))`) : undefined,
          stem,
        };
      }),
    };
  });
  const pending: Array<{ name: string; consumer: string; files: string[] }> = [];
  const sameName = new Map<string, string[]>();
  for (const g of prepared) sameName.set(g.dirName, [...(sameName.get(g.dirName) ?? []), g.folder.dir]);
  // Every read above names the file's stem, or the folder, as a whole word: bounded on both sides
  // by characters outside [\w-] (a `/`, a quote, a `:`, the `.` of the extension). So a consumer
  // whose words do not include the stem's first dot-separated part cannot read that file, and the
  // regexes run only for the files whose part it does include: one split of each text instead of
  // a search for every config file in every text (quadratic in large repositories).
  const firstPart = (s: string): string => s.split('.')[0] as string;
  const byPart = new Map<string, Array<{ g: (typeof prepared)[number]; f: (typeof prepared)[number]['files'][number]; order: number }>>();
  let order = 0;
  const always: Array<{ g: (typeof prepared)[number]; f: (typeof prepared)[number]['files'][number]; order: number }> = [];
  for (const g of prepared) {
    for (const f of g.files) {
      // A stem with other characters (a space, `+`, `@`) is not one word: such a file is searched for in every text.
      if (/[^\w.-]/.test(f.stem) || f.stem.startsWith('.')) {
        always.push({ g, f, order: order++ });
        continue;
      }
      const key = firstPart(f.stem);
      const list = byPart.get(key);
      const entry = { g, f, order: order++ };
      if (list) list.push(entry);
      else byPart.set(key, [entry]);
    }
  }
  // The words looked up below, found by one regex over each text: splitting every text into all
  // its words was most of this rule's time on large repositories (1.3 s of 74 MB on ragflow, the
  // regex 0.4 s). A word is a maximal run of [\w-], as the split made it.
  const wanted = new Set([...byPart.keys(), ...prepared.filter((g) => !/[^\w.-]/.test(g.dirName)).map((g) => firstPart(g.dirName))]);
  const words = wordsIn([...wanted]);
  // A doc reads a file only by its path or name, and both hold the stem's first part followed
  // by a `.` (of the rest of the stem, or of the extension): in docs only those words are looked
  // for, so the mentions of a name in prose (a service called like its config) are not.
  const namedWords = wordsIn([...byPart.keys()], { beforeDot: true });
  // The folders by the first part of their name, as the files are: a consumer is matched against
  // the folders whose name it holds as a word, not against every folder.
  const foldersByPart = new Map<string, Array<{ g: (typeof prepared)[number]; order: number }>>();
  const oddFolders: Array<{ g: (typeof prepared)[number]; order: number }> = [];
  prepared.forEach((g, order) => {
    if (/[^\w.-]/.test(g.dirName)) oddFolders.push({ g, order });
    else foldersByPart.set(firstPart(g.dirName), [...(foldersByPart.get(firstPart(g.dirName)) ?? []), { g, order }]);
  });
  for (const consumer of ws.paths) {
    if (isForeign(consumer) || NOT_A_READER.test(consumer) || isOwnRecord(consumer)) continue;
    const file = ws.probe(consumer);
    if (!file || file.text.length > MAX_CONSUMER_BYTES) continue;
    const text = file.text;
    const doc = DOC.test(consumer) || /(^|\/)docs?\//.test(consumer);
    const present = (doc ? namedWords : words)(text);
    const candidates = [...always, ...[...present].flatMap((w) => byPart.get(w) ?? [])].sort((a, b) => a.order - b.order);
    for (const { f } of candidates) {
      if (consumer === f.path) continue;
      if (!text.includes(f.stem)) continue;
      if (f.pathRe.test(text)) add(f.path, consumer, 'path');
      else if (f.nameRe.test(text)) add(f.path, consumer, 'name');
      else if (!doc && f.stemRe?.test(text)) add(f.path, consumer, 'stem');
    }
    // Docs do not read folders as a whole.
    if (doc) continue;
    const folders = [...oddFolders, ...[...present].flatMap((w) => foldersByPart.get(w) ?? [])].sort((a, b) => a.order - b.order);
    for (const { g } of folders) {
      const inFolder = consumer.startsWith(`${g.folder.dir}/`) && !consumer.slice(g.folder.dir.length + 1).includes('/');
      if (inFolder || !text.includes(g.dirName)) continue;
      const found = folderUses(text, g.dirToken, consumer, g.folder.dir, sameName.get(g.dirName) ?? []);
      for (const use of found.uses) {
        for (const f of g.files) if (use(f.name)) add(f.path, consumer, use === everything ? 'folder' : 'glob');
      }
      for (const name of found.variables) pending.push({ name, consumer, files: g.files.map((f) => f.path) });
    }
  }
  // A variable that holds the folder and is used in another file (imported): any file may be read through it.
  if (pending.length) {
    for (const consumer of ws.paths) {
      if (isForeign(consumer) || NOT_A_READER.test(consumer) || isOwnRecord(consumer)) continue;
      const text = ws.probe(consumer)?.text;
      if (!text || text.length > MAX_CONSUMER_BYTES) continue;
      for (const v of pending) {
        if (v.consumer !== consumer && text.includes(v.name) && new RegExp(String.raw`(?<![\w.])${esc(v.name)}(?!\w)`).test(text)) for (const f of v.files) addLate(f, v.consumer, 'folder');
      }
    }
  }
  return reads;
}

/**
 * Which of `wanted` are words of a text, a word being a maximal run of `[\w-]` (what
 * `text.split(/[^\w-]+/)` gives, whose first or last piece is empty when the text starts or ends
 * outside a word: the empty word is found then, or in an empty text). With `beforeDot`, only the
 * words a `.` follows, and never the empty word.
 */
export function wordsIn(wanted: readonly string[], options: { beforeDot?: boolean } = {}): (text: string) => Set<string> {
  const nonEmpty = wanted.filter((w) => w !== '');
  if (options.beforeDot) return wordsBeforeDots(new Set(nonEmpty));
  const emptyWanted = nonEmpty.length < wanted.length;
  const re = nonEmpty.length ? new RegExp(String.raw`(?<![\w-])(?:${nonEmpty.map(esc).join('|')})(?![\w-])`, 'g') : undefined;
  return (text) => {
    const found = new Set<string>();
    if (re) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) found.add(m[0]);
    }
    if (emptyWanted && (text === '' || /^[^\w-]|[^\w-]$/.test(text))) found.add('');
    return found;
  };
}

/**
 * The words of `wanted` a `.` follows: the run of `[\w-]` that ends at each `.`, looked up. In
 * prose the alternation of every wanted word, tried at each position, took four times as long
 * (1.8 s over the docs of a 100,000-file repository).
 */
function wordsBeforeDots(wanted: ReadonlySet<string>): (text: string) => Set<string> {
  return (text) => {
    const found = new Set<string>();
    if (wanted.size === 0) return found;
    for (let dot = text.indexOf('.'); dot !== -1; dot = text.indexOf('.', dot + 1)) {
      let start = dot;
      while (start > 0 && isWordCode(text.charCodeAt(start - 1))) start--;
      if (start === dot) continue;
      const word = text.slice(start, dot);
      if (wanted.has(word)) found.add(word);
    }
    return found;
  };
}

/** `[\w-]` (ASCII, as `\w` is without the `u` flag). */
function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
}

const everything = (): boolean => true;

/**
 * How a text reads the folder as a whole, each as a test of a file name: a glob or template
 * after the folder (`config/*.yaml`, `config/{name}.yaml`, `conf/%s.json`), or the folder as a
 * path the line lists, joins or opens, or copies somewhere else (Dockerfile `COPY`, compose
 * volumes). A copy to a folder of the same name (`COPY config/ ./config/`) packages the files
 * and reads none of them.
 */
function folderUses(text: string, dirToken: RegExp, consumer: string, dir: string, sameName: readonly string[]): { uses: Array<(name: string) => boolean>; variables: string[] } {
  const out: Array<(name: string) => boolean> = [];
  const variables: string[] = [];
  const dockerfile = isDockerfilePath(consumer);
  const compose = isComposePath(consumer);
  dirToken.lastIndex = 0;
  for (let m = dirToken.exec(text); m; m = dirToken.exec(text)) {
    const tail = (m[1] ?? '').replace(/^\//, '');
    const prefix = /[\w.\-/]*$/.exec(text.slice(Math.max(0, m.index - 200), m.index))?.[0] ?? '';
    if (!resolveFolder(consumer, prefix, m[0].replace(/\/.*$/, ''), sameName, dockerfile || compose).includes(dir)) continue;
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const lineEnd = text.indexOf('\n', m.index);
    const line = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd);
    if (tail && !tail.includes('/') && /[*?{$%<[]/.test(tail)) {
      const re = templateRegExp(tail);
      out.push((name) => re.test(name));
      continue;
    }
    if (tail && tail.replace(/\/$/, '') !== '') continue; // a path into the folder: a file the name check judges
    const before = text[m.index - 1] ?? '';
    const after = text[m.index + m[0].length] ?? '';
    if (dockerfile) {
      if (!(/^\s*(COPY|ADD)\b/i.test(line) && copiedAsIs(lastWord(line), m[0]))) out.push(everything);
      continue;
    }
    if (compose) {
      const mapping = /(\S+):(\/[^\s"':]*)/.exec(line);
      if (!(mapping && (mapping[1] as string).includes(m[0]) && copiedAsIs(mapping[2] as string, m[0]))) out.push(everything);
      continue;
    }
    const quoted = /["'`/]/.test(before) || /["'`]/.test(after) || m[0].endsWith('/');
    if (!quoted) {
      if (/\.(sh|bash|ps1|bat|cmd|mk)$|(^|\/)Makefile$/.test(consumer) && /[/\s]/.test(before)) out.push(everything);
      continue;
    }
    const rest = text.slice(m.index + m[0].length, lineEnd === -1 ? text.length : lineEnd);
    const piece = nextPiece(rest);
    if (piece !== undefined) {
      // A path built in pieces (`"config" / "models.yaml"`, `join("config", name)`): what the next piece names.
      if (piece === null) out.push(everything);
      else if (!piece.includes('/') && /[*?{$%<[]/.test(piece)) out.push(matcher(piece));
      continue;
    }
    if (!(PATH_USE.test(line) || PATH_KEY.test(line) || /[/\\]/.test(before))) continue;
    const assigned = /^\s*(?:export\s+)?(?:(?:const|let|var|final|static|readonly|private|public)\s+)*([A-Za-z_$][\w$]*)\s*(?::[^=]*)?=[^=]/.exec(line);
    if (assigned && /^["'`]?\s*\)*\s*[;,]?\s*(#.*|\/\/.*)?$/.test(rest)) {
      const uses = variableUses(text, assigned[1] as string, lineStart);
      if (uses === null) out.push(everything);
      else out.push(...uses);
      variables.push(assigned[1] as string);
      continue;
    }
    out.push(everything);
  }
  return { uses: out, variables };
}

/**
 * Which of the config folders named `name` a mention means: the one its written path ends with
 * (`./deploy/config`), else, for a bare name, the nearest one at or above the consumer's folder
 * (`Path(__file__).parent / "config"`, `"config/"` from the root); when neither tells, all of them
 * (code may run from any directory), or none for a compose file or Dockerfile, whose paths are
 * relative to themselves.
 */
function resolveFolder(consumer: string, prefix: string, name: string, sameName: readonly string[], fileRelative: boolean): readonly string[] {
  const written = prefix.replace(/^(\.\.?\/)+/, '').replace(/^\/+/, '');
  if (written) {
    const hits = sameName.filter((d) => d === `${written}${name}` || d.endsWith(`/${written}${name}`));
    return hits.length ? hits : sameName;
  }
  let base = consumer.includes('/') ? consumer.slice(0, consumer.lastIndexOf('/')) : '';
  for (;;) {
    const candidate = base ? `${base}/${name}` : name;
    if (sameName.includes(candidate)) return [candidate];
    // Compose and Dockerfile paths are relative to the file (or its context): a folder elsewhere is not meant.
    if (!base) return fileRelative ? [] : sameName;
    base = base.includes('/') ? base.slice(0, base.lastIndexOf('/')) : '';
  }
}

function matcher(piece: string): (name: string) => boolean {
  const re = templateRegExp(piece);
  return (name) => re.test(name);
}

/**
 * The piece joined to the folder right after its literal: a string (`/ "models.yaml"`,
 * `, 'models.yaml'`, `+ "/x.json"`, an f-string `/ f"{name}.yaml"`), `null` for anything else
 * joined (a variable: any file), undefined when nothing is joined there.
 */
function nextPiece(rest: string): string | null | undefined {
  const joined = /^["'`]?\s*(\/|,|\+)\s*/.exec(rest);
  if (!joined) return undefined;
  const after = rest.slice(joined[0].length);
  if (after === '' || /^\)/.test(after)) return undefined;
  const lit = /^(?:[fFrRbB]{0,2})(["'`])([^"'`\n]*)\1/.exec(after);
  if (!lit) return null;
  return (lit[2] as string).replace(/^\//, '');
}

/**
 * How a variable that holds the folder is used in its own file: each use joined with a literal
 * (`CONFIG_DIR / "models.yaml"`: judged by the file's name, so no folder read) or a template
 * (`CONFIG_DIR / f"{name}.yaml"`), or `null` when any use is something else (`CONFIG_DIR.glob`,
 * `listdir(CONFIG_DIR)`, passed on): any file may be read.
 */
function variableUses(text: string, name: string, assignedAt: number): Array<(name: string) => boolean> | null {
  const out: Array<(name: string) => boolean> = [];
  const re = new RegExp(String.raw`(?<![\w.$])${esc(name)}(?![\w$])`, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index >= assignedAt && m.index < text.indexOf('\n', assignedAt)) continue;
    let rest = text.slice(m.index + m[0].length, m.index + m[0].length + 200);
    const join = /^\s*(\/|,|\+)/.test(rest);
    const call = /^(?:os\.path\.join|path\.join|join|Path|path\.resolve)\(\s*$/.test(text.slice(Math.max(0, m.index - 20), m.index).replace(/.*[^\w.(\s]/, ''));
    if (!join && !call) return null;
    if (!join) rest = rest.replace(/^\s*/, '');
    const piece = nextPiece(`"${rest}`);
    if (piece === null || piece === undefined) return null;
    if (/[*?{$%<[]/.test(piece)) out.push(matcher(piece));
  }
  return out;
}

/** `COPY config/ ./config/`, `./config:/app/config`: the folder copied under its own name, as a package. */
function copiedAsIs(dest: string, token: string): boolean {
  const d = dest.replace(/^["'[]+|["',\]]+$/g, '').replace(/\/+$/, '');
  return d.slice(d.lastIndexOf('/') + 1) === token.replace(/\/$/, '');
}

function lastWord(line: string): string {
  const words = line.trim().split(/\s+/);
  return words[words.length - 1] ?? '';
}

/** A glob or template over file names (`*.yaml`, `{name}.yaml`, `${env}.json`, `%s.json`) as a regex. */
export function templateRegExp(tail: string): RegExp {
  let re = '';
  for (let i = 0; i < tail.length; i++) {
    const c = tail[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{' || (c === '$' && tail[i + 1] === '{')) {
      const close = tail.indexOf('}', i);
      re += '[^/]*';
      i = close === -1 ? tail.length : close;
    } else if (c === '$' || c === '%' || c === '<' || c === '[') {
      re += '[^/]*';
      const m = /^(\$\w+|%\(\w+\)\w|%\w|<[^>]*>|\[[^\]]*\])/.exec(tail.slice(i));
      i += (m?.[0].length ?? 1) - 1;
    } else re += esc(c);
  }
  return new RegExp(`^${re}$`);
}

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
