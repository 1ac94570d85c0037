import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path/posix';
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node, type Scalar } from 'yaml';
import type { Workspace } from '../workspace/workspace.js';
import { DEFAULT_MAX_FILE_BYTES } from '../workspace/workspace.js';
import { decode, type SourceFile } from '../workspace/source-file.js';
import { buildComposeModel, repoPath, type ComposeFile } from '../facts/compose.js';
import { findPair, mapPairs, nodeRange, pairKey, resolveAlias, scalarString } from '../formats/yaml.js';
import { dockerfileAst, isDockerfilePath } from '../formats/dockerfile.js';
import { isEnvFileName, isTemplateName, parseDotenv } from '../formats/dotenv.js';

export { parseDotenv, isEnvFileName, isTemplateName, type DotenvEntry } from '../formats/dotenv.js';

/**
 * Values of environment variables the repository sets, and where they are written, so that no
 * output prints them where a fix did not put them (see src/report/diff.ts).
 *
 * - `values`: every value, as an exact string (no duplicates, in order of discovery);
 * - `lines`: per repo path, the 1-based lines that hold such a value by structure (compose
 *   `environment:` entries, `KEY=value` lines of `.env` files, Dockerfile `ENV`/`ARG`
 *   instructions with their continuation lines).
 */
export interface Secrets {
  values: string[];
  lines: Map<string, Set<number>>;
  /**
   * The values worth searching for in any line (a password repeated in a healthcheck or a
   * docs example): every value of a `.env` file, values of variables whose names say they are
   * secret (SENSITIVE_NAME), and the password of a URL with credentials — minus values that are
   * public anyway, because a variable with an ordinary name holds the same value in a compose
   * file or Dockerfile (`POSTGRES_USER=app` and `POSTGRES_PASSWORD=app`). Searching ordinary
   * values too would cut the context of many unrelated lines (`development`, image tags, the
   * project name), and each cut can cost the patch its plain `git apply`.
   */
  searched: string[];
  /**
   * The values that say they are secret: of variables whose names say so (SENSITIVE_NAME), and
   * the passwords of URLs with credentials. What a message for people must not show; a `.env`
   * value such as `PORT=8000` is not one (a message about port 8000 must still say 8000).
   */
  named: string[];
}

/** Variable names that announce a secret. */
export const SENSITIVE_NAME = /PASS|SECRET|TOKEN|KEY|CREDENTIAL|AUTH|PRIVATE|DSN|SALT|COOKIE|SIGNATURE/i;

/** `scheme://user:password@host` → the password. */
const URL_PASSWORD = /:\/\/[^\s/@:]*:([^\s/@]+)@/g;

type Origin = 'dotenv' | 'compose' | 'dockerfile';

/**
 * Collects the values of:
 * - compose `environment:` entries (map and list form) in every compose file of the repo,
 *   including entries behind anchors (`environment: *env`, `<<: *env`);
 * - `.env`-style files: `.env`, `.env.*`, `*.env` and every compose `env_file:` target, except
 *   example/template files (`.env.example`, `.env.sample`, `.env.template`, `*.example` …).
 *   Such files are usually git-ignored and so not part of the run: the ones in the root, in a
 *   directory that holds a compose file, and `env_file:` targets are read from disk anyway (to
 *   learn their values only; the same safety checks as the workspace: inside the root, a
 *   regular file, under the size cap, UTF-8);
 * - Dockerfile `ENV K=V`, legacy `ENV K V`, and `ARG K=default`.
 *
 * Empty values, pure interpolations (`${VAR}`, `$VAR`), booleans and null are left out.
 * Reads only; prints and writes nothing.
 */
export function collectSecrets(ws: Workspace): Secrets {
  const values = new Set<string>();
  const lines = new Map<string, Set<number>>();
  const mark = (p: string, from: number, to = from): void => {
    const set = lines.get(p) ?? new Set<number>();
    for (let l = from; l <= to; l++) set.add(l);
    lines.set(p, set);
  };
  const sensitive = new Set<string>();
  const named = new Set<string>();
  const publicValues = new Set<string>();
  const add = (v: string, key: string, origin: Origin): boolean => {
    if (!isSecretValue(v)) return false;
    values.add(v);
    const passwords = [...v.matchAll(URL_PASSWORD)].map((m) => m[1] as string).filter(isSecretValue);
    for (const pw of passwords) {
      sensitive.add(pw);
      named.add(pw);
    }
    if (SENSITIVE_NAME.test(key)) named.add(v);
    if (origin === 'dotenv' || SENSITIVE_NAME.test(key) || passwords.length > 0) sensitive.add(v);
    else publicValues.add(v);
    return true;
  };

  // 1. compose `environment:` entries, and the env files compose reads.
  const model = buildComposeModel(ws);
  const composeFiles = new Map<string, ComposeFile>();
  for (const set of model.sets) for (const f of set.files) composeFiles.set(f.path, f);
  const envFiles = new Set<string>();
  const envDirs = new Set<string>(['']);
  for (const file of composeFiles.values()) {
    envDirs.add(file.dir);
    composeEnvironment(ws, file, add, mark);
    for (const target of envFileTargets(file)) envFiles.add(target);
  }

  // 2. `.env`-style files: those of the run, and git-ignored ones where compose looks for them.
  for (const p of ws.paths) if (isEnvFileName(path.basename(p))) envFiles.add(p);
  for (const dir of envDirs) for (const name of listDir(ws, dir)) if (isEnvFileName(name)) envFiles.add(dir ? `${dir}/${name}` : name);
  for (const p of [...envFiles].sort()) {
    if (isTemplateName(path.basename(p))) continue;
    const text = ws.has(p) ? ws.probe(p)?.text : readIgnored(ws, p);
    if (text === undefined) continue;
    for (const entry of parseDotenv(text)) {
      mark(p, entry.from, entry.to);
      add(entry.value, entry.key, 'dotenv');
    }
  }

  // 3. Dockerfile ENV and ARG.
  for (const p of ws.paths) {
    if (!isDockerfilePath(p)) continue;
    // A scan for ENV/ARG values to keep out of diffs, not a reliance on the Dockerfile.
    const file = ws.probe(p);
    if (!file) continue;
    for (const ins of dockerfileAst(file).getInstructions()) {
      const keyword = ins.getKeyword();
      if (keyword !== 'ENV' && keyword !== 'ARG') continue;
      const props = (ins as unknown as { getProperties(): DockerProperty[] }).getProperties();
      let holds = false;
      for (const prop of props) {
        const value = prop.getValue();
        if (value === null) continue;
        const name = (prop as unknown as { getName(): string }).getName();
        if (add(value, name, 'dockerfile')) holds = true;
        // The value as written (escapes kept, outer quotes removed), when it differs.
        const r = prop.getValueRange();
        if (r) {
          const raw = unquote(file.text.slice(file.offsetAt(r.start.line, r.start.character), file.offsetAt(r.end.line, r.end.character)));
          if (raw !== value && add(raw, name, 'dockerfile')) holds = true;
        }
      }
      if (holds) {
        const range = ins.getRange();
        mark(p, range.start.line + 1, range.end.line + 1);
      }
    }
  }

  return { values: [...values], lines, searched: [...sensitive].filter((v) => !publicValues.has(v)), named: [...named].filter((v) => !publicValues.has(v)) };
}

interface DockerProperty {
  getValue(): string | null;
  getValueRange(): { start: { line: number; character: number }; end: { line: number; character: number } } | null;
}

/** Whether a value is worth hiding: not empty, not a bare interpolation, not a boolean or null. */
export function isSecretValue(v: string): boolean {
  if (v.trim() === '') return false;
  if (/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(v) || /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(v)) return false;
  if (/^(true|false|yes|no|on|off|null|~)$/i.test(v)) return false;
  return true;
}

type Add = (v: string, key: string, origin: Origin) => boolean;
type Mark = (p: string, from: number, to?: number) => void;

/** Every `environment:` pair of a compose file (services, extension fields, anchors). */
function composeEnvironment(ws: Workspace, file: ComposeFile, add: Add, mark: Mark): void {
  const source = ws.read(file.path);
  if (!source) return;
  const doc = file.parsed.doc;
  const lineOf = (offset: number): number => source.position(offset).line;
  const markNode = (from: number, to: number): void => mark(file.path, lineOf(from), lineOf(Math.max(from, to - 1)));
  const seen = new Set<Node>();
  const entries = (node: Node | null | undefined): void => {
    const target = resolve(doc, node);
    if (!target || seen.has(target)) return;
    seen.add(target);
    if (isMap(target)) {
      for (const pair of mapPairs(target)) {
        if (pairKey(pair) === '<<') {
          // `<<: *env` or `<<: [*a, *b]`
          const v = pair.value;
          if (isSeq(v)) for (const item of v.items as Node[]) entries(item);
          else entries(v);
          continue;
        }
        const value = resolve(doc, pair.value);
        if (!isScalar(value)) continue;
        const text = scalarText(value);
        if (text === undefined || !add(text, pairKey(pair) ?? '', 'compose')) continue;
        const kr = nodeRange(pair.key);
        const vr = nodeRange(value);
        if (kr && vr && pair.value === value) markNode(kr[0], vr[1]);
        else if (kr) markNode(kr[0], kr[1]);
      }
    } else if (isSeq(target)) {
      for (const item of target.items as Node[]) {
        const s = scalarString(resolve(doc, item));
        const eq = s?.indexOf('=') ?? -1;
        if (s === undefined || eq === -1 || !add(s.slice(eq + 1), s.slice(0, eq), 'compose')) continue;
        const r = nodeRange(item);
        if (r) markNode(r[0], r[1]);
      }
    }
  };
  const walk = (node: unknown, depth: number): void => {
    if (depth > 300) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        if (pairKey(pair) === 'environment') entries(pair.value as Node | null);
        else walk(pair.value, depth + 1);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item, depth + 1);
    }
  };
  walk(doc.contents, 0);
}

function resolve(doc: Document.Parsed, node: unknown): Node | undefined {
  if (isAlias(node)) {
    try {
      return resolveAlias(doc, node);
    } catch {
      return undefined;
    }
  }
  return (node ?? undefined) as Node | undefined;
}

/** A scalar's value as written (after unquoting): `0123` stays `0123`; null has none. */
function scalarText(node: Scalar): string | undefined {
  if (node.value === null || node.value === undefined) return undefined;
  if (typeof node.value === 'boolean') return undefined;
  return typeof node.source === 'string' ? node.source : String(node.value);
}

/** `env_file:` targets of every service of a compose file (string, list, or `- path:` form). */
function envFileTargets(file: ComposeFile): string[] {
  const out: string[] = [];
  for (const pair of mapPairs(file.services)) {
    const node = findPair(pair.value, 'env_file')?.value;
    const items = isSeq(node) ? (node.items as unknown[]) : [node];
    for (const item of items) {
      const rel = isMap(item) ? scalarString(findPair(item, 'path')?.value) : scalarString(item);
      const p = rel === undefined ? undefined : repoPath(file.dir, rel);
      if (p) out.push(p);
    }
  }
  return out;
}


function unquote(raw: string): string {
  if (raw.length >= 2 && (raw[0] === '"' || raw[0] === "'") && raw[raw.length - 1] === raw[0]) return raw.slice(1, -1);
  return raw;
}

/** Names in a directory of the root (on disk; empty when it cannot be listed). */
function listDir(ws: Workspace, dir: string): string[] {
  try {
    return readdirSync(ws.absolute(dir || '.'));
  } catch {
    return [];
  }
}

/**
 * A file outside the run (git-ignored), read from disk only to learn its values. Refused, like
 * the workspace refuses them: paths or symlinks leaving the root, non-files, files over the
 * size cap, binary or non-UTF-8 files.
 */
function readIgnored(ws: Workspace, p: string): string | undefined {
  try {
    const abs = ws.absolute(p);
    // Through a symlinked file or directory, the real file must still be inside the root.
    if (!ws.insideRealRoot(realpathSync(abs))) return undefined;
    const target = statSync(abs);
    if (!target.isFile() || target.size > DEFAULT_MAX_FILE_BYTES) return undefined;
    const decoded = decode(p, readFileSync(abs));
    return decoded.ok ? decoded.file.text : undefined;
  } catch {
    return undefined;
  }
}

/** `NAME=value` where NAME announces a secret, quoted or not (`API_TOKEN="x"`, `DB_PASSWORD=x`). */
const SECRET_ASSIGNMENT = /\b([A-Za-z_][A-Za-z0-9_]*)=("[^"\n]*"|'[^'\n]*'|[^\s`'";|&)]+)/g;

export const REDACTED = '<redacted>';

/**
 * A text for people (a finding's message, a commit message, a PR body) with every value the
 * repository names as a secret (Secrets.named) replaced, and the value of every `NAME=value`
 * assignment to a secret-named variable replaced whether or not it is known (a docs command
 * quoted whole: `OPENAI_API_KEY=sk-… docker compose run …`).
 */
export function redactText(text: string, secrets: Pick<Secrets, 'named'>): string {
  let out = text.replace(SECRET_ASSIGNMENT, (whole, name: string, value: string) => {
    if (!SENSITIVE_NAME.test(name)) return whole;
    const bare = value.replace(/^["']|["']$/g, '');
    if (!isSecretValue(bare) || bare === REDACTED) return whole;
    return `${name}=${REDACTED}`;
  });
  // Longest first, so a value that contains another is replaced whole.
  for (const v of [...secrets.named].filter((x) => x.length >= 4).sort((a, b) => b.length - a.length)) {
    if (out.includes(v)) out = out.split(v).join(REDACTED);
  }
  return out;
}
