/**
 * What a chain of `str` method calls does to a key, as a JS function with Python's semantics for
 * the methods the rule understands: lower(), casefold(), upper(), strip()/lstrip()/rstrip()
 * (no argument or a literal set of characters) and replace(old, new) with literal strings.
 */
import type { PyKeyStep } from '../../src/formats/python-tree.js';

export interface Normalizer {
  /** The known steps, innermost first (what follows the last call the rule does not understand). */
  steps: PyKeyStep[];
  /** `.lower().replace("-", "_")` */
  text: string;
  apply(s: string): string;
}

type Op = (s: string) => string;

const WHITESPACE = ' \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

function stripper(chars: string, left: boolean, right: boolean): Op {
  return (s) => {
    let a = 0;
    let b = s.length;
    if (left) while (a < b && chars.includes(s[a] as string)) a++;
    if (right) while (b > a && chars.includes(s[b - 1] as string)) b--;
    return s.slice(a, b);
  };
}

/** One step as a function, or undefined when the rule does not know what it does. */
function opOf(step: PyKeyStep): Op | undefined {
  if (step.keywords) return undefined;
  const args = step.args;
  switch (step.method) {
    case 'lower':
      return args.length === 0 ? (s) => s.toLowerCase() : undefined;
    case 'upper':
      return args.length === 0 ? (s) => s.toUpperCase() : undefined;
    case 'casefold':
      // Full case folding ≈ upper then lower (ß → ss, ς → σ); exact for ASCII.
      return args.length === 0 ? (s) => s.toUpperCase().toLowerCase() : undefined;
    case 'strip':
    case 'lstrip':
    case 'rstrip': {
      if (args.length > 1) return undefined;
      const chars = args.length === 0 ? WHITESPACE : args[0];
      if (chars === null || chars === undefined) return undefined;
      return stripper(chars, step.method !== 'rstrip', step.method !== 'lstrip');
    }
    case 'replace': {
      if (args.length !== 2) return undefined;
      const [from, to] = args;
      if (typeof from !== 'string' || typeof to !== 'string' || from === '') return undefined;
      // str.replace: every non-overlapping occurrence, left to right — as split/join.
      return (s) => s.split(from).join(to);
    }
    default:
      return undefined;
  }
}

/**
 * The normalisation a tested key goes through: the steps after the last one the rule does not
 * understand (whatever came before, the result is in the image of these). Undefined when there
 * is none: the key is compared as it is.
 */
export function normalizerFrom(steps: readonly PyKeyStep[]): Normalizer | undefined {
  let first = steps.length;
  const ops: Op[] = [];
  for (let i = steps.length - 1; i >= 0; i--) {
    const op = opOf(steps[i] as PyKeyStep);
    if (!op) break;
    ops.unshift(op);
    first = i;
  }
  if (ops.length === 0) return undefined;
  const known = steps.slice(first);
  return {
    steps: known,
    text: known.map((s) => s.text).join(''),
    apply: (s) => ops.reduce((acc, op) => op(acc), s),
  };
}

/** Printable ASCII: the alphabet on which a normaliser must be idempotent to be judged. */
const ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));

/**
 * Whether `n` maps every string to a fixed point (n(n(x)) = n(x)), checked on single characters
 * of ASCII, of `sample` and of the replace() arguments. Only then is "n(e) ≠ e" a proof that no
 * key can ever become `e`.
 */
export function isIdempotent(n: Normalizer, sample: string): boolean {
  const chars = new Set<string>([...ASCII, ...sample]);
  for (const s of n.steps) for (const a of s.args) if (a) for (const c of a) chars.add(c);
  for (const c of chars) {
    const once = n.apply(c);
    if (n.apply(once) !== once) return false;
  }
  const once = n.apply(sample);
  return n.apply(once) === once;
}

/**
 * Whether `outer` sees through `inner`: outer(inner(x)) = outer(x), checked like isIdempotent on
 * single characters of ASCII, of the samples and of both chains' replace() arguments, and on the
 * samples themselves. An undefined normaliser is the identity. Then every key that `inner`
 * brings to an entry `e` is brought by `outer` to outer(e): a test under `outer` that holds
 * outer(e) catches everything a test under `inner` caught through `e`.
 */
export function absorbs(outer: Normalizer | undefined, inner: Normalizer | undefined, samples: readonly string[]): boolean {
  if (!inner) return true;
  const o = (s: string): string => (outer ? outer.apply(s) : s);
  const chars = new Set<string>([...ASCII, '\t', '\n']);
  for (const s of samples) for (const c of s) chars.add(c);
  for (const n of [outer, inner]) for (const s of n?.steps ?? []) for (const a of s.args) if (a) for (const c of a) chars.add(c);
  const probes = [...chars, ...samples, ...samples.map((s) => ` ${s.toUpperCase()}\t`)];
  return probes.every((s) => o(inner.apply(s)) === o(s));
}
