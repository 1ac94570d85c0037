/**
 * The baseline: today's findings, recorded so later runs report only new ones (ESLint's
 * bulk-suppression model). `--update-baseline` writes `autopack-fix-baseline.json`; every later
 * run loads it (unless `--no-baseline`) and drops the findings it lists through the engine's
 * `keep` hook, so a baselined finding is neither reported nor fixed.
 *
 * Fingerprint (shared with SARIF `partialFingerprints`): sha256 over
 *   rule id, file, the text of the finding's line with whitespace runs collapsed and trimmed,
 *   and the finding's `key`
 * truncated to 32 hex digits. Why these parts:
 * - no line or column number: lines added or removed above the finding (an unrelated edit)
 *   do not change it, nor does re-indenting the line;
 * - the line text: editing the offending line itself makes it a new finding, as a reviewer
 *   would expect (the old decision was about the old text);
 * - the key: the rule's own identity of the problem, so two different problems reported on the
 *   same line (two unknown services in one `depends_on: [a, b]`) stay distinct;
 * - the file: a moved file is a new place; its findings are new.
 * Identical fingerprints mean the same problem: the baseline drops all of them (no counts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from '../model/types.js';
import type { Workspace } from '../workspace/workspace.js';

import { BASELINE_FILE } from '../model/own-files.js';

export { BASELINE_FILE };
export const BASELINE_VERSION = 1;
/** Names the fingerprint scheme; it changes only when the hashed parts change. */
export const FINGERPRINT_ID = 'autopackFix/v1';

export interface BaselineEntry {
  ruleId: string;
  file: string;
  fingerprint: string;
  /** For people reading the file's diff; not matched. */
  message: string;
}

export interface Baseline {
  version: typeof BASELINE_VERSION;
  fingerprint: typeof FINGERPRINT_ID;
  findings: BaselineEntry[];
}

export class BaselineError extends Error {}

/** Whitespace runs become one space; leading and trailing whitespace go. */
export function normalizeLineText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The text of a 1-based line of a workspace file ('' when the file or line is absent). */
export function lineTextOf(ws: Workspace, file: string, line: number): string {
  const source = ws.probe(file);
  if (!source) return '';
  const text = source.text;
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) return '';
    start = nl + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end === -1 ? text.length : end);
}

/** The fingerprint of a finding from its parts (see the module comment). */
export function fingerprintOf(parts: { ruleId: string; file: string; lineText: string; key: string }): string {
  return createHash('sha256').update([parts.ruleId, parts.file, normalizeLineText(parts.lineText), parts.key].join('\0')).digest('hex').slice(0, 32);
}

/** The stable fingerprint of a finding, reading its line from the workspace it was found in. */
export function fingerprint(finding: Pick<Finding, 'ruleId' | 'file' | 'line' | 'key' | 'wholeFile'>, ws: Workspace): string {
  // A finding on the file as a whole has no line of its own: the text of line 1 is not part of it.
  const lineText = finding.wholeFile ? '' : lineTextOf(ws, finding.file, finding.line);
  return fingerprintOf({ ruleId: finding.ruleId, file: finding.file, lineText, key: finding.key });
}

/** The baseline of a set of findings (sorted, deduplicated: the file diffs cleanly in git). */
export function buildBaseline(findings: readonly Finding[], ws: Workspace): Baseline {
  const byFp = new Map<string, BaselineEntry>();
  for (const f of findings) {
    const fp = fingerprint(f, ws);
    if (!byFp.has(fp)) byFp.set(fp, { ruleId: f.ruleId, file: f.file, fingerprint: fp, message: f.message });
  }
  const entries = [...byFp.values()].sort((a, b) => cmp(a.file, b.file) || cmp(a.ruleId, b.ruleId) || cmp(a.fingerprint, b.fingerprint));
  return { version: BASELINE_VERSION, fingerprint: FINGERPRINT_ID, findings: entries };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function serializeBaseline(baseline: Baseline): string {
  return `${JSON.stringify(baseline, null, 2)}\n`;
}

/**
 * `--update-baseline`: write the baseline of `findings` (found in `ws`) to `<root>/<file>`.
 * Pass the findings of a detect-only run made with suppressions but without the old baseline.
 * Returns the absolute path written.
 */
export function writeBaseline(root: string, findings: readonly Finding[], ws: Workspace, file: string = BASELINE_FILE): string {
  const abs = path.resolve(root, file);
  writeFileSync(abs, serializeBaseline(buildBaseline(findings, ws)));
  return abs;
}

/** Parse and check a baseline document; throws BaselineError naming what is wrong. */
export function parseBaseline(text: string, source = BASELINE_FILE): Baseline {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(`${source}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new BaselineError(`${source}: expected a JSON object`);
  const o = doc as Record<string, unknown>;
  if (o.version !== BASELINE_VERSION) throw new BaselineError(`${source}: unsupported version ${JSON.stringify(o.version)} (expected ${BASELINE_VERSION})`);
  if (o.fingerprint !== FINGERPRINT_ID) {
    throw new BaselineError(`${source}: fingerprints of scheme ${JSON.stringify(o.fingerprint)} cannot be matched (this version uses ${FINGERPRINT_ID}); run with --update-baseline`);
  }
  if (!Array.isArray(o.findings)) throw new BaselineError(`${source}: /findings must be an array`);
  o.findings.forEach((e: unknown, i) => {
    const entry = e as Record<string, unknown> | null;
    for (const k of ['ruleId', 'file', 'fingerprint'] as const) {
      if (!entry || typeof entry[k] !== 'string') throw new BaselineError(`${source}: /findings/${i}/${k} must be a string`);
    }
  });
  return doc as Baseline;
}

/**
 * Load `<root>/<file>` (default autopack-fix-baseline.json). Undefined when there is none;
 * throws BaselineError when it exists but is not a baseline (exit 2: a broken baseline must
 * not silently show every old finding).
 */
export function loadBaseline(root: string, file: string = BASELINE_FILE): Baseline | undefined {
  const abs = path.resolve(root, file);
  if (!existsSync(abs)) return undefined;
  return parseBaseline(readFileSync(abs, 'utf8'), file);
}

export interface BaselineFilter {
  /** For RunOptions.keep: false for a finding the baseline lists. */
  keep: (finding: Finding, ws: Workspace) => boolean;
  /** How many findings of the view `ws` the baseline hid (for a summary line). */
  hidden(ws: Workspace): number;
}

/** The keep predicate of a loaded baseline. */
export function baselineFilter(baseline: Baseline): BaselineFilter {
  const known = new Set(baseline.findings.map((e) => e.fingerprint));
  const hiddenByView = new WeakMap<Workspace, Set<string>>();
  return {
    keep(finding, ws) {
      const fp = fingerprint(finding, ws);
      if (!known.has(fp)) return true;
      let set = hiddenByView.get(ws);
      if (!set) hiddenByView.set(ws, (set = new Set()));
      set.add(`${fp}\0${finding.line}\0${finding.column}`);
      return false;
    },
    hidden(ws) {
      return hiddenByView.get(ws)?.size ?? 0;
    },
  };
}
