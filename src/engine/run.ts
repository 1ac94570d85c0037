import type { Diagnostic, Finding, Fix, RawFinding, Rule, Safety } from '../model/types.js';
import type { Workspace } from '../workspace/workspace.js';
import { Facts } from '../facts/facts.js';
import { applyEdits, changedOutsideSpans, checkEdits, editsConflict } from './edits.js';
import { parseProblem } from '../formats/validate.js';

export interface RunOptions {
  rules: readonly Rule[];
  /** Fix classes that may be applied. Empty: detect only. */
  apply: ReadonlySet<Safety>;
  /** Fix classes the user accepts, for reporting when nothing is applied (report mode). Defaults to `apply`. */
  accepted?: ReadonlySet<Safety>;
  ruleOptions?: Readonly<Record<string, Record<string, unknown>>>;
  /** Fix passes before giving up on reaching a fixed point. */
  maxPasses?: number;
  /**
   * Drops findings before anything else sees them (inline suppressions, baselines, path
   * filters): a dropped finding is neither reported nor fixed.
   */
  keep?: (finding: Finding, ws: Workspace) => boolean;
}

export type FixStatus = 'applied' | 'held-back' | 'rejected' | 'not-applied';

export interface ReportedFinding extends Finding {
  /** What happened to its fix in this run (null when it has none). */
  fixStatus: FixStatus | null;
}

export interface FileChange {
  path: string;
  /** Text before (undefined for a created file) and after, BOM excluded. */
  before: string | undefined;
  after: string;
  bom: boolean;
}

export interface RunResult {
  /** Findings of the first pass, each with what happened to its fix. */
  findings: ReportedFinding[];
  /** Findings left on the final tree (those no applied fix removed). */
  remaining: Finding[];
  changes: FileChange[];
  diagnostics: Diagnostic[];
  passes: number;
  /** The applied fixes, in order, with the rule that made each. */
  applied: Array<{ ruleId: string; fix: Fix; finding: Finding }>;
  final: Workspace;
}

const DEFAULT_MAX_PASSES = 10;

/** Run every rule once over a workspace view. A rule that throws is reported, not fatal. */
export async function detect(ws: Workspace, rules: readonly Rule[], ruleOptions: RunOptions['ruleOptions'] = {}, diagnostics?: Diagnostic[], keep?: RunOptions['keep']): Promise<Finding[]> {
  const facts = new Facts(ws);
  const findings: Finding[] = [];
  for (const rule of rules) {
    let raw: RawFinding[];
    try {
      raw = await rule.check({ workspace: ws, facts, options: ruleOptions?.[rule.meta.id] ?? {} });
    } catch (error) {
      diagnostics?.push({ file: '', kind: 'note', ruleId: rule.meta.id, message: `rule ${rule.meta.id} failed: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    for (const r of raw) {
      const finding = stamp(ws, rule, r);
      if (!keep || keep(finding, ws)) findings.push(finding);
    }
  }
  if (diagnostics) {
    for (const b of facts.compose.broken) {
      const pos = ws.read(b.path)?.position(b.offset);
      diagnostics.push({ file: b.path, line: pos?.line, column: pos?.column, kind: 'parse-error', message: `could not parse ${b.path} at ${pos?.line ?? 1}:${pos?.column ?? 1}: ${b.message}` });
    }
  }
  return findings;
}

function stamp(ws: Workspace, rule: Rule, r: RawFinding): Finding {
  const pos = ws.read(r.file)?.position(r.offset) ?? { line: 1, column: 1 };
  return {
    ruleId: rule.meta.id,
    seedIds: rule.meta.seedIds,
    severity: r.severity ?? rule.meta.defaultSeverity,
    file: r.file,
    line: pos.line,
    column: pos.column,
    message: r.message,
    key: r.key,
    fix: r.fix ?? null,
  };
}

/** Apply one fix to a view, or say why it cannot be applied. */
export function applyFix(ws: Workspace, fix: Fix): { ok: true; view: Workspace; changed: Map<string, string> } | { ok: false; reason: string } {
  const byFile = new Map<string, typeof fix.edits>();
  for (const e of fix.edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  const changed = new Map<string, string>();
  for (const [p, edits] of byFile) {
    const file = ws.read(p);
    if (!file || !ws.isEditable(p)) return { ok: false, reason: `${p} is not an editable file of the workspace${file ? ' (a symbolic link)' : ''}` };
    const problem = checkEdits(file.text, edits);
    if (problem) return { ok: false, reason: `${p}: ${problem}` };
    const after = applyEdits(file.text, edits);
    const moved = changedOutsideSpans(file.text, after, edits);
    if (moved !== undefined) return { ok: false, reason: `${p}: bytes outside the fix's spans changed at offset ${moved}` };
    changed.set(p, after);
  }
  for (const c of fix.creates ?? []) {
    if (ws.has(c.file) || changed.has(c.file)) return { ok: false, reason: `${c.file} already exists` };
    changed.set(c.file, c.content);
  }
  if (changed.size === 0) return { ok: false, reason: 'the fix changes nothing' };
  for (const [p, text] of changed) if (ws.read(p)?.text === text) changed.delete(p);
  if (changed.size === 0) return { ok: false, reason: 'the fix changes nothing' };
  return { ok: true, view: ws.withChanges(changed), changed };
}

/**
 * Prove one fix on its own: it applies cleanly, touches nothing outside its spans, every file it
 * touches still parses, and the rule that proposed it no longer reports the same problem.
 */
async function proveFix(ws: Workspace, rule: Rule, fix: Fix, keys: string[], options: RunOptions): Promise<{ ok: true; changed: Map<string, string> } | { ok: false; reason: string }> {
  const applied = applyFix(ws, fix);
  if (!applied.ok) return applied;
  for (const p of applied.changed.keys()) {
    const file = applied.view.read(p);
    if (!file) return { ok: false, reason: `${p} cannot be read back` };
    const problem = await parseProblem(file);
    if (problem) {
      const pos = file.position(problem.offset);
      return { ok: false, reason: `${p} would not parse at ${pos.line}:${pos.column}: ${problem.message}` };
    }
  }
  const again = await detect(applied.view, [rule], options.ruleOptions, undefined, options.keep);
  const still = again.find((f) => keys.includes(f.key));
  if (still) return { ok: false, reason: `the rule still reports the problem after the fix (${still.message})` };
  return { ok: true, changed: applied.changed };
}

function spansOf(fix: Fix): Array<{ file: string; start: number; end: number }> {
  return [...fix.edits.map((e) => ({ file: e.file, start: e.start, end: e.end })), ...(fix.creates ?? []).map((c) => ({ file: c.file, start: -1, end: -1 }))];
}

function fingerprintState(ws: Workspace, base: Workspace): string {
  return ws
    .changedSince(base)
    .map((p) => `${p}\0${ws.read(p)?.text ?? ''}`)
    .join('\0\0');
}

/**
 * Detect, then fix to a fixed point: each pass proves every candidate fix alone, applies the
 * non-overlapping proven ones together, and detects again. Stops when no fix is left, when a
 * state repeats (oscillation) or after maxPasses.
 */
export async function run(ws: Workspace, options: RunOptions): Promise<RunResult> {
  const diagnostics: Diagnostic[] = [];
  const rulesById = new Map(options.rules.map((r) => [r.meta.id, r]));
  const order = new Map(options.rules.map((r, i) => [r.meta.id, i]));
  const initial = await detect(ws, options.rules, options.ruleOptions, diagnostics, options.keep);
  const accepted = options.accepted ?? options.apply;
  const status = new Map<Finding, FixStatus | null>(initial.map((f) => [f, f.fix ? (accepted.has(f.fix.safety) ? 'not-applied' : 'held-back') : null]));
  const applied: RunResult['applied'] = [];
  const rejectedKeys = new Set<string>();
  const seen = new Set<string>([fingerprintState(ws, ws)]);
  let current = ws;
  let findings = initial;
  let passes = 0;
  const maxPasses = options.maxPasses ?? DEFAULT_MAX_PASSES;

  while (options.apply.size > 0) {
    const candidates = findings
      .filter((f) => f.fix && options.apply.has(f.fix.safety) && !rejectedKeys.has(`${f.ruleId}\0${f.key}`))
      .sort((a, b) => (order.get(a.ruleId) ?? 0) - (order.get(b.ruleId) ?? 0) || a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
    if (candidates.length === 0) break;
    if (passes >= maxPasses) {
      diagnostics.push({ file: '', kind: 'note', message: `no fixed point after ${maxPasses} passes; ${candidates.length} fix(es) left unapplied` });
      break;
    }
    passes++;
    const claimed: Array<{ file: string; start: number; end: number }> = [];
    const accepted: Finding[] = [];
    const acceptedFixes = new Set<Fix>();
    for (const finding of candidates) {
      // Several findings may share one fix (one edit declares all missing names of a file).
      if (acceptedFixes.has(finding.fix as Fix)) {
        accepted.push(finding);
        continue;
      }
      const spans = spansOf(finding.fix as Fix);
      // Overlapping fixes wait for the next pass, where they are re-derived from the new text.
      if (spans.some((s) => claimed.some((c) => c.file === s.file && (s.start < 0 || c.start < 0 || editsConflict(c, s))))) continue;
      const rule = rulesById.get(finding.ruleId) as Rule;
      const sharing = candidates.filter((f) => f.fix === finding.fix);
      const proof = await proveFix(current, rule, finding.fix as Fix, sharing.map((f) => f.key), options);
      if (!proof.ok) {
        for (const f of sharing) {
          rejectedKeys.add(`${f.ruleId}\0${f.key}`);
          markStatus(status, f, 'rejected');
        }
        diagnostics.push({ file: finding.file, line: finding.line, column: finding.column, kind: 'fix-rejected', ruleId: finding.ruleId, message: `fix dropped: ${proof.reason}` });
        continue;
      }
      claimed.push(...spans);
      accepted.push(finding);
      acceptedFixes.add(finding.fix as Fix);
    }
    if (accepted.length === 0) break;
    // Apply all accepted fixes together: their spans are disjoint, so edits compose.
    let next = current;
    const allEdits = [...acceptedFixes].flatMap((f) => f.edits);
    const allCreates = [...acceptedFixes].flatMap((f) => f.creates ?? []);
    const combined = applyFix(current, { safety: 'safe', description: 'combined', edits: allEdits, creates: allCreates });
    if (!combined.ok) {
      diagnostics.push({ file: '', kind: 'note', message: `fixes of pass ${passes} could not be combined: ${combined.reason}` });
      break;
    }
    next = combined.view;
    let combinedOk = true;
    for (const p of combined.changed.keys()) {
      const file = next.read(p);
      const problem = file ? await parseProblem(file) : { message: 'unreadable', offset: 0 };
      if (problem) {
        combinedOk = false;
        diagnostics.push({ file: p, kind: 'fix-rejected', message: `fixes of pass ${passes} together leave ${p} unparsable (${problem.message}); none applied` });
      }
    }
    if (!combinedOk) {
      for (const f of accepted) rejectedKeys.add(`${f.ruleId}\0${f.key}`);
      for (const f of accepted) markStatus(status, f, 'rejected');
      continue;
    }
    const recorded = new Set<Fix>();
    for (const f of accepted) {
      if (!recorded.has(f.fix as Fix)) applied.push({ ruleId: f.ruleId, fix: f.fix as Fix, finding: f });
      recorded.add(f.fix as Fix);
      markStatus(status, f, 'applied');
    }
    const state = fingerprintState(next, ws);
    if (seen.has(state)) {
      diagnostics.push({ file: '', kind: 'note', message: `fixes oscillate: pass ${passes} returned the tree to an earlier state; stopped` });
      current = next;
      break;
    }
    seen.add(state);
    current = next;
    findings = await detect(current, options.rules, options.ruleOptions, undefined, options.keep);
  }

  const remaining = current === ws ? initial : await detect(current, options.rules, options.ruleOptions, undefined, options.keep);
  // Each fix is proven against its own rule; a finding of any rule that only exists after the
  // fixes is surfaced, so a chain of fixes can never hide the harm it does.
  const before = new Set(initial.map((f) => `${f.ruleId}\0${f.key}`));
  for (const f of remaining) {
    if (!before.has(`${f.ruleId}\0${f.key}`)) {
      diagnostics.push({ file: f.file, line: f.line, column: f.column, kind: 'note', ruleId: f.ruleId, message: `the fixes of this run introduced a new finding: ${f.message}` });
    }
  }
  const changes: FileChange[] = current.changedSince(ws).map((p) => ({
    path: p,
    before: ws.read(p)?.text,
    after: current.read(p)?.text ?? '',
    bom: current.read(p)?.bom ?? false,
  }));
  for (const d of ws.diagnostics) diagnostics.push(d);
  return {
    findings: initial.map((f) => ({ ...f, fixStatus: status.get(f) ?? null })),
    remaining,
    changes,
    diagnostics: dedupeDiagnostics(diagnostics),
    passes,
    applied,
    final: current,
  };
}

/** A finding of a later pass stands for the first-pass finding with the same rule and key. */
function markStatus(status: Map<Finding, FixStatus | null>, finding: Finding, value: FixStatus): void {
  for (const f of status.keys()) {
    if (f === finding || (f.ruleId === finding.ruleId && f.key === finding.key)) {
      if (status.get(f) !== 'applied') status.set(f, value);
    }
  }
}

function dedupeDiagnostics(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const k = `${d.kind}\0${d.file}\0${d.line ?? ''}\0${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
