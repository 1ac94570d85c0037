/**
 * The base images of every Dockerfile, from its dockerfile-ast tree: each `FROM` with the image
 * as written, the image once the global `ARG` defaults are substituted, and whether it is pinned
 * by digest. `FROM scratch` and `FROM <an earlier stage>` name no image and are left out, and so
 * is a `FROM` whose variables no `ARG` default resolves: what it pulls is decided at build time.
 */
import type { From } from 'dockerfile-ast';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { Files } from '../../src/facts/files.js';
import { isManifestExcluded } from '../../src/facts/ecosystems.js';
import { isDockerfilePath } from '../../src/formats/dockerfile.js';

export interface FromSite {
  file: string;
  /** 0-based index of the stage this FROM opens. */
  stage: number;
  /** `AS name`, as written. */
  stageName: string | undefined;
  /** The image argument as written (`node:${NODE}-alpine`). */
  written: string;
  /** With the global ARG defaults substituted (`node:20-alpine`). */
  image: string;
  /** Whether the reference carries a `@sha256:` (any `@`) digest. */
  pinned: boolean;
  /** The span of the image argument in the file. */
  start: number;
  end: number;
  /** The image is named through build args. */
  variable: boolean;
  key: string;
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** `value` with the ARG defaults substituted, or undefined when a variable has no value. */
export function substitute(value: string, args: ReadonlyMap<string, string | undefined>): string | undefined {
  let unknown = false;
  const out = value.replace(VAR, (_m, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    const v = args.get(name);
    const set = v !== undefined && v !== '';
    if (op === '-') return set ? (v as string) : (word ?? '');
    if (op === '+') return set ? (word ?? '') : '';
    if (v === undefined) unknown = true;
    return v ?? '';
  });
  return unknown ? undefined : out;
}

export function fromSites(ws: Workspace, files: Files): FromSite[] {
  const out: FromSite[] = [];
  for (const p of ws.paths) {
    if (!isDockerfilePath(p) || isManifestExcluded(p)) continue;
    const file = ws.read(p);
    const ast = file && files.dockerfileAst(file);
    if (!file || !ast) continue;
    const args = new Map<string, string | undefined>();
    const stages = new Set<string>();
    let stage = -1;
    for (const ins of ast.getInstructions()) {
      const keyword = ins.getKeyword();
      if (keyword === 'ARG' && stage === -1) {
        // Only the ARGs before the first FROM are in scope of FROM lines.
        const prop = (ins as unknown as { getProperty(): { getName(): string; getValue(): string | null } | null }).getProperty();
        if (prop) args.set(prop.getName(), prop.getValue() ?? undefined);
        continue;
      }
      if (keyword !== 'FROM') continue;
      stage++;
      const from = ins as From;
      const stageName = from.getBuildStage() ?? undefined;
      const written = from.getImage();
      const range = from.getImageRange();
      const earlier = new Set(stages);
      if (stageName) stages.add(stageName.toLowerCase());
      if (!written || !range) continue;
      const image = substitute(written, args);
      if (image === undefined || image === '' || image.includes('$')) continue;
      const bare = image.toLowerCase();
      if (bare === 'scratch' || earlier.has(bare)) continue;
      const start = file.offsetAt(range.start.line, range.start.character);
      const end = file.offsetAt(range.end.line, range.end.character);
      out.push({ file: p, stage, stageName, written, image, pinned: image.includes('@'), start, end, variable: written !== image, key: `${p}:stage ${stage}:${image}` });
    }
  }
  return out;
}
