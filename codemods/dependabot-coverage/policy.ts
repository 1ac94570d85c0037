/**
 * What the maintainers chose, read from the repository: another update bot, a parked Dependabot
 * config, directories that hold examples or tests rather than the product, and statements that
 * Dependabot is expected to update something. The rule turns these into silence, `review`
 * fixes or `safe` ones; everything here is derived from paths and file text, never from names
 * of one project.
 */
import type { Workspace } from '../../src/workspace/workspace.js';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { isMap, isPair, isScalar, isSeq } from 'yaml';
import { parseYaml } from '../../src/formats/yaml.js';
import { checkoutDir, isWorkflowPath, jobWorkingDirectory, readWorkflow } from '../../src/formats/workflow.js';
import { globsMatcher, matchesGlob, readPackageJson, RENOVATE_CONFIGS, type ManifestDir } from '../../src/facts/ecosystems.js';

// ---------------------------------------------------------------------------------------------
// Opt-outs

export interface OptOut {
  file: string;
  why: string;
}

/**
 * Renovate configured in the repository. Its config decides which managers and paths it owns
 * (`enabledManagers`, `ignorePaths`, …) and a Dependabot config next to it holds only what the
 * maintainers handed to Dependabot, so no gap can be told from a choice.
 */
export function renovateConfig(ws: Workspace): OptOut | undefined {
  const file = RENOVATE_CONFIGS.find((p) => ws.has(p));
  if (file) return { file, why: `Renovate is configured (${file})` };
  const pkg = readPackageJson(ws.read('package.json'));
  if (pkg && pkg.renovate !== undefined) return { file: 'package.json', why: 'Renovate is configured (the `renovate` key of package.json)' };
  return undefined;
}

/**
 * A Dependabot config kept where Dependabot does not read it (`.github/dependabot.yml.disabled`,
 * `dependabot.yml.bak`, `.github/disabled/dependabot.yml`): switched off on purpose. Told from a
 * workflow or script about Dependabot by its text, which must be a config (`package-ecosystem`).
 */
export function parkedConfig(ws: Workspace, livePaths: readonly string[]): OptOut | undefined {
  for (const p of ws.paths) {
    if (livePaths.includes(p) || p.startsWith('.github/workflows/')) continue;
    if (!(p.startsWith('.github/') || !p.includes('/'))) continue;
    const base = p.slice(p.lastIndexOf('/') + 1);
    if (!/dependabot/i.test(base) || !/\.ya?ml/i.test(base) || /\.(md|mdx|rst|txt)$/i.test(base)) continue;
    // `dependabot.yml` at the root is a config put in the wrong place, not one put away.
    if (/^dependabot\.ya?ml$/i.test(base) && !p.startsWith('.github/')) continue;
    const text = ws.read(p)?.text;
    if (text !== undefined && /^[ \t-]*["']?package-ecosystem["']?\s*:/m.test(text)) return { file: p, why: `the Dependabot config is parked at ${p}, where Dependabot does not read it` };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Examples, tests and templates

/**
 * Path segments (split into words at `-`, `_`, `.`) that mark a directory as examples, samples,
 * tests or docs snippets: code that shows or exercises the product rather than ships it.
 * Configs in the wild differ on whether Dependabot should watch them.
 */
const SAMPLE_WORDS = new Set(['example', 'examples', 'sample', 'samples', 'demo', 'demos', 'test', 'tests', 'testing', 'e2e', 'cypress', 'playwright', 'fixture', 'fixtures', 'snippet', 'snippets']);
/** Segments that mark a project template (scaffolding a generator copies out). */
const TEMPLATE_WORDS = new Set(['template', 'templates', 'skeleton', 'scaffold', 'scaffolds', 'boilerplate', 'cookiecutter']);

const LOCKFILE = /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|uv\.lock|poetry\.lock|Pipfile\.lock|pdm\.lock)$/;

function segmentWith(dir: string, words: ReadonlySet<string>): string | undefined {
  for (const segment of dir.split('/')) {
    if (segment.toLowerCase().split(/[-_.\s]+/).some((w) => words.has(w))) return segment;
  }
  return undefined;
}

/**
 * The `linguist-generated` / `linguist-vendored` attribute .gitattributes files give a path, as
 * git matches them: a pattern without `/` matches the name at any depth, one with `/` is
 * anchored at the directory of its .gitattributes; the last matching line wins.
 */
function linguistAttribute(ws: Workspace, p: string): 'generated' | 'vendored' | undefined {
  let result: 'generated' | 'vendored' | undefined;
  const dirs = p.split('/').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('/'));
  for (const dir of [...new Set(['', ...dirs])]) {
    const attributes = ws.read(dir === '' ? '.gitattributes' : `${dir}/.gitattributes`)?.text;
    if (attributes === undefined) continue;
    const rel = dir === '' ? p : p.slice(dir.length + 1);
    for (const line of attributes.split(/\r?\n/)) {
      const [pattern, ...attrs] = line.trim().split(/\s+/);
      if (!pattern || pattern.startsWith('#')) continue;
      const hit = pattern.includes('/') ? matchesGlob(rel, pattern.replace(/^\//, '')) : matchesGlob(rel.slice(rel.lastIndexOf('/') + 1), pattern);
      if (!hit) continue;
      for (const a of attrs) {
        const m = /^(-|!)?linguist-(generated|vendored)(?:=(\w+))?$/.exec(a);
        if (!m) continue;
        const on = m[1] === undefined && (m[3] === undefined || m[3] === 'true');
        if (on) result = m[2] as 'generated' | 'vendored';
        else if (result === m[2]) result = undefined;
      }
    }
  }
  return result;
}

/**
 * Whether a manifest directory is not the project's to update: every manifest in it (lockfiles
 * aside, which many repositories mark `linguist-generated` for the diff view) is
 * `linguist-generated` (its generator rewrites it, so an update made there does not last) or
 * `linguist-vendored` (a copy of someone else's code) in .gitattributes. Such a directory is
 * not counted at all.
 */
export function isGeneratedOrVendored(ws: Workspace, m: ManifestDir): boolean {
  const own = m.files.filter((f) => !LOCKFILE.test(f));
  return own.length > 0 && own.every((f) => linguistAttribute(ws, f) !== undefined);
}

/**
 * Why a manifest directory is an example, test or template rather than part of the product,
 * or undefined. GitHub Actions never are: workflows and composite actions run
 * the project's CI.
 */
export function sampleReason(ws: Workspace, m: ManifestDir): string | undefined {
  if (m.ecosystem === 'github-actions') return undefined;
  const sample = segmentWith(m.dir, SAMPLE_WORDS);
  if (sample !== undefined) return `an example or test directory (path segment \`${sample}\`)`;
  const locked = m.files.some((f) => LOCKFILE.test(f) || /requirements[^/]*\.txt$/i.test(f));
  const template = segmentWith(m.dir, TEMPLATE_WORDS);
  if (template !== undefined && !locked) return `a project template (path segment \`${template}\`, no lockfile)`;
  // The root package is the repository's own, lockfile or not.
  if ((m.ecosystem === 'npm' || m.ecosystem === 'bun') && m.dir !== '' && !locked && m.members.length === 0) {
    const manifest = m.files.find((f) => f.endsWith('package.json'));
    const pkg = manifest ? readPackageJson(ws.read(manifest)) : undefined;
    // Not published and not installed from a pinned set: a scratch or docs-tooling package.
    if (pkg?.private === true) return 'a private package.json with no lockfile';
  }
  return undefined;
}

/**
 * The sample reasons of all manifest directories. When everything but the workflows is a
 * sample, the samples are what the repository ships (a collection of examples) and none is
 * set apart.
 */
export function sampleReasons(ws: Workspace, manifests: readonly ManifestDir[]): Map<ManifestDir, string> {
  const out = new Map<ManifestDir, string>();
  for (const m of manifests) {
    const why = sampleReason(ws, m);
    if (why !== undefined) out.set(m, why);
  }
  const products = manifests.filter((m) => m.ecosystem !== 'github-actions');
  if (products.length > 0 && products.every((m) => out.has(m))) return new Map();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Intent: the repository says Dependabot updates it

export interface Mention {
  file: string;
  line: number;
  text: string;
}

const UPDATE_WORDS = /\b(monitor(s|ed|ing)?|watch(es|ed|ing)?|updates?|updated|updating|bump(s|ed|ing)?|upgrades?|keeps?|track(s|ed|ing)?|version updates)\b/i;
/* A negation is a choice against it; alerts and security updates are a different feature
   (they need no config); `@dependabot` / `dependabot[bot]` name the author of a past PR. */
const NOT_INTENT = /\b(not|no|never|disabled?|don't|doesn't|won't|instead|without|stop(ped)?|off|removed?)\b|security|alerts?\b|vulnerab|advisor|@dependabot|dependabot\[bot\]|github\.com\/(apps\/)?dependabot/i;
/* Changelogs, release notes and blog posts record what happened or discuss the world at large,
   not what this repository expects. */
const RECORD_FILE = /(^|\/)(changelog|changes|history|news|release[-_ ]?notes?|releases)([-_.][^/]*)?$|(^|\/)(changelog|changes|releases?|blog|posts|_posts)\//i;
const DOC_FILE = /\.(md|mdx|markdown|rst|adoc)$/i;
/* The project's own documentation: top-level files, .github/, a docs tree, and READMEs and
   contributor guides wherever they sit. A content site's articles are not about the repository. */
const PROJECT_DOC = /^[^/]+$|^\.github\/|(^|\/)(docs?|documentation)\/|(^|\/)(readme|contributing|maintain[^/]*|development|developing|hacking)(\.[^/]*)?$/i;
const MAX_DOC_BYTES = 512 * 1024;

function mentionsIn(file: SourceFile, commentOnly: boolean): Mention[] {
  return file.parse('dependabot-intent', (f) => {
    const out: Mention[] = [];
    if (!/dependabot/i.test(f.text)) return out;
    const lines = f.text.split(/\r?\n/);
    lines.forEach((raw, i) => {
      const at = raw.search(/\bdependabot\b/i);
      if (at === -1) return;
      // In a manifest only a comment is a statement (`#`, or `//` in JS-flavoured files).
      if (commentOnly && !/(^|\s)(#|\/\/)/.test(raw.slice(0, at))) return;
      if (!UPDATE_WORDS.test(raw) || NOT_INTENT.test(raw)) return;
      out.push({ file: f.path, line: i + 1, text: raw.trim().replace(/^(#+|\/\/|[-*>]\s)\s*/, '').slice(0, 120) });
    });
    return out;
  });
}

/**
 * Lines that state Dependabot keeps something of this repository up to date: comments in the
 * manifests themselves (the seed: a Dockerfile saying "Dependabot monitors Docker images") and
 * prose in the docs. First the manifests', then the docs' in path order.
 */
export function intentMentions(ws: Workspace, manifests: readonly ManifestDir[], excludes: readonly string[]): Mention[] {
  const out: Mention[] = [];
  const seen = new Set<string>();
  for (const m of manifests) {
    for (const p of m.files) {
      if (seen.has(p) || LOCKFILE.test(p) || p.endsWith('.json')) continue;
      seen.add(p);
      const file = ws.read(p);
      if (file) out.push(...mentionsIn(file, true));
    }
  }
  const excluded = globsMatcher(excludes);
  for (const p of ws.paths) {
    if (seen.has(p) || !DOC_FILE.test(p) || !PROJECT_DOC.test(p) || RECORD_FILE.test(p) || excluded(p)) continue;
    const file = ws.read(p);
    if (file && file.text.length <= MAX_DOC_BYTES) out.push(...mentionsIn(file, false));
  }
  return out;
}

/** Whether a mention speaks for one manifest directory: it sits in one of its files, or names its ecosystem. */
export function mentionCovers(mention: Mention, m: ManifestDir, aliases: readonly string[]): boolean {
  if (m.files.includes(mention.file)) return true;
  const words = mention.text.toLowerCase().split(/[^a-z0-9-]+/);
  return aliases.some((a) => words.includes(a.toLowerCase()));
}

// ---------------------------------------------------------------------------------------------
// Folders the docs retire, and scaffolds with nothing in them

/** Words that retire a folder: it is on its way out, so an update there is wasted review time. */
const RETIRE_WORDS = /\b(legacy|deprecated|obsolete|retired?|retiring|superseded|unmaintained|sunset(?:ting)?|no longer (?:maintained|used|supported)|(?:to|will|should) be (?:removed|deleted|retired|archived)|scheduled for (?:removal|deletion))\b/i;
/** A retirement word negated just before it ("not legacy", "never deprecated"). */
const NEGATED_BEFORE = /\b(not|never|isn't|aren't|wasn't|no)\s+(\w+\s+)?$/i;
/** What sits before a path that is where things go, not what goes ("migrate into `src/frontend/`"). */
const DESTINATION_BEFORE = /\b(into|to|towards?|in favou?r of|replaced (?:by|with)|replacement|use|using|instead)\s*[`'"*[(]*\s*\.?\/?$|(→|->)\s*[`'"*[(]*\s*\.?\/?$/i;
/** Path segments that retire everything below them. */
const RETIRED_SEGMENTS = new Set(['legacy', 'deprecated', 'obsolete']);
/** Files that are a project's code (or its markup and styles): a directory without one is a scaffold. */
const SOURCE_FILE = /\.(js|jsx|mjs|cjs|ts|tsx|mts|cts|vue|svelte|astro|html?|css|scss|sass|less|py|pyx|pyi|ipynb)$/i;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whether `text` may name one of the directories (each is named by its path, `./` or not):
 * false only when it holds none of their paths. Above this many, the look costs more than the
 * search it saves, and every doc is searched.
 */
const NAMED_DIRS_MAX = 64;

function mayName(text: string, candidates: readonly ManifestDir[]): boolean {
  return candidates.length > NAMED_DIRS_MAX || candidates.some((m) => text.includes(m.dir));
}

/** Lines of a doc split into clauses: a retirement word speaks for the paths of its own clause. */
function clausesOf(line: string): string[] {
  return line.split(/:\s|;\s|\.\s|\s[—–]\s|\s-\s/);
}

/**
 * Why a manifest directory is being retired, or undefined: a path segment `legacy`,
 * `deprecated` or `obsolete`; a line of the project's docs whose clause names the directory
 * and says it is legacy, deprecated, to be removed … (not negated, and not as the place things
 * move to: "migrate into `src/frontend/`"); or its own README saying it is deprecated.
 */
export function retiredReasons(ws: Workspace, manifests: readonly ManifestDir[], excludes: readonly string[]): Map<ManifestDir, string> {
  const out = new Map<ManifestDir, string>();
  const candidates = manifests.filter((m) => m.dir !== '' && m.ecosystem !== 'github-actions');
  if (candidates.length === 0) return out;
  for (const m of candidates) {
    const segment = m.dir.split('/').find((s) => RETIRED_SEGMENTS.has(s.toLowerCase()));
    if (segment !== undefined) out.set(m, `a retired folder (path segment \`${segment}\`)`);
  }
  const patterns = candidates.map((m) => ({ m, re: new RegExp(`(^|[\\s\`'"(\\[*])(\\.?/)?${escapeRegExp(m.dir)}(/[^\\s\`'")\\]*]*)?(?=$|[\\s\`'")\\],;*])`, 'g') }));
  const excluded = globsMatcher(excludes);
  const candidateDirs = new Set(candidates.map((m) => m.dir));
  for (const p of ws.paths) {
    if (!DOC_FILE.test(p) || !PROJECT_DOC.test(p) || RECORD_FILE.test(p) || excluded(p)) continue;
    const ownDir = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
    const isReadme = /(^|\/)readme(\.[^/]*)?$/i.test(p);
    const file = ws.read(p);
    // A doc speaks of a directory only by naming it, or as its README: the search for the words
    // (a case-blind scan of every project doc, 1.1 s at 100,000 files) only where one may.
    if (!file || file.text.length > MAX_DOC_BYTES || !(mayName(file.text, candidates) || (isReadme && candidateDirs.has(ownDir))) || !RETIRE_WORDS.test(file.text)) continue;
    file.text.split(/\r?\n/).forEach((line, i) => {
      if (!RETIRE_WORDS.test(line)) return;
      const where = `${p}:${i + 1} ("${line.trim().replace(/^(#+|[-*>]\s)\s*/, '').slice(0, 100)}")`;
      // A folder's own README that says the folder is deprecated.
      if (isReadme && ownDir !== '' && /\b(this|it)\b[^.]{0,60}\b(is|has been|was|are)\s+(now\s+)?(legacy|deprecated|obsolete|retired|superseded|unmaintained|no longer maintained)\b|^\s*(#+|>)\s*\W*(legacy|deprecated|obsolete|unmaintained)\W*$/i.test(line)) {
        for (const m of candidates) if (m.dir === ownDir && !out.has(m)) out.set(m, `its README says it is retired: ${where}`);
      }
      for (const clause of clausesOf(line)) {
        const word = RETIRE_WORDS.exec(clause);
        if (!word || NEGATED_BEFORE.test(clause.slice(0, word.index))) continue;
        for (const { m, re } of patterns) {
          if (out.has(m)) continue;
          re.lastIndex = 0;
          for (let hit = re.exec(clause); hit; hit = re.exec(clause)) {
            const before = clause.slice(0, hit.index + (hit[1] as string).length);
            if (DESTINATION_BEFORE.test(before)) continue;
            out.set(m, `the docs retire it: ${where}`);
            break;
          }
        }
      }
    });
  }
  return out;
}

/**
 * A package or Python project below the root with no lockfile and no source file under it (only
 * its `package.json` or `pyproject.toml`, a README, config): a scaffold or placeholder, with
 * nothing that its dependencies build yet.
 * Workspace roots are judged by their members, Dockerfiles and workflows by themselves.
 */
export function scaffoldReason(ws: Workspace, m: ManifestDir, excludes: readonly string[]): string | undefined {
  if (m.dir === '' || m.members.length > 0 || !['npm', 'bun', 'pip', 'uv'].includes(m.ecosystem)) return undefined;
  // A lockfile means someone installs from it; a requirements file is a list to install, not a project.
  if (m.files.some((f) => LOCKFILE.test(f) || /requirements[^/]*\.(txt|in)$|Pipfile$/i.test(f))) return undefined;
  const prefix = `${m.dir}/`;
  const excluded = globsMatcher(excludes);
  const hasSource = ws.paths.some((p) => p.startsWith(prefix) && SOURCE_FILE.test(p) && !excluded(p) && !/(^|\/)(setup\.py|conftest\.py|[^/]*\.config\.[cm]?[jt]s)$/.test(p));
  return hasSource ? undefined : 'a scaffold: no source file under it yet';
}

// ---------------------------------------------------------------------------------------------
// Directories the CI already builds

/** Variables CI services set to the checkout's root: `${CIRCLE_WORKING_DIRECTORY}/web` is `web`. */
const CHECKOUT_ROOT = /^(\$\{\{\s*github\.workspace\s*\}\}|\$\{?(GITHUB_WORKSPACE|CIRCLE_WORKING_DIRECTORY|CI_PROJECT_DIR|TRAVIS_BUILD_DIR|BITBUCKET_CLONE_DIR|BUILD_SOURCESDIRECTORY)\}?)(\/|$)/;
/** Other CI services' configs: every string in them is read as commands. */
const OTHER_CI = /^(\.circleci\/config\.ya?ml|\.gitlab-ci\.ya?ml|\.travis\.ya?ml|azure-pipelines\.ya?ml|bitbucket-pipelines\.ya?ml)$/;

function cleanPath(raw: string, base: string): string | undefined {
  let v = raw.trim().replace(/^["']|["']$/g, '');
  const root = CHECKOUT_ROOT.exec(v);
  if (root) {
    v = v.slice(root[0].length) || '.';
    base = '';
  }
  // Absolute and home paths are the runner's (`cd /tmp`), not the repository's.
  if (v === '' || v.includes('$') || /^[a-z]+:\/\//i.test(v) || /^[-/~]/.test(v)) return undefined;
  return checkoutDir(v, base);
}

/** A string scalar's value (a number or a boolean is not a path here). */
function literal(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

function parentOf(p: string): string {
  return p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
}

/** Directories named by one `run:` script: `cd x`, `--prefix x`, `-r x/requirements.txt`, `-f x/Dockerfile`, a build context. */
function runDirs(script: string, base: string, out: Set<string>): void {
  for (const command of script.split(/\r?\n|&&|\|\||;|\|/)) {
    const words = command.trim().split(/\s+/).filter(Boolean);
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as string;
      const next = words[i + 1];
      if (next === undefined) continue;
      if (w === 'cd' || w === 'pushd' || w === '--prefix' || w === '--cwd' || w === '--dir' || w === '-C' || w === '--directory' || w === '--project' || w === '--working-directory') {
        const d = cleanPath(next, base);
        if (d !== undefined) out.add(d);
      } else if (w === '-r' || w === '--requirement' || w === '-c' || w === '-f' || w === '--file') {
        const f = cleanPath(next, base);
        if (f !== undefined && /(requirements[^/]*\.(txt|in)|Dockerfile[^/]*|[^/]*\.dockerfile|constraints[^/]*\.txt)$/i.test(f)) out.add(parentOf(f));
      }
    }
    // `docker build … <context>`: the last word is the build context.
    if (/\bdocker\s+(buildx\s+)?build\b/.test(command)) {
      const last = words[words.length - 1];
      const d = last !== undefined && !last.startsWith('-') ? cleanPath(last, base) : undefined;
      if (d !== undefined) out.add(d);
    }
  }
}

/**
 * The directories the CI already builds or installs from: in GitHub workflows, `working-directory`
 * (job defaults and steps), `cd`/`--prefix`/`-r`/`-f` and `docker build` contexts in `run:`, and
 * the `cache-dependency-path`, `context`, `file`, `dockerfile` and `working-directory` inputs of
 * actions; in CircleCI, GitLab, Travis, Azure and Bitbucket configs, the same commands in any
 * string. A path may start at the checkout's root variable (`${CIRCLE_WORKING_DIRECTORY}/web`).
 * Dependabot entries for these are what maintainers mostly accept.
 */
export function ciDirectories(ws: Workspace): Set<string> {
  const out = new Set<string>();
  for (const p of ws.paths) {
    if (OTHER_CI.test(p)) {
      const file = ws.read(p);
      const parsed = file ? parseYaml(file) : undefined;
      if (!parsed || parsed.error) continue;
      const stack: unknown[] = [parsed.doc.contents];
      while (stack.length) {
        const n = stack.pop();
        if (isMap(n) || isSeq(n)) for (const item of n.items) stack.push(isPair(item) ? item.value : item);
        else if (isScalar(n) && typeof n.value === 'string') runDirs(n.value, '', out);
      }
      continue;
    }
    if (!isWorkflowPath(p)) continue;
    const file = ws.read(p);
    if (!file) continue;
    const workflow = readWorkflow(file);
    if (workflow.error) continue;
    for (const job of workflow.jobs) {
      // The job's own default, as written: a checkout-root variable (`${{ github.workspace }}/web`) is read too.
      const jobDefault = jobWorkingDirectory(job.map);
      const jobDir = jobDefault !== undefined ? cleanPath(jobDefault, '') : undefined;
      if (jobDir !== undefined) out.add(jobDir);
      for (const step of job.steps) {
        const written = literal(step.workingDirectoryPair?.value);
        const stepDir = written !== undefined ? cleanPath(written, '') : undefined;
        if (stepDir !== undefined) out.add(stepDir);
        const base = stepDir ?? jobDir ?? '';
        if (step.run && literal(step.run.node) !== undefined) runDirs(step.run.script, base, out);
        const input = (key: string): string | undefined => literal(step.with.get(key)?.pair.value);
        for (const key of ['working-directory', 'context', 'project']) {
          const v = input(key);
          const d = v !== undefined ? cleanPath(v, '') : undefined;
          if (d !== undefined) out.add(d);
        }
        for (const key of ['cache-dependency-path', 'file', 'dockerfile']) {
          const v = input(key);
          if (v === undefined) continue;
          for (const line of v.split(/\r?\n/)) {
            const f = cleanPath(line, '');
            if (f !== undefined && !/[*?[]/.test(f)) out.add(parentOf(f));
          }
        }
      }
    }
  }
  return out;
}
