/**
 * `--format sarif`: one SARIF 2.1.0 log (https://docs.oasis-open.org/sarif/sarif/v2.1.0/).
 *
 * - Every rule given is declared in `tool.driver.rules`, found or not, so code scanning closes
 *   the alerts of a rule that stopped firing instead of leaving them orphaned.
 * - Results carry `ruleIndex`, `level`, a region (1-based lines; columns in UTF-16 code units,
 *   as `run.columnKind` says) and `partialFingerprints` under `autopackFix/v1`: the baseline's
 *   fingerprint (src/engine/baseline.ts), which survives unrelated line shifts.
 * - A finding whose rule withholds its fix says why in `properties.skipReason` (SKIP_REASONS).
 * - A fix that was not dropped by its proof becomes a SARIF `fix`: per file an `artifactChange`
 *   whose `replacements` delete `charOffset`/`charLength` of the original text (UTF-16 code
 *   units of the decoded text, BOM excluded, like every offset of the tool) and insert the new
 *   text; a created file is an artifactChange with one insertion at offset 0.
 * Paths are relative to `%SRCROOT%` (the run's root), percent-encoded per segment.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Finding, Fix, Severity } from '../model/types.js';
import type { Rule } from '../model/rule.js';
import type { FixStatus } from '../engine/run.js';
import type { Workspace } from '../workspace/workspace.js';
import { FINGERPRINT_ID, fingerprint } from '../engine/baseline.js';
import { packageRoot } from '../util/package-root.js';
import { packageInfo, ruleDocsUrl } from '../util/package-info.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

export interface SarifOptions {
  /** Every rule to declare (pass the whole registry, not only the selected rules). */
  rules: readonly Rule[];
  /** The workspace the findings were found in (line texts for fingerprints). */
  workspace: Workspace;
  /** Effective severities when configuration overrides a rule's default. */
  severityOverrides?: Readonly<Record<string, Severity>>;
  /** Where a rule's README is read on the web; default: codemods/<id>/README.md in the repository, at this version's tag. */
  docsUrl?: (ruleId: string) => string | undefined;
  /** A rule's README text (for fullDescription and help); default: codemods/<id>/README.md of the package. */
  readme?: (ruleId: string) => string | undefined;
  /** Absolute root, written as `originalUriBaseIds.%SRCROOT%` (omitted when absent: keeps output machine-independent). */
  rootUri?: string;
  toolVersion?: string;
}

type SarifFinding = Finding & { fixStatus?: FixStatus | null };

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** The SARIF log as an object (see sarifReport for the printed form). */
export function sarifLog(findings: readonly SarifFinding[], options: SarifOptions): Record<string, unknown> {
  const info = packageInfo();
  const version = options.toolVersion ?? info.version;
  const readme = options.readme ?? defaultReadme;
  const index = new Map(options.rules.map((r, i) => [r.meta.id, i]));
  const rules = options.rules.map((r) => {
    const doc = readme(r.meta.id);
    const full = doc ? firstParagraph(doc, 'What it detects') : undefined;
    const help = options.docsUrl ? options.docsUrl(r.meta.id) : doc ? ruleDocsUrl(r.meta.id) : undefined;
    const severity = options.severityOverrides?.[r.meta.id] ?? r.meta.defaultSeverity;
    return {
      id: r.meta.id,
      name: pascal(r.meta.id),
      shortDescription: { text: r.meta.summary },
      fullDescription: { text: full ?? r.meta.summary },
      ...(help ? { helpUri: help } : {}),
      ...(doc ? { help: { text: r.meta.summary, markdown: doc } } : {}),
      defaultConfiguration: { level: LEVEL[severity] },
      properties: { seedIds: r.meta.seedIds, fixable: r.meta.fixable },
    };
  });
  const sorted = [...findings].sort((a, b) => cmp(a.file, b.file) || a.line - b.line || a.column - b.column || cmp(a.ruleId, b.ruleId));
  const results = sorted.map((f) => {
    const ruleIndex = index.get(f.ruleId);
    const fix = f.fix && f.fixStatus !== 'rejected' ? sarifFix(f.fix) : undefined;
    return {
      ruleId: f.ruleId,
      ...(ruleIndex !== undefined ? { ruleIndex } : {}),
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: artifact(f.file),
            region: { startLine: f.line, startColumn: f.column },
          },
        },
      ],
      partialFingerprints: { [FINGERPRINT_ID]: fingerprint(f, options.workspace) },
      ...(fix ? { fixes: [fix] } : {}),
      properties: { seedIds: f.seedIds, ...(f.fix ? { fixSafety: f.fix.safety, fixStatus: f.fixStatus ?? null } : {}), ...(f.skipReason ? { skipReason: f.skipReason } : {}) },
    };
  });
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'autopack-fix', version, ...(info.repositoryUrl ? { informationUri: info.repositoryUrl } : {}), rules } },
        ...(options.rootUri ? { originalUriBaseIds: { '%SRCROOT%': { uri: options.rootUri.endsWith('/') ? options.rootUri : `${options.rootUri}/` } } } : {}),
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

/** `--format sarif`: the log, pretty-printed, with a final newline. */
export function sarifReport(findings: readonly SarifFinding[], options: SarifOptions): string {
  return `${JSON.stringify(sarifLog(findings, options), null, 2)}\n`;
}

function sarifFix(fix: Fix): Record<string, unknown> | undefined {
  // SARIF's artifact changes are replacements in files: a move has no form there, and the rest
  // of such a fix alone (the note written beside the moved files) would be a wrong fix.
  if (fix.moves?.length) return undefined;
  const byFile = new Map<string, Array<Record<string, unknown>>>();
  for (const e of [...fix.edits].sort((a, b) => cmp(a.file, b.file) || a.start - b.start)) {
    const list = byFile.get(e.file) ?? [];
    list.push({ deletedRegion: { charOffset: e.start, charLength: e.end - e.start }, insertedContent: { text: e.text } });
    byFile.set(e.file, list);
  }
  for (const c of fix.creates ?? []) {
    byFile.set(c.file, [{ deletedRegion: { charOffset: 0, charLength: 0 }, insertedContent: { text: c.content } }]);
  }
  if (byFile.size === 0) return undefined;
  return {
    description: { text: fix.description },
    artifactChanges: [...byFile].map(([file, replacements]) => ({ artifactLocation: artifact(file), replacements })),
    properties: { safety: fix.safety },
  };
}

function artifact(file: string): { uri: string; uriBaseId: string } {
  return { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function pascal(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_, __: string, c: string) => c.toUpperCase());
}

/** The first paragraph under `## <heading>` of a README, lines joined by spaces. */
export function firstParagraph(markdown: string, heading: string): string | undefined {
  const lines = markdown.split(/\r?\n/);
  const at = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (at === -1) return undefined;
  const para: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (l.startsWith('#')) break;
    if (l.trim() === '') {
      if (para.length) break;
      continue;
    }
    para.push(l.trim());
  }
  return para.length ? para.join(' ') : undefined;
}

function defaultReadme(ruleId: string): string | undefined {
  try {
    const p = path.join(packageRoot(), 'codemods', ruleId, 'README.md');
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}
