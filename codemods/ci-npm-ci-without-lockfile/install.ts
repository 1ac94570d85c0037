/**
 * Which shell commands install from a lockfile and fail without one: `npm ci` (and its
 * aliases), `yarn install --frozen-lockfile` / `--immutable`, `pnpm install --frozen-lockfile`,
 * `bun install --frozen-lockfile` and `bun ci`. A plain `npm install` writes a lockfile when there
 * is none, so it is not one of them (it is, though, a step that may produce the lockfile for a
 * later locked install).
 */
import type { JsManager } from '../../src/facts/ecosystems.js';

export interface LockedInstall {
  manager: JsManager;
  /** The directory the command is pointed at (`--prefix`, `--cwd`, `-C`, `--dir`), as written. */
  dirArg: string | undefined;
  /** Index of the first and one past the last word that name the install (`npm ci`). */
  head: [number, number];
}

/** Lockfiles each manager's locked install accepts. */
export const ACCEPTED_LOCKFILES: Readonly<Record<JsManager, readonly string[]>> = {
  npm: ['package-lock.json', 'npm-shrinkwrap.json'],
  yarn: ['yarn.lock'],
  pnpm: ['pnpm-lock.yaml'],
  bun: ['bun.lock', 'bun.lockb'],
};

const NPM_CI = new Set(['ci', 'clean-install', 'ic', 'install-clean', 'isntall-clean', 'cit', 'clean-install-test', 'install-ci-test']);
const NPM_INSTALL = new Set(['install', 'i', 'add', 'isntall', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt', 'isnta', 'isntal']);

/** Options of each manager that take a separate value (the value is not the subcommand). */
const VALUE_OPTIONS: Readonly<Record<JsManager, ReadonlySet<string>>> = {
  npm: new Set(['--prefix', '-C', '--workspace', '-w', '--registry', '--cache', '--loglevel', '--userconfig', '--omit', '--include']),
  yarn: new Set(['--cwd', '--modules-folder', '--cache-folder', '--network-timeout', '--registry', '--mutex']),
  pnpm: new Set(['-C', '--dir', '--filter', '-F', '--reporter', '--store-dir', '--registry']),
  bun: new Set(['--cwd', '--cache-dir', '--registry', '--backend']),
};

const DIR_OPTIONS: Readonly<Record<JsManager, readonly string[]>> = {
  npm: ['--prefix', '-C'],
  yarn: ['--cwd'],
  pnpm: ['-C', '--dir'],
  bun: ['--cwd'],
};

interface Parsed {
  manager: JsManager;
  sub: string | undefined;
  flags: Set<string>;
  dirArg: string | undefined;
  /** Index one past the subcommand (or the manager word when there is none). */
  headEnd: number;
}

/** Skips `VAR=value` prefixes, `sudo`, `env`, `corepack` and `npx`-less wrappers. */
function commandStart(words: readonly string[]): number {
  let i = 0;
  while (i < words.length) {
    const w = words[i] as string;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || w === 'sudo' || w === 'env' || w === 'exec' || w === 'time' || w === 'corepack') i++;
    else break;
  }
  return i;
}

function parse(words: readonly string[]): (Parsed & { start: number }) | undefined {
  const start = commandStart(words);
  const head = words[start];
  if (head !== 'npm' && head !== 'yarn' && head !== 'pnpm' && head !== 'bun') return undefined;
  const manager = head as JsManager;
  const flags = new Set<string>();
  let sub: string | undefined;
  let dirArg: string | undefined;
  let headEnd = start + 1;
  for (let i = start + 1; i < words.length; i++) {
    const w = words[i] as string;
    if (w.startsWith('-')) {
      const eq = w.indexOf('=');
      const name = eq === -1 ? w : w.slice(0, eq);
      flags.add(name);
      const takesValue = VALUE_OPTIONS[manager].has(name) && eq === -1;
      const value = eq !== -1 ? w.slice(eq + 1) : takesValue ? words[i + 1] : undefined;
      if (DIR_OPTIONS[manager].includes(name) && value !== undefined) dirArg = value;
      if (takesValue) i++;
      continue;
    }
    if (sub === undefined) {
      sub = w;
      headEnd = i + 1;
    }
  }
  return { manager, sub, flags, dirArg, headEnd, start };
}

/** The locked install a simple command runs, if it is one. */
export function lockedInstall(words: readonly string[]): LockedInstall | undefined {
  const p = parse(words);
  if (!p) return undefined;
  const { manager, sub, flags } = p;
  const frozen = flags.has('--frozen-lockfile') || flags.has('--immutable');
  let locked = false;
  if (manager === 'npm') locked = sub !== undefined && NPM_CI.has(sub);
  else if (manager === 'yarn') locked = (sub === undefined || sub === 'install') && frozen;
  else if (manager === 'pnpm') locked = (sub === 'install' || sub === 'i') && flags.has('--frozen-lockfile') && !flags.has('--no-frozen-lockfile');
  else locked = sub === 'ci' || ((sub === 'install' || sub === 'i') && flags.has('--frozen-lockfile'));
  if (!locked) return undefined;
  return { manager, dirArg: p.dirArg, head: [p.start, p.headEnd] };
}

/**
 * Whether a command installs without a frozen lockfile, and so writes one when there is none
 * (a later locked install in the same directory then finds it).
 */
export function writesLockfile(words: readonly string[]): boolean {
  const p = parse(words);
  if (!p) return false;
  const { manager, sub, flags } = p;
  if (flags.has('--frozen-lockfile') || flags.has('--immutable') || flags.has('--no-package-lock') || flags.has('--no-lockfile')) return false;
  if (manager === 'npm') return sub !== undefined && (NPM_INSTALL.has(sub) || sub === 'shrinkwrap' || sub === 'update' || sub === 'up');
  if (manager === 'yarn') return sub === undefined || sub === 'install' || sub === 'add' || sub === 'import' || sub === 'upgrade';
  return sub === 'install' || sub === 'i' || sub === 'add' || sub === 'update' || sub === 'up' || sub === 'import';
}
