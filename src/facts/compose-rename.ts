import type { ComposeService, ComposeSet, ServiceFragment } from './compose.js';
import { mergedEnvironment, mergedValue } from './compose.js';

export interface RenameCandidate {
  service: string;
  /** Human-readable evidence, e.g. "image postgres:15-alpine". */
  signals: string[];
  /** Whether the name matches the candidate's image family (the strongest single signal). */
  imageMatch: boolean;
}

export interface RenameInference {
  /** The one base service meant, when exactly one stands out. */
  best: RenameCandidate | undefined;
  /** Every candidate with at least one signal, best first. */
  candidates: RenameCandidate[];
}

/** `docker.io/bitnami/postgresql:16@sha256:…` → `postgresql`. */
export function imageFamily(image: string | undefined): string | undefined {
  if (!image || image.includes('$')) return undefined;
  const noDigest = image.split('@')[0] as string;
  const last = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  return last.split(':')[0]?.toLowerCase() || undefined;
}

function words(name: string): string[] {
  return name.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 0);
}

/** `postgres` ~ `postgresql`, `redis` ~ `redis-stack`: one is a prefix of the other (3+ chars). */
function sameFamily(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short.length >= 3 && long.startsWith(short);
}

function nameMatchesImage(name: string, family: string): boolean {
  const fam = words(family);
  return words(name).some((w) => fam.some((f) => sameFamily(w, f)));
}

/**
 * Which base service an override fragment must mean, from evidence in both: the name against
 * the candidate's image family, environment keys they share (or whose prefix names that
 * family), container ports and volume mount paths. Evidence every candidate shares does not
 * count. Ties and no evidence mean "do not guess".
 */
export function inferServiceRename(set: ComposeSet, fragment: ServiceFragment): RenameInference {
  const candidates: ComposeService[] = [];
  for (const service of set.services.values()) {
    if (service.name === fragment.name) continue;
    if (!service.fragments.some((f) => f.file.isBase)) continue;
    // Renaming onto a service the same file already overrides would create a duplicate key.
    if (service.fragments.some((f) => f.file === fragment.file)) continue;
    candidates.push(service);
  }
  // Who has each value, indexed once (value → candidate names): looking each value up in every
  // candidate's set made one inference quadratic in the number of services.
  const ownersOf = <T>(valuesOf: (c: ComposeService) => Iterable<T>): Map<T, string[]> => {
    const index = new Map<T, string[]>();
    for (const c of candidates) {
      for (const v of new Set(valuesOf(c))) {
        const list = index.get(v);
        if (list) list.push(c.name);
        else index.set(v, [c.name]);
      }
    }
    return index;
  };
  const envOf = ownersOf((c) => mergedEnvironment(c).keys());
  const portsOf = ownersOf((c) => c.fragments.flatMap((f) => f.ports.map((p) => p.container)));
  const mountsOf = ownersOf((c) => c.fragments.flatMap((f) => f.volumes.map((v) => v.target).filter((t): t is string => !!t)));
  const distinctive = <T>(value: T, index: Map<T, string[]>): string[] => index.get(value) ?? [];

  const scored: RenameCandidate[] = [];
  for (const c of candidates) {
    const signals: string[] = [];
    const image = mergedValue(c, (f) => f.image);
    const family = imageFamily(image);
    const imageMatch = family !== undefined && nameMatchesImage(fragment.name, family);
    if (imageMatch) signals.push(`image ${image}`);
    const sharedEnv = [...fragment.environment.keys()].filter((k) => {
      const owners = distinctive(k, envOf);
      return owners.length === 1 && owners[0] === c.name;
    });
    if (sharedEnv.length > 0) signals.push(`environment ${sharedEnv.join(', ')}`);
    if (family && !imageMatch) {
      const prefixed = [...fragment.environment.keys()].filter((k) => sameFamily((k.split('_')[0] ?? '').toLowerCase(), family));
      if (prefixed.length > 0) signals.push(`environment ${prefixed.join(', ')} named after image ${image}`);
    }
    const sharedPorts = fragment.ports.map((p) => p.container).filter((p) => {
      const owners = distinctive(p, portsOf);
      return owners.length === 1 && owners[0] === c.name;
    });
    if (sharedPorts.length > 0) signals.push(`container port ${[...new Set(sharedPorts)].join(', ')}`);
    const sharedMounts = fragment.volumes.map((v) => v.target).filter((t): t is string => {
      if (!t) return false;
      const owners = distinctive(t, mountsOf);
      return owners.length === 1 && owners[0] === c.name;
    });
    if (sharedMounts.length > 0) signals.push(`mount ${[...new Set(sharedMounts)].join(', ')}`);
    if (signals.length > 0) scored.push({ service: c.name, signals, imageMatch });
  }
  const weight = (c: RenameCandidate): number => c.signals.length + (c.imageMatch ? 1 : 0);
  scored.sort((a, b) => weight(b) - weight(a) || a.service.localeCompare(b.service));
  const [first, second] = scored;
  const best = first && (!second || weight(first) > weight(second)) ? first : undefined;
  return { best, candidates: scored };
}

/**
 * Which service of a compose set a bare service name (as written in a doc command such as
 * `docker compose up -d postgres`) must mean, among the services `within` (those the command's
 * compose files define):
 * - the name is a broken override of the set (no base definition, no image/build/extends):
 *   the rename compose-unknown-service makes for it;
 * - otherwise the one service whose image family the name matches (`postgres` → `db` running
 *   `postgres:15-alpine`). Ties and no evidence mean "do not guess".
 */
export function inferServiceForName(set: ComposeSet, name: string, within: ReadonlySet<string>): RenameInference {
  const existing = set.services.get(name);
  if (existing && !existing.fragments.some((f) => f.file.isBase) && !existing.fragments.some((f) => f.image !== undefined || f.build !== undefined || f.extends)) {
    const fragment = existing.fragments[0];
    if (fragment) {
      const inference = inferServiceRename(set, fragment);
      const candidates = inference.candidates.filter((c) => within.has(c.service));
      const best = inference.best && within.has(inference.best.service) ? inference.best : undefined;
      return { best, candidates };
    }
  }
  const scored: RenameCandidate[] = [];
  for (const service of set.services.values()) {
    if (!within.has(service.name) || service.name === name) continue;
    const image = mergedValue(service, (f) => f.image);
    const family = imageFamily(image);
    if (family !== undefined && nameMatchesImage(name, family)) scored.push({ service: service.name, signals: [`image ${image}`], imageMatch: true });
  }
  scored.sort((a, b) => a.service.localeCompare(b.service));
  return { best: scored.length === 1 ? scored[0] : undefined, candidates: scored };
}
