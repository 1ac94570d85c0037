/**
 * What makes a file a drift checker, and which files can never be one, independent of the
 * language the checker is written in.
 */
import { splitShell, simpleCommands } from '../../src/formats/shell.js';

/**
 * A name that says its list holds what must not appear: `FORBIDDEN_PATTERNS`, `LEGACY_TARGETS`,
 * `banned`, `STALE_REFS`, `DRIFT_RULES`. One word of the name (between underscores) must be one
 * of these; `BLOCK_SIZE` or `OLDEST` do not qualify.
 */
export const FORBIDDEN_NAME = /(?:^|_)(?:forbidden|banned|disallowed|prohibited|denied|deny|denylist|blocked|blocklist|blacklist|legacy|deprecated|stale|obsolete|outdated|drift|bad)(?:_|$)/i;

/** Where a script is a test, a fixture or someone else's code: never the repository's own guard. */
const NOT_A_GUARD = /(^|\/)(node_modules|third_party|third-party|vendor|vendored|site-packages|\.venv|venv|fixtures?|testdata|__fixtures__|tests?|__tests__|spec)\//i;
const TEST_FILE = /(^|\/)(test_[^/]*|[^/]*_test\.py|conftest\.py|[^/]*\.(test|spec)\.[cm]?[jt]sx?)$/i;

export function mayBeGuard(p: string): boolean {
  return !NOT_A_GUARD.test(p) && !TEST_FILE.test(p);
}

const SHELL_KEYWORDS = new Set(['if', 'then', 'elif', 'else', 'while', 'until', 'do', '!', '{', '(', 'time']);

export interface ShellCheckerShape {
  lists: Array<{ name: string; offset: number; patterns: string[] }>;
  readNames: Set<string>;
  /** `grep`/`rg`/`git grep` over files. */
  searchesFiles: boolean;
  /** `exit 1`, `exit "$status"`: an exit with anything but 0. */
  fails: boolean;
  needsArguments: boolean;
}

/**
 * A shell script's `NAME=( "a" "b" )` arrays with forbidden names, the searches it runs and
 * how it fails, from the word splitter of formats/shell.ts (comments and quotes honoured).
 */
export function shellCheckerShape(text: string): ShellCheckerShape {
  const out: ShellCheckerShape = { lists: [], readNames: new Set(), searchesFiles: false, fails: false, needsArguments: false };
  const words = splitShell(text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (!w || w.operator) continue;
    const m = /^([A-Za-z_]\w*)=\((.*)$/s.exec(w.value);
    if (!m) continue;
    const name = m[1] as string;
    const patterns: string[] = [];
    let rest = m[2] as string;
    let j = i;
    for (;;) {
      const closes = rest.endsWith(')');
      const item = closes ? rest.slice(0, -1) : rest;
      if (item !== '') patterns.push(item);
      if (closes) break;
      j++;
      while (words[j]?.operator && words[j]?.value === '\n') j++;
      const next = words[j];
      if (!next || next.operator) break;
      rest = next.value;
    }
    if (FORBIDDEN_NAME.test(name) && patterns.length > 0) out.lists.push({ name, offset: w.start, patterns });
    i = j;
  }
  for (const m of text.matchAll(/\$\{?([A-Za-z_]\w*)/g)) out.readNames.add(m[1] as string);
  for (const cmd of simpleCommands(words)) {
    const argv = cmd.map((c) => c.value);
    // Past the keywords that may open a command (`if grep …`, `! rg …`, `while …`).
    let k = 0;
    while (SHELL_KEYWORDS.has(argv[k] ?? '')) k++;
    const head = argv[k] ?? '';
    if (argv.some((w, i) => /^(\$\()?(grep|egrep|fgrep|rg|ag)$/.test(w) || (w === 'git' && argv[i + 1] === 'grep'))) out.searchesFiles = true;
    if (head === 'exit' && argv[1] !== undefined && argv[1] !== '0') out.fails = true;
  }
  if (/\$\{?1\b/.test(text) && !/\$#/.test(text)) out.needsArguments = true;
  return out;
}
