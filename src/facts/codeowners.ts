/**
 * CODEOWNERS rules that own nothing: a pattern (GitHub's gitignore-like syntax) that matches no
 * file of the repository. Read by codeowners-dead-pattern; facts, so that any rule asking whether
 * an owner pattern is live asks the same question once per run.
 */
import ignore from 'ignore';
import type { Workspace } from '../workspace/workspace.js';
import { isCodeownersPath, parseCodeowners, type OwnerRule } from '../formats/comments.js';
import { defineFact } from './fact.js';
import type { Facts } from './facts.js';
import { existsInRepo, isGitIgnored, underSubmodule } from './docs/paths.js';

/** Globs of a pattern: judged by matching only (no single path to follow through history). */
export const OWNER_GLOB = /[*?[\]]/;

/** Whether each CODEOWNERS pattern asked about matches a file: a pattern is tried on every path once per run. */
const OWNER_PATTERN_MATCHES = defineFact('CODEOWNERS pattern matches', () => new Map<string, boolean>());

/**
 * Whether a CODEOWNERS pattern matches any file of the repository. A path without wildcards
 * anchored at the root (a leading or inner `/`) is looked up as written; a bare name or a glob
 * is matched with gitignore rules, as GitHub does.
 */
export function ownerPatternMatches(ws: Workspace, facts: Facts, pattern: string): boolean {
  const cache = facts.get(OWNER_PATTERN_MATCHES);
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

/** An owner rule whose pattern matches nothing. */
export interface DeadOwnerRule {
  /** The CODEOWNERS file. */
  file: string;
  rule: OwnerRule;
  /** The pattern without escapes, leading and trailing `/` (the repo path it names, when it is one). */
  path: string;
  /** Written with a trailing `/`: it names a directory. */
  dir: boolean;
  /** A path without wildcards, anchored at the root: one path whose history can be asked. */
  anchored: boolean;
}

/**
 * The rules of every CODEOWNERS file (root, `.github/`, `docs/`, `.gitlab/`) that match no file.
 * Negations, gitignored paths and paths inside submodules (their files are not ours to list) are
 * not judged.
 */
export function deadOwnerRules(ws: Workspace, facts: Facts): DeadOwnerRule[] {
  const out: DeadOwnerRule[] = [];
  for (const file of ws.paths) {
    if (!isCodeownersPath(file)) continue;
    const text = ws.read(file)?.text;
    if (text === undefined) continue;
    for (const rule of parseCodeowners(text)) {
      const pattern = rule.pattern.replace(/\\(.)/g, '$1');
      if (pattern.startsWith('!') || ownerPatternMatches(ws, facts, pattern)) continue;
      const clean = pattern.replace(/^\//, '').replace(/\/$/, '');
      const dir = pattern.endsWith('/');
      if (!clean || isGitIgnored(ws, clean, dir) || underSubmodule(ws, clean)) continue;
      const anchored = !OWNER_GLOB.test(clean) && (pattern.startsWith('/') || clean.includes('/'));
      out.push({ file, rule, path: clean, dir, anchored });
    }
  }
  return out;
}
