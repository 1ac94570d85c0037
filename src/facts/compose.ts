import path from 'node:path/posix';
import { isMap, isSeq, isScalar, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { Workspace } from '../workspace/workspace.js';
import { parseYaml, yamlValue, findPair, mapPairs, pairKey, scalarString, nodeRange, type ParsedYaml } from '../formats/yaml.js';
import { isTemplateSource } from '../formats/template.js';
import { isComposePath } from '../formats/compose.js';

const BASE_NAME = /^(docker-)?compose\.ya?ml$/i;
const OVERRIDE_NAME = /^(docker-)?compose\.override\.ya?ml$/i;

export interface ComposeFile {
  path: string;
  dir: string;
  /** Base files are the ones compose reads by default; the rest override them. */
  isBase: boolean;
  parsed: ParsedYaml;
  /** The `services:` mapping node. */
  services: YAMLMap | undefined;
  /** Top-level `volumes:` pair, when present. */
  volumesPair: Pair<Node, Node | null> | undefined;
}

export interface BuildSpec {
  /** The `build` pair in this fragment. */
  pair: Pair<Node, Node | null>;
  context: string | undefined;
  dockerfile: string | undefined;
  target: string | undefined;
  /** `dockerfile_inline:` — the Dockerfile is not a file of the repo. */
  inline: boolean;
  /** The `target:` pair, with the mapping that holds it. */
  targetPair: Pair<Node, Node | null> | undefined;
  map: YAMLMap | undefined;
}

export interface CommandSpec {
  key: 'command' | 'entrypoint';
  node: Node;
  /** A string command (shell-split by the runtime) or an exec list. */
  form: 'string' | 'list';
}

export type VolumeKind = 'named' | 'bind' | 'anonymous' | 'tmpfs' | 'other';

export interface VolumeUse {
  kind: VolumeKind;
  source: string | undefined;
  target: string | undefined;
  /** Where the volume is written: the scalar, or the `source:` value of the long form. */
  node: Node;
}

export interface ServiceFragment {
  name: string;
  file: ComposeFile;
  keyNode: Scalar;
  map: YAMLMap | undefined;
  image: string | undefined;
  build: BuildSpec | undefined;
  extends: boolean;
  /** `extends: name` or `extends: { service: name }` without `file:` — resolvable in the set. */
  extendsService: string | undefined;
  /** `extends: { file: … }`: the parent lives in another file the model does not follow. */
  extendsFile: boolean;
  command: CommandSpec | undefined;
  entrypoint: CommandSpec | undefined;
  workingDir: string | undefined;
  environment: Map<string, string | undefined>;
  volumes: VolumeUse[];
  /** Container ports (the part after the last `:`, protocol removed) and published host ports. */
  ports: Array<{ container: string; published: string | undefined; node: Node }>;
  dependsOn: Array<{ name: string; node: Scalar }>;
}

export interface ComposeService {
  name: string;
  /** Fragments in merge order: base files first, then overrides. */
  fragments: ServiceFragment[];
}

export interface ComposeSet {
  dir: string;
  /** Files merged in order: included files, base files, then overrides. */
  files: ComposeFile[];
  services: Map<string, ComposeService>;
  /** Volumes declared at top level in any file of the set. */
  declaredVolumes: Map<string, { file: string; external: boolean }>;
}

export interface ComposeModel {
  sets: ComposeSet[];
  /** Compose files that are not valid YAML: reported, and left out of the sets. */
  broken: Array<{ path: string; message: string; offset: number }>;
}

export function buildComposeModel(ws: Workspace): ComposeModel {
  const byDir = new Map<string, ComposeFile[]>();
  const byPath = new Map<string, ComposeFile>();
  const broken: ComposeModel['broken'] = [];
  const load = (p: string): ComposeFile | undefined => {
    if (byPath.has(p)) return byPath.get(p);
    const file = ws.read(p);
    if (!file) return undefined;
    const parsed = parseYaml(file);
    // Template source (a chart's templates, a compose file a role renders with Jinja) becomes
    // compose YAML only when rendered: it is neither a member of a set nor a broken file.
    if (isTemplateSource(ws, file, parsed.error !== null)) return undefined;
    if (parsed.error) {
      broken.push({ path: p, ...parsed.error });
      return undefined;
    }
    const root = parsed.doc.contents;
    const servicesNode = findPair(root, 'services')?.value;
    const cf: ComposeFile = {
      path: p,
      dir: p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '',
      isBase: BASE_NAME.test(p.slice(p.lastIndexOf('/') + 1)),
      parsed,
      services: isMap(servicesNode) ? servicesNode : undefined,
      volumesPair: findPair(root, 'volumes'),
    };
    byPath.set(p, cf);
    return cf;
  };
  for (const p of ws.paths) {
    if (!isComposePath(p)) continue;
    const cf = load(p);
    if (!cf) continue;
    const list = byDir.get(cf.dir);
    if (list) list.push(cf);
    else byDir.set(cf.dir, [cf]);
  }
  // First pass over every file: whatever `include:` names (any file name) is a base of the
  // including set, so this is settled before any set is judged.
  const includes = new Map<ComposeFile, ComposeFile[]>();
  for (const files of byDir.values()) {
    for (const f of files) {
      const included = includedPaths(f).map(load).filter((x): x is ComposeFile => x !== undefined && x !== f);
      for (const x of included) x.isBase = true;
      includes.set(f, included);
    }
  }
  const sets: ComposeSet[] = [];
  for (const [dir, files] of [...byDir].sort(([a], [b]) => a.localeCompare(b))) {
    // Without a base file there is nothing to override: every file stands alone as a base.
    if (!files.some((f) => f.isBase)) for (const f of files) f.isBase = true;
    files.sort(mergeOrder);
    const included = [...new Set(files.flatMap((f) => includes.get(f) ?? []))].filter((f) => !files.includes(f));
    sets.push(buildSet(dir, included, files));
  }
  return { sets, broken };
}

/** Repo paths named by a file's top-level `include:` (short form, or `path:` string or list). */
function includedPaths(file: ComposeFile): string[] {
  const node = findPair(file.parsed.doc.contents, 'include')?.value;
  if (!isSeq(node)) return [];
  const out: string[] = [];
  for (const item of node.items) {
    const raw = isMap(item) ? findPair(item, 'path')?.value : item;
    const values = isSeq(raw) ? raw.items.map(scalarString) : [scalarString(raw)];
    for (const v of values) {
      const p = v === undefined ? undefined : repoPath(file.dir, v);
      if (p) out.push(p);
    }
  }
  return out;
}

function mergeOrder(a: ComposeFile, b: ComposeFile): number {
  const rank = (f: ComposeFile): number => (f.isBase ? 0 : OVERRIDE_NAME.test(path.basename(f.path)) ? 1 : 2);
  return rank(a) - rank(b) || a.path.localeCompare(b.path);
}

function buildSet(dir: string, included: ComposeFile[], own: ComposeFile[]): ComposeSet {
  const services = new Map<string, ComposeService>();
  const declaredVolumes = new Map<string, { file: string; external: boolean }>();
  const files = [...included, ...own];
  for (const file of files) {
    for (const pair of mapPairs(file.services)) {
      const name = pairKey(pair);
      if (name === undefined || !isScalar(pair.key)) continue;
      const fragment = readFragment(name, file, pair);
      const service = services.get(name) ?? { name, fragments: [] };
      service.fragments.push(fragment);
      services.set(name, service);
    }
    for (const pair of mapPairs(file.volumesPair?.value)) {
      const name = pairKey(pair);
      if (name === undefined) continue;
      const external = isMap(pair.value) && isTruthy(findPair(pair.value, 'external')?.value);
      if (!declaredVolumes.has(name)) declaredVolumes.set(name, { file: file.path, external });
    }
  }
  return { dir, files, services, declaredVolumes };
}

function isTruthy(node: unknown): boolean {
  if (isScalar(node)) return node.value === true || node.value === 'true';
  return isMap(node); // external: { name: x } (old syntax)
}

function readFragment(name: string, file: ComposeFile, pair: Pair<Node, Node | null>): ServiceFragment {
  const map = isMap(pair.value) ? pair.value : undefined;
  const get = (key: string): Node | null | undefined => findPair(map, key)?.value;
  const fragment: ServiceFragment = {
    name,
    file,
    keyNode: pair.key as Scalar,
    map,
    image: scalarString(get('image')),
    build: readBuild(findPair(map, 'build')),
    extends: findPair(map, 'extends') !== undefined,
    extendsService: undefined,
    extendsFile: false,
    command: readCommand('command', get('command')),
    entrypoint: readCommand('entrypoint', get('entrypoint')),
    workingDir: scalarString(get('working_dir')),
    environment: readEnvironment(get('environment')),
    volumes: readVolumes(get('volumes')),
    ports: readPorts(get('ports')),
    dependsOn: readDependsOn(get('depends_on')),
  };
  const ext = get('extends');
  if (isMap(ext)) {
    fragment.extendsFile = findPair(ext, 'file') !== undefined;
    fragment.extendsService = fragment.extendsFile ? undefined : scalarString(findPair(ext, 'service')?.value);
  } else if (ext !== undefined) {
    fragment.extendsService = scalarString(ext);
  }
  // Merge keys (`<<: *defaults`) may carry image/build: take them from the resolved value.
  if (map && mapPairs(map).some((p) => pairKey(p) === '<<')) {
    const value = yamlValue(file.parsed) as { services?: Record<string, Record<string, unknown>> } | undefined;
    const resolved = value?.services?.[name];
    if (resolved && typeof resolved === 'object') {
      if (fragment.image === undefined && typeof resolved.image === 'string') fragment.image = resolved.image;
      if (resolved.extends !== undefined) fragment.extends = true;
      if (!fragment.build && resolved.build !== undefined) fragment.extends = true; // inherited build: do not judge it as missing
    }
  }
  return fragment;
}

function readBuild(pair: Pair<Node, Node | null> | undefined): BuildSpec | undefined {
  if (!pair) return undefined;
  const v = pair.value;
  if (isMap(v)) {
    const targetPair = findPair(v, 'target');
    return {
      pair,
      map: v,
      context: scalarString(findPair(v, 'context')?.value),
      dockerfile: scalarString(findPair(v, 'dockerfile')?.value),
      target: scalarString(targetPair?.value),
      inline: findPair(v, 'dockerfile_inline') !== undefined,
      targetPair,
    };
  }
  return { pair, map: undefined, context: scalarString(v), dockerfile: undefined, target: undefined, inline: false, targetPair: undefined };
}

function readCommand(key: 'command' | 'entrypoint', node: Node | null | undefined): CommandSpec | undefined {
  if (!node) return undefined;
  if (isSeq(node)) return { key, node, form: 'list' };
  if (isScalar(node) && typeof node.value === 'string') return { key, node, form: 'string' };
  return undefined;
}

function readEnvironment(node: Node | null | undefined): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  if (isMap(node)) {
    for (const p of mapPairs(node)) {
      const k = pairKey(p);
      if (k !== undefined) env.set(k, scalarString(p.value) ?? (isScalar(p.value) && p.value.value !== null ? String(p.value.value) : undefined));
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const s = scalarString(item);
      if (s === undefined) continue;
      const eq = s.indexOf('=');
      env.set(eq === -1 ? s : s.slice(0, eq), eq === -1 ? undefined : s.slice(eq + 1));
    }
  }
  return env;
}

/** Classify the source of a short-syntax volume the way compose does. */
export function volumeKind(source: string | undefined): VolumeKind {
  if (source === undefined || source === '') return 'anonymous';
  if (source.includes('$')) return 'other'; // interpolated: cannot be judged statically
  if (/^[.~/]/.test(source) || source.includes('/') || /^[A-Za-z]:[\\/]/.test(source) || source.includes('\\')) return 'bind';
  return 'named';
}

function readVolumes(node: Node | null | undefined): VolumeUse[] {
  const out: VolumeUse[] = [];
  if (!isSeq(node)) return out;
  for (const item of node.items as Node[]) {
    const s = scalarString(item);
    if (s !== undefined) {
      const parts = splitVolume(s);
      if (parts.length === 1) out.push({ kind: 'anonymous', source: undefined, target: parts[0], node: item });
      else out.push({ kind: volumeKind(parts[0]), source: parts[0], target: parts[1], node: item });
      continue;
    }
    if (isMap(item)) {
      const type = scalarString(findPair(item, 'type')?.value) ?? 'volume';
      const sourcePair = findPair(item, 'source');
      const source = scalarString(sourcePair?.value);
      const target = scalarString(findPair(item, 'target')?.value);
      let kind: VolumeKind;
      if (type === 'volume') kind = source === undefined ? 'anonymous' : source.includes('$') ? 'other' : 'named';
      else if (type === 'bind') kind = 'bind';
      else if (type === 'tmpfs') kind = 'tmpfs';
      else kind = 'other';
      out.push({ kind, source, target, node: (sourcePair?.value as Node | null) ?? item });
    }
  }
  return out;
}

/** `src:dst[:mode]`, keeping Windows drive letters (`C:\x:/y`) in the source. */
function splitVolume(spec: string): string[] {
  const drive = /^[A-Za-z]:[\\/]/.test(spec);
  const body = drive ? spec.slice(2) : spec;
  const parts = body.split(':');
  if (drive && parts.length > 0) parts[0] = spec.slice(0, 2) + parts[0];
  return parts;
}

function readPorts(node: Node | null | undefined): ServiceFragment['ports'] {
  const out: ServiceFragment['ports'] = [];
  if (!isSeq(node)) return out;
  for (const item of node.items as Node[]) {
    const s = scalarString(item);
    if (s !== undefined) {
      const noProto = s.replace(/\/(tcp|udp|sctp)$/i, '');
      const parts = noProto.split(':');
      const container = parts[parts.length - 1] ?? noProto;
      const published = parts.length >= 2 ? parts[parts.length - 2] : undefined;
      out.push({ container, published, node: item });
    } else if (isMap(item)) {
      const container = scalarString(findPair(item, 'target')?.value);
      if (container) out.push({ container, published: scalarString(findPair(item, 'published')?.value), node: item });
    }
  }
  return out;
}

function readDependsOn(node: Node | null | undefined): ServiceFragment['dependsOn'] {
  const out: ServiceFragment['dependsOn'] = [];
  if (isSeq(node)) {
    for (const item of node.items) if (isScalar(item) && typeof item.value === 'string') out.push({ name: item.value, node: item });
  } else if (isMap(node)) {
    for (const p of mapPairs(node)) {
      const k = pairKey(p);
      if (k !== undefined && isScalar(p.key)) out.push({ name: k, node: p.key });
    }
  }
  return out;
}

/** The first value a property takes when fragments are merged in order (later wins). */
export function mergedValue<T>(service: ComposeService, pick: (f: ServiceFragment) => T | undefined): T | undefined {
  let value: T | undefined;
  for (const f of service.fragments) {
    const v = pick(f);
    if (v !== undefined) value = v;
  }
  return value;
}

export interface MergedBuild {
  context: string;
  /** Directory the context is relative to: that of the file that set it. */
  dir: string;
  dockerfile: string | undefined;
  target: string | undefined;
  /** The Dockerfile is inline in the compose file. */
  inline: boolean;
}

/** The effective build of a service: later fragments override context/dockerfile/target key by key. */
export function mergedBuild(service: ComposeService): MergedBuild | undefined {
  let result: MergedBuild | undefined;
  for (const f of service.fragments) {
    if (!f.build) continue;
    const setsContext = f.build.context !== undefined;
    result = {
      context: f.build.context ?? result?.context ?? '.',
      dir: setsContext || !result ? f.file.dir : result.dir,
      dockerfile: f.build.inline ? undefined : (f.build.dockerfile ?? result?.dockerfile),
      target: f.build.target ?? result?.target,
      inline: f.build.inline || (f.build.dockerfile === undefined && (result?.inline ?? false)),
    };
  }
  return result;
}

/** How many services an `extends:` chain may pass through before a view stops following it. */
export const MAX_EXTENDS_CHAIN = 64;

export interface ServiceView extends ComposeService {
  /** Part of the service comes from a file the model does not read (`extends: {file: …}`). */
  incomplete: boolean;
}

/**
 * The service as compose builds it when `file` is used: the set's base files plus that one file
 * (overrides are alternatives — dev, prod — not layers of each other), with `extends:` parents
 * from the same set merged first.
 */
export function serviceView(set: ComposeSet, service: ComposeService, file: ComposeFile, seen: Set<string> = new Set()): ServiceView {
  const own = service.fragments.filter((f) => f.file.isBase || f.file === file);
  let fragments: ServiceFragment[] = [];
  let incomplete = false;
  seen.add(service.name);
  for (const f of own) {
    if (f.extendsFile) incomplete = true;
    const parentName = f.extendsService;
    if (parentName !== undefined) {
      const parent = set.services.get(parentName);
      // A chain of `extends:` longer than MAX_EXTENDS_CHAIN is not followed (the view is
      // incomplete): each view walks its chain, so 16,000 services extending one another
      // took quadratic time, and the recursion would outgrow the stack.
      if (!parent || seen.has(parentName) || seen.size >= MAX_EXTENDS_CHAIN) incomplete = true;
      else {
        const view = serviceView(set, parent, file, seen);
        incomplete ||= view.incomplete;
        fragments = [...view.fragments, ...fragments];
      }
    }
    fragments.push(f);
  }
  return { name: service.name, fragments, incomplete };
}

export function mergedEnvironment(service: ComposeService): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  for (const f of service.fragments) for (const [k, v] of f.environment) env.set(k, v);
  return env;
}

/** A build context that names a git repository or URL rather than a directory of the repo. */
export function isRemoteContext(context: string): boolean {
  return /^(https?:\/\/|git@|git:\/\/|ssh:\/\/|github\.com\/)/i.test(context) || /\.git(#.*)?$/.test(context);
}

/** Join a compose-relative path onto the set's directory, as a repo-relative path ('' = root). */
export function repoPath(dir: string, rel: string): string | undefined {
  if (rel.startsWith('/') || /^[A-Za-z]:[\\/]/.test(rel) || rel.startsWith('~') || rel.includes('$')) return undefined;
  // `../` from a subfolder normalises to `./`: the root, like `.`.
  const joined = path.normalize(path.join(dir || '.', rel)).replace(/(.)\/+$/, '$1');
  if (joined === '.') return '';
  if (joined.startsWith('..')) return undefined;
  return joined.replace(/\/$/, '');
}

export function keyOffset(node: Node): number {
  return nodeRange(node)?.[0] ?? 0;
}
