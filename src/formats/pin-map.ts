/**
 * Pin maps: what the user vouches for as the commit of an action tag and the digest of an image
 * tag (`--pin-map FILE`, or the `pinMap` option of unpinned-action / unpinned-base-image).
 *
 * Two shapes are read:
 *   { "actions": { "actions/checkout@v4": "<40 hex>" }, "images": { "node:20-alpine": "sha256:<64 hex>" } }
 *   { "actions/checkout@v4": "<40 hex>", "node:20-alpine": "sha256:<64 hex>" }      (flat)
 * In the flat shape a key with `@` is an action (`owner/repo[/path]@ref`), any other an image.
 * JSON and YAML files are read alike (a JSON document is YAML). Pure functions of text: the
 * pipeline reads the file, the rules get the normalised map as an option.
 */
import { LineCounter, isMap, isScalar, parseDocument, type Node } from 'yaml';

export interface PinMap {
  /** `owner/repo[/path]@ref` (owner/repo lower-cased) → the value as given. */
  actions: Record<string, string>;
  /** The image reference as normalised by `imageKey` → the value as given. */
  images: Record<string, string>;
}

export const FULL_SHA = /^[0-9a-f]{40}$/i;
export const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** `owner/repo[/path]@ref`: the name part and the ref, or undefined when it is not one. */
export function splitActionRef(uses: string): { name: string; ref: string } | undefined {
  const at = uses.lastIndexOf('@');
  if (at <= 0 || at === uses.length - 1) return undefined;
  const name = uses.slice(0, at);
  const ref = uses.slice(at + 1);
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^\s@]+)?$/.test(name) || /\s/.test(ref)) return undefined;
  return { name, ref };
}

/** The map key of an action: GitHub matches owner and repository case-insensitively, paths and refs exactly. */
export function actionKey(name: string, ref: string): string {
  const parts = name.split('/');
  return [parts[0]?.toLowerCase(), parts[1]?.toLowerCase(), ...parts.slice(2)].join('/') + `@${ref}`;
}

/**
 * The map key of an image reference: Docker Hub's implicit parts made explicit the way the
 * Docker CLI reads them (`node` = `docker.io/library/node:latest`), so `node:20` in a map
 * matches `docker.io/library/node:20` in a FROM line, and the reverse.
 */
export function imageKey(ref: string): string {
  let rest = ref;
  let registry = 'docker.io';
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first === 'index.docker.io' ? 'docker.io' : first;
      rest = rest.slice(slash + 1);
    }
  }
  const colon = rest.lastIndexOf(':');
  let name = colon > rest.lastIndexOf('/') && colon !== -1 ? rest.slice(0, colon) : rest;
  const tag = colon > rest.lastIndexOf('/') && colon !== -1 ? rest.slice(colon + 1) : 'latest';
  if (registry === 'docker.io' && !name.includes('/')) name = `library/${name}`;
  return `${registry.toLowerCase()}/${name.toLowerCase()}:${tag}`;
}

export interface PinMapProblem {
  /** The key as written ('' for the document). */
  key: string;
  /** The entry's section and normalised key, when the problem is one entry's value or key. */
  entry?: { kind: 'actions' | 'images'; key: string };
  message: string;
  /** 1-based, when the text was parsed here. */
  line?: number;
  column?: number;
}

interface Entry {
  key: string;
  value: unknown;
  kind: 'actions' | 'images';
  at?: number;
}

/**
 * A pin map from a plain value (a config option, or a parsed file), with every problem found.
 * A problem leaves its entry out; the caller decides whether problems are fatal (the CLI: yes).
 */
export function readPinMap(value: unknown): { map: PinMap; problems: PinMapProblem[] } {
  const map: PinMap = { actions: {}, images: {} };
  const problems: PinMapProblem[] = [];
  const entries: Entry[] = [];
  if (value === undefined || value === null) return { map, problems };
  if (typeof value !== 'object' || Array.isArray(value)) return { map, problems: [{ key: '', message: 'a pin map is a mapping: {"actions": {…}, "images": {…}}, or a flat map of `owner/repo@ref` and `image:tag` keys' }] };
  const obj = value as Record<string, unknown>;
  const structured = ['actions', 'images'].some((k) => obj[k] !== null && typeof obj[k] === 'object');
  if (structured) {
    for (const [k, v] of Object.entries(obj)) {
      if (k !== 'actions' && k !== 'images') {
        problems.push({ key: k, message: 'unknown key: a pin map with `actions`/`images` sections has no other keys (or use the flat shape)' });
        continue;
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        problems.push({ key: k, message: `\`${k}\` must be a mapping of ${k === 'actions' ? '`owner/repo@ref` to a commit SHA' : '`image:tag` to a `sha256:` digest'}` });
        continue;
      }
      for (const [key, val] of Object.entries(v as Record<string, unknown>)) entries.push({ key, value: val, kind: k });
    }
  } else {
    for (const [key, val] of Object.entries(obj)) entries.push({ key, value: val, kind: key.includes('@') ? 'actions' : 'images' });
  }
  for (const e of entries) {
    const problem = entryProblem(e);
    if (problem) {
      const ref = e.kind === 'actions' ? splitActionRef(e.key) : undefined;
      const normalised = e.kind === 'images' ? imageKey(e.key) : ref ? actionKey(ref.name, ref.ref) : undefined;
      problems.push({ key: e.key, message: problem, ...(normalised !== undefined ? { entry: { kind: e.kind, key: normalised } } : {}) });
      continue;
    }
    if (e.kind === 'actions') {
      const ref = splitActionRef(e.key) as { name: string; ref: string };
      map.actions[actionKey(ref.name, ref.ref)] = (e.value as string).toLowerCase();
    } else map.images[imageKey(e.key)] = e.value as string;
  }
  return { map, problems };
}

function entryProblem(e: Entry): string | undefined {
  if (e.kind === 'actions') {
    const ref = splitActionRef(e.key);
    if (!ref) return 'an action key is `owner/repo[/path]@ref` (the ref as the workflow writes it, e.g. `actions/checkout@v4`)';
    if (ref.name.startsWith('./') || ref.name.startsWith('docker:')) return 'local and docker:// actions are not pinned by commit';
    if (typeof e.value !== 'string') return 'the value must be a string: the full 40-hex commit SHA';
    if (!FULL_SHA.test(e.value)) return `\`${e.value}\` is not a full commit SHA (40 hex digits); a short SHA or a tag does not pin`;
    return undefined;
  }
  if (e.key.trim() === '' || /[\s@]/.test(e.key) || e.key.includes('$')) return 'an image key is `image[:tag]` as the Dockerfile names it, without a digest or a variable';
  if (typeof e.value !== 'string') return 'the value must be a string: `sha256:` and 64 hex digits';
  if (!DIGEST.test(e.value)) return `\`${e.value}\` is not an image digest (\`sha256:\` and 64 lower-case hex digits)`;
  return undefined;
}

/** A pin map file's text (JSON or YAML), with problems located at their keys. */
export function parsePinMapText(text: string): { map: PinMap; problems: PinMapProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const pos = lines.linePos(first.pos[0]);
    return { map: { actions: {}, images: {} }, problems: [{ key: '', message: `not valid JSON or YAML: ${first.message.split('\n')[0]}`, line: pos.line, column: pos.col }] };
  }
  const { map, problems } = readPinMap(doc.toJS({ maxAliasCount: 100 }));
  // Where each key is, for the messages: the first pair of that key at any level.
  const where = new Map<string, number>();
  const walk = (node: Node | null | undefined): void => {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const k = pair.key;
      if (isScalar(k) && k.range && !where.has(String(k.value))) where.set(String(k.value), k.range[0]);
      walk(pair.value as Node | null);
    }
  };
  walk(doc.contents as Node | null);
  for (const p of problems) {
    const at = where.get(p.key);
    if (at === undefined) continue;
    const pos = lines.linePos(at);
    p.line = pos.line;
    p.column = pos.col;
  }
  return { map, problems };
}

/** Two maps as one: entries of `over` win. */
export function mergePinMaps(base: PinMap, over: PinMap): PinMap {
  return { actions: { ...base.actions, ...over.actions }, images: { ...base.images, ...over.images } };
}

/**
 * The two sections of a pin-map value as written (flat keys sorted by `@`), unvalidated: for
 * merging a loaded file over an inline option, whose entries the rules still validate.
 */
export function pinMapSections(value: unknown): { actions: Record<string, unknown>; images: Record<string, unknown> } {
  const out = { actions: {} as Record<string, unknown>, images: {} as Record<string, unknown> };
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  const obj = value as Record<string, unknown>;
  const structured = ['actions', 'images'].some((k) => obj[k] !== null && typeof obj[k] === 'object');
  for (const [k, v] of Object.entries(obj)) {
    if (structured) {
      if ((k === 'actions' || k === 'images') && v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out[k], v);
    } else out[k.includes('@') ? 'actions' : 'images'][k] = v;
  }
  return out;
}
