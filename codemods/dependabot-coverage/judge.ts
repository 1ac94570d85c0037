/**
 * The findings: which manifest directories no entry covers, judged against what the
 * maintainers chose (safe, held for review, or set apart), which entries name the wrong
 * ecosystem, and, without a config, the config to create.
 */
import path from 'node:path';
import { isMap, isSeq, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Fix, RawFinding, SkipReason } from '../../src/model/types.js';
import type { RuleContext } from '../../src/model/rule.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { SourceFile } from '../../src/workspace/source-file.js';
import { findPair, nodeRange, parseYaml } from '../../src/formats/yaml.js';
import { quoteScalar as quote, quoteTypeOf } from '../../src/formats/yaml-edit.js';
import { dependabotDir, discoverManifests, hasGlobChars, normalizeRepoDir, type ManifestDir } from '../../src/facts/ecosystems.js';
import { ciDirectories, intentMentions, isGeneratedOrVendored, mentionCovers, parkedConfig, renovateConfig, retiredReasons, sampleReasons, scaffoldReason, type Mention } from './policy.js';
import { CONFIG_PATHS, covered, deletedConfig, describeManifest, entryCoversDir, GENERATED_PATH, kindOf, listed, literalGlobHint, readEntry, readOptions, removedFromConfig, sameKind, versionUpdatesOff, type Entry, type Options } from './detect.js';
import { appendEntries, generateConfig, withEdits } from './fix.js';

interface Judged {
  m: ManifestDir;
  safety: 'safe' | 'review';
  /** Why the fix is held for review, or what makes it safe beyond the config itself. */
  note: string;
  /**
   * The findings that share one fix: those that stand or fall with one decision. `safe` (no
   * decision left), `kind:<ecosystem>` (whether Dependabot should watch that kind of project at
   * all), `workspaces` (whether to widen a chosen workspace scope), `samples` (whether to watch
   * examples, tests and templates).
   */
  group: string;
}

function quoted(mention: Mention): string {
  return `${mention.file}:${mention.line} asks for Dependabot ("${mention.text}")`;
}

/** At most this many fixes, one per directory; more share one fix per decision (the engine applies one insertion per pass, ten passes at most). */
const MAX_OWN_FIXES = 8;

interface Context {
  workspace: Workspace;
  opts: Options;
  manifests: ManifestDir[];
  /**
   * Which of `ms` are held for review whatever the config watches (examples, retired folders,
   * scaffolds), and why. Asked only about the directories a judgement needs: finding a retired
   * folder searches every project doc, which a config that watches everything never needs.
   */
  setApart: (ms: readonly ManifestDir[]) => Map<ManifestDir, string>;
  mentions: () => Mention[];
}

function summaryOf(list: ManifestDir[]): string {
  return listed(list.map((m) => `${m.ecosystem} \`${dependabotDir(m.dir)}\``), 8);
}

/**
 * The aliases a statement of intent may use for an ecosystem: its name and labels, minus the
 * names of other ecosystems ("Dependabot monitors Docker images" speaks for `docker`, not for
 * `docker-compose`).
 */
function intentAliases(ecosystem: string, labels: Record<string, readonly string[]>): string[] {
  return [ecosystem, ...(labels[ecosystem] ?? [])].filter((a) => a === ecosystem || !(a in labels));
}

export async function checkCoverage({ workspace, options }: RuleContext): Promise<RawFinding[]> {
  const opts = readOptions(options);
  // Generated and vendored code is not the project's to update: not counted at all.
  const manifests = discoverManifests(workspace, opts.excludes).filter((m) => !isGeneratedOrVendored(workspace, m));
  if (manifests.length === 0) return [];
  if (renovateConfig(workspace)) return [];
  const configPath = CONFIG_PATHS.find((p) => workspace.has(p));
  if (!configPath && parkedConfig(workspace, CONFIG_PATHS)) return [];
  // A config the maintainers deleted (git records the removal, no rename) is a decision:
  // Dependabot was tried and turned off.
  if (!configPath && (await deletedConfig(workspace))) return [];
  // An example's reason depends on every directory (all of them samples: none is); a retired
  // folder's and a scaffold's on that directory alone, so they are found for those asked about.
  const samples = sampleReasons(workspace, manifests);
  const apart = new Map<ManifestDir, string | undefined>();
  const setApart = (ms: readonly ManifestDir[]): Map<ManifestDir, string> => {
    const fresh = ms.filter((m) => !apart.has(m));
    const retired = fresh.some((m) => !samples.has(m)) ? retiredReasons(workspace, fresh, opts.excludes) : new Map<ManifestDir, string>();
    for (const m of fresh) apart.set(m, samples.get(m) ?? retired.get(m) ?? scaffoldReason(workspace, m, opts.excludes));
    const out = new Map<ManifestDir, string>();
    for (const m of ms) {
      const why = apart.get(m);
      if (why !== undefined) out.set(m, why);
    }
    return out;
  };
  let found: Mention[] | undefined;
  const ctx: Context = { workspace, opts, manifests, setApart, mentions: () => (found ??= intentMentions(workspace, manifests, opts.excludes)) };
  if (configPath) {
    const file = workspace.read(configPath);
    return file ? judgeConfig(ctx, file) : [];
  }
  return noConfig(ctx);
}

/**
 * No config at all. The created config holds what maintainers mostly accept: GitHub Actions,
 * the root's manifests and the directories the CI already builds (compose files, examples,
 * retired folders and scaffolds never). Every other directory is a finding of its own, judged as
 * it will be once that config exists, whose fix creates the config with its entry added.
 */
async function noConfig(ctx: Context): Promise<RawFinding[]> {
  const { workspace, opts, manifests } = ctx;
  const ci = ciDirectories(workspace);
  const setApart = ctx.setApart(manifests);
  const products = manifests.filter((m) => !setApart.has(m));
  let core = products.filter((m) => m.ecosystem !== 'docker-compose' && (m.ecosystem === 'github-actions' || m.dir === '' || ci.has(m.dir)));
  // Nothing at the root or in the CI but workflows (a collection of projects side by side):
  // there is no core to start from, and every project is one of the products.
  if (!core.some((m) => m.ecosystem !== 'github-actions')) core = products;
  const evidence = ctx.mentions()[0];
  const safety: 'safe' | 'review' = evidence ? 'safe' : 'review';
  const base = generateConfig(core, opts);
  const fix: Fix | null =
    opts.createConfig && core.length > 0 ? { safety, description: `create ${GENERATED_PATH} with ${core.length} ${opts.interval}, grouped update entries`, edits: [], creates: [{ file: GENERATED_PATH, content: base }] } : null;
  const rest = core.length < manifests.length ? await judgeConfig(ctx, new SourceFile(GENERATED_PATH, base, false)) : [];
  const out: RawFinding[] = [
    {
      file: GENERATED_PATH,
      offset: 0,
      severity: 'info',
      key: 'no-config',
      ...(core.length === 0
        ? { messageId: evidence ? 'noCoreAsked' : 'noCoreUnasked', data: evidence ? { evidence: quoted(evidence) } : {} }
        : {
            messageId: `noConfig${evidence ? 'Asked' : 'Unasked'}${opts.createConfig ? '' : 'NotGenerated'}`,
            data: { count: core.length, directories: core.length === 1 ? 'directory gets' : 'directories get', summary: summaryOf(core), ...(evidence ? { evidence: quoted(evidence) } : {}) },
          }),
      fix,
      ...(fix ? {} : { skipReason: core.length === 0 ? 'no-candidate' : 'disabled-by-option' }),
    },
  ];
  for (const f of rest) {
    // The entry appended to the config-to-be, written as that config created with it: the
    // finding's own fix, never safer than creating the config at all.
    const own = f.fix && opts.createConfig ? f.fix : null;
    const created: Fix | null = own
      ? {
          safety: own.safety === 'safe' && safety === 'safe' ? 'safe' : 'review',
          description: `create ${GENERATED_PATH} with ${core.length} ${opts.interval}, grouped update entr${core.length === 1 ? 'y' : 'ies'} and ${own.description.replace(/^append (\d+) `updates` entr(y|ies) to \S+ /, (_m, n: string) => (n === '1' ? 'this one ' : `these ${n} `))}`,
          edits: [],
          creates: [{ file: GENERATED_PATH, content: withEdits(base, own.edits) }],
        }
      : null;
    // Its own entry is safe, but only once the config exists, which is the maintainers' call.
    const held = own !== null && own.safety === 'safe' && safety === 'review';
    // A safe fix has no note of review: the hold is said in that finding's own words.
    const said = held && (f.messageId === 'missing' || f.messageId === 'missingAsked') ? { messageId: `${f.messageId}WithoutConfig` } : {};
    const skipReason: SkipReason | undefined = created ? undefined : f.fix ? 'disabled-by-option' : f.skipReason;
    const { skipReason: _own, ...rest } = f;
    out.push({ ...rest, ...said, file: GENERATED_PATH, offset: 0, severity: 'info', fix: created, ...(skipReason ? { skipReason } : {}) });
  }
  return out;
}

/** Findings for the directories an existing config (or the one about to be created) does not watch. */
async function judgeConfig(ctx: Context, file: SourceFile): Promise<RawFinding[]> {
  const { workspace, opts, manifests } = ctx;
  const configPath = file.path;
  const parsed = parseYaml(file);
  const root = parsed.doc.contents;
  if (parsed.error || !isMap(root)) {
    const said: Pick<RawFinding, 'messageId' | 'data'> = parsed.error ? { messageId: 'unparsable', data: { config: configPath, error: parsed.error.message } } : { messageId: 'notAMap', data: { config: configPath } };
    return [{ file: configPath, offset: parsed.error?.offset ?? 0, key: 'unparsable', ...said, fix: null, skipReason: 'unparseable' }];
  }
  const updatesPair = findPair(root, 'updates');
  const items = isSeq(updatesPair?.value) ? ((updatesPair?.value as YAMLSeq).items as Node[]) : [];
  const entries = items.filter((i): i is YAMLMap => isMap(i)).map(readEntry);
  const live = entries.filter((e) => !versionUpdatesOff(e));
  // Every entry switched off: the config only tunes security updates, by choice.
  if (entries.length > 0 && live.length === 0) return [];
  const renamed = misnamedEcosystems(file, configPath, entries, live, manifests);
  const unwatchedDirs = manifests
    .filter((m) => !covered(entries, m) && !renamed.fixes.has(m))
    .filter((m) => live.some((e) => sameKind(e, m)) || !entries.some((e) => sameKind(e, m)));
  if (unwatchedDirs.length === 0) return renamed.findings;
  // What the maintainers took out of the config is a decision, whatever it looks like today.
  const removed = await removedFromConfig(workspace, entries, manifests);
  const missing = unwatchedDirs.filter((m) => !removed(m));
  if (missing.length === 0) return renamed.findings;
  const setApart = ctx.setApart(missing);

  // A statement of intent speaks for a kind of project as a whole: were it to make one
  // directory safe and leave its siblings for review, the entry it adds would turn them safe
  // on the next pass, and a review fix would land without --unsafe-fixes.
  const asked = new Map<string, Mention>();
  const unwatched = missing.filter((m) => !live.some((e) => sameKind(e, m)));
  if (unwatched.some((m) => !setApart.has(m))) {
    for (const m of unwatched) {
      const kind = kindOf(m.ecosystem)[0] as string;
      const mention = asked.has(kind) ? undefined : ctx.mentions().find((x) => mentionCovers(x, m, intentAliases(m.ecosystem, opts.ecosystemLabels)));
      if (mention) asked.set(kind, mention);
    }
  }
  const judged = missing.map((m): Judged => {
    const apart = setApart.get(m);
    if (apart !== undefined) return { m, safety: 'review', note: apart, group: 'samples' };
    // Entries for some members of a workspace are a chosen scope: a root entry widens it to all.
    const chosen = m.members.filter((d) => entries.some((e) => entryCoversDir(e, d, m)));
    if (chosen.length > 0) return { m, safety: 'review', note: `the config watches workspace member${chosen.length === 1 ? '' : 's'} ${listed(chosen.map((d) => `\`${dependabotDir(d)}\``), 3)} only; an entry for the root would update every member`, group: 'workspaces' };
    if (live.some((e) => sameKind(e, m))) return { m, safety: 'safe', note: '', group: 'safe' };
    const kind = kindOf(m.ecosystem)[0] as string;
    const mention = asked.get(kind);
    if (mention) return { m, safety: 'safe', note: quoted(mention), group: 'safe' };
    return { m, safety: 'review', note: `the config has no ${m.ecosystem} entry at all, which may be deliberate`, group: `kind:${kind}` };
  });
  // Safe first, then each kind of project the config leaves out, the workspace scopes, and the
  // directories set apart last: with --unsafe-fixes the engine applies one insertion per pass
  // in this order, so an entry added for an example never turns a kind's other directories
  // safe before their own decision is applied.
  const ranks = new Map<string, number>([['safe', 0], ['workspaces', 1000], ['samples', 1001]]);
  judged.forEach((j, i) => ranks.set(j.group, ranks.get(j.group) ?? 1 + i));
  judged.sort((a, b) => (ranks.get(a.group) as number) - (ranks.get(b.group) as number));
  // One fix per directory, so that a finding's fix adds its own entry and nothing else. Past
  // what the engine can apply one per pass, the directories of one decision share a fix.
  const own = judged.length <= MAX_OWN_FIXES;
  const fixFor = (list: ManifestDir[], safety: 'safe' | 'review'): { fix: Fix | null; why: string } => {
    const edit = appendEntries(file, root, list, opts);
    if (typeof edit === 'string') return { fix: null, why: edit };
    return {
      fix: { safety, description: `append ${list.length} \`updates\` entr${list.length === 1 ? 'y' : 'ies'} to ${configPath} (${summaryOf(list)})`, edits: [{ file: configPath, start: edit.start, end: edit.end, text: edit.text }] },
      why: '',
    };
  };
  const fixes = new Map<string, { fix: Fix | null; why: string }>();
  const groupOf = (j: Judged): string => (own ? `dir:${j.m.ecosystem}:${j.m.dir}` : j.group);
  for (const j of judged) {
    const g = groupOf(j);
    if (!fixes.has(g)) fixes.set(g, fixFor(judged.filter((x) => groupOf(x) === g).map((x) => x.m), j.safety));
  }
  const offset = updatesPair ? (nodeRange(updatesPair.key)?.[0] ?? 0) : 0;
  return [
    ...renamed.findings,
    ...judged.map(({ m, safety, note, group }): RawFinding => {
      const { fix, why } = fixes.get(own ? `dir:${m.ecosystem}:${m.dir}` : group) as { fix: Fix | null; why: string };
      const hint = literalGlobHint(entries, m);
      const data: Record<string, string> = { ecosystem: m.ecosystem, directory: dependabotDir(m.dir), manifest: describeManifest(m), hint };
      let messageId = 'missing';
      if (safety === 'review') [messageId, data.note] = ['missingReview', note];
      else if (note) [messageId, data.evidence] = ['missingAsked', note];
      if (!fix) [messageId, data.why] = [`${messageId}NotFixed`, why];
      return {
        file: configPath,
        offset,
        ...(safety === 'review' ? { severity: 'info' as const } : {}),
        key: `missing:${m.ecosystem}:${m.dir}`,
        messageId,
        data,
        fix,
        // The one reason a fix is withheld here: an `updates` the rule does not rewrite.
        ...(fix ? {} : { skipReason: 'unusual-layout' as const }),
      };
    }),
  ];
}

/**
 * `package-ecosystem` values people write for a package manager that Dependabot files under
 * another name: Dependabot rejects the whole config on an unknown value.
 */
const ECOSYSTEM_MISNOMERS: Readonly<Record<string, string>> = {
  pnpm: 'npm',
  yarn: 'npm',
  poetry: 'pip',
  pipenv: 'pip',
  'pip-compile': 'pip',
  actions: 'github-actions',
  github_actions: 'github-actions',
  'docker_compose': 'docker-compose',
  compose: 'docker-compose',
};

/** Ecosystems that read neighbouring files of one kind of project, and are easily swapped. */
const CONFUSABLE: ReadonlyArray<readonly [string, string]> = [
  ['docker', 'docker-compose'],
  ['docker-compose', 'docker'],
];

/**
 * Entries whose `package-ecosystem` names the wrong updater for the directory they watch (seed
 * 1.6: the directory gets no updates although the maintainers asked for them):
 * - a value Dependabot does not know but that names a package manager (`pnpm`, `yarn`,
 *   `poetry`) → its ecosystem (`npm`, `pip`). Safe when the directory holds that kind of
 *   project: the config is rejected as written, and the intent is plain.
 * - `docker` at a directory with compose files and no Dockerfile (or the reverse) → the other
 *   one. Safe when no directory below it holds what the written ecosystem reads (else the entry
 *   may have been meant for those: Dependabot does not search below its directory), review
 *   otherwise.
 * The value is replaced in place, in its own quoting. The manifests such an entry will cover are
 * not reported again as missing.
 */
function misnamedEcosystems(file: SourceFile, configPath: string, entries: Entry[], live: Entry[], manifests: ManifestDir[]): { findings: RawFinding[]; fixes: Set<ManifestDir> } {
  const findings: RawFinding[] = [];
  const fixes = new Set<ManifestDir>();
  for (const e of live) {
    const written = e.ecosystem;
    const valueNode = findPair(e.node, 'package-ecosystem')?.value;
    const range = nodeRange(valueNode);
    if (!written || !range || e.directories.length > 0 || e.directory === undefined || hasGlobChars(e.directory)) continue;
    const dir = normalizeRepoDir(e.directory);
    const here = manifests.filter((m) => m.dir === dir && !covered(entries, m));
    const watchesSomething = manifests.some((m) => m.dir === dir && m.accepts.includes(written));
    let target: string | undefined;
    let safety: 'safe' | 'review' = 'safe';
    let why = '';
    const misnomer = ECOSYSTEM_MISNOMERS[written.toLowerCase()];
    if (misnomer) {
      target = misnomer;
      why = `Dependabot has no \`${written}\` ecosystem (its projects are updated by \`${misnomer}\`) and rejects the config`;
      if (!manifests.some((m) => m.dir === dir && m.accepts.includes(misnomer))) {
        safety = 'review';
        why += `; \`${dependabotDir(dir)}\` holds no ${misnomer} project, so the directory may be wrong too`;
      }
    } else if (!watchesSomething) {
      const swap = CONFUSABLE.find(([from, to]) => from === written && here.some((m) => m.accepts.includes(to)));
      if (!swap) continue;
      target = swap[1];
      // Covered or not: the judgement must not change once another fix adds their entries.
      const sameElsewhere = manifests.filter((m) => m.dir !== dir && m.accepts.includes(written) && (dir === '' || m.dir.startsWith(`${dir}/`)));
      why = `\`${dependabotDir(dir)}\` has no file ${written} reads, and ${listed(here.filter((m) => m.accepts.includes(swap[1])).flatMap((m) => m.files.map((f) => `\`${path.posix.basename(f)}\``)), 3)} that ${swap[1]} reads`;
      if (sameElsewhere.length > 0) {
        safety = 'review';
        why += `; held for review: the entry may have been meant for the ${written} director${sameElsewhere.length === 1 ? 'y' : 'ies'} below it, ${listed(sameElsewhere.map((m) => `\`${dependabotDir(m.dir)}\``), 3)} (Dependabot does not look below an entry's directory)`;
      }
    }
    if (!target) continue;
    for (const m of here) if (m.accepts.includes(target)) fixes.add(m);
    const text = quote(target, quoteTypeOf(valueNode));
    findings.push({
      file: configPath,
      offset: range[0],
      ...(safety === 'review' ? { severity: 'info' as const } : {}),
      key: `ecosystem:${written}:${dir}`,
      messageId: 'misnamedEcosystem',
      data: { directory: e.directory, written, why },
      fix: { safety, description: `set package-ecosystem \`${written}\` to \`${target}\``, edits: [{ file: configPath, start: range[0], end: range[1], text }] },
    });
  }
  return { findings, fixes };
}

