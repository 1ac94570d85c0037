import { DockerfileParser, type Dockerfile, type Instruction } from 'dockerfile-ast';
import path from 'node:path/posix';
import type { SourceFile } from '../workspace/source-file.js';

/** A word of an instruction with its span in the file. */
export interface Word {
  value: string;
  start: number;
  end: number;
}

export interface CopyInstruction {
  keyword: 'COPY' | 'ADD';
  /** `--from=` value: a stage name, a stage index or an image. */
  from: string | undefined;
  flags: Array<{ name: string; value: string | undefined }>;
  sources: Word[];
  dest: Word | undefined;
  /** WORKDIR in effect at this instruction (absolute container path). */
  workdir: string;
  start: number;
  end: number;
}

export interface CommandInstruction {
  keyword: 'CMD' | 'ENTRYPOINT';
  /** Exec form (`["a", "b"]`) or shell form. */
  form: 'exec' | 'shell';
  /** The argv words with their spans (shell form: whitespace-split words). */
  words: Word[];
  start: number;
  end: number;
}

export interface RunInstruction {
  text: string;
  start: number;
  end: number;
  /** WORKDIR in effect at this instruction. */
  workdir: string;
  /** `--mount=…`, `--network=…` and other flags, as `name=value` (value without the name). */
  flags: Array<{ name: string; value: string | undefined }>;
}

export interface Stage {
  index: number;
  /** Lower-cased stage name (`AS name`), as Docker matches them case-insensitively. */
  name: string | undefined;
  /** The name as written. */
  rawName: string | undefined;
  image: string;
  start: number;
  end: number;
  /** WORKDIR at the end of the stage ('/' when never set). */
  workdir: string;
  env: Map<string, string>;
  copies: CopyInstruction[];
  commands: CommandInstruction[];
  exposes: Word[];
  /** RUN command lines (shell text), for rules that look at what a stage builds. */
  runs: RunInstruction[];
}

export interface DockerfileModel {
  path: string;
  stages: Stage[];
  /** The first stage of each (lower-cased) name: stage lookups are map lookups, not scans. */
  byName: Map<string, Stage>;
  error: { message: string; offset: number } | null;
}

export function parseDockerfile(file: SourceFile): DockerfileModel {
  return file.parse('dockerfile', (f) => buildModel(f));
}

/**
 * The dockerfile-ast tree of a Dockerfile: the one parse of its text, which the stage model
 * above and every other reader of instructions (the frontend-build facts, the redaction of
 * printed output) walk.
 */
export function dockerfileAst(file: SourceFile): Dockerfile {
  return file.parse('dockerfile-ast', (f) => DockerfileParser.parse(f.text));
}

function buildModel(file: SourceFile): DockerfileModel {
  const df = dockerfileAst(file);
  const offset = (p: { line: number; character: number }): number => file.offsetAt(p.line, p.character);
  const stages: Stage[] = [];
  const byName = new Map<string, Stage>();
  let current: Stage | undefined;
  let error: DockerfileModel['error'] = null;
  // ARG/ENV before the first FROM have no stage; instructions other than ARG there are invalid.
  for (const ins of df.getInstructions()) {
    const keyword = ins.getKeyword();
    const range = ins.getRange();
    const start = offset(range.start);
    const end = offset(range.end);
    if (keyword === 'FROM') {
      const args = ins.getArguments();
      const image = args[0]?.getValue() ?? '';
      const hasAs = args.length >= 3 && args[1]?.getValue().toLowerCase() === 'as';
      const rawName = hasAs ? args[2]?.getValue() : undefined;
      // The first earlier stage of that name (the map holds earlier stages only, so far).
      const base = byName.get(image.toLowerCase());
      current = {
        index: stages.length,
        name: rawName?.toLowerCase(),
        rawName,
        image,
        start,
        end,
        // A stage built FROM an earlier stage inherits its WORKDIR and ENV.
        workdir: base?.workdir ?? '/',
        env: new Map(base?.env ?? []),
        copies: [],
        commands: [],
        exposes: [],
        runs: [],
      };
      stages.push(current);
      if (current.name !== undefined && !byName.has(current.name)) byName.set(current.name, current);
      continue;
    }
    if (!current) {
      if (keyword !== 'ARG' && !error) error = { message: `${keyword} before the first FROM`, offset: start };
      continue;
    }
    current.end = end;
    switch (keyword) {
      case 'WORKDIR': {
        const dir = expand(ins.getArgumentsContent() ?? '', current.env).trim();
        if (dir) current.workdir = path.resolve(current.workdir, dir);
        break;
      }
      case 'ENV': {
        const props = (ins as unknown as { getProperties(): Array<{ getName(): string; getValue(): string | null }> }).getProperties();
        for (const p of props) current.env.set(p.getName(), expand(p.getValue() ?? '', current.env));
        break;
      }
      case 'COPY':
      case 'ADD': {
        current.copies.push(copyOf(ins, keyword, current.workdir, offset, start, end));
        break;
      }
      case 'CMD':
      case 'ENTRYPOINT': {
        current.commands.push(commandOf(ins, keyword, offset, start, end));
        break;
      }
      case 'EXPOSE':
        for (const a of ins.getArguments()) current.exposes.push(word(a, offset));
        break;
      case 'RUN':
        current.runs.push({ text: ins.getArgumentsContent() ?? '', start, end, workdir: current.workdir, flags: flagsOf(ins) });
        break;
      default:
        break;
    }
  }
  if (stages.length === 0 && !error) error = { message: 'no FROM instruction', offset: 0 };
  return { path: file.path, stages, byName, error };
}

type OffsetFn = (p: { line: number; character: number }) => number;

function word(a: { getValue(): string; getRange(): { start: { line: number; character: number }; end: { line: number; character: number } } }, offset: OffsetFn): Word {
  const r = a.getRange();
  return { value: a.getValue(), start: offset(r.start), end: offset(r.end) };
}

interface JsonCapable {
  getOpeningBracket(): unknown;
  getJSONStrings(): Array<{ getJSONValue(): string; getRange(): { start: { line: number; character: number }; end: { line: number; character: number } } }>;
}

function execWords(ins: Instruction, offset: OffsetFn): Word[] | undefined {
  const j = ins as unknown as Partial<JsonCapable>;
  if (typeof j.getOpeningBracket !== 'function' || !j.getOpeningBracket() || typeof j.getJSONStrings !== 'function') return undefined;
  return j.getJSONStrings().map((s) => {
    const r = s.getRange();
    // The range covers the quotes; the word is inside them.
    return { value: s.getJSONValue(), start: offset(r.start) + 1, end: offset(r.end) - 1 };
  });
}

function flagsOf(ins: Instruction): Array<{ name: string; value: string | undefined }> {
  const flagged = ins as unknown as { getFlags?(): Array<{ getName(): string; getValue(): string | null }> };
  return (flagged.getFlags?.() ?? []).map((f) => ({ name: f.getName(), value: f.getValue() ?? undefined }));
}

function copyOf(ins: Instruction, keyword: 'COPY' | 'ADD', workdir: string, offset: OffsetFn, start: number, end: number): CopyInstruction {
  // getFromFlag() gives up when there is more than one flag; read all flags instead.
  const flags = flagsOf(ins);
  let words = execWords(ins, offset);
  if (!words) words = ins.getArguments().filter((a) => !a.getValue().startsWith('--')).map((a) => word(a, offset));
  const dest = words.length >= 2 ? words[words.length - 1] : undefined;
  const sources = words.length >= 2 ? words.slice(0, -1) : [];
  return { keyword, from: flags.find((f) => f.name === 'from')?.value, flags, sources, dest, workdir, start, end };
}

function commandOf(ins: Instruction, keyword: 'CMD' | 'ENTRYPOINT', offset: OffsetFn, start: number, end: number): CommandInstruction {
  const exec = execWords(ins, offset);
  if (exec) return { keyword, form: 'exec', words: exec, start, end };
  return { keyword, form: 'shell', words: ins.getArguments().map((a) => word(a, offset)), start, end };
}

/** Expand `$VAR` and `${VAR}` from the stage's ENV; unknown variables become empty. */
function expand(value: string, env: Map<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, b: string | undefined) => env.get((a ?? b) as string) ?? '');
}

/** The stage a `--from` value or compose `target` refers to (the first of that name). */
export function findStage(model: DockerfileModel, ref: string): Stage | undefined {
  if (/^\d+$/.test(ref)) return model.stages[Number(ref)];
  return model.byName.get(ref.toLowerCase());
}

/** How many stages a walk over the stages one stage is built from (FROM and COPY --from) may visit. */
export const MAX_STAGE_CHAIN = 256;

/**
 * The stages `stage` is built FROM, nearest first, itself included; undefined when the chain is
 * longer than MAX_STAGE_CHAIN (such an image is not followed: every stage of it would walk it
 * again, and 8,000 chained stages made the walks quadratic). A FROM cycle ends the chain.
 */
export function baseChain(model: DockerfileModel, stage: Stage): Stage[] | undefined {
  const chain: Stage[] = [];
  const seen = new Set<Stage>();
  for (let s: Stage | undefined = stage; s && !seen.has(s); s = findStage(model, s.image)) {
    if (chain.length >= MAX_STAGE_CHAIN) return undefined;
    chain.push(s);
    seen.add(s);
    if (!s.image || s.image.includes(':') || s.image.includes('/')) break;
  }
  return chain;
}

/** Basename patterns of Dockerfiles. */
export function isDockerfilePath(p: string): boolean {
  const base = p.slice(p.lastIndexOf('/') + 1);
  // `dockerfile.ts`, `Dockerfile.md`, `Dockerfile.j2` are source, docs or templates about
  // Dockerfiles, not Dockerfiles: docker build would not read them as they are.
  if (NOT_A_DOCKERFILE.test(base)) return false;
  return /^(Dockerfile|Containerfile)([.-][\w.-]+)?$/i.test(base) || /\.(dockerfile|containerfile)$/i.test(base);
}

const NOT_A_DOCKERFILE =
  /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|py|pyi|go|rs|java|kt|rb|php|cs|c|h|cc|cpp|swift|scala|lua|pl|md|mdx|rst|adoc|txt|html|json|ya?ml|toml|ini|cfg|sh|bash|ps1|bat|lock|snap|orig|rej|patch|diff|j2|jinja2?|tpl|tmpl|template|erb|ejs|hbs|mustache|gotmpl|liquid|njk)$/i;
