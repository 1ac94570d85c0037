/**
 * What `list-rules` and `explain` show of each rule, without loading the rules: the registry
 * imports every rule and, through them, the parser libraries (yaml, dockerfile-ast, jsonc,
 * TOML), which is most of those commands' time. `npm run build` writes the metas to
 * dist/rule-catalogue.json (scripts/catalogue.mjs), stamped with the newest modification time of
 * the compiled modules it was made from (`distStamp`); a catalogue whose stamp differs (dist
 * rebuilt without it, or a rule's index edited since) is not used, and the registry is loaded
 * as before. Run from source (tests, ts-node) there is no catalogue: the registry it is.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CatalogueRule {
  id: string;
  summary: string;
  fixable: string;
  defaultSeverity: string;
  seedIds: string[];
  /** False for opt-in rules (`meta.defaultEnabled: false`). */
  enabledByDefault: boolean;
}

/** A rule's catalogue entry: the one shape both the build script and the fallback write. */
export function catalogueEntry(meta: { id: string; summary: string; fixable: string; defaultSeverity: string; seedIds: readonly string[]; defaultEnabled?: boolean }): CatalogueRule {
  return { id: meta.id, summary: meta.summary, fixable: meta.fixable, defaultSeverity: meta.defaultSeverity, seedIds: [...meta.seedIds], enabledByDefault: meta.defaultEnabled !== false };
}

interface CatalogueFile {
  schemaVersion: 1;
  stamp: number;
  rules: CatalogueRule[];
}

/** dist/, when this module runs from dist/src/cli/. */
const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CATALOGUE_FILE = path.join(DIST, 'rule-catalogue.json');

/**
 * The newest modification time (ms) of the compiled modules the metas come from: the registry
 * and each listed rule's index.js (its `meta`). Stat'ing every compiled module was 30 ms of a
 * 150 ms `list-rules`; these suffice, because tsc writes every output on each run (no
 * incremental build), so any rebuild moves the registry's time, and a rule's meta is declared
 * in its index. A file that is missing counts as the present time: the stamp then never matches.
 */
export function distStamp(ids: readonly string[], dist: string = DIST): number {
  let newest = 0;
  for (const file of [path.join(dist, 'src', 'rules', 'registry.js'), ...ids.filter((id) => /^[a-z0-9-]+$/.test(id)).map((id) => path.join(dist, 'codemods', id, 'index.js'))]) {
    const st = statSync(file, { throwIfNoEntry: false });
    // Rules outside codemods/ (unused-suppression lives in the engine) have no index there.
    if (st) newest = Math.max(newest, st.mtimeMs);
    else if (file.endsWith('registry.js')) return Date.now();
  }
  return newest;
}

/** The catalogue of dist/, when it is there and was made from the modules there now. */
function readCatalogue(): CatalogueRule[] | undefined {
  try {
    const file = JSON.parse(readFileSync(CATALOGUE_FILE, 'utf8')) as CatalogueFile;
    if (file.schemaVersion !== 1 || !Array.isArray(file.rules) || file.rules.some((r) => typeof r.enabledByDefault !== 'boolean' || typeof r.id !== 'string')) return undefined;
    if (file.stamp !== distStamp(file.rules.map((r) => r.id))) return undefined;
    return file.rules;
  } catch {
    return undefined;
  }
}

/** Every registered rule's id, summary, fix class, default severity and seeds, in registry order. */
export async function ruleCatalogue(): Promise<CatalogueRule[]> {
  const fromFile = readCatalogue();
  if (fromFile) return fromFile;
  const { RULES } = await import('../rules/registry.js');
  return RULES.map((r) => catalogueEntry(r.meta));
}
