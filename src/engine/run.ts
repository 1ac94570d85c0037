import type { Diagnostic, Finding, Fix, RawFinding, Safety } from '../model/types.js';
import { effectiveOptions, renderMessage, type Rule } from '../model/rule.js';
import type { Workspace } from '../workspace/workspace.js';
import { Facts } from '../facts/facts.js';
import type { Releasable } from '../facts/fact.js';
import { applyEdits, changedOutsideSpans, checkEdits, editsConflict } from './edits.js';
import { formatOf, parseProblem, toolProblem } from '../formats/validate.js';
import { dialectOf } from '../formats/dialect.js';
import { aliasBombProblem, parseYaml } from '../formats/yaml.js';
import { scriptDepthProblem } from '../formats/bundler-config.js';
import { setPassRules } from '../formats/python.js';
import { plainRelative } from './safe-path.js';
import { relieveHeap } from '../util/heap.js';
import { runOverlapped } from './overlap.js';

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
  /**
   * Rules whose fixes are not applied because, in an earlier attempt of this run, they never
   * settled (oscillation or the pass cap): a second run would have changed the files again.
   */
  unsettled?: ReadonlySet<string>;
  /**
   * Rule ids whose fixes may be applied (default: every rule's). The other rules still run, for
   * the rules that judge their findings: unused-suppression needs every rule's findings to
   * know which suppressions are used, even when only its own fixes are to be committed.
   */
  fixRules?: ReadonlySet<string>;
  /** Told what the run is doing, for a progress display: the first pass's rules, then each fix pass. */
  onProgress?: (step: RunProgress) => void;
}

export type RunProgress = { phase: 'detect'; rule: string; index: number; total: number } | { phase: 'fix'; pass: number };

export type FixStatus = 'applied' | 'held-back' | 'rejected' | 'not-applied' | 'not-written';

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
  /**
   * The file was moved here from this path (`path` is its new place), byte for byte: `before`
   * and `after` are its text, or both undefined/'' when it is not text (binary, too large).
   */
  movedFrom?: string;
  /**
   * The other changed files that share a fix with this one (transitively): a multi-file fix is
   * written whole or not at all, so these are written — or rolled back — together.
   */
  linked?: string[];
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

/**
 * Run every rule once over a workspace view. A rule that throws is reported, not fatal.
 * `release`: no rule runs again on any view of this disk, so what the rules read (Rule.reads)
 * is let go after the last rule that reads it.
 */
export async function detect(ws: Workspace, rules: readonly Rule[], ruleOptions: RunOptions['ruleOptions'] = {}, diagnostics?: Diagnostic[], keep?: RunOptions['keep'], onProgress?: RunOptions['onProgress'], release = false): Promise<Finding[]> {
  const facts = Facts.of(ws);
  const lastReader = new Map<Releasable, number>();
  if (release) {
    for (const [index, rule] of rules.entries()) {
      if (rule.readsIf && !rule.readsIf({ workspace: ws, options: effectiveOptions(rule.meta, ruleOptions?.[rule.meta.id]) })) continue;
      for (const data of rule.reads ?? []) lastReader.set(data, index);
    }
  }
  // The Python analyses of rules that do not run stay out of the shared parse (formats/python.ts).
  setPassRules(rules.map((r) => r.meta.id));
  const findings: Finding[] = [];
  const all: Finding[] = [];
  const kept: Array<{ raw: RawFinding; finding: Finding }> = [];
  const outcomes = runOverlapped(rules, (rule) => rule.check({ workspace: ws, facts, files: facts.files, options: effectiveOptions(rule.meta, ruleOptions?.[rule.meta.id]) }), (index, rule) => onProgress?.({ phase: 'detect', rule: rule.meta.id, index, total: rules.length }));
  for await (const { index, rule, outcome } of outcomes) {
    let raw: RawFinding[];
    let stamped: Finding[];
    try {
      if ('error' in outcome) throw outcome.error;
      raw = outcome.raw;
      // A message id the rule does not declare is its failure, reported like one.
      stamped = raw.map((r) => stamp(ws, rule, r));
    } catch (error) {
      diagnostics?.push({ file: '', kind: 'note', ruleId: rule.meta.id, message: `rule ${rule.meta.id} failed: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    } finally {
      let released = false;
      for (const [data, last] of lastReader) {
        if (last !== index) continue;
        data.release(ws);
        released = true;
      }
      // What the rule worked with is garbage now: in a large repository, let it go before the next rule grows the heap.
      relieveHeap(released);
    }
    // Kept rule by rule: a suppression must be seen as used before the rule that reports unused
    // ones runs (it runs last).
    for (const [i, r] of raw.entries()) {
      const finding = stamped[i] as Finding;
      all.push(finding);
      if (!keep || keep(finding, ws)) kept.push({ raw: r, finding });
    }
  }
  const reported = new Set(all.map((f) => `${f.ruleId}\0${f.key}`));
  for (const { raw, finding } of kept) {
    if (!raw.reportedBy || !reported.has(`${raw.reportedBy.ruleId}\0${raw.reportedBy.key}`)) findings.push(finding);
  }
  if (diagnostics) {
    const reported = new Set<string>();
    // Only when a rule asked for the compose model: a broken compose file no selected rule
    // reads is not this run's business (building the model here would also cost a parse).
    for (const b of facts.composeIfBuilt?.broken ?? []) {
      const pos = ws.probe(b.path)?.position(b.offset);
      reported.add(b.path);
      diagnostics.push({ file: b.path, line: pos?.line, column: pos?.column, kind: 'parse-error', message: `could not parse ${b.path} at ${pos?.line ?? 1}:${pos?.column ?? 1}: ${b.message}` });
    }
    // Every other file whose structure a rule relied on (Workspace.read, not probe) and that is
    // not valid for its tool (YAML, JSON, TOML, Dockerfile, Python) is named with its position:
    // the rules skip what they cannot parse, and the user should know why a file was not
    // checked. Scripts are not parsed here (ts-morph is costly to load): only nesting too deep
    // for the parser, found by a linear scan or met by a rule's parse, is named.
    for (const p of ws.reliedPaths()) {
      const format = formatOf(p);
      if (reported.has(p) || format === undefined) continue;
      const file = ws.probe(p);
      if (!file) continue;
      if (format === 'script') {
        const deep = scriptDepthProblem(file);
        const pos = deep ? file.position(deep.offset) : undefined;
        if (deep && pos) diagnostics.push({ file: p, line: pos.line, column: pos.column, kind: 'parse-error', message: `could not parse ${p} at ${pos.line}:${pos.column}: ${deep.message}` });
        continue;
      }
      let problem;
      try {
        problem = await toolProblem(ws, file);
      } catch (error) {
        problem = { message: error instanceof Error ? error.message : String(error), offset: 0 };
      }
      if (!problem) {
        const bomb = format === 'yaml' ? aliasBombProblem(parseYaml(file)) : undefined;
        if (bomb) diagnostics.push({ file: p, kind: 'note', message: `${p}: ${bomb}` });
        continue;
      }
      const pos = file.position(problem.offset);
      diagnostics.push({ file: p, line: pos.line, column: pos.column, kind: 'parse-error', message: `could not parse ${p} at ${pos.line}:${pos.column}: ${problem.message}` });
    }
  }
  return findings;
}

function stamp(ws: Workspace, rule: Rule, r: RawFinding): Finding {
  // Offset 0 is 1:1 in any file: a finding on a file that is not text (a database) needs no read.
  const pos = (r.offset === 0 ? undefined : ws.probe(r.file)?.position(r.offset)) ?? { line: 1, column: 1 };
  return {
    ruleId: rule.meta.id,
    seedIds: r.seedIds ?? rule.meta.seedIds,
    severity: r.severity ?? rule.meta.defaultSeverity,
    file: r.file,
    line: pos.line,
    column: pos.column,
    message: r.messageId !== undefined ? renderMessage(rule.meta, r.messageId, r.data) : (r.message ?? ''),
    ...(r.messageId !== undefined ? { messageId: r.messageId, data: r.data ?? {} } : {}),
    key: r.key,
    fix: r.fix ?? null,
    // A reason to withhold a fix means nothing next to a fix.
    ...(r.skipReason !== undefined && !r.fix ? { skipReason: r.skipReason } : {}),
    ...(r.wholeFile ? { wholeFile: true as const } : {}),
  };
}

/** Why the moves of a fix cannot be made on `ws`, if so (see FileMove). */
function moveProblem(ws: Workspace, fix: Fix): string | undefined {
  const moves = fix.moves ?? [];
  const written = new Set([...fix.edits.map((e) => e.file), ...(fix.creates ?? []).map((c) => c.file)]);
  const sources = new Set<string>();
  const targets = new Set<string>();
  for (const m of moves) {
    if (!plainRelative(m.from) || !plainRelative(m.to) || m.from.includes('\\') || m.to.includes('\\')) return `move ${m.from} → ${m.to}: not a plain path inside the root`;
    if (m.from === m.to) return `move ${m.from} → ${m.to}: the file does not move`;
    if (sources.has(m.from)) return `${m.from} is moved twice`;
    if (targets.has(m.to)) return `two files are moved to ${m.to}`;
    sources.add(m.from);
    targets.add(m.to);
  }
  for (const m of moves) {
    if (written.has(m.from) || written.has(m.to)) return `${written.has(m.from) ? m.from : m.to} is both moved and edited or created by the fix`;
    if (targets.has(m.from)) return `${m.from} is both the source and the target of a move`;
    if (!ws.isMovable(m.from)) return `${m.from} is not a file of the workspace that can be moved (absent, a symbolic link, or changed by another fix)`;
    if (ws.occupied(m.to)) return `${m.to} already exists; a move never overwrites`;
    // A target inside a folder that is a file, or a file moved under itself.
    for (let i = m.to.indexOf('/'); i !== -1; i = m.to.indexOf('/', i + 1)) {
      const dir = m.to.slice(0, i);
      if (ws.has(dir) || sources.has(dir)) return `${m.to}: ${dir} is a file`;
    }
  }
  return undefined;
}

/** Apply one fix to a view, or say why it cannot be applied. */
export function applyFix(ws: Workspace, fix: Fix): { ok: true; view: Workspace; changed: Map<string, string> } | { ok: false; reason: string } {
  const movesWrong = moveProblem(ws, fix);
  if (movesWrong) return { ok: false, reason: movesWrong };
  const moves = fix.moves ?? [];
  const byFile = new Map<string, typeof fix.edits>();
  for (const e of fix.edits) {
    const list = byFile.get(e.file);
    if (list) list.push(e);
    else byFile.set(e.file, [e]);
  }
  const changed = new Map<string, string>();
  for (const [p, edits] of byFile) {
    const file = ws.probe(p);
    if (!file || !ws.isEditable(p) || ws.isMoved(p)) return { ok: false, reason: `${p} is not an editable file of the workspace${file ? ' (a symbolic link)' : ''}` };
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
  if (changed.size === 0 && moves.length === 0) return { ok: false, reason: 'the fix changes nothing' };
  for (const [p, text] of changed) if (ws.probe(p)?.text === text) changed.delete(p);
  if (changed.size === 0 && moves.length === 0) return { ok: false, reason: 'the fix changes nothing' };
  return { ok: true, view: ws.withChanges(changed, moves), changed };
}

/**
 * Prove one fix on its own: it applies cleanly, touches nothing outside its spans, every file it
 * touches still parses, and the rule that proposed it no longer reports the same problem.
 */
async function proveFix(ws: Workspace, rule: Rule, fix: Fix, keys: string[], options: RunOptions): Promise<{ ok: true; changed: Map<string, string> } | { ok: false; reason: string }> {
  const applied = applyFix(ws, fix);
  if (!applied.ok) return applied;
  for (const p of applied.changed.keys()) {
    const file = applied.view.probe(p);
    if (!file) return { ok: false, reason: `${p} cannot be read back` };
    const problem = await parseProblem(file, dialectOf(p, applied.view));
    if (problem) {
      const pos = file.position(problem.offset);
      return { ok: false, reason: `${p} would not parse at ${pos.line}:${pos.column}: ${problem.message}` };
    }
  }
  for (const m of fix.moves ?? []) {
    // The source is gone and the target holds its exact text (a file that is not text keeps its bytes: the write links it).
    if (applied.view.has(m.from) || !applied.view.has(m.to) || applied.view.peek(m.to)?.text !== ws.peek(m.from)?.text) return { ok: false, reason: `${m.from} → ${m.to}: the move did not carry the file over intact` };
  }
  const again = await detect(applied.view, [rule], options.ruleOptions, undefined, options.keep);
  const still = again.find((f) => keys.includes(f.key));
  if (still) return { ok: false, reason: `the rule still reports the problem after the fix (${still.message})` };
  return { ok: true, changed: applied.changed };
}

function touches(fix: Fix, p: string): boolean {
  return fix.edits.some((e) => e.file === p) || (fix.creates ?? []).some((c) => c.file === p) || (fix.moves ?? []).some((m) => m.from === p || m.to === p);
}

async function unparsable(view: Workspace, paths: string[]): Promise<Array<{ path: string; message: string }>> {
  const out: Array<{ path: string; message: string }> = [];
  for (const p of paths) {
    const file = view.probe(p);
    const problem = file ? await parseProblem(file, dialectOf(p, view)) : { message: 'unreadable', offset: 0 };
    if (problem) {
      const pos = file?.position(problem.offset);
      out.push({ path: p, message: pos ? `at ${pos.line}:${pos.column}: ${problem.message}` : problem.message });
    }
  }
  return out;
}

/**
 * Prove one rule's fixes of a pass. They are applied together and the rule re-run once — the
 * cost of a proof must not grow with the number of fixes — and only the suspects (a file that
 * no longer parses, a problem still reported) are proven one by one, alone. Returns the reason
 * for every fix that fails.
 */
async function proveRuleFixes(ws: Workspace, rule: Rule, fixes: Fix[], members: Map<Fix, Finding[]>, options: RunOptions): Promise<Map<Fix, string>> {
  const verdicts = new Map<Fix, string>();
  const keysOf = (fix: Fix): string[] => (members.get(fix) ?? []).map((f) => f.key);
  const suspects = new Set<Fix>();
  if (fixes.length === 1) {
    suspects.add(fixes[0] as Fix);
  } else {
    const combined = applyFix(ws, { safety: 'safe', description: 'combined', edits: fixes.flatMap((f) => f.edits), creates: fixes.flatMap((f) => f.creates ?? []), moves: fixes.flatMap((f) => f.moves ?? []) });
    if (!combined.ok) {
      for (const f of fixes) suspects.add(f);
    } else {
      const broken = await unparsable(combined.view, [...combined.changed.keys()]);
      for (const fix of fixes) if (broken.some((b) => touches(fix, b.path))) suspects.add(fix);
      const still = new Set((await detect(combined.view, [rule], options.ruleOptions, undefined, options.keep)).map((f) => f.key));
      for (const fix of fixes) if (keysOf(fix).some((k) => still.has(k))) suspects.add(fix);
    }
  }
  for (const fix of suspects) {
    const proof = await proveFix(ws, rule, fix, keysOf(fix), options);
    if (!proof.ok) verdicts.set(fix, proof.reason);
  }
  return verdicts;
}

/** What a fix claims in a pass: its edits' spans; a created file, and both paths of a move, whole (-1). */
function spansOf(fix: Fix): Array<{ file: string; start: number; end: number }> {
  return [
    ...fix.edits.map((e) => ({ file: e.file, start: e.start, end: e.end })),
    ...(fix.creates ?? []).map((c) => ({ file: c.file, start: -1, end: -1 })),
    ...(fix.moves ?? []).flatMap((m) => [m.from, m.to]).map((file) => ({ file, start: -1, end: -1 })),
  ];
}


function fingerprintState(ws: Workspace, base: Workspace): string {
  return [
    ...ws.changedSince(base).map((p) => `${p}\0${ws.probe(p)?.text ?? ''}`),
    ...ws.movesSince(base).map((m) => `${m.from}\0→\0${m.to}`),
  ].join('\0\0');
}

/**
 * Detect, then fix to a fixed point: each pass proves every candidate fix alone, applies the
 * non-overlapping proven ones together, and detects again. Stops when no fix is left, when a
 * state repeats (oscillation) or after maxPasses.
 */
export async function run(ws: Workspace, options: RunOptions): Promise<RunResult> {
  const diagnostics: Diagnostic[] = [];
  const order = new Map(options.rules.map((r, i) => [r.meta.id, i]));
  // A run that applies nothing detects once: no fix pass runs a rule again, so what the rules read goes after its last reader.
  const initial = await detect(ws, options.rules, options.ruleOptions, diagnostics, options.keep, options.onProgress, options.apply.size === 0);
  const accepted = options.accepted ?? options.apply;
  const unsettled = options.unsettled ?? new Set<string>();
  const status = new Map<Finding, FixStatus | null>(
    initial.map((f) => [f, f.fix ? (unsettled.has(f.ruleId) && options.apply.has(f.fix.safety) ? 'rejected' : accepted.has(f.fix.safety) ? 'not-applied' : 'held-back') : null]),
  );
  const applied: RunResult['applied'] = [];
  const rejectedKeys = new Set<string>();
  // Each state reached, with the pass that reached it, and the rules each pass applied: a fix
  // loop that never settles is traced back to the rules that drive it.
  const seenAt = new Map<string, number>([[fingerprintState(ws, ws), 0]]);
  const passRules: Array<Set<string>> = [new Set()];
  let culprits: { rules: Set<string>; why: string } | undefined;
  let current = ws;
  let findings = initial;
  let passes = 0;
  const maxPasses = options.maxPasses ?? DEFAULT_MAX_PASSES;

  while (options.apply.size > 0) {
    const candidates = findings
      .filter((f) => f.fix && options.apply.has(f.fix.safety) && !unsettled.has(f.ruleId) && (!options.fixRules || options.fixRules.has(f.ruleId)) && !rejectedKeys.has(`${f.ruleId}\0${f.key}`))
      .sort((a, b) => (order.get(a.ruleId) ?? 0) - (order.get(b.ruleId) ?? 0) || a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
    if (candidates.length === 0) break;
    if (passes >= maxPasses) {
      culprits = { rules: new Set(candidates.map((f) => f.ruleId)), why: `no fixed point after ${maxPasses} passes` };
      break;
    }
    passes++;
    options.onProgress?.({ phase: 'fix', pass: passes });
    const claimed: Array<{ file: string; start: number; end: number }> = [];
    const conflicts = (spans: Array<{ file: string; start: number; end: number }>): boolean =>
      spans.some((s) => claimed.some((c) => c.file === s.file && (s.start < 0 || c.start < 0 || editsConflict(c, s))));
    const members = new Map<Fix, Finding[]>();
    const acceptedFixes = new Set<Fix>();
    const reject = (fix: Fix, reason: string): void => {
      const sharing = members.get(fix) ?? [];
      for (const f of sharing) {
        rejectedKeys.add(`${f.ruleId}\0${f.key}`);
        markStatus(status, f, 'rejected');
      }
      const first = sharing[0];
      if (first) diagnostics.push({ file: first.file, line: first.line, column: first.column, kind: 'fix-rejected', ruleId: first.ruleId, message: `fix dropped: ${reason}` });
    };
    for (const rule of options.rules) {
      // This rule's fixes, minus those overlapping a fix already taken this pass (they wait for
      // the next pass, where they are re-derived from the new text). Findings may share a fix.
      const fixes: Fix[] = [];
      for (const finding of candidates) {
        if (finding.ruleId !== rule.meta.id) continue;
        const fix = finding.fix as Fix;
        const group = members.get(fix);
        if (group) {
          group.push(finding);
          continue;
        }
        const spans = spansOf(fix);
        if (conflicts(spans)) continue;
        members.set(fix, [finding]);
        fixes.push(fix);
        claimed.push(...spans);
      }
      if (fixes.length === 0) continue;
      const verdicts = await proveRuleFixes(current, rule, fixes, members, options);
      for (const fix of fixes) {
        const verdict = verdicts.get(fix);
        if (verdict === undefined) acceptedFixes.add(fix);
        else reject(fix, verdict);
      }
    }
    if (acceptedFixes.size === 0) break;
    // Apply the accepted fixes together (their spans are disjoint, so edits compose). Should two
    // proven fixes still break a file together, the fixes touching that file are dropped.
    let next = current;
    for (;;) {
      const allEdits = [...acceptedFixes].flatMap((f) => f.edits);
      const allCreates = [...acceptedFixes].flatMap((f) => f.creates ?? []);
      const allMoves = [...acceptedFixes].flatMap((f) => f.moves ?? []);
      const combined = applyFix(current, { safety: 'safe', description: 'combined', edits: allEdits, creates: allCreates, moves: allMoves });
      if (!combined.ok) {
        diagnostics.push({ file: '', kind: 'note', message: `fixes of pass ${passes} could not be combined: ${combined.reason}` });
        acceptedFixes.clear();
        break;
      }
      const broken = await unparsable(combined.view, [...combined.changed.keys()]);
      if (broken.length === 0) {
        next = combined.view;
        break;
      }
      for (const fix of [...acceptedFixes]) {
        const bad = broken.find((b) => touches(fix, b.path));
        if (bad) {
          acceptedFixes.delete(fix);
          reject(fix, `fixes of pass ${passes} together leave ${bad.path} unparsable (${bad.message})`);
        }
      }
      if (acceptedFixes.size === 0) break;
    }
    if (acceptedFixes.size === 0) break;
    const accepted = [...acceptedFixes].flatMap((fix) => members.get(fix) ?? []);
    const recorded = new Set<Fix>();
    for (const f of accepted) {
      if (!recorded.has(f.fix as Fix)) applied.push({ ruleId: f.ruleId, fix: f.fix as Fix, finding: f });
      recorded.add(f.fix as Fix);
      markStatus(status, f, 'applied');
    }
    passRules.push(new Set(accepted.map((f) => f.ruleId)));
    const state = fingerprintState(next, ws);
    const earlier = seenAt.get(state);
    if (earlier !== undefined) {
      culprits = { rules: new Set(passRules.slice(earlier + 1).flatMap((r) => [...r])), why: `pass ${passes} returned the files to their state after pass ${earlier} (the fixes oscillate)` };
      break;
    }
    seenAt.set(state, passes);
    current = next;
    findings = await detect(current, options.rules, options.ruleOptions, undefined, options.keep);
  }

  if (culprits && culprits.rules.size > 0) {
    // Writing this state would leave work for a second run. Start again without the fixes of
    // the rules that keep the loop going; their findings stay, reported as rejected.
    const again = await run(ws, { ...options, unsettled: new Set([...unsettled, ...culprits.rules]) });
    const dropped: Diagnostic[] = [...culprits.rules].sort().map((ruleId) => ({
      file: '',
      kind: 'fix-rejected',
      ruleId,
      message: `fixes dropped: ${culprits.why}; a second run would change the files again`,
    }));
    return { ...again, diagnostics: dedupeDiagnostics([...dropped, ...again.diagnostics]) };
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
  const changedPaths = current.changedSince(ws);
  const moves = current.movesSince(ws);
  const linkedOf = linkedFiles(applied.map((a) => a.fix), new Set([...changedPaths, ...moves.map((m) => m.to)]));
  const changes: FileChange[] = [
    ...changedPaths.map((p) => ({
      path: p,
      before: ws.probe(p)?.text,
      after: current.probe(p)?.text ?? '',
      bom: current.probe(p)?.bom ?? false,
      ...(linkedOf.has(p) ? { linked: linkedOf.get(p) } : {}),
    })),
    ...moves.map((m) => ({
      path: m.to,
      movedFrom: m.from,
      before: current.probe(m.to)?.text,
      after: current.probe(m.to)?.text ?? '',
      bom: current.probe(m.to)?.bom ?? false,
      ...(linkedOf.has(m.to) ? { linked: linkedOf.get(m.to) } : {}),
    })),
  ].sort((a, b) => a.path.localeCompare(b.path));
  // By file: rules that overlap (engine/overlap.ts) read files in an order that depends on how
  // fast git answers, and the workspace notes a file it skips when it is first read.
  for (const d of [...ws.diagnostics].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) diagnostics.push(d);
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

/**
 * Files tied together by the fixes that changed them: union-find over the files each fix
 * touches, so a chain (fix A on f1+f2, fix B on f2+f3) ties all three. Only changed files count.
 */
function linkedFiles(fixes: readonly Fix[], changed: ReadonlySet<string>): Map<string, string[]> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) as string;
    for (let y = x; y !== r; ) {
      const next = parent.get(y) as string;
      parent.set(y, r);
      y = next;
    }
    return r;
  };
  for (const fix of fixes) {
    // A move is one change, named by its target.
    const files = [...new Set([...fix.edits.map((e) => e.file), ...(fix.creates ?? []).map((c) => c.file), ...(fix.moves ?? []).map((m) => m.to)])].filter((f) => changed.has(f));
    for (const f of files) if (!parent.has(f)) parent.set(f, f);
    for (let i = 1; i < files.length; i++) {
      const a = find(files[0] as string);
      const b = find(files[i] as string);
      if (a !== b) parent.set(b, a);
    }
  }
  const groups = new Map<string, string[]>();
  for (const f of parent.keys()) {
    const root = find(f);
    const list = groups.get(root);
    if (list) list.push(f);
    else groups.set(root, [f]);
  }
  const out = new Map<string, string[]>();
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const sorted = [...members].sort();
    for (const f of sorted) out.set(f, sorted.filter((o) => o !== f));
  }
  return out;
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
    const k = `${d.kind}\0${d.ruleId ?? ''}\0${d.file}\0${d.line ?? ''}\0${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * The run as it reached the disk: after a `--write` that failed or was interrupted for some
 * files, a fix that touches a file not written is `not-written`, its finding remains, and only
 * the written files count as changed. Reports must not claim what did not happen.
 */
export function asWritten(result: RunResult, written: readonly string[]): RunResult {
  const onDisk = new Set(written);
  const missed = (fix: Fix | null): boolean => !!fix && [...fix.edits.map((e) => e.file), ...(fix.creates ?? []).map((c) => c.file), ...(fix.moves ?? []).map((m) => m.to)].some((f) => !onDisk.has(f));
  const lost = result.findings.filter((f) => f.fixStatus === 'applied' && missed(f.fix));
  if (lost.length === 0 && result.changes.every((c) => onDisk.has(c.path))) return result;
  const lostSet = new Set(lost);
  return {
    ...result,
    findings: result.findings.map((f) => (lostSet.has(f) ? { ...f, fixStatus: 'not-written' as const } : f)),
    remaining: [...result.remaining, ...lost.filter((f) => !result.remaining.some((r) => r.ruleId === f.ruleId && r.key === f.key))],
    changes: result.changes.filter((c) => onDisk.has(c.path)),
    applied: result.applied.filter((a) => !missed(a.fix)),
  };
}