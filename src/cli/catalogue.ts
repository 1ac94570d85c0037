/**
 * What `list-rules` and `explain` show of each rule, without loading the rules: the registry
 * imports every rule and, through them, the parser libraries (yaml, dockerfile-ast, jsonc,
 * TOML), which is most of those commands' time. `npm run build` writes the metas to
 * dist/rule-catalogue.json (scripts/catalogue.mjs), stamped with the newest modification time of
 * the compiled modules it was made from; a catalogue whose stamp differs (dist rebuilt without
 * it, or a module edited since) is not used, and the registry is loaded as before. Run from
 * source (tests, ts-node) there is no catalogue: the registry it is.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
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

/** The newest modification time (ms) of the compiled modules under dist/ (src/ and codemods/). */
export function distStamp(dist: string = DIST): number {
  let newest = 0;
  for (const top of ['src', 'codemods']) {
    const dir = path.join(dist, top);
    if (!existsSync(dir)) continue;
    for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
      if (!rel.endsWith('.js')) continue;
      newest = Math.max(newest, statSync(path.join(dir, rel)).mtimeMs);
    }
  }
  return newest;
}

/** The catalogue of dist/, when it is there and was made from the modules there now. */
function readCatalogue(): CatalogueRule[] | undefined {
  try {
    const file = JSON.parse(readFileSync(CATALOGUE_FILE, 'utf8')) as CatalogueFile;
    if (file.schemaVersion !== 1 || !Array.isArray(file.rules) || file.stamp !== distStamp() || file.rules.some((r) => typeof r.enabledByDefault !== 'boolean')) return undefined;
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
