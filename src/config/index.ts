/**
 * The configuration: one entry point, `loadConfig`, turns the config file (or its absence)
 * into what the run needs. See README.md in this folder (wiring, file format, presets).
 */
import path from 'node:path';
import type { Diagnostic, Finding, Safety, Severity } from '../model/types.js';
import type { Rule } from '../model/rule.js';
import type { Workspace } from '../workspace/workspace.js';
import { globToRegExp } from '../formats/glob.js';
import { ConfigError, findConfigFile, readConfigSource, validateConfig } from './load.js';
import { unknownRulesMessage } from '../util/suggest.js';

export { ConfigError, findConfigFile, searchTop, CONFIG_FILE_NAMES, CONFIG_SCHEMA_PATH, configSchema } from './load.js';

export type Preset = 'recommended' | 'strict';

/** The file format (schemas/config.schema.json is the authority). */
export interface ConfigFile {
  $schema?: string;
  preset?: Preset;
  include?: string[];
  exclude?: string[];
  safety?: Safety;
  docs?: Record<string, unknown>;
  rules?: Record<string, { enabled?: boolean; severity?: Severity; options?: Record<string, unknown> }>;
}

/** The rules that read the shared `docs` options. */
export const DOCS_RULES: readonly string[] = ['docs-dead-reference', 'docs-command-drift', 'docs-port-drift'];

export interface ResolvedConfig {
  /** Absolute path of the file read; undefined when none was found (defaults). */
  source: string | undefined;
  preset: Preset;
  /** The rules to run, in registry order, severity overrides applied (wrapped). */
  rules: Rule[];
  /** For RunOptions.ruleOptions: per rule id, the options (docs options merged in). */
  ruleOptions: Record<string, Record<string, unknown>>;
  /** Effective severity per rule id where it differs from the rule's default (for SARIF). */
  severityOverrides: Record<string, Severity>;
  /** The fix classes --write may apply (`safe`, or `safe` + `review`). */
  safety: Safety;
  include: string[];
  exclude: string[];
  /** Whether findings in this repo-relative path are reported. */
  matches(file: string): boolean;
  /** The include/exclude filter as a RunOptions.keep predicate. */
  keep(finding: Finding, ws: Workspace): boolean;
  /**
   * What the run should say about the configuration (`note` diagnostics, printed with the
   * run's): an `include`/`exclude` pattern that can match no repository path (outside the
   * root, or with a `.`/`..` segment), named with its line in the config file. `pointer` is
   * the JSON Pointer segments of the value in the file.
   */
  notes: Array<Diagnostic & { pointer?: string[] }>;
}

export interface LoadConfigOptions {
  /** The repository root the run is on (search starts here). */
  root: string;
  /** `--config PATH` (relative to the cwd): use this file, no search. */
  configPath?: string;
  /** Every known rule (the registry). */
  registry: readonly Rule[];
  /** `--select id,…` (and `--rule id`): run exactly these (even when the config turns them off). */
  only?: readonly string[];
  /** `--ignore id,…`: do not run these (wins over `only` and the configuration). */
  ignore?: readonly string[];
  /**
   * A configuration file laid over the one found (or given): a campaign's overrides for every
   * target repository (`campaign run --config`). See `overlayConfig` for how they merge.
   */
  override?: string;
}

/**
 * `over` laid on `base`: per rule id, `enabled` and `severity` from `over` win and `options`
 * merge key by key; `docs` merges key by key; every other key of `over` replaces the base's.
 */
export function overlayConfig(base: ConfigFile, over: ConfigFile): ConfigFile {
  const out: ConfigFile = { ...base, ...over };
  if (base.docs || over.docs) out.docs = { ...(base.docs ?? {}), ...(over.docs ?? {}) };
  if (base.rules || over.rules) {
    const rules: NonNullable<ConfigFile['rules']> = { ...(base.rules ?? {}) };
    for (const [id, cfg] of Object.entries(over.rules ?? {})) {
      const prev = rules[id] ?? {};
      rules[id] = { ...prev, ...cfg, ...(prev.options || cfg.options ? { options: { ...(prev.options ?? {}), ...(cfg.options ?? {}) } } : {}) };
    }
    out.rules = rules;
  }
  return out;
}

function readOverride(file: string): ConfigFile {
  const found = findConfigFile(path.dirname(path.resolve(file)), file);
  const source = readConfigSource((found as { file: string }).file, (found as { kind: Parameters<typeof readConfigSource>[1] }).kind, file);
  validateConfig(source, file);
  return source.value as ConfigFile;
}

/**
 * Find, read, validate and resolve the configuration. Throws ConfigError (exit 2) for a bad
 * file, a bad key or value (with its JSON Pointer and line:column), or an unknown --select /
 * --ignore id (with the ids it may mean).
 */
export function loadConfig(options: LoadConfigOptions): ResolvedConfig {
  const found = findConfigFile(options.root, options.configPath);
  const override = options.override !== undefined ? readOverride(options.override) : undefined;
  if (!found) return resolveConfig(override ?? {}, options, override ? path.resolve(options.override as string) : undefined);
  const display = options.configPath ?? (path.relative(process.cwd(), found.file) || found.file);
  const source = readConfigSource(found.file, found.kind, display);
  validateConfig(source, display);
  const doc = override ? overlayConfig(source.value as ConfigFile, override) : (source.value as ConfigFile);
  const resolved = resolveConfig(doc, options, found.file);
  resolved.notes = resolved.notes.map((n) => {
    const at = n.pointer ? source.locate(n.pointer) : undefined;
    const where = `${display}${at ? `:${at.line}:${at.column}` : ''}`;
    return { file: display, ...(at ? { line: at.line, column: at.column } : {}), kind: 'note' as const, pointer: n.pointer, message: `${where}: ${n.message}` };
  });
  return resolved;
}

/**
 * Why an include/exclude pattern can match no repository path, or undefined. Patterns are
 * matched against paths relative to the root, which never start with `/` or `..` and have no
 * `.`/`..` segments.
 */
export function patternProblem(pattern: string): string | undefined {
  const p = pattern.replace(/^(\.\/)+/, '');
  if (p.startsWith('/') || p.startsWith('~') || /^[A-Za-z]:[\\/]/.test(p)) return 'is an absolute path; patterns are relative to the root, so it matches nothing';
  const segs = p.split('/');
  let depth = 0;
  for (const s of segs) {
    if (s === '..') {
      if (--depth < 0) return 'points outside the root (a leading `..`); files outside the root are not part of the run, so it matches nothing';
    } else if (s !== '.' && s !== '') depth++;
  }
  if (segs.some((s) => s === '.' || s === '..')) return 'has a `.` or `..` segment; repository paths have none, so it matches nothing';
  return undefined;
}

/** Resolve an already validated document (exported for tests and programmatic use). */
export function resolveConfig(doc: ConfigFile, options: Pick<LoadConfigOptions, 'registry' | 'only' | 'ignore'>, source?: string): ResolvedConfig {
  const preset: Preset = doc.preset ?? 'recommended';
  const ids = options.registry.map((r) => r.meta.id);
  const known = new Set(ids);
  const unknown = [...new Set([...(options.only ?? []), ...(options.ignore ?? [])])].filter((id) => !known.has(id));
  if (unknown.length) throw new ConfigError(unknownRulesMessage(unknown, ids), undefined, undefined);
  const ignored = new Set(options.ignore ?? []);
  const rulesCfg = doc.rules ?? {};
  const severityOverrides: Record<string, Severity> = {};
  const ruleOptions: Record<string, Record<string, unknown>> = {};
  const rules: Rule[] = [];
  for (const rule of options.registry) {
    const id = rule.meta.id;
    const cfg = rulesCfg[id] ?? {};
    const enabled = options.only && options.only.length > 0 ? options.only.includes(id) : (cfg.enabled ?? rule.meta.defaultEnabled ?? true);
    ruleOptions[id] = { ...(DOCS_RULES.includes(id) ? doc.docs ?? {} : {}), ...(cfg.options ?? {}) };
    const severity = cfg.severity ?? (preset === 'strict' ? 'error' : undefined);
    if (severity && severity !== rule.meta.defaultSeverity) severityOverrides[id] = severity;
    if (!enabled || ignored.has(id)) continue;
    rules.push(severity ? withSeverity(rule, severity) : rule);
  }
  const include = doc.include ?? [];
  const exclude = doc.exclude ?? [];
  const matches = pathMatcher(include, exclude);
  const notes: Array<Diagnostic & { pointer?: string[] }> = [];
  for (const [key, list] of [['include', include], ['exclude', exclude]] as const) {
    list.forEach((g, i) => {
      const problem = patternProblem(g);
      if (!problem) return;
      const tail = key === 'include' && list.every((x) => patternProblem(x) !== undefined) ? '; no other include pattern matches either, so no finding is reported' : '';
      notes.push({ file: '', kind: 'note', pointer: [key, String(i)], message: `${key} pattern \`${g}\` ${problem}${tail}` });
    });
  }
  return {
    source,
    preset,
    rules,
    ruleOptions,
    severityOverrides,
    safety: doc.safety ?? 'safe',
    include,
    exclude,
    matches,
    keep: (finding) => matches(finding.file),
    notes,
  };
}

/**
 * A rule whose findings all carry `severity` (a configured severity replaces the rule's own
 * choice, including the lower severity some rules use when they cannot check).
 */
export function withSeverity(rule: Rule, severity: Severity): Rule {
  return {
    meta: { ...rule.meta, defaultSeverity: severity },
    async check(ctx) {
      return (await rule.check(ctx)).map((f) => ({ ...f, severity }));
    },
    // The same rule, reading the same docs and data.
    ...(rule.docsReadAhead ? { docsReadAhead: rule.docsReadAhead } : {}),
    ...(rule.reads ? { reads: rule.reads } : {}),
  };
}

/**
 * include/exclude over repo-relative paths, with src/formats/glob.ts. A glob without a `/`
 * matches a file or folder name at any depth (as in .gitignore); a glob matching a folder
 * matches everything under it. No include: everything is included.
 */
export function pathMatcher(include: readonly string[], exclude: readonly string[]): (file: string) => boolean {
  const compile = (g: string): RegExp => globToRegExp(g.replace(/^\.?\//, '').includes('/') ? g : `**/${g}`);
  const inc = include.map(compile);
  const exc = exclude.map(compile);
  const hit = (res: RegExp[], file: string): boolean => {
    for (let p = file; p !== ''; p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '') if (res.some((re) => re.test(p))) return true;
    return false;
  };
  return (file) => (inc.length === 0 || hit(inc, file)) && !hit(exc, file);
}

/** The fix classes to accept: the config's threshold, raised to `review` by --unsafe-fixes. */
export function acceptedSafety(config: Pick<ResolvedConfig, 'safety'>, unsafeFixes: boolean): Set<Safety> {
  return new Set<Safety>(unsafeFixes || config.safety === 'review' ? ['safe', 'review'] : ['safe']);
}

/**
 * Several keep predicates as one, evaluated in order (stops at the first false). Order them
 * path filters (config, --changed-since) → suppressions → baseline: a suppressed finding must
 * reach the suppression predicate to count as a use even when the baseline also lists it.
 */
export function allOf(...predicates: Array<((finding: Finding, ws: Workspace) => boolean) | undefined>): (finding: Finding, ws: Workspace) => boolean {
  const list = predicates.filter((p): p is (finding: Finding, ws: Workspace) => boolean => !!p);
  return (finding, ws) => list.every((p) => p(finding, ws));
}
