/**
 * Globs over repo-relative paths, one implementation for every rule: `*`, `?`, `[…]`, `[!…]`
 * and `{a,b}` stay within a segment; a `**` segment spans zero or more whole segments.
 */
import path from 'node:path/posix';

/** Characters that stand for themselves in a glob but not in a regular expression. */
const REGEXP_SPECIAL = '.+^${}()|\\]';

/** Repo-relative form of a path or pattern: no leading `/` or `./`, no trailing `/`. */
export function normalizeRepoDir(p: string): string {
  let s = p.trim().replace(/\\/g, '/');
  s = s.replace(/^(\.\/|\/)+/, '');
  if (s === '.' || s === '') return '';
  const hasGlob = /[*?[{]/.test(s);
  // Normalising a glob would fold `a/**/..`; only plain paths are normalised.
  if (!hasGlob) {
    s = path.normalize(s);
    if (s === '.' || s.startsWith('..')) return s === '.' ? '' : s;
  }
  return s.replace(/\/+$/, '');
}

export function hasGlobChars(p: string): boolean {
  return /[*?[{]/.test(p);
}

function segmentSource(seg: string): string {
  let out = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] as string;
    if (c === '*') {
      out += '[^/]*';
      while (seg[i + 1] === '*') i++;
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, close);
      let negate = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      out += `[${negate ? '^/' : ''}${body.replace(/[\]\\]/g, '\\$&')}]`;
      i = close;
    } else if (c === '{') {
      const close = matchingBrace(seg, i);
      if (close === -1) {
        out += '\\{';
        continue;
      }
      const alternatives = splitTopLevel(seg.slice(i + 1, close));
      out += `(?:${alternatives.map(segmentSource).join('|')})`;
      i = close;
    } else {
      out += REGEXP_SPECIAL.includes(c) ? `\\${c}` : c;
    }
  }
  return out;
}

function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '{') depth++;
    else if (body[i] === '}') depth--;
    else if (body[i] === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}

/**
 * The anchored regular expression of a glob over repo-relative paths. A segment of only `**`
 * matches zero or more whole segments (so `a/**` matches `a` itself and everything below it,
 * `**` matches the root `''` too); any other segment matches exactly one non-empty segment.
 *
 * Nothing is memoised here (a module must not hold what a run computes): compiling costs about
 * 1.5 µs, matching a compiled one under 0.1 µs, so a loop over the repository's paths compiles
 * its globs once, before the loop (`globsMatcher`), or keeps them in the run's Facts.
 */
export function globToRegExp(glob: string, options: { ignoreCase?: boolean } = {}): RegExp {
  const pattern = normalizeRepoDir(glob);
  const segments = pattern === '' ? [] : pattern.split('/').filter((s, i, all) => !(s === '**' && all[i - 1] === '**'));
  let src = '';
  let needSep = false;
  segments.forEach((seg, i) => {
    if (seg === '**') {
      if (segments.length === 1) src = '(?:[^/]+(?:/[^/]+)*)?';
      else if (i === 0) src += '(?:[^/]+/)*';
      else src += '(?:/[^/]+)*';
      needSep = i !== 0;
      return;
    }
    // The lookahead keeps a segment non-empty (`*` does not match the root).
    src += `${needSep ? '/' : ''}(?=[^/])${segmentSource(seg)}`;
    needSep = true;
  });
  return new RegExp(`^${src}$`, options.ignoreCase ? 'i' : '');
}

/** Whether a repo-relative path (or directory, '' = root) matches a glob (compiled on each call). */
export function matchesGlob(p: string, glob: string): boolean {
  return globToRegExp(glob).test(p);
}

/** Whether a path matches any of `globs`, with the globs compiled once: for loops over many paths. */
export function globsMatcher(globs: readonly string[], options: { ignoreCase?: boolean } = {}): (p: string) => boolean {
  const compiled = globs.map((g) => globToRegExp(g, options));
  return (p) => compiled.some((re) => re.test(p));
}

