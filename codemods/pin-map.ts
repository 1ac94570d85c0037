/**
 * What unpinned-action and unpinned-base-image share: the `pinMap` option (the user's
 * tag → commit / tag → digest map, inline in the config or loaded by the pipeline from
 * `--pin-map FILE`), and the repository's own pinning policy, which raises the severity from
 * `info` to `warning`.
 *
 * The policy is read, never assumed: a Renovate config that asks for digests
 * (`helpers:pinGitHubActionDigests`, `docker:pinDigests`, `config:best-practices`, `pinDigests`),
 * a pinact config (actions only), or a repository where most actions (or base images) it uses
 * are already pinned somewhere (more than half of them, and at least two): the unpinned rest are
 * then the exception.
 */
import type { OptionSchema } from '../src/model/rule.js';
import type { Workspace } from '../src/workspace/workspace.js';
import type { Files } from '../src/facts/files.js';
import { RENOVATE_CONFIGS, readPackageJson } from '../src/facts/ecosystems.js';
import { readPinMap, type PinMap } from '../src/formats/pin-map.js';

const entries = { type: 'object', additionalProperties: { type: 'string' } } as const;

export const PIN_MAP_OPTION: OptionSchema = {
  type: 'object',
  description:
    'Pins the user vouches for: {"actions": {"owner/repo@ref": "<40-hex commit SHA>"}, "images": {"image:tag": "sha256:<64 hex>"}}, or one flat map (a key with `@` is an action). `--pin-map FILE` loads the same shape from a JSON or YAML file; its entries win over these. Without an entry, a finding is report-only.',
  properties: { actions: entries, images: entries },
  additionalProperties: { type: 'string' },
  default: {},
};

export type PinKind = 'actions' | 'images';

const keyed = { type: 'object', properties: { actions: entries, images: entries }, additionalProperties: false } as const;

export const PIN_LOOKUP_OPTION: OptionSchema = {
  type: 'object',
  description:
    'Filled in by `--network`, not meant for a configuration file: when the pins were looked up (`at`), which entries of `pinMap` came from the lookup and from where (`resolved`), and which refs could not be looked up and why (`failed`), each by section and normalised key. A finding then says where its pin came from, or that the lookup failed (skip reason `lookup-failed`).',
  properties: { at: { type: 'string' }, resolved: keyed, failed: keyed },
  additionalProperties: false,
};

export interface PinLookupView {
  at: string;
  /** Where the pin of this section and key came from, when a lookup found it. */
  resolved(kind: PinKind, key: string): string | undefined;
  /** Why the lookup of this section and key failed. */
  failed(kind: PinKind, key: string): string | undefined;
}

/** The `pinLookup` option, read defensively (it is the pipeline's, but a config could set it). */
export function pinLookupOption(options: Record<string, unknown>): PinLookupView | undefined {
  const v = options.pinLookup;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const section = (name: 'resolved' | 'failed', kind: PinKind, key: string): string | undefined => {
    const s = o[name];
    const k = s && typeof s === 'object' ? (s as Record<string, unknown>)[kind] : undefined;
    const value = k && typeof k === 'object' ? (k as Record<string, unknown>)[key] : undefined;
    return typeof value === 'string' ? value : undefined;
  };
  return { at: typeof o.at === 'string' ? o.at : 'an unknown time', resolved: (kind, key) => section('resolved', kind, key), failed: (kind, key) => section('failed', kind, key) };
}

/** The option's map, and the entries it refuses (by section and normalised key) with why. */
export function pinMapOption(options: Record<string, unknown>): { map: PinMap; refused: Record<PinKind, Map<string, { key: string; problem: string }>> } {
  const { map, problems } = readPinMap(options.pinMap);
  const refused: Record<PinKind, Map<string, { key: string; problem: string }>> = { actions: new Map(), images: new Map() };
  for (const p of problems) if (p.entry) refused[p.entry.kind].set(p.entry.key, { key: p.key, problem: p.message });
  return { map, refused };
}

const PINACT_CONFIGS = ['.pinact.yaml', '.pinact.yml', '.github/pinact.yaml', '.github/pinact.yml'];

/** Renovate presets that turn digest pinning on, per kind (`config:best-practices` extends both helpers). */
const RENOVATE_PRESETS: Record<PinKind, readonly string[]> = {
  actions: ['helpers:pinGitHubActionDigests', 'helpers:pinGitHubActionDigestsToSemver', 'config:best-practices'],
  images: ['docker:pinDigests', 'config:best-practices'],
};

const RENOVATE_MANAGERS: Record<PinKind, readonly string[]> = {
  actions: ['github-actions'],
  images: ['dockerfile', 'docker-compose'],
};

function renovateValue(ws: Workspace, files: Files): { file: string; value: Record<string, unknown> } | undefined {
  for (const p of RENOVATE_CONFIGS) {
    if (!ws.has(p)) continue;
    const parsed = files.jsonc(p, { comments: true, trailingCommas: true });
    if (parsed && parsed.errors.length === 0 && parsed.value && typeof parsed.value === 'object') return { file: p, value: parsed.value as Record<string, unknown> };
    return undefined;
  }
  const pkg = readPackageJson(ws.read('package.json'));
  const inPkg = pkg?.renovate;
  if (inPkg && typeof inPkg === 'object') return { file: 'package.json', value: inPkg as Record<string, unknown> };
  return undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

/** Why the repository's own configuration asks for pins of this kind, or undefined. */
export function configuredPolicy(ws: Workspace, files: Files, kind: PinKind): string | undefined {
  const renovate = renovateValue(ws, files);
  if (renovate) {
    const cfg = renovate.value;
    const preset = strings(cfg.extends).find((e) => RENOVATE_PRESETS[kind].some((p) => e === p || e.startsWith(`${p}(`)));
    if (preset) return `${renovate.file} extends \`${preset}\``;
    if (cfg.pinDigests === true) return `${renovate.file} sets \`pinDigests: true\``;
    const rules = Array.isArray(cfg.packageRules) ? (cfg.packageRules as unknown[]) : [];
    for (const r of rules) {
      if (!r || typeof r !== 'object') continue;
      const rule = r as Record<string, unknown>;
      if (rule.pinDigests === true && strings(rule.matchManagers).some((m) => RENOVATE_MANAGERS[kind].includes(m))) return `${renovate.file} sets \`pinDigests: true\` for ${strings(rule.matchManagers).join(', ')}`;
    }
  }
  if (kind === 'actions') {
    const pinact = PINACT_CONFIGS.find((p) => ws.has(p));
    if (pinact) return `${pinact} configures pinact`;
  }
  return undefined;
}

export interface PinPolicy {
  why: string;
  /** `config`: a tool's configuration asks for pins; `majority`: most refs of the kind are pinned. */
  source: 'config' | 'majority';
}

/** The policy of the repository for a kind, from its config or from how its other refs are written. */
export function pinPolicy(ws: Workspace, files: Files, kind: PinKind, pinned: number, unpinned: number): PinPolicy | undefined {
  const configured = configuredPolicy(ws, files, kind);
  if (configured) return { why: configured, source: 'config' };
  if (pinned >= 2 && pinned > unpinned) return { why: `${pinned} of the ${pinned + unpinned} ${kind === 'actions' ? 'actions' : 'base images'} the repository uses are pinned`, source: 'majority' };
  return undefined;
}
