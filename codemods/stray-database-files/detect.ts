/**
 * Database files at the repository root beside the one the configuration names (seed 2.4: the
 * settings default `sqlite:///./autopack.db`, and `test.db`, `autopack_dev.db`, `old.db` next to
 * it, most of them untracked). The root is read as the disk has it (`Workspace.rootFiles`):
 * untracked and ignored files count, since they are on the user's disk.
 */
import type { Workspace, RootFile } from '../../src/workspace/workspace.js';
import { isOwnRecord } from '../../src/model/own-files.js';

/** A SQLite (or similar single-file) database by its name. */
const DB_FILE = /\.(db|sqlite|sqlite3|db3)$/i;
/** SQLite's companions of a database: the rollback journal, the write-ahead log and its index. */
const COMPANION = /^(.+\.(?:db|sqlite|sqlite3|db3))-(journal|wal|shm)$/i;
/** A database file's name wherever text names it: a word ending in a database extension (not `client.db(`, `django.db.backends`). */
const NAMED_DB = /(?<![\w.-])([\w.-]+\.(?:db|sqlite|sqlite3|db3))(?![\w-]|\.\w|\()/gi;
/**
 * How configuration names the database it uses: a SQLite URL (`sqlite:///./app.db`,
 * `sqlite+aiosqlite:///data/app.sqlite3`), a quoted file name (`"db/kuma.db"`,
 * `BASE_DIR / 'db.sqlite3'`), or a setting's value (`DB_PATH=./app.db`, `sqlalchemy.url = …`).
 */
const CONFIGURED_DB = [
  /\bsqlite[\w+]*:\/{2,4}((?:[\w.~-]+\/)*[\w-][\w.-]*)/g,
  /["'`]((?:[\w.~-]+\/)*[\w-][\w.-]*\.(?:db|sqlite|sqlite3|db3))["'`]/g,
  /^[ \t]*[\w.-]+[ \t]*[=:][ \t]*(?:[\w.~-]*\/)*([\w-][\w.-]*\.(?:db|sqlite|sqlite3|db3))[ \t]*\r?$/gm,
];
/** A dotted module path (`django.db.backends.sqlite3`, `myapp.sessions.db`), not a file. */
const MODULE_PATH = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*){2,}$/;
/** Tests and their data configure their own databases, not the application's. */
const TEST_PATH = /(^|\/)(tests?|unittests?|testing|spec|__tests__|fixtures?|testdata)\/|(^|\/)(test_[^/]*|[^/]*_test\.py|[^/]*\.(test|spec)\.[cm]?[jt]sx?)$/i;

/** Files whose text configures or reads a database: code, settings, env files, compose, CI. */
const CONFIG_FILE = /\.(py|pyi|ini|toml|cfg|conf|ya?ml|[cm]?[jt]sx?|sh|bash|ps1|bat|cmd|env|go|rb|rs|java|kt|php|properties)$/i;
/** Text that may name a file without configuring it (data, SQL, manifests). */
const DATA_FILE = /\.(json|jsonc|sql|csv|xml)$/i;
const CONFIG_NAME = /^(\.env(\..+)?|env\.(example|sample|template)|Makefile|GNUmakefile|Procfile|Dockerfile(\..+)?|.+\.Dockerfile|alembic\.ini)$/;
/** Prose that may name a database (a README saying which file the app creates). */
const DOC_FILE = /\.(md|mdx|rst|adoc|txt)$/i;
/** Lists of patterns, not references: naming a file there says it exists, not that it is used. */
const PATTERN_LIST = /(^|\/)\.(git|docker|npm|prettier|eslint|stylelint|hg)ignore$|(^|\/)\.gitattributes$/;

export interface Mention {
  file: string;
  line: number;
}

export interface StrayDatabase {
  /** The database file (or an orphan companion) at the root. */
  file: RootFile;
  /** Its journal, WAL and shared-memory files at the root, which go with it. */
  companions: RootFile[];
}

export interface Strays {
  /** The databases the configuration names, each with where it is first named. */
  configured: Array<{ name: string; at: Mention }>;
  strays: StrayDatabase[];
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Every database name the repository's text mentions: in configuration and code (`config`), and
 * anywhere, docs included (`any`). Read only when the root holds a database file.
 */
function mentions(ws: Workspace): { config: Map<string, Mention>; any: Set<string> } {
  const config = new Map<string, Mention>();
  const any = new Set<string>();
  // The user's own env files at the root (`.env`, `.env.local`), ignored by git but read by the app.
  const localEnv = ws.rootFiles().filter((f) => !f.listed && /^\.env(\..+)?$/.test(f.path)).map((f) => f.path);
  for (const p of [...ws.paths, ...localEnv]) {
    if (PATTERN_LIST.test(p) || isOwnRecord(p)) continue;
    const base = p.slice(p.lastIndexOf('/') + 1);
    const isConfig = CONFIG_FILE.test(base) || CONFIG_NAME.test(base);
    if (!isConfig && !DOC_FILE.test(base) && !DATA_FILE.test(base)) continue;
    const file = ws.probe(p) ?? ws.unlistedRootText(p);
    if (!file) continue;
    for (const m of file.text.matchAll(NAMED_DB)) any.add(m[1] as string);
    if (!isConfig || TEST_PATH.test(p)) continue;
    for (const re of CONFIGURED_DB) {
      for (const m of file.text.matchAll(re)) {
        const value = m[1] as string;
        const name = value.slice(value.lastIndexOf('/') + 1);
        // `sqlite://` alone, `sqlite:///:memory:`, or a URL built at run time.
        if (name === '' || name.startsWith(':') || MODULE_PATH.test(name)) continue;
        any.add(name);
        if (!config.has(name)) config.set(name, { file: p, line: lineOf(file.text, m.index ?? 0) });
      }
    }
  }
  return { config, any };
}

/** The database files at the root that nothing names, when the configuration names a database. */
export function strayDatabases(ws: Workspace): Strays {
  const root = ws.rootFiles().filter((f) => DB_FILE.test(f.path) || COMPANION.test(f.path));
  if (root.length === 0) return { configured: [], strays: [] };
  const { config, any } = mentions(ws);
  const configured = [...config].map(([name, at]) => ({ name, at })).sort((a, b) => a.name.localeCompare(b.name));
  // Which file is the live one is the configuration's to say: without it, every database may be.
  if (configured.length === 0) return { configured, strays: [] };
  const named = (name: string): boolean => any.has(name);
  const strays: StrayDatabase[] = [];
  const taken = new Set<string>();
  for (const f of root) {
    if (!DB_FILE.test(f.path) || named(f.path)) continue;
    const companions = root.filter((c) => COMPANION.exec(c.path)?.[1] === f.path);
    strays.push({ file: f, companions });
    for (const c of companions) taken.add(c.path);
  }
  for (const f of root) {
    const base = COMPANION.exec(f.path)?.[1];
    // A journal of a named database may be a hot journal SQLite needs to recover it: never moved.
    // One whose database is gone and unnamed is left over, like a stray database.
    if (base === undefined || taken.has(f.path) || named(base) || root.some((r) => r.path === base)) continue;
    strays.push({ file: f, companions: [] });
  }
  return { configured, strays: strays.sort((a, b) => a.file.path.localeCompare(b.file.path)) };
}
