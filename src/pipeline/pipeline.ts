/**
 * The one way from what the user asked for to a run of the engine. Every front end (the plain
 * run, `--write`, `--write --branch`, `pr`, and the library) builds a Pipeline and runs the
 * engine through it, so a rule turned off in the configuration, its options, include/exclude,
 * inline suppressions, `--changed-since` and the baseline mean the same thing everywhere.
 *
 *   config file → rule selection (enabled, --select/--rule, --ignore, severities) → rule options
 *     → keep chain: paths (include/exclude, the file arguments) → --changed-since → suppressions → baseline
 *     → workspace → engine run
 *
 * The keep chain is ordered so that a suppressed finding reaches the suppression predicate (and
 * counts as used) even when the baseline also lists it.
 *
 * Everything is resolved from the user's root (the config search, the baseline file, the
 * changed files). The workspace may be opened elsewhere: the branch builder runs the engine in
 * a temporary worktree. The keep predicates match root-relative paths and read line text from
 * the view they are given, so they work unchanged on a worktree of the same repository.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic, Finding, Safety } from '../model/types.js';
import { effectiveOptions, type Rule } from '../model/rule.js';
import { RULES } from '../rules/registry.js';
import { Workspace, type FileReadObserver, type GitAnswers } from '../workspace/workspace.js';
import { run, type RunOptions, type RunResult } from '../engine/run.js';
import { createSuppressions, type SuppressionSession } from '../engine/suppressions.js';
import { baselineFilter, loadBaseline, type BaselineFilter } from '../engine/baseline.js';
import { acceptedSafety, allOf, loadConfig, type ResolvedConfig } from '../config/index.js';
import { changedFilesKeep, changedSince } from '../git/changed.js';
import { collectSecrets, redactText } from '../report/secrets.js';
import { actionKey, imageKey, parsePinMapText, pinMapSections, splitActionRef, type PinMap } from '../formats/pin-map.js';
import { ConfigError } from '../config/load.js';
import { resolvePins, type PinLookup, type Resolution, type ResolveOptions } from '../pins/resolve.js';
import { pinRequests } from '../pins/collect.js';
import { PassCache } from '../cache/pass-cache.js';
import { setParseStore } from '../formats/store.js';
import { ParsePrefetch } from '../parallel/prefetch.js';
import type { Concurrency } from '../util/concurrency.js';
import { DEFAULT_MAX_FILE_BYTES } from '../workspace/workspace.js';

export type Keep = (finding: Finding, ws: Workspace) => boolean;

/** What the engine needs to know, beyond the workspace, to run the way the user configured. */
export interface Selection {
  /** The rules to run, in catalogue order (severity overrides applied, unused-suppression bound and last). */
  rules: readonly Rule[];
  ruleOptions?: Readonly<Record<string, Record<string, unknown>>>;
  /** The fix classes the user accepts (config `safety`, raised by --unsafe-fixes). */
  accepted: ReadonlySet<Safety>;
  /** Drops findings before anything else sees them (see the module comment for the order). */
  keep?: Keep;
}

export interface PipelineOptions {
  /** The user's root; relative paths resolve against the current directory. */
  root: string;
  /** `--config PATH` (relative to the cwd): this file, no search. */
  configPath?: string;
  /** A configuration laid over the one found or given (a campaign's overrides; see overlayConfig). */
  configOverride?: string;
  /** `--select id,…` (and `--rule id`): exactly these rules, even when the configuration turns them off. */
  only?: readonly string[];
  /** `--ignore id,…`: not these rules (wins over `only` and the configuration). */
  ignore?: readonly string[];
  /**
   * The file arguments (`autopack-fix [paths…]`): only findings in these root-relative,
   * `/`-separated paths are reported and fixed; a path names a file or everything under a
   * folder ('' or '.' is the whole root). Facts still come from the whole root.
   */
  paths?: readonly string[];
  /** `--unsafe-fixes`: accept review-class fixes too. */
  unsafeFixes?: boolean;
  /** `--changed-since REF`: only findings in files changed since the merge-base with REF. */
  changedSince?: string;
  /** Default true. False: ignore the baseline file (`--no-baseline`, and `--update-baseline`, which rewrites it). */
  baseline?: boolean;
  maxFileBytes?: number;
  /** Told of each file the run's workspace reads from disk (WorkspaceOptions.onRead): the run memo's stat index. */
  onFileRead?: FileReadObserver;
  /**
   * What git said of the root just before the run (the run memo's listing): the first workspace
   * opened at the root takes it instead of asking git again. Later ones ask (a write may have
   * added files since).
   */
  git?: GitAnswers;
  /**
   * Nothing is written through this pipeline's workspaces (a report, a dry run): the bytes read
   * are not kept for a write's checks (WorkspaceOptions.keepOriginalBytes). Default false.
   */
  readOnly?: boolean;
  /**
   * `--pin-map FILE` (relative to the cwd): tag → commit and tag → digest pins, JSON or YAML,
   * handed to every rule with a `pinMap` option, over the map the configuration gives it.
   */
  pinMap?: string;
  /**
   * `--network`: look up the pins no map gives (action tag → commit through the GitHub API, image
   * tag → digest through its registry; src/pins/resolve.ts) before the run, and hand them to the
   * pin rules under the user's map. `env` gives GITHUB_API_URL, GITHUB_TOKEN and
   * AUTOPACK_FIX_REGISTRY_URL; `token` a GitHub token from elsewhere (`pr --token-env`).
   */
  network?: Pick<ResolveOptions, 'env' | 'token' | 'fetch' | 'timeoutMs'>;
  /**
   * The persistent cache's folder (src/cache/pass-cache.ts): what the Python pass read from each
   * module, and each doc's Markdown model, are kept there between runs. Undefined: no cache (the library default; the CLI passes
   * its default location unless `--no-cache`).
   */
  cache?: string;
  /**
   * Parse workers that read the Python modules and Markdown docs beside the run (src/parallel/):
   * a number (0: none), or `auto` (the default: one per core but one, for a repository of at
   * least 1,000 Python modules). The output is the same either way.
   */
  concurrency?: Concurrency;
  /** Every known rule (default: the registry). */
  registry?: readonly Rule[];
}

export interface Pipeline extends Selection {
  readonly root: string;
  readonly config: ResolvedConfig;
  readonly ruleOptions: Readonly<Record<string, Record<string, unknown>>>;
  readonly keep: Keep;
  readonly suppressions: SuppressionSession;
  /** The loaded baseline's filter; undefined when there is none or it is ignored. */
  readonly baseline: BaselineFilter | undefined;
  readonly maxFileBytes: number | undefined;
  /**
   * What `--network` looked up (undefined without it, or when there was nothing to look up):
   * the pins, and one note per ref that stays unpinned. Each front end prints the notes on
   * stderr once, whatever the report format (the findings carry the reasons).
   */
  readonly lookup: { resolution: Resolution; notes: Diagnostic[] } | undefined;
  /**
   * Open a workspace: the user's root by default, or `at` (the same root in a worktree of the
   * same repository) so that root-relative paths mean the same files.
   */
  open(at?: string): Promise<Workspace>;
  /**
   * Run the engine on `ws` with this pipeline's rules, options and keep chain. `apply`: the fix
   * classes to apply (default: none, detect only; findings still say whether their fix would be
   * accepted).
   */
  run(ws: Workspace, options?: Partial<Omit<RunOptions, 'keep' | 'ruleOptions'>>): Promise<RunResult>;
  /**
   * What the cache could not do (a corrupt or foreign cache not used, a cache that cannot be
   * written), once each, taken by the front end to print on stderr whatever the report format:
   * they are about the tool, not the repository.
   */
  takeCacheNotes(): Diagnostic[];
}

/**
 * Load the configuration, choose the rules and build the keep chain. Throws ConfigError for a
 * bad config or an unknown --select/--ignore id, BaselineError for a broken baseline file and
 * ChangedSinceError for an unusable --changed-since (each an exit 2 in the CLI).
 */
export async function createPipeline(options: PipelineOptions): Promise<Pipeline> {
  const root = path.resolve(options.root);
  const registry = options.registry ?? RULES;
  const config = loadConfig({ root, configPath: options.configPath, override: options.configOverride, registry, only: options.only, ignore: options.ignore });
  const accepted = acceptedSafety(config, !!options.unsafeFixes);
  const suppressions = createSuppressions({ selected: config.rules, knownRuleIds: registry.map((r) => r.meta.id) });
  const changedKeep = options.changedSince !== undefined ? changedFilesKeep(await changedSince(root, options.changedSince)) : undefined;
  const loaded = options.baseline !== false ? loadBaseline(root) : undefined;
  const baseline = loaded ? baselineFilter(loaded) : undefined;
  const keep = allOf(config.keep, options.paths ? pathsKeep(options.paths) : undefined, changedKeep, suppressions.keep, baseline?.keep);
  const rules = suppressions.rules;
  let ruleOptions = options.pinMap !== undefined ? withPinMap(config.ruleOptions, registry, loadPinMap(options.pinMap)) : config.ruleOptions;
  let lookup: Pipeline['lookup'];
  if (options.network) {
    lookup = await lookUpPins(root, rules, ruleOptions, accepted, keep, options);
    if (lookup) ruleOptions = withLookedUpPins(ruleOptions, registry, lookup.resolution);
  }
  const cache: { cache: PassCache; note?: string } | undefined = options.cache !== undefined ? PassCache.open(options.cache) : undefined;
  const cacheNotes: Diagnostic[] = [];
  let gitAnswers = options.git;
  return {
    takeCacheNotes: () => cacheNotes.splice(0),
    root,
    config,
    rules,
    ruleOptions,
    accepted,
    keep,
    suppressions,
    baseline,
    maxFileBytes: options.maxFileBytes,
    lookup,
    open: (at) => {
      const git = at === undefined ? gitAnswers : undefined;
      if (at === undefined) gitAnswers = undefined;
      return Workspace.open(at ?? root, { maxFileBytes: options.maxFileBytes, keepOriginalBytes: !options.readOnly, onRead: at === undefined ? options.onFileRead : undefined, git });
    },
    run: async (ws, overrides = {}) => {
      let raw: RunResult;
      const runRules = overrides.rules ?? rules;
      // Workers only for a cold cache: a warm one already holds what they would read.
      const prefetch =
        cache === undefined || cache.cache.cold
          ? ParsePrefetch.start(cache?.cache, { root: ws.root, paths: ws.paths, maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, rules: runRules.map((r) => r.meta.id), concurrency: options.concurrency ?? 'auto', peek: (p) => ws.peek(p), docs: docsReadAhead(ws, runRules, ruleOptions) })
          : undefined;
      setParseStore(prefetch ?? cache?.cache);
      if (runRules.some((r) => r.historyAhead?.({ workspace: ws, options: effectiveOptions(r.meta, ruleOptions[r.meta.id]) }))) ws.readHistoryAhead();
      try {
        raw = await run(ws, { rules, apply: new Set(), accepted, ...overrides, ruleOptions, keep });
      } finally {
        setParseStore(undefined);
        prefetch?.close();
        await ws.stopHistoryReadAhead();
      }
      const result = withoutSecrets(raw, ws);
      for (const message of [cache?.note, cache?.cache.save()]) if (message !== undefined) cacheNotes.push({ file: '', kind: 'note', message });
      if (cache) cache.note = undefined;
      // What the config says that may surprise (a pattern that can match nothing), once per run.
      const notes = config.notes.map(({ pointer: _pointer, ...d }) => d);
      return notes.length ? { ...result, diagnostics: [...notes, ...result.diagnostics] } : result;
    },
  };
}

/** The Markdown docs the rules read on every run (Rule.docsReadAhead): what the parse workers read ahead. */
function docsReadAhead(ws: Workspace, rules: readonly Rule[], ruleOptions: Readonly<Record<string, Record<string, unknown>>>): string[] {
  const docs = new Set<string>();
  for (const rule of rules) for (const p of rule.docsReadAhead?.({ workspace: ws, options: effectiveOptions(rule.meta, ruleOptions[rule.meta.id]) }) ?? []) docs.add(p);
  return [...docs];
}

/** A pin map file, validated: any problem is an error naming the file, the line and the key. */
export function loadPinMap(file: string): PinMap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the pin map: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, file, undefined);
  }
  const { map, problems } = parsePinMapText(text);
  const first = problems[0];
  if (first) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw new ConfigError(`${first.key ? `pin map key \`${first.key}\`: ` : ''}${first.message}${more}`, file, undefined, first.line, first.column);
  }
  return map;
}

/** The loaded map over the configured `pinMap` of every rule that takes one (its entries win). */
function withPinMap(ruleOptions: Record<string, Record<string, unknown>>, registry: readonly Rule[], map: PinMap): Record<string, Record<string, unknown>> {
  const out = { ...ruleOptions };
  for (const rule of registry) {
    if (!rule.meta.options?.pinMap) continue;
    const id = rule.meta.id;
    const inline = pinMapSections(out[id]?.pinMap);
    out[id] = { ...out[id], pinMap: { actions: { ...inline.actions, ...map.actions }, images: { ...inline.images, ...map.images } } };
  }
  return out;
}

/** The rules that take pins: a `pinMap` option (the map) and a `pinLookup` option (what --network found). */
function pinRules(rules: readonly Rule[]): Rule[] {
  return rules.filter((r) => r.meta.options?.pinMap && r.meta.options?.pinLookup);
}

/**
 * `--network`: a first pass of the pin rules alone (cheap: detection only, the keep chain
 * applied, so a suppressed or baselined finding is not looked up), the refs they could not pin,
 * and their lookup. Undefined when no pin rule runs or every ref is pinned or mapped already.
 */
async function lookUpPins(
  root: string,
  rules: readonly Rule[],
  ruleOptions: Readonly<Record<string, Record<string, unknown>>>,
  accepted: ReadonlySet<Safety>,
  keep: Keep,
  options: PipelineOptions,
): Promise<Pipeline['lookup']> {
  const selected = pinRules(rules);
  if (selected.length === 0 || !options.network) return undefined;
  const ws = await Workspace.open(root, { maxFileBytes: options.maxFileBytes });
  const first = await run(ws, { rules: selected, apply: new Set(), accepted, ruleOptions, keep });
  const requests = pinRequests(first.findings);
  if (requests.length === 0) return undefined;
  const resolution = await resolvePins(requests, options.network);
  return { resolution, notes: resolution.notes.map((n) => ({ file: n.file, kind: 'note' as const, message: n.message })) };
}

/**
 * The looked-up pins under each pin rule's map (the user's entries, inline or from --pin-map,
 * win for the same key), and what the lookup found as the rule's `pinLookup` option, so that a
 * finding can say where its pin came from, or why the lookup failed.
 */
function withLookedUpPins(ruleOptions: Record<string, Record<string, unknown>>, registry: readonly Rule[], resolution: Resolution): Record<string, Record<string, unknown>> {
  const out = { ...ruleOptions };
  for (const rule of pinRules(registry)) {
    const id = rule.meta.id;
    const user = pinMapSections(out[id]?.pinMap);
    const actionOf = (k: string): string => {
      const r = splitActionRef(k);
      return r ? actionKey(r.name, r.ref) : k;
    };
    const mine = { actions: new Set(Object.keys(user.actions).map(actionOf)), images: new Set(Object.keys(user.images).map(imageKey)) };
    const keepUnshadowed = (section: Record<string, string>, kind: 'actions' | 'images'): Record<string, string> => Object.fromEntries(Object.entries(section).filter(([k]) => !mine[kind].has(k)));
    const lookup: PinLookup = {
      at: resolution.lookup.at,
      resolved: { actions: keepUnshadowed(resolution.lookup.resolved.actions, 'actions'), images: keepUnshadowed(resolution.lookup.resolved.images, 'images') },
      failed: resolution.lookup.failed,
    };
    out[id] = { ...out[id], pinMap: { actions: { ...resolution.map.actions, ...user.actions }, images: { ...resolution.map.images, ...user.images } }, pinLookup: lookup };
  }
  return out;
}

/**
 * Every front end reports messages without the repository's secrets (issue 18: a docs command
 * quoted whole carried `OPENAI_API_KEY=sk-…` into text, JSON, SARIF, commit messages and PR
 * bodies). Messages only: keys and fixes are the engine's, and fixes never add a secret.
 */
export function withoutSecrets(result: RunResult, ws: Workspace): RunResult {
  if (result.findings.length === 0 && result.diagnostics.length === 0) return result;
  const secrets = collectSecrets(ws);
  const clean = <T extends { message: string }>(x: T): T => {
    const message = redactText(x.message, secrets);
    return message === x.message ? x : { ...x, message };
  };
  return { ...result, findings: result.findings.map(clean), remaining: result.remaining.map(clean), diagnostics: result.diagnostics.map(clean) };
}

/** For RunOptions.keep: only findings in the given root-relative files or under the given folders. */
export function pathsKeep(paths: readonly string[]): Keep {
  const prefixes = paths.map((p) => p.replace(/^\.\/+/, '').replace(/\/+$/, ''));
  if (prefixes.some((p) => p === '' || p === '.')) return () => true;
  return (finding) => prefixes.some((p) => finding.file === p || finding.file.startsWith(`${p}/`));
}

export interface RunPipelineOptions extends PipelineOptions {
  /** Compute the fixes the user accepts (they are returned as `result.changes`, not written). */
  fix?: boolean;
}

/**
 * The library's one call: build the pipeline, open the workspace at the root and run. Nothing
 * is written; write `result.changes` with `writeChanges(workspace, result.changes)`.
 */
export async function runPipeline(options: RunPipelineOptions): Promise<{ pipeline: Pipeline; workspace: Workspace; result: RunResult }> {
  const pipeline = await createPipeline(options);
  const workspace = await pipeline.open();
  const result = await pipeline.run(workspace, options.fix ? { apply: pipeline.accepted } : {});
  return { pipeline, workspace, result };
}
