import path from 'node:path/posix';
import type { Fix, RawFinding, SkipReason, TextEdit } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { findStage, isDockerfilePath, type CopyInstruction, type DockerfileModel, type Stage, type Word } from '../../src/formats/dockerfile.js';
import { isViteConfigPath, readViteConfig, type OptionValue, type ViteConfigSummary } from '../../src/formats/bundler-config.js';
import { frontendBuildSites, type BuildSite } from '../../src/facts/frontend-build.js';
import { docGlobsMatcher } from '../../src/facts/docs/doc-files.js';
import { DEFAULT_LEDGER_GLOBS } from '../../src/facts/docs/options.js';
import { isMarkdownPath } from '../../src/formats/markdown.js';

/** Folder names a COPY source may use for a bundle (the outDir's own first segment is always added). */
export const DEFAULT_OUTPUT_DIR_NAMES = ['dist', 'build', 'out'];
/** Path segments that are never a bundle (installed dependencies, caches). */
export const DEFAULT_IGNORED_SEGMENTS = ['node_modules', '.npm', '.pnpm-store', '.yarn', '.cache'];
/** Files that quote paths on purpose (changelogs): a mention there is not a use of the outDir. */
export const DEFAULT_IGNORE_USES_IN = ['CHANGELOG*', 'CHANGES*', 'HISTORY*', 'NEWS*', 'RELEASE_NOTES*'];
/**
 * What a build or a run once printed: a log quotes the paths of its day. With the ledgers of the
 * docs facts (changelogs, histories, archive folders…) and build output, never a use of a path.
 */
const LOG_GLOBS = ['*.log', '*.log.[0-9]*', '**/logs/**', '**/build-logs/**'];
const LEDGER_FOLDERS = DEFAULT_LEDGER_GLOBS.filter((g) => g.endsWith('/**'));
const LEDGER_NAMES = DEFAULT_LEDGER_GLOBS.filter((g) => !g.endsWith('/**'));
const PROGRAM_OR_CONFIG = /(\.(sh|bash|zsh|py|[cm]?[jt]sx?|ya?ml|json|toml|ini|cfg|conf|ps1|bat|cmd|mk|go|rb|php|pl|gradle|kts?)|(^|\/)(Makefile|GNUmakefile|justfile|Procfile|Dockerfile[^/]*|[^/]*\.Dockerfile|Jenkinsfile|Taskfile))$/i;
/** Build output, wherever it was committed: it holds what a build wrote, not what a build reads. */
const OUTPUT_GLOBS = ['**/dist/**'];
/** Compiled once (docs-glob semantics: case-insensitive, a glob without `/` matches the basename anywhere): `notEvidence` asks them of every path of the repository, for every search. */
const isRecordOrOutput = docGlobsMatcher([...LEDGER_FOLDERS, ...LOG_GLOBS, ...OUTPUT_GLOBS]);
const isLedgerName = docGlobsMatcher(LEDGER_NAMES);
/** Ignore lists name paths to leave out; they consume nothing. */
const IGNORE_FILE = /(^|\/)\.[\w-]*ignore$/;
/** Files that are never searched for uses of the outDir. */
const LOCKFILES = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'bun.lockb']);
const MAX_SEARCH_BYTES = 512 * 1024;
/** Extensions never searched for uses (binary files; reading them would only log skips). */
const BINARY_EXTENSIONS = /\.(png|jpe?g|gif|ico|icns|webp|avif|bmp|tiff?|svgz|woff2?|ttf|otf|eot|pdf|zip|gz|tgz|bz2|xz|7z|rar|jar|war|exe|dll|so|dylib|a|o|class|pyc|pyo|db|sqlite3?|mp[34]|mov|avi|webm|wav|ogg|flac|wasm|lockb|bin|dat|psd|ai|sketch|fig)$/i;

type Prefer = 'auto' | 'bundler' | 'dockerfile';

interface Options {
  prefer: Prefer;
  outputDirNames: string[];
  ignoredSegments: string[];
  /** Globs (a glob without a slash matches a file name anywhere, any letter case). */
  ignoreUsesIn: string[];
  packageManagers: string[] | undefined;
}

function readOptions(raw: Record<string, unknown>): Options {
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
  const prefer = raw.prefer === 'bundler' || raw.prefer === 'dockerfile' ? raw.prefer : 'auto';
  return {
    prefer,
    outputDirNames: strings(raw.outputDirNames) ?? DEFAULT_OUTPUT_DIR_NAMES,
    ignoredSegments: strings(raw.ignoredSegments) ?? DEFAULT_IGNORED_SEGMENTS,
    ignoreUsesIn: strings(raw.ignoreUsesIn) ?? DEFAULT_IGNORE_USES_IN,
    packageManagers: strings(raw.packageManagers),
  };
}

/** Where one vite build writes, in container paths. */
interface Output {
  site: BuildSite;
  summary: ViteConfigSummary;
  /** The resolved root and outDir, or why they are not known. */
  root: string | undefined;
  outDir: string | undefined;
  unknown: string | undefined;
  /** How outDir is set: `build.outDir \`dist/frontend\``, `--outDir x`, `the default \`dist\``. */
  origin: string;
}

function describeValue(v: OptionValue): string {
  return v.kind === 'known' ? `\`${v.value}\`` : v.kind === 'computed' ? `\`${v.sites[0]?.text ?? '?'}\`` : 'absent';
}

function outputOf(site: BuildSite, summary: ViteConfigSummary): Output {
  const { cwd, args } = site.invocation;
  const base: Output = { site, summary, root: undefined, outDir: undefined, unknown: undefined, origin: '' };
  let root: string | undefined;
  if (args.root !== undefined) root = path.resolve(cwd, args.root);
  else {
    const r = summary.root;
    if (r.kind === 'absent') root = cwd;
    else if (r.kind === 'computed') return { ...base, unknown: r.reason, origin: `root ${describeValue(r)}` };
    else root = r.anchor === 'configDir' ? path.resolve(site.configDir, r.value) : path.resolve(cwd, r.value);
  }
  if (args.outDir !== undefined) {
    if (args.outDir.includes('$')) return { ...base, root, unknown: `\`--outDir ${args.outDir}\` uses a variable`, origin: `--outDir ${args.outDir}` };
    return { ...base, root, outDir: path.resolve(root, args.outDir), origin: `\`--outDir ${args.outDir}\` of \`${site.invocation.command}\`` };
  }
  const o = summary.outDir;
  const underRoot = root !== cwd ? ` under root \`${path.relative(cwd, root) || '.'}\`` : '';
  if (o.kind === 'absent') return { ...base, root, outDir: path.resolve(root, 'dist'), origin: `the default outDir \`dist\`${underRoot}` };
  if (o.kind === 'computed') return { ...base, root, unknown: o.reason, origin: `build.outDir ${describeValue(o)}` };
  const outDir = o.anchor === 'configDir' ? path.resolve(site.configDir, o.value) : path.resolve(root, o.value);
  return { ...base, root, outDir, origin: o.anchor === 'relative' ? `build.outDir \`${o.value}\`` : `build.outDir \`${o.sites[0]?.text ?? o.value}\`` };
}

function isUnder(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent === '/' ? '/' : `${parent}/`);
}

/**
 * Stages whose file system starts from `stage` (it and the stages built FROM it, transitively).
 * A stage is built FROM an earlier stage only (a later name is an image to Docker), so one pass
 * in order suffices: its base has been decided when it is reached. (Walking every stage's chain
 * instead was quadratic in a Dockerfile of 8,000 chained stages.)
 */
function derivedStages(model: DockerfileModel, stage: Stage): Set<Stage> {
  const out = new Set<Stage>([stage]);
  for (const s of model.stages) {
    const b = findStage(model, s.image);
    if (b && b.index < s.index && out.has(b)) out.add(s);
  }
  return out;
}

interface SourceRef {
  word: Word;
  /** Absolute path in the source stage, without the trailing `/`, `/.` or `/*`. */
  path: string;
  suffix: string;
  absolute: boolean;
}

function sourceRef(word: Word): SourceRef | undefined {
  const value = word.value;
  // Shell-form COPY does not remove quotes or escapes: such words are not plain paths.
  if (value === '' || /[$"'\\]/.test(value)) return undefined;
  const m = /(\/\.|\/\*|\/)$/.exec(value);
  const suffix = m && value !== '/' ? (m[1] as string) : '';
  const body = value.slice(0, value.length - suffix.length);
  if (/[*?[]/.test(body)) return undefined;
  return { word, path: path.resolve('/', body), suffix, absolute: value.startsWith('/') };
}

/** The part of a copied path that names the bundle folder it expects, e.g. `/app/dist` in `/app/dist/assets`. */
function expectedOutput(p: string, anchors: string[], names: Set<string>, ignored: Set<string>): { expected: string; rest: string } | undefined {
  for (const anchor of anchors) {
    if (!isUnder(p, anchor) || p === anchor) continue;
    const segs = path.relative(anchor, p).split('/');
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i] as string;
      if (ignored.has(s)) return undefined;
      if (names.has(s)) return { expected: path.join(anchor, ...segs.slice(0, i + 1)), rest: segs.slice(i + 1).join('/') };
    }
  }
  return undefined;
}

/**
 * Whether a file is a record of the past or a product of a build rather than something that uses
 * paths today: ledgers (changelogs, histories, archive folders — the docs facts' notion), logs,
 * committed build output (any `dist/`, and the folders this build writes to), and the files the
 * `ignoreUsesIn` option names.
 */
function notEvidence(p: string, ignoredByOption: (p: string) => boolean, outputDirs: readonly string[]): boolean {
  if (isRecordOrOutput(p) || ignoredByOption(p)) return true;
  // A history-named document is a record; a history-named script or workflow still runs.
  if (isLedgerName(p) && !PROGRAM_OR_CONFIG.test(p)) return true;
  return outputDirs.some((d) => d !== '' && d !== '.' && isUnder(p, d));
}

interface UseSearch {
  /** Files never counted (the config, the Dockerfile judged). */
  exclude: Set<string>;
  /** Repository folders a build writes to: their files are output. */
  outputDirs: string[];
  /** Count only files that run or configure something (no docs). */
  consumersOnly?: boolean;
  /** Paths whose mentions are blanked out first (`dist/frontend` is not a use of `dist`). */
  mask?: string[];
}

/** Places outside the config that use a path: they would break if it changed. */
function usesOf(ws: Workspace, values: string[], search: UseSearch, options: Options): string[] {
  const clean = (v: string): string => v.replace(/^\.\//, '').replace(/\/+$/, '');
  const needles = [...new Set(values.map(clean))].filter((n) => n !== '' && n !== '.' && n !== '..');
  if (needles.length === 0) return [];
  const masks = [...new Set((search.mask ?? []).map(clean))].filter((m) => m !== '' && !needles.includes(m)).sort((a, b) => b.length - a.length);
  const found: string[] = [];
  const ignoredByOption = docGlobsMatcher(options.ignoreUsesIn);
  for (const p of ws.paths) {
    if (search.exclude.has(p)) continue;
    const segs = p.split('/');
    const base = segs[segs.length - 1] as string;
    if (segs.includes('node_modules') || segs.includes('.git') || LOCKFILES.has(base) || BINARY_EXTENSIONS.test(base)) continue;
    if (notEvidence(p, ignoredByOption, search.outputDirs)) continue;
    if (IGNORE_FILE.test(p) || (search.consumersOnly && (isMarkdownPath(p) || /\.(rst|txt|adoc)$/i.test(p)))) continue;
    const file = ws.probe(p);
    if (!file || file.text.length > MAX_SEARCH_BYTES) continue;
    let text = file.text;
    for (const m of masks) if (text.includes(m)) text = text.split(m).join(' '.repeat(m.length));
    if (needles.some((n) => mentions(text, n, !n.includes('/')))) found.push(p);
  }
  return found;
}

function mentions(text: string, needle: string, single: boolean): boolean {
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) {
    const before = text[i - 1];
    const after = text[i + needle.length];
    const okBefore = before === undefined || /[\s"'`=(\[:,/]/.test(before);
    const okAfter = after === undefined || /[\s"'`)\],;:/]/.test(after);
    if (!okBefore || !okAfter) continue;
    // A bare word (`build`, `out`) counts only when it is written as a path.
    if (single && before !== '/' && after !== '/' && text.slice(i - 2, i) !== './') continue;
    return true;
  }
  return false;
}

/** Rewrite a COPY source word to a new path (absolute or not, with its trailing `/`, `/.` or `/*`); undefined when the word is not written as is. */
function sourceEdit(file: SourceFile, dockerfile: string, ref: SourceRef, target: string): TextEdit | undefined {
  const raw = file.text.slice(ref.word.start, ref.word.end);
  const value = (ref.absolute ? target : target.replace(/^\/+/, '') || '.') + ref.suffix;
  return raw === ref.word.value ? { file: dockerfile, start: ref.word.start, end: ref.word.end, text: value } : undefined;
}

/** Edits that make the config's outDir `value` (relative to root), or why they cannot be made. */
function bundlerEdits(out: Output, file: SourceFile, value: string): { edits: TextEdit[] } | { reason: string } {
  if (out.site.invocation.args.outDir !== undefined) return { reason: `the outDir is set on the command line (\`${out.site.invocation.command}\`)` };
  const o = out.summary.outDir;
  if (o.kind === 'computed') return { reason: 'build.outDir is computed' };
  if (o.kind === 'known') {
    if (o.anchor !== 'relative' || o.sites.some((s) => !s.literal)) return { reason: `build.outDir \`${o.sites[0]?.text ?? ''}\` is not a plain string literal` };
    const keepDot = o.value.startsWith('./') && value !== '.';
    const text = keepDot ? `./${value}` : value;
    return { edits: o.sites.map((s) => ({ file: file.path, start: (s.literal as { inner: { start: number } }).inner.start, end: (s.literal as { inner: { end: number } }).inner.end, text })) };
  }
  const ins = out.summary.insertion;
  if (!ins) return { reason: 'the config object is not a single object literal' };
  const q = out.summary.quote;
  const eol = file.eol;
  const target = ins.build ?? ins.config;
  const inner = file.text.slice(target.start + 1, target.end - 1);
  const entry = ins.build ? `outDir: ${q}${value}${q}` : `build: { outDir: ${q}${value}${q} }`;
  const at = target.start + 1;
  if (/[\r\n]/.test(inner)) {
    const firstLine = /\r?\n([ \t]*)\S/.exec(inner);
    let indent = firstLine?.[1];
    if (indent === undefined) {
      const lineStart = file.text.lastIndexOf('\n', target.start) + 1;
      indent = `${/^[ \t]*/.exec(file.text.slice(lineStart))?.[0] ?? ''}  `;
    }
    return { edits: [{ file: file.path, start: at, end: at, text: `${eol}${indent}${entry},` }] };
  }
  return { edits: [{ file: file.path, start: at, end: at, text: inner.trim() === '' ? ` ${entry} ` : ` ${entry},` }] };
}

/**
 * `COPY --from=<build stage> <src>` whose source is not where the stage's Vite build writes
 * (seed 1.2: `vite.config.ts` outDir `dist/frontend`, `Dockerfile.frontend` copies `/app/dist`).
 * The build stage, its working directory, the package it builds and the config it reads are
 * derived from the Dockerfile's RUN and COPY lines; the fix aligns one side.
 */
export const rule: Rule = {
  meta: {
    id: 'dockerfile-copy-outdir',
    seedIds: ['1.2'],
    summary: 'COPY --from=<build stage> source differs from the bundler outDir; align one side.',
    defaultSeverity: 'error',
    fixable: 'safe',
    messages: {
      unverifiable: '{{copy}} copies `{{path}}` from stage `{{stage}}`, which builds {{config}} (`{{command}}` in {{cwd}}); cannot check it: {{unknown}} (not changed)',
      ambiguousOutput: '{{copy}} copies `{{path}}`, but stage `{{stage}}` writes its builds to {{outDirs}}; not changed: it is not clear which one is meant',
      mismatch: '{{copy}} copies `{{path}}`, but stage `{{stage}}` builds {{config}} (`{{command}}` in {{cwd}}) into `{{outDir}}` ({{origin}}); {{why}}',
      mismatchNotChanged: '{{copy}} copies `{{path}}`, but stage `{{stage}}` builds {{config}} (`{{command}}` in {{cwd}}) into `{{outDir}}` ({{origin}}); not changed: {{why}}',
    },
    options: {
      prefer: { enum: ['auto', 'bundler', 'dockerfile'], description: 'Which side the fix edits.', default: 'auto' },
      outputDirNames: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Folder names that mark a COPY source as a bundle folder.', default: DEFAULT_OUTPUT_DIR_NAMES },
      ignoredSegments: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Sources under these are never bundles.', default: DEFAULT_IGNORED_SEGMENTS },
      ignoreUsesIn: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Globs on file names whose mentions of the outDir do not count as uses.', default: DEFAULT_IGNORE_USES_IN },
      // No default here: the build facts own it (npm, pnpm, yarn, bun).
      packageManagers: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Binaries whose `run <script>` runs a package.json script (default: npm, pnpm, yarn, bun).' },
    },
  },
  async check({ facts, workspace, options: rawOptions }) {
    if (!workspace.paths.some(isViteConfigPath) || !workspace.paths.some(isDockerfilePath)) return [];
    const options = readOptions(rawOptions);
    const sites = frontendBuildSites(facts, options.packageManagers ? { packageManagers: options.packageManagers } : {});
    if (sites.length === 0) return [];

    // One group per (Dockerfile, context, stage): everything the stage's vite builds write.
    const groups = new Map<string, BuildSite[]>();
    for (const s of sites) {
      const k = `${s.dockerfile}\0${s.context}\0${s.stage.index}`;
      groups.set(k, [...(groups.get(k) ?? []), s]);
    }
    const findings: RawFinding[] = [];
    const seen = new Set<string>();
    for (const group of groups.values()) {
      const first = group[0] as BuildSite;
      const outputs: Output[] = [];
      for (const site of group) {
        const file = workspace.read(site.config);
        if (!file) continue;
        const summary = await readViteConfig(file);
        if (summary.error) continue;
        outputs.push(outputOf(site, summary));
      }
      if (outputs.length === 0) continue;
      const known = outputs.filter((o) => o.outDir !== undefined);
      const distinct = [...new Set(known.map((o) => o.outDir as string))];
      const stageLabel = first.stage.rawName ?? String(first.stage.index);
      const dfFile = workspace.read(first.dockerfile);
      if (!dfFile) continue;
      const fromStages = derivedStages(first.model, first.stage);
      // RUN lines that come after the build and may move its output around.
      const lastBuild = Math.max(...group.map((s) => s.run.start));
      const laterRuns = [...fromStages].flatMap((st) => st.runs.filter((r) => st !== first.stage || r.start > lastBuild).map((r) => r.text));
      for (const consumer of first.model.stages) {
        if (consumer.index <= first.stage.index) continue;
        for (const copy of consumer.copies) {
          if (copy.from === undefined) continue;
          const source = findStage(first.model, copy.from);
          if (!source || !fromStages.has(source) || source.index >= consumer.index) continue;
          for (const word of copy.sources) {
            const ref = sourceRef(word);
            if (!ref) continue;
            const judged = judge(ref, copy, outputs, distinct, stageLabel, dfFile, options, workspace, laterRuns);
            for (const finding of judged === undefined ? [] : Array.isArray(judged) ? judged : [judged]) {
              if (seen.has(finding.key)) continue;
              seen.add(finding.key);
              findings.push(finding);
            }
          }
        }
      }
    }
    return findings;
  },
};

/** Whether a later RUN moves, copies or links the output or the copied folder (`mv dist/frontend/* dist/`). */
function movedLater(laterRuns: string[], anchors: string[], paths: string[]): boolean {
  const names = new Set<string>();
  for (const p of paths) {
    names.add(p);
    for (const a of anchors) if (isUnder(p, a) && p !== a) names.add(path.relative(a, p));
  }
  const escape = (n: string): string => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const mention = new RegExp(`(^|[\\s'"=/])(${[...names].map(escape).join('|')})($|[\\s'"/;&|*])`);
  return laterRuns.some((t) => /(^|[\s;&|(])(mv|cp|rsync|ln|rename)\s/.test(t) && mention.test(t));
}

function judge(ref: SourceRef, copy: CopyInstruction, outputs: Output[], distinct: string[], stageLabel: string, dfFile: SourceFile, options: Options, ws: Workspace, laterRuns: string[]): RawFinding | RawFinding[] | undefined {
  const p = ref.path;
  // Copies the output, part of it, or the whole tree that holds every output.
  if (distinct.some((o) => isUnder(p, o))) return undefined;
  if (distinct.length > 1 && distinct.every((o) => isUnder(o, p))) return undefined;
  const first = outputs[0] as Output;
  // Content the stage copied from the repository is not a build output.
  const fromRepo = first.site.fs.repoPathOf(p);
  if (fromRepo && fromRepo.exists !== 'none') return undefined;
  const anchors = [...new Set(outputs.flatMap((o) => [o.site.invocation.cwd, o.root, o.site.configDir]).filter((a): a is string => a !== undefined))];
  const names = new Set(options.outputDirNames);
  for (const o of outputs) {
    if (!o.outDir) continue;
    for (const a of anchors) if (isUnder(o.outDir, a) && o.outDir !== a) names.add(path.relative(a, o.outDir).split('/')[0] as string);
  }
  const expected = expectedOutput(p, anchors, names, new Set(options.ignoredSegments));
  if (!expected) return undefined;
  // The stage rearranges files after building: the layout is not the bundler's any more.
  if (movedLater(laterRuns, anchors, [expected.expected, ...distinct])) return undefined;
  const fromText = copy.flags.find((f) => f.name === 'from')?.value ?? copy.from ?? '';
  const copyLabel = `\`COPY --from=${fromText}\``;
  const unknown = outputs.filter((o) => o.unknown);
  if (unknown.length > 0) {
    // One of the builds writes to a place we cannot compute: it may well be this one.
    const u = unknown[0] as Output;
    return {
      file: dfFile.path,
      offset: ref.word.start,
      key: `${u.site.config}|${dfFile.path}|--from=${fromText}|${ref.word.value}|unverifiable`,
      severity: 'warning',
      messageId: 'unverifiable',
      data: { copy: copyLabel, path: p, stage: stageLabel, config: u.site.config, command: u.site.invocation.command, cwd: u.site.invocation.cwd, unknown: String(u.unknown) },
      skipReason: 'unverifiable',
      fix: null,
    };
  }
  // Compare with the output sharing the longest prefix with the copied path.
  const ranked = known(outputs)
    .map((o) => ({ o, shared: commonPrefix(o.outDir, p) }))
    .sort((a, b) => b.shared - a.shared);
  const best = ranked[0];
  if (!best) return undefined;
  if (ranked.length > 1 && ranked[1]?.shared === best.shared && ranked[1].o.outDir !== best.o.outDir) {
    return {
      file: dfFile.path,
      offset: ref.word.start,
      key: `${best.o.site.config}|${dfFile.path}|--from=${fromText}|${ref.word.value}`,
      messageId: 'ambiguousOutput',
      data: { copy: copyLabel, path: p, stage: stageLabel, outDirs: distinct.map((d) => `\`${d}\``).join(', ') },
      skipReason: 'ambiguous-target',
      fix: null,
    };
  }
  const out = best.o;
  const outDir = out.outDir;
  const target = expected.rest ? path.join(outDir, expected.rest) : outDir;
  const ancestor = isUnder(outDir, p);
  const base = { copy: copyLabel, path: p, stage: stageLabel, config: out.site.config, command: out.site.invocation.command, cwd: out.site.invocation.cwd, outDir, origin: String(out.origin) };
  const key = `${out.site.config}|${dfFile.path}|--from=${fromText}|${ref.word.value}`;

  const configFile = ws.read(out.site.config);
  const standard = out.root !== undefined && expected.expected === path.resolve(out.root, 'dist');
  const newOutDir = out.root !== undefined ? path.relative(out.root, expected.expected) || '.' : undefined;
  const bundler = configFile && newOutDir !== undefined ? bundlerEdits(out, configFile, newOutDir) : { reason: 'the root is unknown' };
  const o = out.summary.outDir;
  // The config's literal, unless the command line overrides it.
  const literal = o.kind === 'known' && o.anchor === 'relative' && out.site.invocation.args.outDir === undefined ? o.value : undefined;
  // The path as written, and where it lands in the repository (`web/` + root + outDir).
  const configRepoDir = path.dirname(out.site.config);
  const rootRepo = out.root !== undefined ? path.join(configRepoDir, path.relative(out.site.configDir, out.root)) : configRepoDir;
  const landsAt = literal !== undefined ? path.normalize(path.join(rootRepo, literal)) : undefined;
  const needles = literal === undefined ? [] : landsAt && !landsAt.startsWith('..') && landsAt !== '.' ? [literal, landsAt] : [literal];
  // Files under the folders this build writes to (and the standard one) are its output.
  const outputDirs = [landsAt, path.join(rootRepo, 'dist')].filter((d): d is string => d !== undefined && !d.startsWith('..'));
  const uses = options.prefer === 'auto' ? usesOf(ws, needles, { exclude: new Set([out.site.config]), outputDirs }, options) : [];
  const shown = literal?.replace(/^\.\//, '').replace(/\/+$/, '');
  const usesText = uses.length > 0 ? `\`${shown}\` is also used in ${uses.slice(0, 3).join(', ')}${uses.length > 3 ? ` and ${uses.length - 3} more` : ''}` : '';
  const dfEdit = sourceEdit(dfFile, dfFile.path, ref, target);

  const bundlerFix = (why: string, safety: 'safe' | 'review' = 'safe', k = key): RawFinding | undefined => {
    if (!('edits' in bundler) || !configFile) return undefined;
    const fix: Fix = { safety, description: `set build.outDir to \`${newOutDir}\` in ${out.site.config}`, edits: bundler.edits };
    return { file: dfFile.path, offset: ref.word.start, key: k, messageId: 'mismatch', data: { ...base, why }, fix };
  };
  const dockerfileFix = (why: string, safety: 'safe' | 'review' = 'safe', k = key): RawFinding | undefined => {
    if (!dfEdit) return undefined;
    const fix: Fix = { safety, description: `copy \`${target}\` from stage \`${stageLabel}\``, edits: [dfEdit] };
    return { file: dfFile.path, offset: ref.word.start, key: k, messageId: 'mismatch', data: { ...base, why }, fix };
  };
  const reportOnly = (why: string, skipReason: SkipReason, severity?: 'warning'): RawFinding => ({ file: dfFile.path, offset: ref.word.start, key, messageId: 'mismatchNotChanged', data: { ...base, why }, skipReason, fix: null, ...(severity ? { severity } : {}) });

  const toBundler = `set build.outDir to \`${newOutDir}\` in ${out.site.config}`;
  const toDockerfile = `copy \`${target}\` instead`;
  if (options.prefer === 'bundler') {
    return bundlerFix(`${toBundler} (option prefer: bundler)`) ?? dockerfileFix(`${toDockerfile} (${'reason' in bundler ? bundler.reason : 'the config cannot be edited'})`) ?? reportOnly('neither side can be edited in place', 'not-editable');
  }
  if (options.prefer === 'dockerfile') {
    return dockerfileFix(`${toDockerfile} (option prefer: dockerfile)`) ?? bundlerFix(`${toBundler} (the COPY source cannot be edited in place)`) ?? reportOnly('neither side can be edited in place', 'not-editable');
  }
  if (standard && literal !== undefined && uses.length === 0) {
    const f = bundlerFix(`restore the standard outDir: ${toBundler} (the Dockerfile expects it and nothing else in the repository uses \`${shown}\`)`);
    if (f) return f;
  }
  if (standard && literal !== undefined && uses.length > 0 && !ancestor && newOutDir !== undefined) {
    // The old path has users; if the path the Dockerfile expects has users of its own too, no
    // side is free to move: both alignments are offered for a person to choose.
    const expectedRepo = path.normalize(path.join(rootRepo, newOutDir));
    const newNeedles = expectedRepo.startsWith('..') ? [newOutDir] : [newOutDir, expectedRepo];
    const usesNew = usesOf(ws, newNeedles, { exclude: new Set([out.site.config, dfFile.path]), outputDirs, consumersOnly: true, mask: needles }, options);
    if (usesNew.length > 0 && 'edits' in bundler && dfEdit) {
      const both = `${usesText}, and \`${newOutDir}\` is used in ${usesNew.slice(0, 3).join(', ')}${usesNew.length > 3 ? ` and ${usesNew.length - 3} more` : ''}`;
      const viaConfig = bundlerFix(`${toBundler}, or ${toDockerfile} (review: ${both})`, 'review', `${key}|outDir`);
      const viaCopy = dockerfileFix(`${toDockerfile}, or ${toBundler} (review: ${both})`, 'review', `${key}|copy`);
      if (viaConfig && viaCopy && viaConfig.fix) {
        // The two are alternatives: the config fix also claims the COPY word (an edit that keeps
        // it), so the engine never applies both in one pass; after one, the other is gone.
        viaConfig.fix.edits = [...viaConfig.fix.edits, { file: dfFile.path, start: ref.word.start, end: ref.word.end, text: dfFile.text.slice(ref.word.start, ref.word.end) }];
        return [viaConfig, viaCopy];
      }
    }
  }
  if (ancestor && uses.length > 0) {
    return reportOnly(`the copy holds the output under \`${path.relative(p, outDir)}/\`, and ${usesText}, so that layout may be intended`, 'other-consumers', 'warning');
  }
  const standardPath = out.root !== undefined ? path.resolve(out.root, 'dist') : undefined;
  const why = uses.length > 0 ? usesText : !standard ? `\`${expected.expected}\` is not the standard outDir${standardPath ? ` (\`${standardPath}\`)` : ''}, so the config stays` : 'reason' in bundler ? bundler.reason : 'the outDir is not a literal';
  return dockerfileFix(`${toDockerfile} (${why})`) ?? reportOnly(`the COPY source cannot be edited in place, and ${why}`, 'not-editable');
}

function known(outputs: Output[]): Array<Output & { outDir: string }> {
  return outputs.filter((o): o is Output & { outDir: string } => o.outDir !== undefined);
}

function commonPrefix(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i;
}

export default rule;
