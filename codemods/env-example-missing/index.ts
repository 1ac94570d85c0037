import path from 'node:path/posix';
import type { RawFinding, SkipReason } from '../../src/model/types.js';
import type { OptionSchema, Rule } from '../../src/model/rule.js';
import { DOCS_OPTIONS } from '../docs-options.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { isScriptPath } from '../../src/formats/bundler-config.js';
import { globsMatcher } from '../../src/formats/glob.js';
import { isComposePath } from '../../src/formats/compose.js';
import { DEFAULT_MANIFEST_EXCLUDES } from '../../src/facts/ecosystems.js';
import { DEFAULT_LEDGER_GLOBS, docsOptions } from '../../src/facts/docs/options.js';
import { isEnvTemplate, isGitIgnored } from '../../src/facts/docs/paths.js';
import { DOC_COMMANDS } from '../../src/facts/docs/commands.js';
import { composeEnvReads, dotenvNames, isDotenvPath, isTemplateSpelling, placeholderFor, pythonEnvReads, scriptEnvReads, type EnvRead } from './env-names.js';
import { composeReferences, docReferences, gitignoreReferences, scriptReferences, type TemplateRef } from './references.js';
import { majorityLineEnding } from '../../src/facts/files.js';

/** Paths never read for names or references: dependencies, vendored and generated code, test data, archives. */
export const DEFAULT_EXCLUDE: readonly string[] = [...DEFAULT_MANIFEST_EXCLUDES, '**/dist/**', '**/build/**', '**/*.min.js', '**/.next/**', '**/coverage/**', '**/legacy/**', '**/deprecated/**'];

/** The docs rules' ledgers, plus legacy and deprecated folders: docs there describe what was. */
export const DEFAULT_LEDGER_GLOBS_HERE: readonly string[] = [...DEFAULT_LEDGER_GLOBS, '**/legacy/**', '**/deprecated/**'];

/** Test code: a name read only there is not something to configure. */
export const DEFAULT_TEST_GLOBS: readonly string[] = ['**/tests/**', '**/test/**', '**/__tests__/**', '**/e2e/**', '**/test_*.py', '**/*_test.py', '**/conftest.py', '**/*.test.*', '**/*.spec.*'];

/** Variables the platform, the shell, CI or the toolchain sets: never listed. */
export const DEFAULT_SKIP_NAMES: readonly string[] = [
  'HOME',
  'PATH',
  'PWD',
  'OLDPWD',
  'USER',
  'USERNAME',
  'LOGNAME',
  'SHELL',
  'TERM',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TMPDIR',
  'TMP',
  'TEMP',
  'HOSTNAME',
  'CI',
  'GITHUB_*',
  'RUNNER_*',
  'PYTHONPATH',
  'PYTHONUNBUFFERED',
  'PYTHONDONTWRITEBYTECODE',
  'VIRTUAL_ENV',
  'NODE_ENV',
  'XDG_*',
  'APPDATA',
  'LOCALAPPDATA',
  'USERPROFILE',
  'SYSTEMROOT',
  'COMSPEC',
  'PATHEXT',
  'npm_*',
  'VERCEL*',
  'NEXT_RUNTIME',
  'AWS_LAMBDA_*',
  'READTHEDOCS*',
  'RENDER*',
  'DOTENV_*',
  // Other CI services, terminals and test runners.
  'CI_*',
  'GITLAB_*',
  'CIRCLE*',
  'TRAVIS*',
  'BUILDKITE*',
  'JENKINS_*',
  'KUBERNETES_*',
  'NO_COLOR',
  'FORCE_COLOR',
  'COLUMNS',
  'LINES',
  'EDITOR',
  'VISUAL',
  'PAGER',
  'DISPLAY',
  'SHLVL',
  'SSH_*',
  'PYTEST_*',
];

/** Tooling whose variables are not the app's: CI and its helpers, scripts and tools folders, the docs build, nox, setup.py. */
export const DEFAULT_TOOLING_GLOBS: readonly string[] = ['.github/**', '.gitlab/**', '.circleci/**', 'ci/**', 'scripts/**', '**/scripts/**', 'tools/**', '**/docs/conf.py', '**/noxfile.py', '**/setup.py'];

interface Options {
  exclude: readonly string[];
  testGlobs: readonly string[];
  toolingGlobs: readonly string[];
  skipNames: readonly string[];
  composeDefaults: boolean;
  dotenvNames: boolean;
}

function strings(v: unknown, fallback: readonly string[]): readonly string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : fallback;
}

function readOptions(options: Record<string, unknown>): Options {
  return {
    exclude: strings(options.exclude, DEFAULT_EXCLUDE),
    testGlobs: strings(options.testGlobs, DEFAULT_TEST_GLOBS),
    toolingGlobs: strings(options.toolingGlobs, DEFAULT_TOOLING_GLOBS),
    skipNames: strings(options.skipNames, DEFAULT_SKIP_NAMES),
    composeDefaults: options.composeDefaults !== false,
    dotenvNames: options.dotenvNames !== false,
  };
}

/** A platform name: listed in `skipNames`, or with lower-case letters (`npm_package_version`). */
function nameSkipped(name: string, skip: readonly string[]): boolean {
  if (/[a-z]/.test(name)) return true;
  return skip.some((s) => (s.endsWith('*') ? name.startsWith(s.slice(0, -1)) : name === s));
}

function dirOf(p: string): string {
  const d = path.dirname(p);
  return d === '.' ? '' : d;
}

/** A path a new file can take: not inside `.git`, and no folder on the way is a file. */
function creatable(ws: Workspace, p: string): boolean {
  const parts = p.split('/');
  if (parts.includes('.git')) return false;
  for (let i = 1; i < parts.length; i++) if (ws.has(parts.slice(0, i).join('/'))) return false;
  return true;
}

function within(dir: string, p: string): boolean {
  return dir === '' || p.startsWith(`${dir}/`);
}

// ---------------------------------------------------------------------------------------------
// The names for one template

interface Group {
  /** The comment line above the group (without `# `). */
  title: string;
  names: EnvRead[];
}

/**
 * Where a name is declared, most specific first: a pydantic settings class, a config module, any
 * other code, a compose file, a real env file. A name is listed once, in the group of the most
 * specific place that reads it: that is where a maintainer looks it up.
 */
type Place = 'settings' | 'config' | 'code' | 'compose' | 'dotenv';
const PLACE_ORDER: readonly Place[] = ['settings', 'config', 'code', 'compose', 'dotenv'];

interface Source extends Group {
  place: Place;
  path: string;
}

/**
 * A module that holds configuration: `config.py`, `settings.ts`, `app_config.py`,
 * `config_loader.py`, `env.ts`, `settings/base.py`, `src/config/index.ts`. Build tools' own
 * configs (`vite.config.ts`, `jest.config.js`) are code like any other.
 */
const CONFIG_STEM = /^(?:[a-z0-9]+[_-])?(?:config|settings|conf|configuration|env|environment)(?:[_-](?:loader|base|defaults?|common|local|prod|production|dev|development|staging))?$/i;
const CONFIG_DIR = /(^|\/)(config|configs|settings|conf|configuration)\/[^/]+$/i;

export function isConfigModule(p: string): boolean {
  const base = p.slice(p.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  const stem = dot === -1 ? base : base.slice(0, dot);
  if (/\.config\.[cm]?[jt]sx?$/i.test(base)) return false;
  return CONFIG_STEM.test(stem) || CONFIG_DIR.test(p);
}

interface Collected {
  groups: Group[];
  /** One default per name, from compose `${X:-d}`; null when the defaults disagree. */
  defaults: Map<string, string | null>;
  /** Files the names came from (for the line ending). */
  files: string[];
  /** Names every read of which has a default or only checks presence: written commented out. */
  optional: Set<string>;
}

/**
 * The names the code, compose files and env files under `dir` read, grouped by where each is
 * declared (settings classes, config modules, other code, compose, env files), with the names
 * that need a value before the ones that have a default.
 */
async function collectNames(ws: Workspace, dir: string, opts: Options): Promise<Collected> {
  const sources: Source[] = [];
  const defaults = new Map<string, string | null>();
  const files: string[] = [];
  // Compiled once for the loop over every path (a glob compiled per path was most of this rule's time).
  const skipped = globsMatcher([...opts.exclude, ...opts.testGlobs, ...opts.toolingGlobs]);
  for (const p of ws.paths) {
    if (!within(dir, p) || skipped(p)) continue;
    if (isComposePath(p)) {
      const file = ws.read(p);
      if (!file || !file.text.includes('$') && !/environment/.test(file.text)) continue;
      const reads = composeEnvReads(file);
      for (const r of reads) {
        if (r.default === undefined) continue;
        const seen = defaults.get(r.name);
        defaults.set(r.name, seen === undefined || seen === r.default ? r.default : null);
      }
      if (reads.length) {
        sources.push({ place: 'compose', path: p, title: `${p} (compose)`, names: reads });
        files.push(p);
      }
    } else if (/\.py$/i.test(p)) {
      // Code is scanned for the names it reads: a module that does not parse adds none, and
      // is no concern of this rule's.
      const file = ws.probe(p);
      if (!file) continue;
      const r = await pythonEnvReads(file);
      for (const s of r.settings) if (s.reads.length) sources.push({ place: 'settings', path: p, title: `${p}: ${s.name} (pydantic settings${s.prefix ? `, prefix ${s.prefix}` : ''})`, names: s.reads });
      if (r.os.length) sources.push({ place: isConfigModule(p) ? 'config' : 'code', path: p, title: p, names: r.os });
      if (r.os.length || r.settings.some((s) => s.reads.length)) files.push(p);
    } else if (isScriptPath(p)) {
      const file = ws.probe(p);
      if (!file) continue;
      const reads = await scriptEnvReads(file);
      if (reads.length) {
        sources.push({ place: isConfigModule(p) ? 'config' : 'code', path: p, title: p, names: reads });
        files.push(p);
      }
    } else if (opts.dotenvNames && isDotenvPath(p) && !isTemplateSpelling(p) && dirOf(p) === dir) {
      const file = ws.probe(p);
      if (!file) continue;
      const reads = dotenvNames(file);
      if (reads.length) sources.push({ place: 'dotenv', path: p, title: `also in ${p} (names only: its values are not copied)`, names: reads });
    }
  }
  // Settings classes in source order within their module; everything else by path.
  const ordered = PLACE_ORDER.flatMap((place) => sources.filter((s) => s.place === place).sort((a, b) => a.path.localeCompare(b.path)));
  // Optional when some read has a default and none needs a value; a read that says neither
  // (a bare `process.env.X`, an env file) does not decide.
  const optional = new Set<string>();
  const required = new Set<string>();
  for (const g of ordered) for (const r of g.names) if (r.optional !== undefined) (r.optional ? optional : required).add(r.name);
  for (const n of required) optional.delete(n);
  // Each name once: in the most specific group that reads it; in a group, the names that need a
  // value first, each part in the order the group reads them.
  const seen = new Set<string>();
  const groups: Group[] = [];
  for (const g of ordered) {
    const names: EnvRead[] = [];
    for (const r of g.names) {
      if (seen.has(r.name) || nameSkipped(r.name, opts.skipNames)) continue;
      seen.add(r.name);
      names.push(r);
    }
    const sorted = [...names.filter((r) => !optional.has(r.name)), ...names.filter((r) => optional.has(r.name))];
    if (sorted.length) groups.push({ title: g.title, names: sorted });
  }
  return { groups, defaults, files, optional };
}

const HEADER = [
  '# Environment variables this project reads. Copy this file to .env and set the values.',
  '# Generated by autopack-fix (env-example-missing) from the names the code and compose files',
  '# read; the values are placeholders, never copied from a real env file.',
];

/** Said once in the header when some name is written commented out. */
const OPTIONAL_NOTE = '# Names commented out have a default in the code: uncomment one to override it.';

function render(collected: Collected, opts: Options, eol: string): string {
  const lines = [...HEADER];
  if (collected.groups.some((g) => g.names.some((r) => collected.optional.has(r.name)))) lines.push(OPTIONAL_NOTE);
  for (const g of collected.groups) {
    lines.push('', `# ${g.title}`);
    for (const r of g.names) {
      const d = opts.composeDefaults ? collected.defaults.get(r.name) : undefined;
      // An empty `NAME=` in a copied .env would override the code's default (or turn a presence check on).
      lines.push(`${collected.optional.has(r.name) ? '# ' : ''}${r.name}=${placeholderFor(r.name, d ?? undefined)}`);
    }
  }
  return `${lines.join(eol)}${eol}`;
}


// ---------------------------------------------------------------------------------------------

function listed(items: string[], max = 4): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function describeRefs(refs: TemplateRef[]): string {
  const byFile = new Map<string, string[]>();
  for (const r of refs) {
    const vias = byFile.get(r.file) ?? [];
    if (!vias.includes(r.via)) vias.push(r.via);
    byFile.set(r.file, vias);
  }
  return listed([...byFile].map(([f, vias]) => `${f} (${vias.join(', ')})`));
}

/**
 * An env template (`.env.example`, `.env.sample` …) that docs, compose `env_file:`, scripts or a
 * `.gitignore` negation reference but that does not exist (seed 0.1a). The fix creates it in
 * the folder the references point to, listing the names the code and compose files there read,
 * with placeholders only.
 */
export const rule: Rule = {
  meta: {
    id: 'env-example-missing',
    seedIds: ['0.1a'],
    summary: 'An env template (.env.example …) is referenced but missing; generate it from the env names the code and compose read.',
    defaultSeverity: 'warning',
    fixable: 'safe',
    messages: {
      missing: '`{{template}}` does not exist, but {{refs}} {{verb}} it; {{variables}} the project reads can be listed there ({{names}})',
      otherTemplates: '`{{template}}` does not exist, but {{refs}} {{verb}} it; other missing env templates are referenced too ({{others}}): which names belong in which is not clear (not created)',
      siblingTemplate: '`{{template}}` does not exist, but {{refs}} {{verb}} it; `{{sibling}}` is there: the references may mean it (not created)',
      nothingToList: '`{{template}}` does not exist, but {{refs}} {{verb}} it; no environment variable the code or compose files{{under}} read was found to list in it (not created)',
    },
    options: {
      exclude: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Globs of paths never read for names or references.', default: DEFAULT_EXCLUDE },
      testGlobs: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Globs of test code: names read only there are not listed.', default: DEFAULT_TEST_GLOBS },
      skipNames: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Names never listed (a trailing * matches a prefix).', default: DEFAULT_SKIP_NAMES },
      composeDefaults: { type: 'boolean', description: 'Use a non-secret compose ${X:-default} as the placeholder (default true).', default: true },
      dotenvNames: { type: 'boolean', description: 'Also list the names (never the values) of real env files in the template\'s folder (default true).', default: true },
      toolingGlobs: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Globs of tooling code (CI helpers, the docs build): names read only there are not listed.', default: DEFAULT_TOOLING_GLOBS },
      // The docs rules' options, for the docs read here; the ledgers here also hold legacy/ and deprecated/.
      ...DOCS_OPTIONS,
      ledgerGlobs: { ...DOCS_OPTIONS.ledgerGlobs, default: DEFAULT_LEDGER_GLOBS_HERE } as OptionSchema,
    },
  },
  // The docs' commands, for the env files they copy or source (references.ts).
  reads: [DOC_COMMANDS],
  async check({ workspace: ws, options }) {
    const opts = readOptions(options);
    const excluded = globsMatcher(opts.exclude);
    const include = (p: string): boolean => !excluded(p);
    const refs = [
      // The docs rules' options (`ledgerGlobs`, `excludeGlobs` …) apply to the docs read here too.
      ...(await docReferences(ws, docsOptions({ ...options, ledgerGlobs: strings(options.ledgerGlobs, DEFAULT_LEDGER_GLOBS_HERE) }))),
      ...composeReferences(ws, include),
      ...scriptReferences(ws, include),
      ...gitignoreReferences(ws, include),
    ].filter((r) => !ws.has(r.template) && !ws.hasDir(r.template) && include(r.template) && creatable(ws, r.template) && !isGitIgnored(ws, r.template));
    if (refs.length === 0) return [];
    const byTemplate = new Map<string, TemplateRef[]>();
    for (const r of refs) byTemplate.set(r.template, [...(byTemplate.get(r.template) ?? []), r]);
    const templates = [...byTemplate.keys()].sort();
    const findings: RawFinding[] = [];
    for (const template of templates) {
      const list = (byTemplate.get(template) as TemplateRef[]).sort((a, b) => a.file.localeCompare(b.file) || a.offset - b.offset);
      const first = list[0] as TemplateRef;
      const dir = dirOf(template);
      const files = new Set(list.map((r) => r.file)).size;
      const about = { template, refs: describeRefs(list), verb: files === 1 ? 'references' : 'reference' };
      const report = (messageId: string, data: Record<string, string>, skipReason: SkipReason): void => {
        findings.push({ file: first.file, offset: first.offset, key: `missing:${template}`, messageId, data: { ...about, ...data }, skipReason, fix: null });
      };
      const others = templates.filter((t) => t !== template);
      if (others.length) {
        report('otherTemplates', { others: others.map((t) => `\`${t}\``).join(', ') }, 'ambiguous-target');
        continue;
      }
      const sibling = ws.paths.find((p) => dirOf(p) === dir && isTemplateSpelling(p));
      if (sibling) {
        report('siblingTemplate', { sibling }, 'ambiguous-target');
        continue;
      }
      const collected = await collectNames(ws, dir, opts);
      const names = collected.groups.flatMap((g) => g.names.map((n) => n.name));
      if (names.length === 0) {
        report('nothingToList', { under: dir ? ` under ${dir}/` : '' }, 'no-candidate');
        continue;
      }
      // CRLF when most of the files the template is made from use it.
      const eol = majorityLineEnding(ws, [...collected.files, ...list.map((r) => r.file)]);
      findings.push({
        file: first.file,
        offset: first.offset,
        key: `missing:${template}`,
        messageId: 'missing',
        data: { ...about, variables: `${names.length} variable${names.length === 1 ? '' : 's'}`, names: listed(names, 6) },
        fix: {
          safety: 'safe',
          description: `create ${template} with ${names.length} variable name${names.length === 1 ? '' : 's'} and placeholder values`,
          edits: [],
          creates: [{ file: template, content: render(collected, opts, eol) }],
        },
      });
    }
    return findings;
  },
};

export default rule;

export const internals = { readOptions, collectNames, render };
